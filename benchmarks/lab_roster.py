"""Benchmark: a 30-row roster of the sampling-bias lab run by `mlsys lab run` (2 worker processes that reuse their
kernels) against what a competent instructor would do instead, with the same rows and the same 2 cores:
(a) the papermill command line run two at a time, `xargs -P 2 papermill ...`, and (b) papermill's Python API in a
pool of 2 processes. Medians of --repeats; the ratio is against the better of the two baselines."""
import argparse, shlex, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from _measure import median

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
LAB = ROOT/'labs'/'sampling_bias.ipynb'


def _papermill_api(args):
    "One lab run through papermill's Python API (in a pool worker), as an instructor's script would do it."
    out, student_id, seed, sample_size, kernel, cwd = args
    import papermill as pm
    pm.execute_notebook(str(LAB), out, parameters={'student_id': student_id, 'seed': seed, 'sample_size': sample_size},
                        kernel_name=kernel, cwd=cwd, progress_bar=False)


def run_mlsys(roster, work, workers):
    t = time.perf_counter()
    subprocess.run([str(BIN/'mlsys'), 'lab', 'run', str(LAB), '--roster', str(work/'roster.csv'), '--out', str(work/'mlsys'),
                    '--workers', str(workers)], check=True, capture_output=True)
    seconds = time.perf_counter() - t
    done = pd.read_csv(work/'mlsys'/'results.csv')
    assert (done.status == 'success').all(), done[['id', 'status', 'error']]
    return seconds


def run_xargs(roster, work, workers, kernel):
    "One papermill command line per row, `workers` at a time (xargs -P)."
    (work/'xargs').mkdir()
    lines = '\n'.join(shlex.join([str(BIN/'papermill'), str(LAB), str(work/'xargs'/f'{r.student_id}.ipynb'), '-k', kernel,
                                  '-p', 'student_id', r.student_id, '-p', 'seed', str(r.seed),
                                  '-p', 'sample_size', str(r.sample_size), '--cwd', str(work/'xargs')])
                      for r in roster.itertuples())
    t = time.perf_counter()
    subprocess.run(['xargs', '-P', str(workers), '-I', '{}', 'sh', '-c', '{}'], input=lines, text=True, check=True, capture_output=True)
    seconds = time.perf_counter() - t
    assert len(list((work/'xargs').glob('*.ipynb'))) == len(roster)
    return seconds


def run_pool(roster, work, workers, kernel):
    "papermill's Python API in a pool of `workers` processes."
    (work/'pool').mkdir()
    jobs = [(str(work/'pool'/f'{r.student_id}.ipynb'), r.student_id, int(r.seed), int(r.sample_size), kernel, str(work/'pool'))
            for r in roster.itertuples()]
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool: list(pool.map(_papermill_api, jobs))
    seconds = time.perf_counter() - t
    assert len(list((work/'pool').glob('*.ipynb'))) == len(roster)
    return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--rows', type=int, default=30)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    from mlsys.core.notebooks import use_current_kernel
    kernel = use_current_kernel()  # also puts the kernel spec on JUPYTER_PATH for the papermill processes
    roster = pd.DataFrame({'student_id': [f's{i:02d}' for i in range(args.rows)], 'seed': range(args.rows), 'sample_size': 2000})
    times = {'mlsys': [], 'xargs': [], 'pool': []}
    for i in range(args.repeats):
        work = Path(tempfile.mkdtemp(prefix='mlsys-lab-'))
        try:
            roster.to_csv(work/'roster.csv', index=False)
            times['mlsys'].append(run_mlsys(roster, work, args.workers))
            times['xargs'].append(run_xargs(roster, work, args.workers, kernel))
            times['pool'].append(run_pool(roster, work, args.workers, kernel))
        finally: shutil.rmtree(work, ignore_errors=True)
        print(f"  repeat {i + 1}: " + ', '.join(f'{k} {v[-1]:.1f} s' for k, v in times.items()), flush=True)
    med = {k: median(v) for k, v in times.items()}
    best = min(('xargs', 'pool'), key=lambda k: med[k])
    print(f"medians of {args.repeats}: mlsys lab run {med['mlsys']:.1f} s, xargs -P {args.workers} papermill {med['xargs']:.1f} s, "
          f"papermill API in a {args.workers}-process pool {med['pool']:.1f} s ({args.rows} rows)")
    print(f"lab_roster: {med['mlsys']:.1f} s vs {med[best]:.1f} s = {med['mlsys'] / med[best]:.2f}x (target <= 0.5x)")


if __name__ == '__main__': main()
