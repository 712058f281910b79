"""Hidden tests and the answer key: the instructor's edition only.

`mlsys course grade` runs these after the public checks of `mlsys.course.exercises`, in its own interpreter, on
the answers each notebook recorded in its sandbox. This file is never shipped: it is not in the `mlsys` package,
`release` does not copy it into the student edition, and no grading sandbox can see the repository it lives in.
A hidden test is a function of the (rebuilt) answer that yields problems as sentences, like a public check."""

ANSWERS = { # the questions with one fixed answer; tests/security searches every released file for these
    ('ch3', '3.2'): {'sensor_battery': 'MCAR', 'income_by_age': 'MAR', 'weight_heavier': 'MNAR'},
    ('ch3', '3.4'): 'refund_issued',
    ('ch3', '3.6'): {'column_renamed': 'schema', 'corrupted_records': 'content', 'clock_skew': 'cross_field'},
}

HIDDEN = {} # (exercise, question) -> [test functions]

def hidden(exercise:str, question:str):
    "Register the decorated function as a hidden test of `question` in `exercise`."
    def register(fn):
        HIDDEN.setdefault((exercise, question), []).append(fn)
        return fn
    return register


@hidden('ch3', '3.2')
def _missingness_exact(a):
    from mlsys.course.dataops_checks import MISSINGNESS  # the public check's reading: 'NMAR' and 'not missing at random' are MNAR
    for k, v in ANSWERS[('ch3', '3.2')].items():
        if MISSINGNESS.pick(a.get(k, ''), k) != v: yield f'{k}: not the kind of missingness the case describes'
    extra = sorted(set(a) - set(ANSWERS[('ch3', '3.2')]) - {'reasoning'})
    if extra: yield f'unexpected cases {extra}'


@hidden('ch3', '3.4')
def _leak_exact(a):
    from mlsys.course.dataops_checks import column_name
    names = [a] if isinstance(a, str) else list(a)
    if [column_name(n) for n in names] != [ANSWERS[('ch3', '3.4')]]: yield 'not the column that leaks the label'


@hidden('ch3', '3.6')
def _postmortem_exact(a):
    from mlsys.course.dataops_checks import _check_kinds
    kinds = _check_kinds()
    for k, v in ANSWERS[('ch3', '3.6')].items():
        got = a.get(k, '')
        if kinds.pick(got[0] if isinstance(got, (list, tuple)) and len(got) == 1 else got, k) != v: yield f'{k}: not the kind of check that catches it'


@hidden('ch2', '2.4')
def _recall_in_range(a):
    from mlsys.course.answers import as_number
    t = as_number(a.get('threshold'), 'threshold')
    if not 0 < t < 1: yield f'the threshold {t!r} is not a probability strictly between 0 and 1'


@hidden('ch3', '3.9')
def _active_weeks_whole(f):
    import pandas as pd
    if not pd.api.types.is_numeric_dtype(f.dtype) or (f.dropna() % 1 != 0).any(): yield f'weeks are counted in whole numbers, got {f.dtype}'
    if (f < 1).any() or (f > 102).any(): yield 'a household buys in between 1 and 102 weeks of the study'


@hidden('ch4', '4.2')
def _md5_hex(a):
    for k in ('full_md5', 'filtered_md5'):
        if not all(ch in '0123456789abcdef' for ch in str(a.get(k, '')).strip().lower()): yield f'{k} is not a hexadecimal MD5'


# ---------- chapters 5 to 7 (ModelOps)
ANSWERS.update({
    ('ch5', '5.1'): {'choose_by': 'net value'},
    ('ch5', '5.3'): {'recency_days': 'no leak', 'tenure_days': 'no leak', 'campaigns_before_cutoff': 'no leak',
                     'spend_after': 'leak', 'coupons_next_quarter': 'leak', 'crm_inactive_flag': 'leak'},
    ('ch6', '6.3'): {'hyperparameters': 'recorded', 'random_seed': 'missing', 'data_version': 'missing',
                     'code_version': 'missing', 'environment': 'recorded'},
    ('ch7', '7.1'): {'bigger_forest': 'promote', 'new_features': 'keep', 'tuned_boosting': 'keep', 'retrained_logreg': 'keep'},
})


def _exact_choices(a, key, vocab):
    "Every choice of a dict answer read with the public check's vocabulary, compared with the key; no extra cases."
    for k, v in ANSWERS[key].items():
        if vocab.pick(a.get(k, ''), k) != v: yield f'{k}: not the expected choice'
    extra = sorted(set(a) - set(ANSWERS[key]) - {'reasoning'})
    if extra: yield f'unexpected cases {extra}'


@hidden('ch5', '5.1')
def _threshold_exact(a):
    from mlsys.course.modelops_checks import CHOOSE_BY, break_even_threshold
    if CHOOSE_BY.pick(a['choose_by']) != ANSWERS[('ch5', '5.1')]['choose_by']: yield 'choose_by: not the metric the campaign is judged by'
    if abs(float(a['threshold']) - break_even_threshold()) > 0.002: yield 'threshold: more than 0.002 from the break-even probability'


@hidden('ch5', '5.3')
def _leakage_exact(a):
    from mlsys.course.modelops_checks import LEAKAGE
    yield from _exact_choices(a, ('ch5', '5.3'), LEAKAGE)


@hidden('ch5', '5.4')
def _interval_exact(a):
    from mlsys.course.modelops_checks import forest_vs_rule
    ref = forest_vs_rule()
    if abs(float(a['low']) - ref['low']) > 0.005 or abs(float(a['high']) - ref['high']) > 0.005: yield 'the interval is not the paired bootstrap with its defaults'


@hidden('ch6', '6.2')
def _filter_exact(a):
    import re
    from mlsys.course.modelops_checks import MIN_RECALL
    m = re.search(r'recall_at_capacity\s*(>=|>)\s*([0-9.]+)', a['filter'])
    if not m or float(m.group(2)) != MIN_RECALL or m.group(1) != '>=': yield f'filter: the constraint is recall_at_capacity >= {MIN_RECALL}'


@hidden('ch6', '6.3')
def _reproduce_exact(a):
    from mlsys.course.modelops_checks import RECORDED
    yield from _exact_choices(a, ('ch6', '6.3'), RECORDED)


@hidden('ch7', '7.1')
def _promotion_exact(a):
    from mlsys.course.modelops_checks import DECISION
    yield from _exact_choices(a, ('ch7', '7.1'), DECISION)


@hidden('ch7', '7.2')
def _promotion_evidence(a):
    import json
    from mlsys.course.modelops_checks import _version_of
    tags = (_version_of(a, 'champion') or {}).get('tags', {})
    try: evidence = json.loads(tags.get('promotion.evidence', ''))
    except ValueError: evidence = None
    if not isinstance(evidence, dict) or 'diff' not in evidence: yield "the champion's promotion.evidence does not hold the comparison with the old champion"

@hidden('ch10', '10.1')
def _dora_exact(a):
    from mlsys.course.answers import as_number
    from mlsys.course.devops_checks import team_report, DORA_KEYS
    ref = team_report()
    for k in DORA_KEYS:
        if abs(as_number(a[k], k) - getattr(ref, k)) > 1e-3 * abs(getattr(ref, k)) + 1e-9: yield f'{k}: not within 0.1% of the value measured'


@hidden('ch10', '10.2')
def _leak_exact(a):
    import tempfile
    from pathlib import Path
    from mlsys.course.devops_checks import make_leaky_repo
    from mlsys.devops.history import git
    with tempfile.TemporaryDirectory() as d:
        repo = make_leaky_repo(Path(d)/'r')
        added = git(repo, 'log', '--diff-filter=A', '--format=%H', '--', 'config/deploy.env')
    if not added.startswith(str(a['commit']).strip().lower()): yield 'not the commit that added the key'
    if str(a['file']).strip().lstrip('./') != 'config/deploy.env': yield 'not the file the key was added to'

ANSWERS[('ch9', '9.1')] = ['price', 'store']


@hidden('ch9', '9.1')
def _page_for_exact(a):
    from mlsys.course.dataops_checks import column_name
    names = [a] if isinstance(a, str) else list(a)
    if sorted(column_name(n) for n in names) != ANSWERS[('ch9', '9.1')]: yield 'not the columns whose verdict calls for action'


@hidden('ch9', '9.2')
def _thresholds_on_a_second_seed(a):
    "Thresholds tuned to one seed's noise must hold on another draw of the same scenario."
    from dataclasses import replace
    from mlsys.course.monitoring_checks import exercise_scenario, MAX_DELAY_DAYS, MAX_FALSE_ALARMS_PER_QUARTER
    from mlsys.modelops.scenario import monitor_score
    s = monitor_score(replace(exercise_scenario(), seed=1), float(a['psi']), float(a['share']), int(a['window_days']))
    if s['detection_delay'] is None or s['detection_delay'] > MAX_DELAY_DAYS + 2: yield 'on another draw of the scenario the change is caught too late'
    if s['false_alarms_per_quarter'] > MAX_FALSE_ALARMS_PER_QUARTER * 2: yield 'on another draw of the scenario the monitor cries wolf too often'

ANSWERS[('ch8', '8.1')] = {'payment_approval': 'online', 'weekly_mailing': 'offline batch', 'claim_documents': 'asynchronous'}
ANSWERS[('ch8', '8.2')] = {'cause': 'too few requests'}


@hidden('ch8', '8.1')
def _serving_exact(a):
    from mlsys.course.deployment_checks import SERVING
    yield from _exact_choices(a, ('ch8', '8.1'), SERVING)


@hidden('ch8', '8.2')
def _canary_exact(a):
    "The cause from the key; the interval recomputed here, apart from the public check, within 0.002."
    import math
    from mlsys.course.deployment_checks import CANARY, CANARY_EXPLANATION
    if CANARY_EXPLANATION.pick(a['cause'], 'cause') != ANSWERS[('ch8', '8.2')]['cause']: yield 'cause: not what weakens this canary'
    (n1, r1), (n2, r2) = ((CANARY[v]['requests'], CANARY[v]['redemptions'] / CANARY[v]['requests']) for v in ('champion', 'challenger'))
    half = 1.96 * math.sqrt(r1 * (1 - r1) / n1 + r2 * (1 - r2) / n2)
    if abs(float(a['low']) - (r2 - r1 - half)) > 0.002 or abs(float(a['high']) - (r2 - r1 + half)) > 0.002: yield 'the interval is not the 95% normal interval of the difference'


@hidden('ch8', '8.3')
def _share_exact(a):
    from mlsys.course.deployment_checks import CANARY_SHARE, canary_request_ids
    from mlsys.modelops.releases import request_bucket
    ids = canary_request_ids()
    sent = sum(request_bucket(r) < CANARY_SHARE for r in ids)
    if round(float(a['challenger_share']) * len(ids)) != sent: yield 'not the count of ids the canary sends to the challenger'

# ---------- chapter 12 (the human side)
ANSWERS[('ch12', '12.1')] = {'hiring_screening': 'data', 'healthcare_risk_score': 'data', 'facial_recognition': 'evaluation',
                             'credit_limits': 'oversight', 'recidivism_scores': 'model'}
ANSWERS[('ch12', '12.3')] = {'approach': 'post-processing'}
ANSWERS[('ch12', '12.5')] = {'cv_ranking': 'high', 'store_chatbot': 'limited', 'coupon_targeting': 'minimal',
                             'credit_limit': 'high', 'citizen_score': 'prohibited'}
FAILURE_REASONS = { # for the instructor's discussion of 12.1 (moved here from mlsys.responsible.FAILURE_CASES)
    'hiring_screening': 'the labels were past hiring decisions, which encoded the historical imbalance; removing explicit words left proxies',
    'healthcare_risk_score': 'the label was a proxy (cost) for the need it was meant to measure; unequal access made cost lower at equal need',
    'facial_recognition': 'benchmarks under-represented darker-skinned women, so aggregate accuracy hid the gap; nobody reported metrics by subgroup',
    'credit_limits': 'customers and staff could not get an explanation or a human review of a consequential automated decision',
    'recidivism_scores': 'the score was calibrated across groups, and with different base rates calibration and equal error rates cannot both hold; the fairness criterion was never chosen openly'}


@hidden('ch12', '12.1')
def _failures_exact(a):
    from mlsys.course.human_side_checks import STAGE
    yield from _exact_choices(a, ('ch12', '12.1'), STAGE)


@hidden('ch12', '12.2')
def _gaps_tight(a):
    "The two differences within 0.001 of fairlearn's, on the test patients."
    from mlsys.course.answers import as_number
    from mlsys.course.human_side_checks import fairness_gaps
    ref = fairness_gaps()
    for k in ('equalized_odds', 'demographic_parity'):
        if abs(as_number(a[k], k) - ref[k]) > 1e-3: yield f'{k}: not within 0.001 of fairlearn on the test patients'


@hidden('ch12', '12.3')
def _mitigation_exact(a):
    from mlsys.course.answers import as_number
    from mlsys.course.human_side_checks import APPROACH, mitigation_cost, METHOD_OF
    if APPROACH.choose(a['approach'], 'approach') != ANSWERS[('ch12', '12.3')]['approach']: yield 'approach: not the family the situation leaves open'
    ref = mitigation_cost(METHOD_OF[ANSWERS[('ch12', '12.3')]['approach']])
    if abs(as_number(a['equalized_odds'], 'equalized_odds') - ref['equalized_odds']) > 1e-3: yield "equalized_odds: not within 0.001 of the method's decisions"


@hidden('ch12', '12.4')
def _release_exact(a):
    from mlsys.course.answers import as_number
    from mlsys.course.dataops_checks import column_name
    from mlsys.course.human_side_checks import release_reference
    ref = release_reference()
    if {column_name(c) for c in a['direct_identifiers']} != ref['direct']: yield 'direct_identifiers: not the columns find_personal_data flags'
    if as_number(a['k'], 'k') != ref['k']['k'] or as_number(a['l'], 'l') != ref['l']: yield 'k or l: not what k_anonymity and l_diversity give'


@hidden('ch12', '12.5')
def _tiers_exact(a):
    from mlsys.course.human_side_checks import TIER
    yield from _exact_choices(a, ('ch12', '12.5'), TIER)


@hidden('ch12', '12.6')
def _queue_exact(a):
    "Exactly the queued ids, whatever their order or container."
    from mlsys.course.human_side_checks import queue_reference
    ids = [a['review']] if isinstance(a['review'], str) else list(a['review'])
    if {str(i).strip() for i in ids} != set(queue_reference()['review']): yield 'review: not the cases the queue routes to a person'
