"""Benchmark: reading one month (weeks 1-4) of the 20.9M-row promotions lake with partition pruning (read_lake),
against reading the whole lake and filtering in pandas, each in a fresh process (median of --repeats)."""
import argparse, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, median

PRUNED = '''
import sys
from mlsys.dataops.lake import read_lake
print(len(read_lake(sys.argv[1], weeks=[1, 2, 3, 4]).frame))
'''
WHOLE = '''
import sys, pandas as pd
df = pd.read_parquet(sys.argv[1])
print(int(df.week.astype(int).isin([1, 2, 3, 4]).sum()))
'''

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    from mlsys.dataops.lake import build_promotions_lake
    from mlsys.core.config import data_home
    lake = build_promotions_lake(data_home()/'lake'/'promotions')
    runs = {'pruned': [], 'whole': []}
    for i in range(args.repeats):
        for name, code in (('pruned', PRUNED), ('whole', WHOLE)):
            s, mem, out = measure([sys.executable, '-c', code, str(lake)])
            runs[name].append((s, mem, int(out)))
            print(f'  {name} run {i+1}: {s:.2f} s, peak {mem:.0f} MiB, {int(out):,} rows', flush=True)
    assert runs['pruned'][0][2] == runs['whole'][0][2]
    t = {k: median([r[0] for r in v]) for k, v in runs.items()}
    m = {k: median([r[1] for r in v]) for k, v in runs.items()}
    print(f"peak memory: pruned {m['pruned']:.0f} MiB vs whole lake {m['whole']:.0f} MiB = {m['pruned']/m['whole']:.2f}x")
    print(f"lake_pruning: {t['pruned']:.2f} s vs {t['whole']:.2f} s = {t['pruned']/t['whole']:.2f}x (target <= 0.5x)")

if __name__ == '__main__': main()
