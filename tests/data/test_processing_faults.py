"""Faults and bad input for the processing, validation and versioning steps: empty frames, all-null columns,
wrong dtypes, unknown categories, and a corrupted DVC cache entry in a real pipeline run."""
import numpy as np
import pandas as pd
import pytest
from mlsys.dataops.cleaning import clean_transactions, TRANSACTION_SCHEMA
from mlsys.dataops.features import household_features
from mlsys.dataops.validation import validate_frame, transaction_expectations, apply_policy, DataValidationError


def transactions(n=6):
    ts = pd.Timestamp('2017-03-01 10:00')
    return pd.DataFrame({'source_row': range(n), 'household_id': range(1, n + 1), 'store_id': 1,
                         'basket_id': range(10, 10 + n), 'product_id': range(100, 100 + n), 'quantity': 1,
                         'sales_value': 2.0, 'retail_disc': 0.0, 'coupon_disc': 0.0, 'coupon_match_disc': 0.0,
                         'week': 9, 'transaction_timestamp': ts})


def test_empty_frame_flows_through_cleaning_and_validation():
    empty = transactions(0).astype(str)
    res = clean_transactions(empty)
    assert len(res.kept) == 0 and len(res.quarantined) == 0
    assert list(res.kept.columns)[1:] == list(TRANSACTION_SCHEMA)
    report = validate_frame(res.kept, 'transactions', transaction_expectations())
    assert report.success, report.summary
    assert apply_policy(res.kept, report, 'fail').counts(0) == {'rows_in': 0, 'rows_out': 0, 'rows_quarantined': 0}


def test_empty_frame_for_features_is_a_clear_error():
    with pytest.raises(ValueError, match='at least one transaction'):
        household_features(transactions(0))


def test_all_null_column_is_quarantined_row_by_row_with_its_reason():
    raw = transactions().astype(str)
    raw['household_id'] = ''
    res = clean_transactions(raw)  # cleaning parses types; a missing key is validation's call
    assert res.kept.household_id.isna().all() and len(res.quarantined) == 0
    report = validate_frame(res.kept, 'transactions', transaction_expectations())
    out = apply_policy(res.kept, report, 'quarantine')
    assert len(out.kept) == 0 and len(out.quarantined) == len(raw)
    assert out.quarantined.reason.str.contains('not_be_null(household_id)', regex=False).all()


def test_all_null_column_fails_validation_naming_it():
    tx = transactions()
    tx['sales_value'] = np.nan
    report = validate_frame(tx, 'transactions', transaction_expectations())
    failed = report.summary[~report.summary.success]
    assert failed.target.tolist() == ['sales_value']
    assert int(failed.unexpected_count.iloc[0]) == len(tx)
    with pytest.raises(DataValidationError, match='sales_value'):
        apply_policy(tx, report, 'fail')


def test_wrong_dtypes_are_quarantined_with_the_original_value():
    raw = transactions().astype(str)
    raw.loc[1, 'quantity'] = '3.5'          # a fraction where a count belongs
    raw.loc[2, 'sales_value'] = 'abc'
    raw.loc[3, 'transaction_timestamp'] = '1 March'
    res = clean_transactions(raw)
    q = res.quarantined.set_index('source_row')
    assert sorted(q.index) == [1, 2, 3]
    assert 'quantity' in q.loc[1, 'reason'] and q.loc[1, 'quantity'] == '3.5'
    assert 'sales_value' in q.loc[2, 'reason'] and q.loc[2, 'sales_value'] == 'abc'
    assert 'transaction_timestamp' in q.loc[3, 'reason']
    assert len(res.kept) + len(res.quarantined) == len(raw)


def test_wrong_dtype_in_memory_is_caught_by_the_type_expectation():
    tx = transactions()
    tx['quantity'] = tx['quantity'].astype(float)
    spec = [{'type': 'expect_column_values_to_be_of_type', 'column': 'quantity', 'type_': 'int64'}]
    report = validate_frame(tx, 'types', spec)
    assert not report.success and report.table_failures == ['expect_column_values_to_be_of_type(quantity)']


def test_unknown_categories_fold_into_other_and_codes_stay_in_range():
    from mlsys.dataops.transformers import CategoryNormalizer
    train = pd.DataFrame({'department': ['Grocery', 'grocery ', 'PRODUCE', 'Drug GM']})
    new = pd.DataFrame({'department': ['Grocery', 'FLORAL', None, 'kiosk-gas']})
    labels = CategoryNormalizer().fit(train).transform(new)
    assert labels[:, 0].tolist() == ['grocery', 'other', None, 'other']
    codes = CategoryNormalizer(output='codes').fit(train).transform(new)
    assert codes[0, 0] < 3 and codes[1, 0] == 3 and np.isnan(codes[2, 0]) and codes[3, 0] == 3


def test_outlier_clipper_with_an_all_null_column_keeps_it_null():
    from mlsys.dataops.transformers import OutlierClipper
    X = pd.DataFrame({'a': [1.0, 2.0, 3.0, 100.0], 'b': [np.nan] * 4})
    with pytest.warns(RuntimeWarning):  # numpy: no quantile of an all-NaN column
        out = OutlierClipper().fit(X).transform(X)
    assert np.isnan(np.asarray(out)[:, 1]).all()
    assert np.asarray(out)[3, 0] < 100


def test_wrong_dtype_into_an_estimator_is_a_clear_error():
    from mlsys.dataops.transformers import OutlierClipper
    with pytest.raises(ValueError, match='could not convert|numeric'):
        OutlierClipper().fit(pd.DataFrame({'a': ['x', 'y']}))


def test_corrupted_cache_entry_of_a_pipeline_run_is_found_and_repaired(tmp_path, data_home):
    from mlsys.pipelines.retail import run_pipeline, RUN_LAYOUT
    from mlsys.dataops.versioning import verify_cache, repair_cache, cache_object, locked_hashes, run_dvc, add_local_remote
    from mlsys.core.storage import file_md5
    run = tmp_path/'run'
    report = run_pipeline(run, sample=500, seed=3)
    assert (verify_cache(run).status == 'ok').all()
    add_local_remote(run, tmp_path/'remote'); run_dvc(run, 'push')
    target = RUN_LAYOUT['valid']
    obj = cache_object(run, locked_hashes(run)[target])
    obj.chmod(0o644); obj.write_bytes(obj.read_bytes()[:-10] + b'0123456789')
    (run/target).unlink()
    found = verify_cache(run)
    same_object = found.md5 == locked_hashes(run)[target]  # identical outputs (clean == valid here) share one object
    assert (found[same_object].status == 'corrupted').all() and target in set(found[same_object].path)
    assert (found[~same_object].status == 'ok').all()
    assert (repair_cache(run).status == 'ok').all()  # the workspace copy is gone: restored from the remote
    run_dvc(run, 'checkout')
    assert file_md5(run/target) == report['dvc_hashes'][target]
