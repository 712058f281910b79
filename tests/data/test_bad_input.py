"Malformed input: quarantined row by row with reasons, or stopped with a clear message; nothing lost."
import json
import pandas as pd
import pytest
from helpers import mlsys
from mlsys.pipelines.retail import run_pipeline, ingest_transactions, pipeline_params, RUN_LAYOUT
from mlsys.dataops.validation import DataValidationError


def test_quarantine_policy_keeps_every_row_accounted_for(malformed_csv, tmp_path):
    report = run_pipeline(tmp_path/'run', source=str(malformed_csv))
    rows = report['rows']
    assert rows['read'] == 501 and rows['reconciled']
    assert rows['written'] + rows['quarantined'] == rows['read']
    q = pd.read_parquet(tmp_path/'run'/RUN_LAYOUT['quarantine']).set_index('source_row')
    assert sorted(q.index) == [10, 11, 12, 13, 14, 15, 16, 17, 500]
    reasons = q.reason.to_dict()
    assert reasons[10] == "quantity: cannot parse 'three' as int"
    assert reasons[11] == 'failed expect_column_values_to_be_between(quantity)'
    assert reasons[12] == 'failed expect_column_values_to_be_between(quantity)'
    assert reasons[13] == 'failed expect_column_values_to_not_be_null(household_id)'
    assert reasons[14] == "transaction_timestamp: cannot parse 'not a time' as timestamp"
    assert reasons[15] == "transaction_timestamp: cannot parse '2017-13-45 10:00:00' as timestamp"
    assert reasons[16] == 'failed expect_column_values_to_be_between(transaction_timestamp)'
    assert reasons[17] == "sales_value: cannot parse '4,50' as float"
    assert reasons[500] == 'exact duplicate of source row 20'
    assert q.loc[10, 'quantity'] == 'three'  # original values are kept
    valid = pd.read_parquet(tmp_path/'run'/RUN_LAYOUT['valid'])
    assert not set(valid.source_row) & set(q.index)


def test_quarantine_file_is_versioned(malformed_csv, tmp_path):
    report = run_pipeline(tmp_path/'run', source=str(malformed_csv))
    assert RUN_LAYOUT['quarantine'] in report['dvc_hashes']


def test_fail_policy_names_the_expectation_and_shows_rows(malformed_csv, tmp_path):
    clean_copy = pd.read_csv(malformed_csv, dtype=str, keep_default_na=False)
    # keep only damage that parses, so the run reaches Great Expectations
    clean_copy = clean_copy.drop(index=[10, 14, 15, 17])
    path = tmp_path/'parses.csv'
    clean_copy.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as e: run_pipeline(tmp_path/'run', source=str(path), policy='fail')
    msg = str(e.value)
    assert 'expect_column_values_to_be_between(quantity): 2 of' in msg
    assert 'expect_column_values_to_not_be_null(household_id): 1 of' in msg
    assert 'Sample of failing rows' in msg and '5000000' in msg


def test_fail_policy_stops_on_unparseable_values(malformed_csv, tmp_path):
    with pytest.raises(DataValidationError, match="cannot be parsed"):
        run_pipeline(tmp_path/'run', source=str(malformed_csv), policy='fail')


def test_fail_policy_from_the_command_line_names_the_cell(malformed_csv, tmp_path):
    p = mlsys('run', '--no-progress', '--out', str(tmp_path/'cli'), '-p', 'source', str(malformed_csv),
              '-p', 'policy', 'fail', check=False)
    assert p.returncode == 1
    assert 'failed in cell' in p.stderr and 'DataValidationError' in p.stderr
    assert str(tmp_path/'cli'/'retail_pipeline.ipynb') in p.stderr


def test_missing_columns_are_named(tmp_path):
    path = tmp_path/'short.csv'
    pd.DataFrame({'household_id': [1], 'basket_id': [2]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['store_id', 'product_id'"):
        ingest_transactions(str(path))


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): ingest_transactions(str(tmp_path/'nope.csv'))
    (tmp_path/'data.xlsx').write_text('x')
    with pytest.raises(ValueError, match='Cannot read'): ingest_transactions(str(tmp_path/'data.xlsx'))


def test_parquet_source_with_the_transactions_columns(tmp_path):
    from mlsys.core.datasets import load_complete_journey
    path = tmp_path/'tx.parquet'
    load_complete_journey('transactions').iloc[:300].to_parquet(path)
    report = run_pipeline(tmp_path/'run', source=str(path), sample=100, seed=3)
    assert report['rows'] == {'read': 100, 'written': 100, 'quarantined': 0, 'reconciled': True}


@pytest.mark.parametrize('bad,msg', [({'sample': 0}, 'sample must be'), ({'seed': -1}, 'seed must be'),
                                     ({'policy': 'skip'}, 'policy must be'), ({'colour': 1}, 'Unknown pipeline parameter')])
def test_bad_parameters_are_rejected(bad, msg):
    with pytest.raises(ValueError, match=msg): pipeline_params(**bad)


def test_cli_rejects_unknown_and_mistyped_parameters_before_running(tmp_path):
    p = mlsys('run', '--out', str(tmp_path/'x'), '-p', 'sampel', '10', check=False)
    assert p.returncode == 1 and "Unknown parameter(s) ['sampel']" in p.stderr and 'seed (default 0)' in p.stderr
    assert not (tmp_path/'x').exists()
    p = mlsys('run', '--out', str(tmp_path/'y'), '-p', 'seed', 'abc', check=False)
    assert p.returncode == 1 and 'Parameter seed of retail_pipeline.ipynb must be int' in p.stderr


def test_sql_names_are_checked_against_the_schema(data_home):
    import sqlite3
    from mlsys.dataops.database import build_retail_database, read_table
    with sqlite3.connect(build_retail_database()) as con:
        with pytest.raises(ValueError, match='does not exist'): read_table(con, 'transactions; DROP TABLE products')
        with pytest.raises(ValueError, match='Unknown column'): read_table(con, 'products', ['product_id', '1; --'])
        assert read_table(con, 'products', ['product_id'], rowids=[1, 2]).shape == (2, 1)


def test_malformed_csv_lines_are_quarantined_with_line_number_and_text(tmp_path):
    "A line with an extra field stopped the whole run with ParserError; now it is quarantined like a short line."
    from mlsys.core.datasets import load_complete_journey
    lines = load_complete_journey('transactions').iloc[:300].astype(str).to_csv(index=False).splitlines()
    lines[11] += ',surplus'                      # record 10: one field too many
    lines[21] = ','.join(lines[21].split(',')[:5])  # record 20: truncated
    path = tmp_path/'broken.csv'
    path.write_text('\n'.join(lines) + '\n')
    p = mlsys('run', '--no-progress', '--out', str(tmp_path/'run'), '-p', 'source', str(path))
    report = json.loads((tmp_path/'run'/'reports'/'run_report.json').read_text())
    assert report['rows'] == {'read': 300, 'written': 298, 'quarantined': 2, 'reconciled': True}, report['rows']
    q = pd.read_parquet(tmp_path/'run'/RUN_LAYOUT['quarantine'])
    assert q.source_row.tolist() == [10, 20] and set(q.reason_code) == {'malformed_line'}
    assert q.reason[0].startswith('line 12 has 12 fields, expected 11:') and 'surplus' in q.reason[0]
    assert q.reason[1].startswith('line 22 has 5 fields, expected 11:')
    assert 'quarantined 2' in p.stdout


def test_a_huge_value_does_not_drown_the_error_message(tmp_path):
    "With -p policy fail, a 5,000-character value was printed whole, padded to full width on every line of the frame."
    from mlsys.core.datasets import load_complete_journey
    df = load_complete_journey('transactions').iloc[:200].astype(str)
    df.loc[7, 'quantity'] = 'q' * 5000
    path = tmp_path/'huge.csv'
    df.to_csv(path, index=False)
    p = mlsys('run', '--no-progress', '--out', str(tmp_path/'run'), '-p', 'source', str(path), '-p', 'policy', 'fail', check=False)
    assert p.returncode == 1 and 'cannot be parsed' in p.stderr
    assert 'more characters' in p.stderr
    assert max(len(line) for line in p.stderr.splitlines()) < 400, max(len(line) for line in p.stderr.splitlines())
    assert len(p.stderr) < 4000, len(p.stderr)
