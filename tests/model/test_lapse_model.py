"Model tests for the lapse model (Made With ML's split): minimum functionality, invariance, direction, beats the baseline; determinism."
import pytest
from mlsys.modelops.task import prepare_task
from mlsys.modelops.training import train
from mlsys.modelops import model_tests as mt


@pytest.fixture(scope='module')
def task(): return prepare_task()


@pytest.fixture(scope='module')
def model(task): return train(task, 'logreg').model


@pytest.mark.parametrize('name', list(mt.MODEL_TESTS))
def test_logreg_passes(name, model, task):
    passed, detail = mt.MODEL_TESTS[name][1](model, task)
    assert passed, f'{name}: {detail}'


def test_a_model_that_learned_nothing_fails(task):
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import make_pipeline
    dummy = make_pipeline(DummyClassifier(strategy='prior')).fit(*task.Xy('train'))
    with pytest.raises(mt.ModelTestFailed, match=r'obvious_case .*direction .*beats_baseline'):
        mt.assert_model_tests(dummy, task)


def test_same_seed_same_metrics(task):
    a, b = train(task, 'forest', seed=3), train(task, 'forest', seed=3)
    keep = [k for k in a.metrics if 'seconds' not in k and not k.startswith('p95')]
    assert {k: a.metrics[k] for k in keep} == {k: b.metrics[k] for k in keep}


def test_no_feature_sees_the_labels_quarter(task):
    from pathlib import Path
    import pandas as pd
    hist = pd.read_parquet(Path(task.data_version['pipeline_run'])/'data/raw/transactions.parquet', columns=['week'])
    assert hist.week.max() == task.params['cutoff_week'] - 1


def test_missing_feature_is_named(task):
    from mlsys.modelops.task import check_features
    with pytest.raises(ValueError, match=r"missing from the batch: \['coupon_share'\]"):
        check_features(task.table.drop(columns='coupon_share'), 'the batch')
