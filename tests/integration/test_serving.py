"""Chapter 8's prediction service on real uvicorn (127.0.0.1, a free port) in front of a real registry (a SQLite
MLflow store, and once the class's `mlflow server`): answers, metrics, the prediction log, the champion moving under
load with no failed request, canary / blue-green / shadow releases with their deploy log, and `mlsys serve`."""
import os, re, subprocess, sys, threading, uuid
import httpx
import pytest

from helpers import MLSYS, ROOT, wait_for
from serving_helpers import BoundedLog, registry_copy
from mlsys.modelops.launch import ServiceThread
from mlsys.modelops.registry import set_alias
from mlsys.modelops.releases import choose_variant, read_deploy_log, set_release
from mlsys.modelops.serving import create_app
from mlsys.modelops.task import FEATURES, prepare_task

METRIC_NAMES = ['mlsys_requests_total', 'mlsys_request_latency_seconds', 'mlsys_model_info', 'mlsys_prediction_score',
                'mlsys_prediction_log_dropped_total']


@pytest.fixture(scope='module')
def households(): return prepare_task().Xy('test')[0].reset_index(drop=True)


@pytest.fixture
def uri(tmp_path): return registry_copy(tmp_path/'store')


@pytest.fixture
def service(uri):
    "The service with a bounded prediction log, on a free port; yields (client, app, log)."
    log = BoundedLog()
    app = create_app('lapse', uri, poll=0.1, prediction_log=log)
    with ServiceThread(app) as s, httpx.Client(base_url=s.url, timeout=30) as client:
        yield client, app, log


def test_answers_health_model_and_request_ids(service, households, uri):
    client, app, log = service
    assert client.get('/health').json() == {'status': 'ok'}
    assert client.get('/ready').json()['ready'] is True
    r = client.post('/predict', json={**households.iloc[0].to_dict(), 'household_id': 42}, headers={'x-request-id': 'trace-1'})
    assert r.status_code == 200 and r.headers['x-request-id'] == 'trace-1'
    body = r.json()
    assert (body['version'], body['household_id'], body['variant'], body['request_id']) == ('1', 42, 'champion', 'trace-1')
    assert 0 <= body['score'] <= 1
    bad_id = client.get('/health', headers={'x-request-id': '<script>alert(1)</script>' + 'x' * 80})
    assert re.fullmatch(r'[0-9a-f]{32}', bad_id.headers['x-request-id'])  # replaced, not echoed
    about = client.get('/model').json()
    from mlsys.modelops.registry import model_version
    mv = model_version('lapse', 'champion', uri)
    assert (about['name'], about['version'], about['alias']) == ('lapse', '1', 'champion')
    assert about['data_version'] == mv.tags['data.features_md5'] and about['commit'] == mv.tags['code.git_commit']
    assert about['run_id'] == mv.run_id and about['features'] == FEATURES


def test_batch_columns_and_rows_agree_with_single_answers(service, households):
    client, app, log = service
    rows = households.head(50).to_dict('records')
    singles = [client.post('/predict', json=r).json()['score'] for r in rows[:5]]
    by_rows = client.post('/predict/batch', json={'rows': rows}).json()
    by_cols = client.post('/predict/batch', json={'columns': {f: households.head(50)[f].tolist() for f in FEATURES}}).json()
    assert by_rows['scores'] == by_cols['scores'] and by_rows['index'] == list(range(50)) and by_rows['errors'] == []
    assert by_rows['scores'][:5] == pytest.approx(singles, abs=1e-12)


def test_metrics_have_the_agreed_names_and_the_log_gets_every_answer(service, households):
    client, app, log = service
    r1 = client.post('/predict', json=households.iloc[1].to_dict())
    r2 = client.post('/predict/batch', json={'rows': households.head(3).to_dict('records')})
    client.post('/predict', json={'nonsense': 1})
    wait_for(lambda: 'mlsys_prediction_score_count 4.0' in client.get('/metrics').text, 'four scores observed')
    text = client.get('/metrics').text
    for name in METRIC_NAMES: assert f"# TYPE {name} " in text, name
    assert 'mlsys_requests_total{endpoint="/predict",status="200"} 1.0' in text
    assert 'mlsys_requests_total{endpoint="/predict",status="422"} 1.0' in text
    assert 'mlsys_model_info{alias="champion",name="lapse",version="1"} 1.0' in text
    assert 'mlsys_request_latency_seconds_count{endpoint="/predict/batch"} 1.0' in text
    records = []
    wait_for(lambda: records.extend(log.records()) or len(records) >= 2, 'two log records')
    by_id = {r['request_id']: r for r in records}
    one = by_id[r1.headers['x-request-id']]
    assert set(one) == {'request_id', 'model_name', 'model_version', 'variant', 'input', 'output', 'latency_ms', 'time'}
    assert one['input'] == households.iloc[1].to_dict() and one['output'] == {'score': r1.json()['score']}
    assert by_id[r2.headers['x-request-id']]['output']['index'] == [0, 1, 2]


def test_a_full_prediction_log_drops_and_counts_but_never_blocks(uri, households):
    log = BoundedLog(size=2)
    with ServiceThread(create_app('lapse', uri, prediction_log=log)) as s, httpx.Client(base_url=s.url) as client:
        answers = [client.post('/predict', json=households.iloc[i].to_dict()).status_code for i in range(5)]
        assert answers == [200] * 5
        wait_for(lambda: 'mlsys_prediction_log_dropped_total 3.0' in client.get('/metrics').text, 'three drops counted')


def test_the_champion_moves_under_concurrent_load_without_a_failed_request(service, households, uri):
    "8 clients keep predicting while the champion alias moves 1 -> 2 -> 1 -> 2; every request must succeed."
    client, app, log = service
    url, stop, results, lock = str(client.base_url), threading.Event(), [], threading.Lock()
    record = households.iloc[0].to_dict()
    def hammer():
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop.is_set():
                try: r = c.post('/predict', json=record); out = (r.status_code, r.json().get('version'))
                except httpx.HTTPError as e: out = (type(e).__name__, None)
                with lock: results.append(out)
    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads: t.start()
    try:
        for version in ('2', '1', '2'):
            start = len(results)
            set_alias('lapse', 'champion', version, uri)
            # paced by progress: the move counts once answers from the new version arrive
            wait_for(lambda: any(v == version for _, v in results[start:]), f'answers from version {version}')
            wait_for(lambda: len(results) > start + 20, 'more answers after the move')
    finally:
        stop.set()
        for t in threads: t.join()
    failed = [r for r in results if r[0] != 200]
    assert not failed, f"{len(failed)} of {len(results)} requests failed, e.g. {failed[:3]}"
    assert {v for _, v in results} == {'1', '2'}


def test_moving_the_alias_back_reuses_the_loaded_version(uri):
    "A rollback or blue-green switch back costs no load: the last `keep` versions stay loaded, and no more."
    from mlsys.modelops.serving import ModelWatcher
    for keep, reused in ((4, True), (1, False)):
        set_alias('lapse', 'champion', '1', uri)
        w = ModelWatcher('lapse', uri, keep=keep)
        w.refresh(); first = w.current.variants['champion']
        for version in ('2', '1'):
            set_alias('lapse', 'champion', version, uri); assert w.refresh()
            assert w.current.variants['champion'].version == version
        assert (w.current.variants['champion'] is first) == reused, keep
        assert len(w._cache) == min(keep, 2)


def test_a_deleted_version_is_not_served_and_a_recreated_model_is_loaded_afresh(uri):
    """Regression: loaded versions were known by number only. Deleting the served version (retired, or erased with
    the data it was trained on) left it answering; and after the model was deleted and registered again, its new
    version 1 was answered by the old version 1 still in memory."""
    from mlflow.exceptions import MlflowException
    from mlsys.modelops.registry import _client, model_version, register
    from mlsys.modelops.serving import ModelWatcher
    client = _client(uri)
    run = {v: model_version('lapse', v, uri).run_id for v in ('1', '2')}
    w = ModelWatcher('lapse', uri)
    for version in ('1', '2'): set_alias('lapse', 'champion', version, uri); w.refresh()  # both loaded, 2 served
    client.delete_model_version('lapse', '2')  # its aliases go with it
    with pytest.raises(LookupError, match='no champion'): w.refresh()
    assert w.current is None and [version for version, _ in w._cache] == ['1']
    set_alias('lapse', 'champion', '1', uri); assert w.refresh()
    assert w.current.variants['champion'].info['run_id'] == run['1']
    client.delete_registered_model('lapse')
    with pytest.raises(MlflowException): w.refresh()
    assert w.current is None and not w._cache
    assert str(register(run['2'], uri=uri, alias='champion').version) == '1'  # a new model's version 1
    assert w.refresh() and w.current.variants['champion'].info['run_id'] == run['2']


def test_on_change_may_refresh_again_when_the_served_version_is_deleted(uri):
    "Regression: on_change(None) was called while the refresh lock was held, so a callback that refreshed deadlocked."
    from mlsys.modelops.registry import _client
    from mlsys.modelops.serving import ModelWatcher
    set_alias('lapse', 'champion', '1', uri)
    seen = []
    def on_change(dep):
        seen.append(dep)
        if dep is None:
            with pytest.raises(LookupError): w.refresh()  # e.g. a service checking at once whether anything is left
    w = ModelWatcher('lapse', uri, on_change=on_change); w.refresh()
    _client(uri).delete_model_version('lapse', '1')
    t = threading.Thread(target=lambda: pytest.raises(LookupError, w.refresh), daemon=True); t.start(); t.join(60)
    assert not t.is_alive(), 'refresh deadlocked in on_change'
    assert seen[-1] is None and w.current is None


def test_a_release_that_deletes_the_old_champion_swaps_without_a_gap(uri, monkeypatch):
    "Regression: moving the alias and deleting the old version within one poll left no model (503s) while the new one loaded."
    import time
    from mlsys.modelops import serving
    from mlsys.modelops.registry import _client
    set_alias('lapse', 'champion', '1', uri)
    w = serving.ModelWatcher('lapse', uri); w.refresh()
    real = serving.load_served
    monkeypatch.setattr(serving, 'load_served', lambda *a: (time.sleep(1.0), real(*a))[1])  # a slow load
    set_alias('lapse', 'champion', '2', uri); _client(uri).delete_model_version('lapse', '1')
    t = threading.Thread(target=w.refresh); t.start()
    seen = set()
    while t.is_alive(): seen.add(None if w.current is None else w.current.variants['champion'].version); time.sleep(0.005)
    t.join()
    assert None not in seen and w.current.variants['champion'].version == '2', seen


def test_canary_routes_by_request_id_and_rollback_restores_the_champion(service, households, uri, tmp_path):
    client, app, log = service
    deploys = tmp_path/'deploys.jsonl'
    set_release('lapse', 'canary', 0.3, reason='first canary of v2', uri=uri, log=deploys)
    wait_for(lambda: client.get('/model').json()['policy']['mode'] == 'canary', 'the canary policy')
    record, seen = households.iloc[0].to_dict(), {}
    for i in range(120):
        rid = f'req-{i}'
        body = client.post('/predict', json=record, headers={'x-request-id': rid}).json()
        expected = choose_variant({'mode': 'canary', 'share': 0.3}, rid)[0]
        assert body['variant'] == expected and body['version'] == {'champion': '1', 'challenger': '2'}[expected]
        seen[expected] = seen.get(expected, 0) + 1
    assert 0.2 <= seen['challenger'] / 120 <= 0.4  # fixed ids: the same share every run
    env = {**os.environ, 'MLSYS_DEPLOY_LOG': str(deploys)}
    p = subprocess.run([MLSYS, 'serve', '--tracking-uri', uri, 'rollback', '--reason', 'latency up'], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    wait_for(lambda: client.get('/model').json()['policy']['mode'] == 'champion', 'the rollback')
    assert {client.post('/predict', json=record, headers={'x-request-id': f'req-{i}'}).json()['version'] for i in range(30)} == {'1'}
    log_rows = read_deploy_log(deploys)
    assert [(r['action'], r['mode'], r['from_version'], r['to_version']) for r in log_rows] == [
        ('release', 'canary', '1', '2'), ('rollback', 'champion', '2', '1')]
    assert log_rows[1]['reason'] == 'latency up' and log_rows[0]['share'] == 0.3 and log_rows[0]['time'].endswith('Z')


def test_blue_green_switches_everything_at_once_and_back(service, households, uri, tmp_path):
    client, app, log = service
    deploys, record = tmp_path/'deploys.jsonl', households.iloc[0].to_dict()
    for active, version in (('challenger', '2'), ('champion', '1')):
        set_release('lapse', 'blue_green', active=active, uri=uri, log=deploys)
        wait_for(lambda: client.get('/model').json()['policy'].get('active') == active, f'blue-green on {active}')
        assert {client.post('/predict', json=record).json()['version'] for _ in range(20)} == {version}
    assert [(r['from_version'], r['to_version']) for r in read_deploy_log(deploys)] == [('1', '2'), ('2', '1')]


def test_shadow_answers_with_the_champion_and_logs_the_challenger(service, households, uri, tmp_path):
    client, app, log = service
    set_release('lapse', 'shadow', uri=uri, log=tmp_path/'d.jsonl')
    wait_for(lambda: client.get('/model').json()['policy']['mode'] == 'shadow', 'the shadow policy')
    log.records()
    answers = [client.post('/predict', json=households.iloc[i].to_dict()).json() for i in range(20)]
    assert {(a['version'], a['variant']) for a in answers} == {('1', 'champion')}
    got = []
    wait_for(lambda: got.extend(log.records()) or sum(r['variant'] == 'shadow' for r in got) >= 20, '20 shadow records')
    shadows = {r['request_id']: r for r in got if r['variant'] == 'shadow'}
    for a in answers:
        s = shadows[a['request_id']]
        assert s['model_version'] == '2' and s['output']['champion_scores'] == [a['score']] and s['latency_ms'] > 0
        assert s['output']['agree'] == [abs(s['output']['scores'][0] - a['score']) <= 0.05]
    stats = client.get('/model').json()['shadow']
    assert stats['requests'] >= 20 and 0 <= stats['agree'] <= stats['rows']


def test_serves_the_champion_of_the_class_mlflow_server(mlflow_url, households):
    from mlsys.modelops.registry import register
    from mlsys.modelops.tracking import track_run
    from mlsys.modelops.training import train
    name = f'lapse-serve-{uuid.uuid4().hex[:8]}'
    result = train(prepare_task(), 'boosting', max_iter=5)
    register(track_run(result, uri=mlflow_url, tags={'test': name}), name, alias='champion', uri=mlflow_url)
    with ServiceThread(create_app(name, mlflow_url)) as s, httpx.Client(base_url=s.url) as client:
        body = client.post('/predict', json=households.iloc[0].to_dict()).json()
        assert (body['model'], body['version']) == (name, '1')
        assert body['score'] == pytest.approx(float(result.model.predict_proba(households.head(1))[0, 1]), abs=1e-12)


def test_the_container_start_command_serves_on_a_free_port(uri, households):
    "scripts/serve.sh start is the Dockerfile's command; here it runs `mlsys serve` with port 0."
    env = {**os.environ, 'PYTHON': sys.executable, 'MLFLOW_TRACKING_URI': uri, 'MLSYS_SERVE_PORT': '0', 'MLSYS_SERVE_POLL': '0.5'}
    p = subprocess.Popen([str(ROOT/'scripts'/'serve.sh'), 'start'], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        url = re.search(r'http://127\.0\.0\.1:\d+', line)
        assert url, f"no URL in {line!r}; stderr: {p.stderr.read() if p.poll() is not None else ''}"
        with httpx.Client(base_url=url.group(0), timeout=30) as c:
            wait_for(lambda: _ready(c), 'the service to be ready', 300)  # a busy machine: imports and the model load
            assert c.post('/predict', json=households.iloc[0].to_dict()).json()['version'] == '1'
    finally:
        p.terminate(); p.wait(20)


def _ready(c):
    try: return c.get('/ready').status_code == 200
    except httpx.HTTPError: return False
