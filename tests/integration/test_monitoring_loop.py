"""The chapter-9 loop on real parts, against the MLflow server: the seeded drift is detected, the retraining window is
versioned by DVC and named by the challenger's run and version, the challenger runs in shadow behind the real service,
and the promotion rule moves `champion` (or refuses with reasons, the champion staying); the report names the delay."""
import json, uuid
from pathlib import Path
import numpy as np
import pytest
import yaml
from mlsys.core.storage import file_md5, read_json
from mlsys.modelops.loop import LOOP_THRESHOLDS, first_alarm, run_loop, shadow_scores
from mlsys.modelops.prediction_log import PredictionLake
from mlsys.modelops.promotion import PromotionRule
from mlsys.modelops.registry import _client, model_version
from mlsys.modelops.releases import read_deploy_log
from mlsys.modelops.scenario import Scenario, monitor_days, scenario_data
from mlsys.modelops.task import FEATURES
from mlsys.modelops.training import paired_bootstrap

SMALL = Scenario(days=50, drift_start=25, per_day=120, train_days=8, label_delay=5)


def unique(kind:str)->str: return f'loop-{kind}-{uuid.uuid4().hex[:10]}'


def test_the_seeded_drift_is_detected_retrained_on_a_dvc_window_shadowed_and_promoted(mlflow_url, tmp_path):
    name = unique('model')
    report = run_loop(SMALL, name=name, experiment=unique('exp'), uri=mlflow_url, work=tmp_path)
    # the report on disk is the one returned, and it names the detection delay
    assert read_json(tmp_path/'loop_report.json') == json.loads(json.dumps(report))
    reference, stream, champion_model = scenario_data(SMALL)
    m = report['monitor']  # the loop's monitor stops at its first alarm: the whole monitor, to a few days past it, agrees
    expected = first_alarm(monitor_days(stream[stream.day <= m['triggered_day'] + 3], reference, FEATURES, **LOOP_THRESHOLDS), SMALL.drift_start)
    assert (m['triggered_day'], m['false_alarm'], m['detection_delay']) == (expected['triggered_day'], False, expected['detection_delay'])
    assert 0 <= m['detection_delay'] <= 7
    # the window: a DVC-tracked Parquet file whose hash the run and the version carry
    w = report['window']
    assert w['days'] == [m['triggered_day'], m['triggered_day'] + SMALL.train_days]
    dvc_file = yaml.safe_load(Path(w['path'] + '.dvc').read_text())
    assert dvc_file['outs'][0]['md5'] == w['md5'] == file_md5(w['path'])
    v = report['challenger']['version']
    mv = model_version(name, v, mlflow_url)
    run = _client(mlflow_url).get_run(mv.run_id)
    assert mv.tags['data.features_md5'] == mv.tags['loop.window_md5'] == run.data.tags['data.features_md5'] == w['md5']
    dvc_tags = [{t.key: t.value for t in i.tags}.get('dvc_md5') for i in run.inputs.dataset_inputs]
    assert dvc_tags == [w['md5']]
    # the trial: the comparison is the one the service's prediction log supports, and the service served the champion
    ev = report['decision']['evidence']
    shadow = stream[stream.day.between(*report['calendar']['shadow'])]
    logged, refused = shadow_scores(PredictionLake(tmp_path/f'trial-v{v}'/'lake').read(), shadow, f'loop-v{v}')
    assert (len(logged), refused) == (ev['shadow_rows'], ev['shadow_rows_refused']) and len(logged) + refused == len(shadow)
    assert set(logged.challenger_version) == {v} and set(logged.champion_version) == {report['champion']['version']}
    np.testing.assert_allclose(logged.champion, champion_model.predict_proba(logged[FEATURES])[:, 1], rtol=1e-9)
    cmp = paired_bootstrap(logged.lapsed, logged.challenger, logged.champion, seed=SMALL.seed)
    assert (ev['diff'], ev['diff_low'], ev['diff_high']) == (cmp['diff'], cmp['low'], cmp['high'])
    # the decision: promoted, the champion alias moved, the evidence on the version
    assert report['decision']['decision'] == 'promoted', report['decision']['reasons']
    assert ev['diff'] >= PromotionRule().margin and not ev['tests_regressed']
    aliases = {a: str(x) for a, x in _client(mlflow_url).get_registered_model(name).aliases.items()}
    assert aliases == {'champion': v, 'previous_champion': report['champion']['version']} == {'champion': report['champion_after'], 'previous_champion': '1'}
    tags = model_version(name, v, mlflow_url).tags
    assert tags['promotion.decision'] == 'promoted' and json.loads(tags['promotion.evidence'])['diff'] == ev['diff']
    assert (tags['loop.detection_delay'], tags['loop.triggered_day']) == (str(m['detection_delay']), str(m['triggered_day']))
    old = report['champion']['version']  # the deploy log: the trial, its end with the old champion serving, the promotion
    assert [(d['action'], d['mode'], d['from_version'], d['to_version']) for d in read_deploy_log(tmp_path/f'trial-v{v}'/'deploys.jsonl', name)] == [
        ('release', 'shadow', old, v), ('release', 'champion', v, old), ('promote', 'champion', old, v)]


def test_a_margin_the_challenger_cannot_meet_is_a_refusal_with_reasons_and_the_champion_stays(mlflow_url, tmp_path):
    name = unique('model')
    report = run_loop(SMALL, name=name, experiment=unique('exp'), uri=mlflow_url, work=tmp_path, rule=PromotionRule(margin=1.0))
    d, v = report['decision'], report['challenger']['version']
    assert d['decision'] == 'refused' and any('is below the margin 1.0' in r for r in d['reasons'])
    assert report['monitor']['detection_delay'] is not None and report['champion_after'] == report['champion']['version']
    aliases = {a: str(x) for a, x in _client(mlflow_url).get_registered_model(name).aliases.items()}
    assert aliases == {'champion': report['champion']['version'], 'challenger': v}
    tags = model_version(name, v, mlflow_url).tags
    assert (tags['promotion.decision'], tags['loop.decision']) == ('rejected', 'refused')
    assert json.loads(tags['loop.reasons']) == d['reasons']
    assert read_json(tmp_path/'loop_report.json')['decision']['decision'] == 'refused'


def test_mlsys_monitor_loop_without_drift_is_not_triggered_and_keeps_the_champion(mlflow_url, tmp_path):
    from helpers import mlsys
    name = unique('model')
    p = mlsys('monitor', 'loop', '--tracking-uri', mlflow_url, '--name', name, '--work', str(tmp_path), '--json', str(tmp_path/'out.json'),
              '--days', '40', '--drift-start', '20', '--per-day', '100', '--inflation', '1.0', '--coupon-lapse', '0.0')
    report = json.loads((tmp_path/'out.json').read_text())
    assert report == read_json(tmp_path/'loop_report.json')
    assert report['monitor']['triggered_day'] is None and report['decision']['decision'] == 'not triggered'
    assert 'window' not in report and not (tmp_path/'data').exists()
    assert {a: str(x) for a, x in _client(mlflow_url).get_registered_model(name).aliases.items()} == {'champion': report['champion']['version']}
    assert 'no alarm' in p.stdout and 'decision: not triggered' in p.stdout
