"""The interactive tools, driven without a browser: set a control's value, check what updated."""
import numpy as np
import pytest
from mlsys.course.widgets import SuitabilityAssessor, ThresholdExplorer, IngestionChooser, PipelineMonitor, choose_ingestion


def test_assessor_follows_the_boxes():
    t = SuitabilityAssessor()
    for k in ('complex_patterns', 'quality_data'): t.boxes[k].value = True
    assert t.result.recommendation == 'baseline_first'
    assert 'Missing signal (predict_unseen)' in t.output.value
    t.boxes['predict_unseen'].value = True
    assert t.result.recommendation == 'ml'
    t.boxes['retrieval'].value = True
    assert t.result.recommendation == 'not_ml' and 'retrieval' in t.output.value


def test_threshold_explorer_moves_precision_recall_and_cost():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.1).astype(int)
    scores = np.clip(y * 0.35 + rng.random(2000) * 0.65, 0, 1)
    t = ThresholdExplorer(y, scores, cost_fp=1, cost_fn=5, plot=False)
    t.threshold.value = 0.2
    low = dict(t.current)
    t.threshold.value = 0.8
    assert t.current['recall'] < low['recall'] and t.current['precision'] > low['precision']
    assert '0.80' in t.output.value
    before = t.best['threshold']
    t.cost_fn.value = 500
    assert t.best['threshold'] < before
    assert f"{t.best['threshold']:.2f}" in t.output.value


def test_threshold_explorer_draws_a_plot():
    y = np.array([0, 1] * 50); s = np.linspace(0, 1, 100)
    t = ThresholdExplorer(y, s, plot=True)
    first = t.figure.value
    assert first[:8] == b'\x89PNG\r\n\x1a\n'
    t.threshold.value = 0.9
    assert t.figure.value != first  # the marker moved


@pytest.mark.parametrize('staleness, events, updates, history, mode', [
    (3600 * 24 * 7, 0.5, 1, False, 'batch'), (0.5, 50, 10_000, False, 'streaming'), (1, 5_000, 1_000, True, 'hybrid')])
def test_chooser(staleness, events, updates, history, mode):
    c = IngestionChooser()
    c.staleness.value, c.events.value, c.updates.value, c.history.value = staleness, events, updates, history
    assert c.result == choose_ingestion(staleness, events, updates, history)
    assert c.result['mode'] == mode and f'Recommended: {mode}' in c.output.value


def test_chooser_rejects_negative_rates():
    with pytest.raises(ValueError, match='cannot be negative'): choose_ingestion(-1, 1, 1)


def test_pipeline_monitor_updates_as_stages_finish(tmp_path, data_home):
    m = PipelineMonitor(tmp_path/'run', sample=1_500, seed=4)
    seen = []
    m.progress.observe(lambda ch: seen.append((ch['new'], m.table.value.count('<tr>'))), names='value')
    report = m.run()
    assert [v for v, _ in seen] == [1, 2, 3, 4, 5]
    assert [rows for _, rows in seen[:4]] == [2, 3, 4, 5]  # header plus one row per finished stage, live
    assert report['rows']['reconciled'] and 'reconciled' in m.table.value
