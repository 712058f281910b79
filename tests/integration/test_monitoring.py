"Monitoring with real parts: promtool on the shipped rules, a real Prometheus scraping real exporters, alerts firing."
import os, threading
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import yaml
from mlsys.modelops.alerts import (PrometheusUnavailable, check_rules, default_alert_rules, find_binary, rules_document,
                                   rules_tests_document, write_rules)
from mlsys.modelops.prometheus import DriftGauges, MetricsEndpoint, PrometheusServer
from mlsys.dataops.drift import drift_report

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope='module')
def prometheus_binary():
    "Prometheus and promtool from Debian's package: required in CI (MLSYS_REQUIRE_SERVICES=1), skipped elsewhere."
    try: return find_binary('prometheus'), find_binary('promtool')
    except PrometheusUnavailable as e:
        if os.environ.get('MLSYS_REQUIRE_SERVICES') == '1': pytest.fail(str(e))
        pytest.skip(str(e))


def test_the_shipped_rules_are_the_declared_ones_and_pass_promtool(prometheus_binary, tmp_path):
    folder = ROOT / 'monitoring' / 'rules'
    assert yaml.safe_load((folder / 'mlsys_alerts.yml').read_text()) == rules_document(default_alert_rules())
    assert yaml.safe_load((folder / 'mlsys_alerts_test.yml').read_text()) == rules_tests_document(default_alert_rules(), 'mlsys_alerts.yml')
    out = check_rules(folder)
    assert 'SUCCESS: 4 rules found' in out and 'Unit Testing:  mlsys_alerts_test.yml' in out


@pytest.mark.parametrize('alert', range(4))
def test_promtool_catches_an_alert_that_does_not_fire_or_fires_when_quiet(prometheus_binary, tmp_path, alert):
    rules = default_alert_rules()
    r = rules[alert]
    r.firing, r.quiet = r.quiet, r.firing  # swapped inputs: each side of each alert's test must now fail
    write_rules(tmp_path, rules)
    with pytest.raises(ValueError, match=r.name): check_rules(tmp_path)


def test_a_drift_alert_fires_and_resolves_in_a_real_prometheus(prometheus_binary, tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({'spend': rng.normal(50, 10, 4000), 'visits': rng.poisson(4, 4000)})
    drifted = pd.DataFrame({'spend': rng.normal(65, 10, 4000), 'visits': rng.poisson(4, 4000)})
    gauges = DriftGauges().publish(drift_report(ref, drifted), 'households')
    with MetricsEndpoint(gauges.registry) as ep, PrometheusServer([ep.target], default_alert_rules(for_='0s'), folder=tmp_path) as prom:
        prom.wait_for(prom.targets_up, 'the exporter to be scraped')
        prom.wait_for(lambda: prom.alerts().get('MlsysDataDrift') == 'firing', 'MlsysDataDrift to fire')
        assert prom.query('mlsys_drift_share_drifted') == [({'__name__': 'mlsys_drift_share_drifted', 'dataset': 'households',
                                                             'instance': ep.target, 'job': 'mlsys'}, 0.5)]
        gauges.publish(drift_report(ref, ref.sample(frac=1, random_state=1)), 'households')
        prom.wait_for(lambda: 'MlsysDataDrift' not in prom.alerts(), 'MlsysDataDrift to resolve')


def service_like_registry():
    "The prediction service's request metrics, with the names and labels agreed with chapter 8."
    from prometheus_client import CollectorRegistry, Counter, Histogram
    r = CollectorRegistry()
    requests = Counter('mlsys_requests_total', 'Requests answered', ['endpoint', 'status'], registry=r)
    latency = Histogram('mlsys_request_latency_seconds', 'Request latency', ['endpoint'],
                        buckets=(.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5), registry=r)
    return r, requests, latency


def test_error_rate_latency_and_no_traffic_alerts_fire_on_live_counters(prometheus_binary, tmp_path):
    registry, requests, latency = service_like_registry()
    stop = threading.Event()
    def traffic():  # one in five requests fails and every one takes 0.8 s; paced by the scrapes Prometheus makes
        while not stop.is_set():
            for status in ['200'] * 4 + ['500']:
                requests.labels('/predict', status).inc(); latency.labels('/predict').observe(0.8)
            stop.wait(0.05)
    with MetricsEndpoint(registry) as ep, PrometheusServer([ep.target], default_alert_rules(for_='0s', window='10s', quiet_for='10s'),
                                                           folder=tmp_path) as prom:
        prom.wait_for(lambda: prom.alerts().get('MlsysNoTraffic') == 'firing', 'MlsysNoTraffic to fire before any request')
        worker = threading.Thread(target=traffic); worker.start()
        try:
            firing = lambda: {a for a, s in prom.alerts().items() if s == 'firing'} >= {'MlsysHighErrorRate', 'MlsysLatencyP99High'}
            prom.wait_for(firing, 'the error-rate and latency alerts to fire')
            prom.wait_for(lambda: 'MlsysNoTraffic' not in prom.alerts(), 'MlsysNoTraffic to resolve under traffic')
        finally:
            stop.set(); worker.join()


def test_prometheus_that_cannot_start_says_why(prometheus_binary, tmp_path):
    bad = default_alert_rules(); bad[0].expr = 'sum(('
    with pytest.raises(RuntimeError, match='Prometheus did not start'):
        PrometheusServer(['127.0.0.1:9'], bad, folder=tmp_path).start(timeout=30)


def test_the_scenario_command_detects_retrains_and_decides(tmp_path):
    "`mlsys monitor scenario` on a short seeded scenario: the change is found, a challenger is judged, the report says so."
    import json
    from helpers import mlsys
    out = tmp_path / 'report.json'
    p = mlsys('monitor', 'scenario', '--days', '80', '--drift-start', '45', '--per-day', '100', '--share', '0.2', '--json', str(out))
    report = json.loads(out.read_text())
    m, loop = report['monitor'], report['loop']
    assert 0 <= m['detection_delay'] <= 7 and m['detected_day'] == 45 + m['detection_delay']
    assert loop['decision'] in ('promoted', 'refused') and loop['reasons'] and 'shadow scores' in loop['reasons'][0]
    assert loop['decision'] == ('promoted' if loop['comparison']['low'] > 0.005 else 'refused')
    assert f"delay {m['detection_delay']} days" in p.stdout and f"decision: {loop['decision']}" in p.stdout
