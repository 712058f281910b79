"""The baseline for benchmarks/retail_pipeline.py: the same pipeline as a plain, hand-written script.

pandas + Great Expectations + DVC, no mlsys, no papermill, everything in memory in one process: what a careful
engineer would write by hand. Usage: python baseline_retail_script.py DATABASE OUT_DIR
"""
import os, sys, sqlite3
from pathlib import Path
os.environ.setdefault('GX_ANALYTICS_ENABLED', 'false')
os.environ.setdefault('DVC_NO_ANALYTICS', '1')
import pandas as pd, pyarrow as pa, pyarrow.parquet as pq
import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

db, out = Path(sys.argv[1]), Path(sys.argv[2]).resolve()
out.mkdir(parents=True, exist_ok=True)
cols = ['household_id', 'store_id', 'basket_id', 'product_id', 'quantity', 'sales_value', 'retail_disc',
        'coupon_disc', 'coupon_match_disc', 'week', 'transaction_timestamp']

def save(df, rel):
    path = out/rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, compression='zstd')

# ingest
with sqlite3.connect(db) as con:
    raw = pd.read_sql_query('SELECT rowid AS source_row, ' + ', '.join(cols) + ' FROM transactions ORDER BY rowid', con)
save(raw, 'data/raw/transactions.parquet')

# clean: types and exact duplicates
clean = raw.copy()
clean['transaction_timestamp'] = pd.to_datetime(clean['transaction_timestamp'], errors='coerce', format='ISO8601')
bad_ts = clean['transaction_timestamp'].isna() & raw['transaction_timestamp'].notna()
dup = clean[cols].duplicated()
rejects = clean[bad_ts | dup]
clean = clean[~(bad_ts | dup)].reset_index(drop=True)
save(clean, 'data/interim/transactions_clean.parquet')

# validate with Great Expectations (file context, Data Docs, row-level results)
ctx = gx.get_context(mode='file', project_root_dir=str(out/'reports'))
ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
E = gx.expectations
def run_suite(name, df, expectations):
    ds = ctx.data_sources.add_or_update_pandas('baseline')
    asset = ds.add_dataframe_asset(name=name)
    bd = asset.add_batch_definition_whole_dataframe('whole')
    suite = ctx.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    vd = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=bd, suite=suite))
    cp = ctx.checkpoints.add_or_update(gx.Checkpoint(name=name, validation_definitions=[vd],
        actions=[gx.checkpoint.UpdateDataDocsAction(name='docs')], result_format={'result_format': 'COMPLETE'}))
    return list(cp.run(batch_parameters={'dataframe': df}).run_results.values())[0]

from datetime import datetime
tx_suite = [E.ExpectTableColumnsToMatchSet(column_set=['source_row', *cols], exact_match=True)]
tx_suite += [E.ExpectColumnValuesToNotBeNull(column=c) for c in cols]
tx_suite += [E.ExpectColumnValuesToBeBetween(column='quantity', min_value=0, max_value=100_000),
             E.ExpectColumnValuesToBeBetween(column='sales_value', min_value=0, max_value=10_000),
             *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in ('retail_disc', 'coupon_disc', 'coupon_match_disc')],
             E.ExpectColumnValuesToBeBetween(column='week', min_value=1, max_value=53),
             E.ExpectColumnValuesToBeBetween(column='transaction_timestamp', min_value=datetime(2017, 1, 1),
                                             max_value=datetime(2018, 1, 2), strict_max=True),
             E.ExpectCompoundColumnsToBeUnique(column_list=['basket_id', 'product_id'])]
result = run_suite('transactions', clean, tx_suite)
failed_rows = sorted({i for r in result.results if not r.success for i in r.result.get('unexpected_index_list', [])})
valid = clean.drop(index=failed_rows).reset_index(drop=True)
quarantine = pd.concat([rejects, clean.loc[failed_rows]]).astype('string')
save(valid, 'data/processed/transactions.parquet')
save(quarantine, 'data/quarantine/transactions.parquet')

# household features
as_of = valid['transaction_timestamp'].max().normalize() + pd.Timedelta(days=1)
v = valid.assign(disc=valid.retail_disc + valid.coupon_disc + valid.coupon_match_disc,
                 coupon=valid.coupon_disc + valid.coupon_match_disc)
g = v.groupby('household_id')
f = g.agg(last=('transaction_timestamp', 'max'), first=('transaction_timestamp', 'min'),
          frequency_baskets=('basket_id', 'nunique'), monetary_total=('sales_value', 'sum'), items=('quantity', 'size'),
          distinct_products=('product_id', 'nunique'), active_weeks=('week', 'nunique'), disc=('disc', 'sum'), coupon=('coupon', 'sum'))
gross = f.monetary_total + f.disc
features = pd.DataFrame({
    'recency_days': (as_of - f['last']).dt.total_seconds() / 86_400, 'frequency_baskets': f.frequency_baskets,
    'monetary_total': f.monetary_total, 'avg_basket_value': f.monetary_total / f.frequency_baskets,
    'avg_items_per_basket': f['items'] / f.frequency_baskets, 'distinct_products': f.distinct_products,
    'active_weeks': f.active_weeks, 'tenure_days': (f['last'] - f['first']).dt.total_seconds() / 86_400,
    'discount_share': (f.disc / gross).fillna(0), 'coupon_share': (f.coupon / gross).fillna(0)}).reset_index().round(6)
run_suite('household_features', features, [E.ExpectColumnValuesToBeUnique(column='household_id'),
          E.ExpectColumnValuesToBeBetween(column='recency_days', min_value=0, max_value=400),
          E.ExpectColumnValuesToBeBetween(column='discount_share', min_value=0, max_value=1)])
save(features, 'data/features/households.parquet')

# version with DVC
from dvc.repo import Repo
import yaml
os.chdir(out)
if not (out/'.dvc').exists(): Repo.init(str(out), no_scm=True)
(out/'params.yaml').write_text(yaml.safe_dump({'sample': None, 'seed': 0}))
outs = ['data/raw/transactions.parquet', 'data/interim/transactions_clean.parquet', 'data/processed/transactions.parquet',
        'data/quarantine/transactions.parquet', 'data/features/households.parquet']
(out/'dvc.yaml').write_text(yaml.safe_dump({'stages': {'pipeline': {'cmd': f'python {Path(__file__).resolve()} {db} .',
                                                                     'params': ['sample', 'seed'], 'outs': outs}}}))
with Repo(str(out)) as repo: repo.commit(None, force=True)
print(f'baseline: {len(raw):,} rows read, {len(valid):,} written, {len(quarantine):,} quarantined, {len(features):,} households')
