"""Benchmark: DatabaseSource's chunked keyset read of all 1,469,307 transactions from the embedded database,
against one `pandas.read_sql` of the same ordered query, each in a fresh process (median of --repeats).
The chunked read holds one chunk at a time, so its peak memory stays bounded."""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, median

CHUNKED = '''
import sys
from mlsys.dataops.database import DatabaseSource
rows = 0
for b in DatabaseSource(sys.argv[1], 'transactions', watermark='transaction_timestamp', keys=['basket_id', 'product_id'], chunksize=100_000).batches():
    rows += len(b.frame)
print(rows)
'''
WHOLE = '''
import sys, pandas as pd, sqlalchemy as sa
cols = ['household_id', 'store_id', 'basket_id', 'product_id', 'quantity', 'sales_value', 'retail_disc', 'coupon_disc',
        'coupon_match_disc', 'week', 'transaction_timestamp']
sql = 'SELECT ' + ', '.join(cols) + ' FROM transactions ORDER BY transaction_timestamp, basket_id, product_id'
with sa.create_engine(sys.argv[1]).connect() as con: df = pd.read_sql(sa.text(sql), con)
print(len(df))
'''

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    from mlsys.dataops.database import build_retail_database
    url = f'sqlite:///{build_retail_database()}'
    runs = {'chunked': [], 'read_sql': []}
    for i in range(args.repeats):
        for name, code in (('chunked', CHUNKED), ('read_sql', WHOLE)):
            s, mem, out = measure([sys.executable, '-c', code, url])
            assert int(out) == 1_469_307, out
            runs[name].append((s, mem))
            print(f'  {name} run {i+1}: {s:.2f} s, peak {mem:.0f} MiB', flush=True)
    t = {k: median([s for s, _ in v]) for k, v in runs.items()}
    m = {k: median([p for _, p in v]) for k, v in runs.items()}
    print(f"peak memory: chunked {m['chunked']:.0f} MiB vs read_sql {m['read_sql']:.0f} MiB = {m['chunked']/m['read_sql']:.2f}x")
    print(f"db_chunked_read: {t['chunked']:.2f} s vs {t['read_sql']:.2f} s = {t['chunked']/t['read_sql']:.2f}x (target <= 1.2x)")

if __name__ == '__main__': main()
