"""Benchmark: the promotions summary over all 20,940,529 rows, distributed on a local Dask cluster (2 worker
processes, one lake partition per task), against pandas loading the whole table in memory and doing the same
aggregation. Both in fresh processes; time and peak memory of each process tree (workers included)."""
import argparse, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, median

DASK = '''
import sys, json
from mlsys.pipelines.scale import dask_client, run_partitioned
client = dask_client(n_workers=2, memory_limit='2GiB')
s = run_partitioned(sys.argv[1], sys.argv[2], client, progress=False)
client.close()
print(json.dumps({'rows_in': s['rows_in'], 'rows_out': s['rows_out']}))
'''
PANDAS = '''
import sys, json, pandas as pd
from mlsys.core.datasets import complete_journey_path
df = pd.read_parquet(complete_journey_path('promotions'))
df['display'] = df.display_location.astype(str) != '0'
df['mailer'] = df.mailer_location.astype(str) != '0'
g = df.groupby(['week', 'product_id'])
out = pd.DataFrame({'stores': g.store_id.nunique(), 'display_share': g.display.mean(), 'mailer_share': g.mailer.mean()})
print(json.dumps({'rows_in': len(df), 'rows_out': len(out)}))
'''

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    import json
    from mlsys.core.config import data_home
    from mlsys.dataops.lake import build_promotions_lake
    lake = build_promotions_lake(data_home()/'lake'/'promotions')
    work = Path(tempfile.mkdtemp(prefix='mlsys-scale-'))
    runs = {'dask': [], 'pandas': []}
    for i in range(args.repeats):
        for name, cmd in (('dask', [DASK, str(lake), str(work/f'out{i}')]), ('pandas', [PANDAS])):
            s, mem, out = measure([sys.executable, '-c', *cmd])
            r = json.loads(out.strip().splitlines()[-1])
            assert r['rows_in'] == 20_940_529, r
            runs[name].append((s, mem, r['rows_out']))
            print(f'  {name} run {i+1}: {s:.2f} s, peak {mem:.0f} MiB, {r["rows_out"]:,} product-weeks', flush=True)
    assert runs['dask'][0][2] == runs['pandas'][0][2]
    t = {k: median([x[0] for x in v]) for k, v in runs.items()}
    m = {k: median([x[1] for x in v]) for k, v in runs.items()}
    print(f"time: dask {t['dask']:.2f} s vs pandas {t['pandas']:.2f} s = {t['dask'] / t['pandas']:.2f}x "
          f"(cluster start-up and per-partition I/O included)")
    print(f"throughput: {20_940_529 / t['dask']:,.0f} rows/s distributed")
    print(f"scale_out: {m['dask']:.0f} MiB vs {m['pandas']:.0f} MiB = {m['dask'] / m['pandas']:.2f}x (target <= 1.0x)")

if __name__ == '__main__': main()
