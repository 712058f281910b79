"""The checker corpus of chapters 5 to 7 (imported by test_check_corpus.py): right answers phrased differently that
must pass, misconceptions and attempts to earn marks without the work that must fail with a specific message.
Runs and registries are handed in as records (`run_record`, `registry_record`), so the rows build records as data;
their numbers come from the same seeded fits the checks use, or are deliberately wrong."""
import json
from mlsys.course.modelops_checks import (break_even_threshold, net_at, forest_vs_rule, holdout_of, lapse_task, SEARCH_GRID,
                                          CHAMPION_V1, CHALLENGER_V2)

OK = 'passed'

# ---------- chapter 5
def campaign(choose_by='net value', threshold=None, net=None, **extra):
    t = break_even_threshold() if threshold is None else threshold
    return {'choose_by': choose_by, 'threshold': t, 'net_value': net_at(t) if net is None else net, **extra}

def interval(diff=None, low=None, high=None, beats=None, seed=0):
    from mlsys.modelops.training import paired_bootstrap, baseline_scores
    X, y = lapse_task().Xy('test')
    ref = paired_bootstrap(y, holdout_of('forest', n_estimators=50, max_depth=4)[1], baseline_scores(X), seed=seed)
    a = {'diff': ref['diff'], 'low': ref['low'], 'high': ref['high']}
    a.update({k: v for k, v in (('diff', diff), ('low', low), ('high', high)) if v is not None})
    return {**a, 'beats_rule': bool(a['low'] > 0) if beats is None else beats}

LEAKS = {'recency_days': 'no leak', 'tenure_days': 'no leak', 'campaigns_before_cutoff': 'no leak',
         'spend_after': 'leak', 'coupons_next_quarter': 'leak', 'crm_inactive_flag': 'leak'}

# ---------- chapter 6
def md5(): return lapse_task().data_version['features_md5']

def run61(params=None, metrics=None, tags=None, datasets=(), status='FINISHED', C=0.1):
    m = holdout_of('logreg', C=C)[2]
    return {'run_id': 'a' * 32, 'run_name': 'logreg', 'status': status,
            'params': {'kind': 'logreg', 'C': '0.1', 'seed': '0'} if params is None else params,
            'metrics': {'auc': m['auc'], 'baseline_auc': m['baseline_auc']} if metrics is None else metrics,
            'tags': {'data.features_md5': md5()} if tags is None else tags, 'datasets': list(datasets)}

def grid_run(kind, params, metrics_of=None):
    mk, mp = metrics_of or (kind, params)
    m = holdout_of(mk, **mp)[2]
    return {'run_id': 'b' * 32, 'run_name': kind, 'status': 'FINISHED', 'params': {'kind': kind, **{f'model.{k}': str(v) for k, v in params.items()}},
            'metrics': {k: v for k, v in m.items()}, 'tags': {}, 'datasets': []}

BEST = SEARCH_GRID[3]  # the forest of depth 4
def search(filter='metrics.recall_at_capacity >= 0.3', best=None): return {'filter': filter, 'best': best or grid_run(*BEST)}

REPRO = {'hyperparameters': 'recorded', 'random_seed': 'missing', 'data_version': 'missing', 'code_version': 'missing', 'environment': 'recorded'}

# ---------- chapter 7
PROMOTIONS = {'bigger_forest': 'promote', 'new_features': 'keep', 'tuned_boosting': 'keep', 'retrained_logreg': 'keep'}

def version(n, setting, tags=None, auc=None):
    return {'version': str(n), 'run_id': str(n) * 32, 'kind': setting[0], 'params': {k: str(v) for k, v in setting[1].items()},
            'auc': holdout_of(setting[0], **setting[1])[2]['auc'] if auc is None else auc, 'tags': tags or {}, 'description': ''}

PROMOTED = {'promotion.decision': 'promoted', 'promotion.evidence': json.dumps({'diff': 0.0132})}
def registry(aliases, v2_tags=PROMOTED, v2=True, numbers=(1, 2), v2_auc=None):
    vs = [version(numbers[0], CHAMPION_V1)] + ([version(numbers[1], CHALLENGER_V2, v2_tags, v2_auc)] if v2 else [])
    return {'name': 'lapse', 'aliases': aliases, 'versions': vs}
ROLLED = {**PROMOTED, 'rollback.reason': 'its scores looked wrong in production'}

CORPUS = [
    # 5.1 threshold from the campaign's costs
    ('5.1', 'reference', lambda: campaign(), OK, ''),
    ('5.1', 'profit, threshold rounded to 3 places', lambda: campaign('Profit', round(break_even_threshold(), 3)), OK, ''),
    ('5.1', 'as text, with reasoning', lambda: {**campaign('net_value_per_quarter', round(break_even_threshold(), 4)),
                                                'threshold': str(round(break_even_threshold(), 4)), 'reasoning': 'cost over value'}, OK, ''),
    ('5.1', 'accuracy at 0.5', lambda: campaign('accuracy', 0.5), 'failed', "threshold 0.5 is predict()'s default"),
    ('5.1', 'AUC chooses it', lambda: campaign('AUC'), 'failed', 'choose_by: auc does not count what an offer costs'),
    ('5.1', 'net value of another threshold', lambda: campaign(net=net_at(0.5)), 'failed', 'is not the net value at threshold'),
    ('5.1', 'a made-up threshold', lambda: campaign(threshold=0.3), 'failed', 'is not the break-even'),
    ('5.1', 'percent', lambda: campaign(threshold=16.0, net=0), 'failed', 'a probability between 0 and 1'),
    # 5.2 a behavioural test
    ('5.2', 'a month away raises the risk', lambda: {'feature': 'recency_days', 'change': 30, 'expect': 'up'}, OK, ''),
    ('5.2', 'two months, increase, stricter share', lambda: {'feature': 'recency_days', 'change': 60, 'expect': 'increase', 'min_share': 0.9}, OK, ''),
    ('5.2', 'coming back lowers the risk', lambda: {'feature': 'recency_days', 'change': -3, 'expect': 'down', 'reasoning': 'seen sooner'}, OK, ''),
    ('5.2', 'a test that always fails', lambda: {'feature': 'recency_days', 'change': 30, 'expect': 'down'}, 'failed', 'fails on the sound model'),
    ('5.2', 'a test that always passes', lambda: {'feature': 'recency_days', 'change': 0, 'expect': 'same'}, 'failed', 'does not catch the defect'),
    ('5.2', 'invariance to a cent', lambda: {'feature': 'monetary_total', 'change': 0.01, 'expect': 'same'}, 'failed', 'does not catch the defect'),
    ('5.2', 'a share that means nothing', lambda: {'feature': 'recency_days', 'change': 30, 'expect': 'up', 'min_share': 0.1}, 'failed', 'min_share: between 0.5 and 1'),
    ('5.2', 'not a feature', lambda: {'feature': 'recency', 'change': 30, 'expect': 'up'}, 'failed', "'recency' is not a feature of the model"),
    # 5.3 leakage
    ('5.3', 'canonical', lambda: dict(LEAKS), OK, ''),
    ('5.3', 'synonyms', lambda: {k: ('drop' if v == 'leak' else 'keep') for k, v in LEAKS.items()}, OK, ''),
    ('5.3', 'capitals, with reasoning', lambda: {**{k: v.upper() for k, v in LEAKS.items()}, 'reasoning': 'known after the cut-off'}, OK, ''),
    ('5.3', 'the label quarter kept', lambda: {**LEAKS, 'spend_after': 'no leak'}, 'failed', 'spend_after: when is it known'),
    ('5.3', 'recency thrown out', lambda: {**LEAKS, 'recency_days': 'leak'}, 'failed', 'recency_days: is it known at the cut-off'),
    ('5.3', 'a list of the leaky ones', lambda: ['spend_after', 'coupons_next_quarter', 'crm_inactive_flag'], 'failed', 'expected a dict with keys'),
    # 5.4 interval
    ('5.4', 'reference', lambda: interval(), OK, ''),
    ('5.4', 'another bootstrap seed', lambda: interval(**{k: v for k, v in interval(seed=1).items() if k != 'beats_rule'}), OK, ''),
    ('5.4', 'rounded', lambda: {k: round(v, 4) if not isinstance(v, bool) else v for k, v in interval().items()}, OK, ''),
    ('5.4', 'the verdict ignores the interval', lambda: interval(beats=not interval()['beats_rule']), 'failed', 'what does the lower end say'),
    ('5.4', 'the logistic regression instead', lambda: interval(diff=forest_vs_rule()['diff'] + 0.004), 'failed', "is not the forest's holdout AUC"),
    ('5.4', 'a made-up interval', lambda: interval(low=-0.2, high=0.4), 'failed', 'is not the paired bootstrap'),
    ('5.4', 'difference outside', lambda: interval(low=0.2, high=0.3), 'failed', 'should lie inside its interval'),
    # 6.1 a run that answers later questions
    ('6.1', 'bare MLflow calls', lambda: run61(), OK, ''),
    ('6.1', 'as track_run logs it', lambda: run61({'kind': 'logreg', 'seed': '0', 'model.C': '0.1', 'model.class_weight': 'None', 'task.cutoff_week': '40'},
                                                  tags={'model.kind': 'logreg'}, datasets=[{'name': 'lapse_households', 'digest': md5()[:32], 'tags': {'dvc_md5': md5()}}]), OK, ''),
    ('6.1', 'md5 as a parameter, random_state', lambda: run61({'kind': 'logreg', 'C': '0.1', 'random_state': '0', 'features_md5': md5()}, tags={}), OK, ''),
    ('6.1', 'left RUNNING', lambda: run61(status='RUNNING'), 'failed', 'not FINISHED'),
    ('6.1', 'no seed', lambda: run61({'kind': 'logreg', 'C': '0.1'}), 'failed', 'log the seed'),
    ('6.1', 'no data version', lambda: run61(tags={}), 'failed', 'which data trained it'),
    ('6.1', 'the AUC of another C', lambda: run61(metrics={'auc': holdout_of('logreg', C=1.0)[2]['auc'], 'baseline_auc': holdout_of('logreg')[2]['baseline_auc']}), 'failed', 'is not the holdout AUC of logreg with C=0.1'),
    ('6.1', 'no baseline', lambda: run61(metrics={'auc': holdout_of('logreg', C=0.1)[2]['auc']}), 'failed', "log the rule of thumb's holdout AUC"),
    ('6.1', 'C logged wrong', lambda: run61({'kind': 'logreg', 'C': '1.0', 'seed': '0'}), 'failed', 'C is logged as 1.0'),
    ('6.1', 'a run id only', lambda: 'a' * 32, 'failed', 'expected a dict with keys'),
    # 6.2 the best run under a constraint
    ('6.2', 'reference', lambda: search(), OK, ''),
    ('6.2', 'two decimals, more conditions', lambda: search("metrics.recall_at_capacity >= 0.30 and attributes.status = 'FINISHED'"), OK, ''),
    ('6.2', 'double quotes, spaces', lambda: search('metrics.recall_at_capacity>=0.3'), OK, ''),
    ('6.2', 'best overall, breaks the constraint', lambda: search(best=grid_run(*SEARCH_GRID[2])), 'failed', 'the run breaks the constraint'),
    ('6.2', 'meets it, not the best', lambda: search(best=grid_run(*SEARCH_GRID[1])), 'failed', 'another run meets the constraint with a higher average precision'),
    ('6.2', 'no constraint in the filter', lambda: search('metrics.auc > 0'), 'failed', 'put it in the filter string'),
    ('6.2', 'forged metrics', lambda: search(best=grid_run(*BEST, metrics_of=SEARCH_GRID[2])), 'failed', 'its metrics are not what'),
    ('6.2', 'not a run of the grid', lambda: search(best=grid_run('logreg', {'C': 1.0})), 'failed', 'not one of the SEARCH_GRID runs'),
    # 6.3 reproducibility
    ('6.3', 'canonical', lambda: dict(REPRO), OK, ''),
    ('6.3', 'logged / not logged', lambda: {k: ('logged' if v == 'recorded' else 'not logged') for k, v in REPRO.items()}, OK, ''),
    ('6.3', 'yes / no, reasoning', lambda: {**{k: ('yes' if v == 'recorded' else 'no') for k, v in REPRO.items()}, 'reasoning': 'r'}, OK, ''),
    ('6.3', 'the seed thought kept', lambda: {**REPRO, 'random_seed': 'recorded'}, 'failed', 'random_seed: where in the description'),
    ('6.3', 'the environment thought lost', lambda: {**REPRO, 'environment': 'missing'}, 'failed', 'environment: the description names where it is kept'),
    ('6.3', 'a list', lambda: ['random_seed', 'data_version', 'code_version'], 'failed', 'expected a dict with keys'),
    # 7.1 promote or keep
    ('7.1', 'canonical', lambda: dict(PROMOTIONS), OK, ''),
    ('7.1', 'synonyms', lambda: {k: ('ship' if v == 'promote' else 'reject') for k, v in PROMOTIONS.items()}, OK, ''),
    ('7.1', 'capitals, reasoning', lambda: {**{k: v.title() for k, v in PROMOTIONS.items()}, 'reasoning': 'one meets all three'}, OK, ''),
    ('7.1', 'the interval ignored', lambda: {**PROMOTIONS, 'tuned_boosting': 'promote'}, 'failed', 'tuned_boosting: does it meet every condition'),
    ('7.1', 'keep everything', lambda: {k: 'keep' for k in PROMOTIONS}, 'failed', 'bigger_forest: which condition of the rule does it fail'),
    ('7.1', 'a list', lambda: ['bigger_forest'], 'failed', 'expected a dict with keys'),
    # 7.2 serving gets the right version
    ('7.2', 'reference', lambda: registry({'champion': '2', 'previous_champion': '1'}), OK, ''),
    ('7.2', 'other version numbers, an extra alias', lambda: registry({'champion': '5', 'previous_champion': '4', 'shadow': '4'}, numbers=(4, 5)), OK, ''),
    ('7.2', 'versions as numbers', lambda: registry({'champion': 2, 'previous_champion': 1}), OK, ''),
    ('7.2', 'the rule not applied', lambda: registry({'champion': '1', 'challenger': '2'}, v2_tags={}), 'failed', 'does the rule keep it'),
    ('7.2', 'alias moved by hand, no evidence', lambda: registry({'champion': '2', 'previous_champion': '1'}, v2_tags={}), 'failed', 'carries no promotion evidence'),
    ('7.2', 'old champion lost', lambda: registry({'champion': '2'}), 'failed', "alias 'previous_champion'"),
    ('7.2', 'a forged AUC', lambda: registry({'champion': '2', 'previous_champion': '1'}, v2_auc=0.9), 'failed', 'does the rule keep it'),
    ('7.2', 'no champion', lambda: registry({'challenger': '2'}), 'failed', "no version has the alias 'champion'"),
    # 7.3 roll back
    ('7.3', 'reference', lambda: registry({'champion': '1', 'previous_champion': '1'}, ROLLED), OK, ''),
    ('7.3', 'rollback_reason, no other alias', lambda: registry({'champion': '1'}, {'rollback_reason': 'new households got absurd scores'}), OK, ''),
    ('7.3', 'challenger back on it', lambda: registry({'champion': '1', 'challenger': '2'}, {**PROMOTED, 'roll_back.why': 'a data bug in the new features'}), OK, ''),
    ('7.3', 'champion not moved', lambda: registry({'champion': '2', 'previous_champion': '1'}, ROLLED), 'failed', 'not at the version that served before'),
    ('7.3', 'the failed version deleted', lambda: registry({'champion': '1'}, v2=False), 'failed', 'is gone'),
    ('7.3', 'reason TBD', lambda: registry({'champion': '1'}, {'rollback.reason': 'TBD'}), 'failed', 'record why it was rolled back'),
    ('7.3', 'no reason', lambda: registry({'champion': '1'}, PROMOTED), 'failed', 'record why it was rolled back'),
    ('7.3', 'no champion', lambda: registry({}, ROLLED), 'failed', 'serving would have nothing to load'),
]
