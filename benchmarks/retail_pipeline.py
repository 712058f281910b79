"""Benchmark: the flagship pipeline (`mlsys run`, papermill) on all 1,469,307 transactions against a plain
hand-written pandas + Great Expectations + DVC script doing the same steps (baseline_retail_script.py).

Both run as fresh processes, alternately, `--repeats` times each; the figures are medians of wall time and of the
peak resident memory of each process tree (the papermill kernel included). Usage: python benchmarks/retail_pipeline.py
"""
import argparse, shutil, statistics, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
TARGET = 1.3


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    from mlsys.dataops.database import build_retail_database
    db = build_retail_database()  # built once, outside the timings
    work = Path(tempfile.mkdtemp(prefix='mlsys-bench-'))
    runs = {'mlsys': [], 'baseline': []}
    try:
        for i in range(args.repeats):
            for name in runs:
                out = work/f'{name}-{i}'
                cmd = ([str(BIN/'mlsys'), 'run', '--no-progress', '--out', str(out)] if name == 'mlsys'
                       else [sys.executable, str(HERE/'baseline_retail_script.py'), str(db), str(out)])
                runs[name].append(measure(cmd)[:2])
                print(f"  {name} run {i+1}: {runs[name][-1][0]:.2f} s, peak {runs[name][-1][1]:.0f} MiB", flush=True)
    finally: shutil.rmtree(work, ignore_errors=True)
    t = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
    m = {k: statistics.median(p for _, p in v) for k, v in runs.items()}
    print(f"peak memory: mlsys {m['mlsys']:.0f} MiB vs baseline {m['baseline']:.0f} MiB = {m['mlsys']/m['baseline']:.2f}x")
    print(f"retail_pipeline: {t['mlsys']:.2f} s vs {t['baseline']:.2f} s = {t['mlsys']/t['baseline']:.2f}x (target <= {TARGET}x)")


if __name__ == '__main__': main()
