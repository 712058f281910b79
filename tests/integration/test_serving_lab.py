"""The serving lab for a small roster: each student's model is registered, served by `mlsys serve` in its own process,
load-tested and sent two bad requests; one student uses the class's real MLflow server."""
import uuid
import pandas as pd
from helpers import ROOT
from mlsys.course.labs import run_lab


def test_each_student_deploys_and_is_load_tested_in_turn(tmp_path, mlflow_url):
    tag = uuid.uuid4().hex[:6]
    roster = pd.DataFrame({'student_id': [f'ada-{tag}', f'alan-{tag}'], 'kind': ['logreg', 'forest'], 'n_estimators': ['', '20'],
                           'requests': ['60', '60'], 'clients': ['3', '3'], 'tracking_uri': ['', mlflow_url]})
    t = run_lab(ROOT/'labs'/'serving_load.ipynb', roster, tmp_path/'out', workers=1, timeout=600, progress=False)
    assert (t.status == 'success').all(), t[t.status != 'success'][['id', 'error']].to_dict('records')
    assert t.failed.tolist() == [0, 0]
    assert t.bad_refused.tolist() == [True, True]  # a missing field and a wrong type: 422 naming the field
    assert (t.p99_ms >= t.p50_ms).all() and (t.requests_per_s > 0).all()
    assert t.version.astype(str).tolist() == ['1', '1']  # each student's own registered model, first version
    summary = (tmp_path/'out'/'summary.html').read_text()
    assert 'Median against p99 latency' in summary


def test_a_bad_parameter_is_named(tmp_path):
    roster = pd.DataFrame({'student_id': ['eve'], 'kind': ['svm']})
    t = run_lab(ROOT/'labs'/'serving_load.ipynb', roster, tmp_path/'out', workers=1, timeout=300, progress=False)
    assert t.status.tolist() == ['failed'] and "kind must be one of ['logreg', 'forest', 'boosting'], got 'svm'" in t.error.iloc[0]
