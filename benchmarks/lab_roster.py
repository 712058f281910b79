"""Benchmark: a 30-row roster of the sampling-bias lab run by `mlsys lab run` (2 worker processes, papermill's
Python API, kernel of this environment) against 30 sequential `papermill` command-line runs of the same lab with
the same parameters, as an instructor's shell loop would do. Wall time of each, side by side in one run."""
import argparse, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--rows', type=int, default=30)
    ap.add_argument('--workers', type=int, default=2)
    args = ap.parse_args()
    from mlsys.core.notebooks import use_current_kernel
    kernel = use_current_kernel()  # also puts the kernel spec on JUPYTER_PATH for the papermill subprocesses
    lab = ROOT/'labs'/'sampling_bias.ipynb'
    work = Path(tempfile.mkdtemp(prefix='mlsys-lab-'))
    roster = pd.DataFrame({'student_id': [f's{i:02d}' for i in range(args.rows)], 'seed': range(args.rows), 'sample_size': 2000})
    roster.to_csv(work/'roster.csv', index=False)
    try:
        t = time.perf_counter()
        subprocess.run([str(BIN/'mlsys'), 'lab', 'run', str(lab), '--roster', str(work/'roster.csv'), '--out', str(work/'roster'),
                        '--workers', str(args.workers)], check=True, capture_output=True)
        ours = time.perf_counter() - t
        done = pd.read_csv(work/'roster'/'results.csv')
        assert (done.status == 'success').all(), done[['id', 'status', 'error']]
        t = time.perf_counter()
        for r in roster.itertuples():
            subprocess.run([str(BIN/'papermill'), str(lab), str(work/f'cli-{r.student_id}.ipynb'), '-k', kernel,
                            '-p', 'student_id', r.student_id, '-p', 'seed', str(r.seed), '-p', 'sample_size', str(r.sample_size),
                            '--cwd', str(work)], check=True, capture_output=True)
        loop = time.perf_counter() - t
    finally: shutil.rmtree(work, ignore_errors=True)
    print(f"per run: {ours / args.rows:.2f} s with mlsys lab run ({args.workers} workers), {loop / args.rows:.2f} s with the papermill CLI loop")
    print(f"lab_roster: {ours:.1f} s vs {loop:.1f} s = {ours / loop:.2f}x (target <= 0.25x)")


if __name__ == '__main__': main()
