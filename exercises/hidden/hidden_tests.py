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
