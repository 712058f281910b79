"Fairness metrics and the fairness gate: the numpy bootstrap agrees with fairlearn, the gate refuses above its limit with the numbers, and the promotion rule enforces it."
import json
import numpy as np
import pytest
from mlsys.responsible import fairness as fx


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_numpy_differences_agree_with_fairlearn(seed):
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
    rng = np.random.default_rng(seed)
    y, p, g = rng.integers(0, 2, 500), rng.integers(0, 2, 500), rng.choice(['a', 'b', 'c'], 500)
    dp, eo = fx._differences(y, p, g, np.unique(g))
    assert dp == pytest.approx(demographic_parity_difference(y, p, sensitive_features=g), abs=1e-12)
    assert eo == pytest.approx(equalized_odds_difference(y, p, sensitive_features=g), abs=1e-12)


def test_interval_covers_the_point_and_narrows_with_more_rows():
    rng = np.random.default_rng(0)
    def width(n):
        g = rng.choice(['a', 'b'], n); y = rng.integers(0, 2, n)
        p = (rng.random(n) < np.where(g == 'a', 0.3, 0.5)).astype(int)
        d = fx.fairness_differences(y, p, g, n_boot=150)['demographic_parity']
        assert d['low'] <= d['value'] <= d['high']
        return d['high'] - d['low']
    assert width(4000) < width(200)


def test_gate_refuses_above_the_limit_with_the_numbers():
    rng = np.random.default_rng(3)
    g = rng.choice(['A', 'B'], 2000); y = rng.integers(0, 2, 2000)
    p = np.where(g == 'A', y, rng.integers(0, 2, 2000))  # perfect for A, a coin for B: TPR 1 vs ~0.5
    check = fx.fairness_check(y, p, g, limit=0.2)
    assert not check.passed and check.value > 0.4
    assert f'{check.value:.3f}' in check.message and 'exceeds the limit 0.200' in check.message
    assert f"TPR {check.by_group['A']['true_positive_rate']:.3f}" in check.message
    with pytest.raises(fx.FairnessGateFailed, match=r'Refused: equalized-odds difference 0\.\d{3} \(90% interval'):
        fx.require_fair(y, p, g, limit=0.2)
    assert fx.fairness_check(y, p, g, limit=round(check.value, 6) + 1e-6).passed  # at the limit it passes
    assert fx.fairness_check(y, y, g, limit=0.0).passed  # a perfect classifier has no gap


@pytest.mark.parametrize('limit', [-0.1, 1.5])
def test_gate_refuses_a_nonsense_limit(limit):
    with pytest.raises(ValueError, match='limit must be between 0 and 1'):
        fx.fairness_check([0, 1], [0, 1], ['a', 'b'], limit=limit)


def test_proxies_of_the_seeded_attribute_are_what_was_built():
    d = fx.readmission_with_group(n=3000, proxy_strength=0.0)
    assert fx.protected_correlations(d).correlation.abs().max() < 0.06  # no proxies when the strength is zero
    d = fx.readmission_with_group(n=3000, proxy_strength=2.0)
    top = fx.protected_correlations(d).iloc[0]
    assert top.column in ('prior_admissions_12m', 'discharged_to') and abs(top.correlation) > 0.3


def test_promotion_rule_requires_fairness(tmp_path):
    "A challenger that passes every other condition is refused by a fairness limit it exceeds, and promoted under a loose one."
    from mlsys.modelops.task import prepare_task
    from mlsys.modelops.training import train
    from mlsys.modelops.tracking import local_store, track_run
    from mlsys.modelops.registry import register, model_version, _client
    from mlsys.modelops.promotion import promote, PromotionRule
    task = prepare_task()
    uri = local_store(tmp_path/'tracking')
    result = train(task, 'logreg', C=0.01)
    register(track_run(result, uri=uri), name='fair-lapse', uri=uri)
    refused = promote('fair-lapse', rule=PromotionRule(fairness_limit=0.0), uri=uri)
    assert not refused.promoted
    # the numbers in the decision are the ones an independent check computes on the same households
    s = result.scores('test'); flagged = (s >= np.quantile(s, 0.8)).astype(int)
    g = fx.lapse_groups(task.test.household_id); known = g != 'not known'
    expected = fx.fairness_check(task.test.lapsed.to_numpy()[known], flagged[known], g[known], limit=0.0)
    assert refused.evidence['fairness_eod'] == pytest.approx(expected.value)
    assert any(expected.message in r for r in refused.reasons)
    tags = model_version('fair-lapse', 1, uri).tags
    assert tags['promotion.decision'] == 'rejected' and json.loads(tags['promotion.rule'])['fairness_limit'] == 0.0
    assert 'champion' not in _client(uri).get_registered_model('fair-lapse').aliases
    passed = promote('fair-lapse', challenger=1, rule=PromotionRule(fairness_limit=1.0), uri=uri)
    assert passed.promoted and str(model_version('fair-lapse', 'champion', uri).version) == '1'


def test_every_bias_scenario_harms_with_another_seed():
    "The harms are the mechanisms', not one lucky seed's."
    from mlsys.responsible.bias import bias_scenarios
    table = bias_scenarios(seed=7)
    assert (table.value > 0.05).all(), table
