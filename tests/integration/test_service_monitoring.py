"""The prediction service of chapter 8 wired to chapter 9's monitoring: a real Prometheus scraping the real service's
/metrics with the shipped alert rules (short windows), and `mlsys serve --prediction-log` writing every answer durably."""
import json
import os
import re
import signal
import subprocess
import threading
import uuid

import httpx
import pytest
from helpers import wait_for, MLSYS
from serving_helpers import registry_copy

from mlsys.dataops.streams import LocalLog, RedisLog
from mlsys.modelops.alerts import (
    PrometheusUnavailable,
    default_alert_rules,
    find_binary,
)
from mlsys.modelops.launch import ServiceThread
from mlsys.modelops.prediction_log import PredictionLog, prediction_rows
from mlsys.modelops.prometheus import PrometheusServer
from mlsys.modelops.serving import create_app
from mlsys.modelops.task import prepare_task


@pytest.fixture(scope='module')
def prometheus_binary():
    "Prometheus from Debian's package: required in CI (MLSYS_REQUIRE_SERVICES=1), skipped elsewhere."
    try: return find_binary('prometheus')
    except PrometheusUnavailable as e:
        if os.environ.get('MLSYS_REQUIRE_SERVICES') == '1': pytest.fail(str(e))
        pytest.skip(str(e))


@pytest.fixture(scope='module')
def households(): return prepare_task().Xy('test')[0].reset_index(drop=True)


@pytest.fixture
def uri(tmp_path): return registry_copy(tmp_path/'store')




def test_prometheus_scrapes_the_service_and_no_traffic_fires_when_requests_stop(prometheus_binary, uri, households, tmp_path):
    "Traffic (good and bad requests) keeps the alerts quiet; when it stops, MlsysNoTraffic fires on the real service."
    rules = default_alert_rules(for_='0s', window='10s', quiet_for='10s')
    good, bad = households.iloc[0].to_dict(), {**households.iloc[0].to_dict(), 'recency_days': 'ten'}
    stop, sent = threading.Event(), {'ok': 0, 'bad': 0}
    with ServiceThread(create_app('lapse', uri, poll=0.5)) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        def traffic():  # four good requests and one the contract refuses (422: the caller's error, not the service's)
            while not stop.is_set():
                for body in [good] * 4 + [bad]:
                    r = client.post('/predict', json=body)
                    sent['ok' if r.status_code == 200 else 'bad'] += 1
                    assert r.status_code in (200, 422), r.text
                stop.wait(0.05)
        target = service.url.removeprefix('http://')
        with PrometheusServer([target], rules, folder=tmp_path/'prometheus') as prom:
            prom.wait_for(prom.targets_up, 'the service to be scraped')
            worker = threading.Thread(target=traffic); worker.start()
            try:
                seen = lambda s: sum(v for _, v in prom.query(f'mlsys_requests_total{{endpoint="/predict",status="{s}"}}'))
                prom.wait_for(lambda: seen('200') > 0 and seen('422') > 0, 'the good and refused requests to be scraped')
                prom.wait_for(lambda: 'MlsysNoTraffic' not in prom.alerts(), 'MlsysNoTraffic to be quiet under traffic')
                rate = prom.wait_for(lambda: prom.query('sum(rate(mlsys_requests_total{endpoint="/predict"}[10s]))'), 'a request rate')
                assert rate[0][1] > 0
                assert 'MlsysHighErrorRate' not in prom.alerts()  # 4xx are not server errors
            finally:
                stop.set(); worker.join()
            assert sent['ok'] > 0 and sent['bad'] > 0
            prom.wait_for(lambda: prom.alerts().get('MlsysNoTraffic') == 'firing', 'MlsysNoTraffic to fire after requests stop')
            up = prom.query(f'up{{instance="{target}"}}')
            assert up and up[0][1] == 1.0  # the service is up: the alert is about callers, not a dead target
            assert 'MlsysHighErrorRate' not in prom.alerts()


def test_the_error_rate_alert_fires_while_the_service_has_no_model_and_resolves_when_it_has(prometheus_binary, uri, households, tmp_path):
    "No champion: every /predict is a 503; the real error-rate alert fires, then resolves once the alias is back."
    from mlsys.modelops.registry import _client, set_alias
    _client(uri).delete_registered_model_alias('lapse', 'champion')
    rules = default_alert_rules(for_='0s', window='10s', quiet_for='10s')
    stop, statuses = threading.Event(), []
    with ServiceThread(create_app('lapse', uri, poll=0.2)) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        def traffic():
            while not stop.is_set():
                statuses.append(client.post('/predict', json=households.iloc[1].to_dict()).status_code); stop.wait(0.05)
        with PrometheusServer([service.url.removeprefix('http://')], rules, folder=tmp_path/'prometheus') as prom:
            worker = threading.Thread(target=traffic); worker.start()
            try:
                prom.wait_for(lambda: prom.alerts().get('MlsysHighErrorRate') == 'firing', 'MlsysHighErrorRate to fire')
                assert set(statuses) == {503}
                set_alias('lapse', 'champion', 1, uri=uri)
                wait_for(lambda: statuses and statuses[-1] == 200, 'the service to load the champion again')
                prom.wait_for(lambda: 'MlsysHighErrorRate' not in prom.alerts(), 'MlsysHighErrorRate to resolve')
            finally:
                stop.set(); worker.join()


def _events(log)->list:
    "Every event in a LocalLog or RedisLog, oldest first."
    if isinstance(log, LocalLog):
        return [json.loads(l) for l in log.path.read_text().splitlines()] if log.path.exists() else []
    return [json.loads(f[b'e']) for _, f in log.client.xrange(log.stream)]


def test_predictions_reach_a_redis_log_with_request_ids_and_household_ids(uri, households, redis_url):
    "Through the real service into a Redis stream: ids match the responses' x-request-id; household ids join labels."
    log = RedisLog(redis_url, f'predictions-{uuid.uuid4().hex}')
    try:
        plog = PredictionLog(log).start()
        with ServiceThread(create_app('lapse', uri, prediction_log=plog)) as s, httpx.Client(base_url=s.url, timeout=30) as c:
            singles = [c.post('/predict', json={**households.iloc[i].to_dict(), 'household_id': 1000 + i}) for i in range(5)]
            anonymous = c.post('/predict', json=households.iloc[5].to_dict())
            rows = [{**households.iloc[i].to_dict(), 'household_id': 2000 + i} for i in range(3)]
            rows[1]['recency_days'] = -5.0  # refused row: not logged, not joined
            batch = c.post('/predict/batch', json={'rows': rows})
            assert all(r.status_code == 200 for r in [*singles, anonymous, batch]) and batch.json()['index'] == [0, 2]
            wait_for(lambda: len(_events(log)) >= 7, 'seven prediction records in Redis')
        assert plog.close()['written'] == 7 and plog.stats()['dropped'] == 0
        events = _events(log)
        by_id = {e['request_id']: e for e in events}
        responses = [*singles, anonymous, batch]
        assert sorted(by_id) == sorted(r.headers['x-request-id'] for r in responses)
        for i, r in enumerate(singles):
            e = by_id[r.headers['x-request-id']]
            assert json.loads(e['input'])['household_id'] == 1000 + i and json.loads(e['output']) == {'score': r.json()['score']}
        assert 'household_id' not in json.loads(by_id[anonymous.headers['x-request-id']]['input'])
        import pandas as pd
        joined = prediction_rows(pd.DataFrame(events))
        assert sorted(joined.dropna(subset=['household_id']).household_id.astype(int)) == [1000, 1001, 1002, 1003, 1004, 2000, 2002]
        assert joined.query('household_id == 2002').score.item() == pytest.approx(batch.json()['scores'][1])
    finally:
        log.client.delete(log.stream)


def test_mlsys_serve_logs_predictions_to_a_folder_and_closes_the_log_on_shutdown(uri, households, tmp_path):
    "`mlsys serve --prediction-log DIR`: answers end up in DIR's log; SIGTERM writes what is queued and reports it."
    folder = tmp_path/'predictions'
    env = {**os.environ, 'MLFLOW_DISABLE_TELEMETRY': 'true'}
    p = subprocess.Popen([MLSYS, 'serve', '--tracking-uri', uri, '--port', '0', '--prediction-log', str(folder)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        url = re.search(r'http://127\.0\.0\.1:\d+', line)
        assert url, f"no URL in {line!r}; stderr: {p.stderr.read() if p.poll() is not None else ''}"
        with httpx.Client(base_url=url.group(0), timeout=30) as c:
            def ready():
                try: return c.get('/ready').status_code == 200
                except httpx.HTTPError: return False
            wait_for(ready, 'the service to be ready', 300)
            answers = [c.post('/predict', json={**households.iloc[i].to_dict(), 'household_id': 7 + i}) for i in range(20)]
        assert all(a.status_code == 200 for a in answers)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill(); p.wait()
    assert p.returncode in (0, -signal.SIGTERM), err  # uvicorn re-raises the signal once it has shut down
    assert "Prediction log closed: {'accepted': 20, 'written': 20, 'dropped': 0" in out, out + err
    events = _events(LocalLog(folder))
    by_id = {e['request_id']: json.loads(e['input']) for e in events}
    assert len(events) == 20 and [by_id[a.headers['x-request-id']]['household_id'] for a in answers] == list(range(7, 27))
