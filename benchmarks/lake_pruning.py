"""Benchmark: reading one month (weeks 1-4) of the 20.9M-row promotions lake with read_lake (partition pruning,
schema checks file by file) against what a competent user would write instead: pandas/pyarrow prune partitions by
themselves with `read_parquet(lake, filters=[('week', 'in', [...])])`. Each in a fresh process, median of --repeats.
Reading the whole lake and filtering afterwards is also shown, for scale, but is not the baseline."""
import argparse, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, median

PRUNED = '''
import sys
from mlsys.dataops.lake import read_lake
print(len(read_lake(sys.argv[1], weeks=[1, 2, 3, 4]).frame))
'''
FILTERED = '''
import sys, pandas as pd
print(len(pd.read_parquet(sys.argv[1], filters=[('week', 'in', [1, 2, 3, 4])])))
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
    runs = {'pruned': [], 'filtered': [], 'whole': []}
    for i in range(args.repeats):
        for name, code in (('pruned', PRUNED), ('filtered', FILTERED), ('whole', WHOLE)):
            s, mem, out = measure([sys.executable, '-c', code, str(lake)])
            runs[name].append((s, mem, int(out)))
            print(f'  {name} run {i+1}: {s:.2f} s, peak {mem:.0f} MiB, {int(out):,} rows', flush=True)
    assert runs['pruned'][0][2] == runs['filtered'][0][2] == runs['whole'][0][2]
    t = {k: median([r[0] for r in v]) for k, v in runs.items()}
    m = {k: median([r[1] for r in v]) for k, v in runs.items()}
    print(f"for scale: reading the whole lake, then filtering: {t['whole']:.2f} s, peak {m['whole']:.0f} MiB")
    print(f"peak memory: read_lake {m['pruned']:.0f} MiB vs read_parquet(filters=...) {m['filtered']:.0f} MiB = {m['pruned']/m['filtered']:.2f}x")
    print(f"lake_pruning: {t['pruned']:.2f} s vs {t['filtered']:.2f} s = {t['pruned']/t['filtered']:.2f}x (target <= 1.1x)")

if __name__ == '__main__': main()
