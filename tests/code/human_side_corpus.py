"""The checker corpus of chapter 12 (imported by test_check_corpus.py): right answers phrased and computed differently
that must pass, misconceptions that must fail with a specific message. Numbers are computed here by hand (pandas and
the library's own functions), not with the check's helpers, so a slip in a check's reference shows up as a failed row."""
import functools, tempfile
from pathlib import Path
import numpy as np, pandas as pd

OK = 'passed'

# ---------- 12.1 where it went wrong
STAGES = {'hiring_screening': 'data', 'healthcare_risk_score': 'data', 'facial_recognition': 'evaluation',
          'credit_limits': 'oversight', 'recidivism_scores': 'model'}
def stages(**over): return {**STAGES, **over}

# ---------- 12.2 the fairness gaps, by hand
@functools.lru_cache(maxsize=1)
def readmission():
    from mlsys.responsible.mitigation import readmission_case, mitigated_decisions
    case = readmission_case()
    return case, mitigated_decisions(case, 'none', 0.2)

def rates(y, d, g)->pd.DataFrame:
    "Selection rate, TPR and FPR per group, with pandas."
    t = pd.DataFrame({'y': y, 'd': d, 'g': g})
    return pd.DataFrame({'selection': t.groupby('g').d.mean(), 'tpr': t[t.y == 1].groupby('g').d.mean(),
                         'fpr': t[t.y == 0].groupby('g').d.mean()})

def gaps(rows='test', threshold=0.2, eo=lambda s: max(s.tpr, s.fpr), swap=False, **over):
    case, d = readmission()
    if rows == 'train':
        model = case.make_model().fit(case.X_train, case.y_train)
        y, g, d = case.y_train, case.g_train, (model.predict_proba(case.X_train)[:, 1] >= threshold).astype(int)
    else:
        y, g = case.y_test, case.g_test
        if threshold != 0.2:
            from mlsys.responsible.mitigation import mitigated_decisions
            d = mitigated_decisions(case, 'none', threshold)
    r = rates(y, d, g); s = r.max() - r.min()
    a = {'equalized_odds': float(eo(s)), 'demographic_parity': float(s.selection)}
    if swap: a = {'equalized_odds': a['demographic_parity'], 'demographic_parity': a['equalized_odds']}
    return {**a, 'passes_gate': bool(a['equalized_odds'] <= 0.1), **over}

def by_fairlearn():
    "fairlearn's own functions (numpy floats), and the gate read from fairness_check."
    from fairlearn.metrics import equalized_odds_difference, demographic_parity_difference
    from mlsys.responsible.fairness import fairness_check
    c, d = readmission()
    return {'equalized_odds': equalized_odds_difference(c.y_test, d, sensitive_features=c.g_test),
            'demographic_parity': demographic_parity_difference(c.y_test, d, sensitive_features=c.g_test),
            'passes_gate': fairness_check(c.y_test, d, c.g_test, limit=0.1, n_boot=10).passed,
            'reasoning': 'B is called more often whatever the outcome'}

# ---------- 12.3 a mitigation and its price
@functools.lru_cache(maxsize=3)
def priced(method='threshold_optimizer')->dict:
    from fairlearn.metrics import equalized_odds_difference
    from mlsys.responsible.mitigation import mitigated_decisions
    case, none = readmission()
    d = mitigated_decisions(case, method, 0.2)
    return {'equalized_odds': float(equalized_odds_difference(case.y_test, d, sensitive_features=case.g_test)),
            'accuracy_change': float((d == case.y_test).mean() - (none == case.y_test).mean()),
            'value_change': float(case.value(case.y_test, d) - case.value(case.y_test, none))}

def mitigation(approach='post-processing', method='threshold_optimizer', **over): return {'approach': approach, **priced(method), **over}

# ---------- 12.4 a release table
@functools.lru_cache(maxsize=1)
def register(): from mlsys.responsible.privacy import customer_register; return customer_register()

def smallest_group(cols): return int(register().groupby(cols).size().min())
def fewest_bands(cols): return int(register().groupby(cols).income_band.nunique().min())
DIRECT = ['household_id', 'email', 'phone', 'note']
def flagged_columns()->set:
    from mlsys.responsible.privacy import find_personal_data
    return set(find_personal_data(register()).column)
def release(direct=DIRECT, **over):
    return {'direct_identifiers': direct, 'k': smallest_group(['postcode', 'age_band', 'household_size']),
            'l': fewest_bands(['postcode', 'age_band']), **over}

# ---------- 12.5 AI Act tiers
TIERS = {'cv_ranking': 'high', 'store_chatbot': 'limited', 'coupon_targeting': 'minimal', 'credit_limit': 'high', 'citizen_score': 'prohibited'}
def tiers(**over): return {**TIERS, **over}
def tiers_by_helper():
    from mlsys.responsible.oversight import ai_act_tier
    return {'cv_ranking': ai_act_tier(area='employment')['tier'], 'store_chatbot': ai_act_tier(interacts_with_people=True)['tier'],
            'coupon_targeting': ai_act_tier()['tier'], 'credit_limit': ai_act_tier(area='essential_services')['tier'],
            'citizen_score': ai_act_tier(practice='social_scoring')['tier'], 'reasoning': 'annex III lists hiring and credit'}

# ---------- 12.6 the review queue
@functools.lru_cache(maxsize=1)
def queued()->dict:
    "The queue run for real, and the same routing and agreement worked out by hand with pandas."
    from mlsys.course.human_side_checks import review_cases, nurse_decisions
    from mlsys.responsible.oversight import DecisionLog, ReviewQueue
    cases, nurse = review_cases(), nurse_decisions()
    with tempfile.TemporaryDirectory() as d:
        q = ReviewQueue(DecisionLog(Path(d)/'log.jsonl'))
        waiting = q.enqueue(cases)
        for c in waiting: q.decide(c, nurse[c], 'nurse', 'notes')
        agreement = q.agreement()['agreement']
    unsure = cases.score.between(0.35, 0.65); costly = cases.stakes > 500
    by_hand = cases[unsure | costly]
    nurse_s = cases.case_id.map(nurse)
    return {'queue': waiting, 'agreement': agreement, 'by_hand': by_hand.case_id.tolist(),
            'by_hand_agreement': float((by_hand.case_id.map(nurse) == (by_hand.score >= 0.5).astype(int)).mean()),
            'unsure': cases.case_id[unsure].tolist(), 'costly': cases.case_id[costly].tolist(), 'all': cases.case_id.tolist(),
            'all_agreement': float((nurse_s == (cases.score >= 0.5).astype(int)).mean())}

def queue_answer(review='queue', agreement='agreement', **over):
    q = queued(); return {'review': q[review], 'agreement': q[agreement], **over}

CORPUS = [
    # 12.1 where it went wrong
    ('12.1', 'reference', lambda: stages(), OK, ''),
    ('12.1', 'synonyms and capitals, with reasoning', lambda: stages(hiring_screening='Labels', healthcare_risk_score='proxy label',
        facial_recognition='Benchmark', credit_limits='human review', recidivism_scores='fairness criterion', reasoning='see the notes'), OK, ''),
    ('12.1', 'spaces and dashes', lambda: stages(hiring_screening=' training-data ', facial_recognition='EVALUATION', credit_limits='Governance'), OK, ''),
    ('12.1', 'facial recognition as a data problem', lambda: stages(facial_recognition='data'), 'failed', 'facial_recognition: data? Ask: was the harm already in what the model learned from'),
    ('12.1', 'credit limits blamed on the model', lambda: stages(credit_limits='model'), 'failed', 'credit_limits: model? Ask:'),
    ('12.1', 'a sentence instead of a stage', lambda: stages(hiring_screening='the data was biased against women'), 'failed', 'give the choice alone'),
    ('12.1', 'not a stage', lambda: stages(recidivism_scores='ethics'), 'failed', 'recidivism_scores: expected a stage'),
    ('12.1', 'misspelt case', lambda: {('facial_recognitions' if k == 'facial_recognition' else k): v for k, v in STAGES.items()}, 'failed', "'facial_recognition' (you wrote 'facial_recognitions')"),
    ('12.1', 'a list of stages', lambda: list(STAGES.values()), 'failed', 'expected a dict with keys'),
    # 12.2 the fairness gaps
    ('12.2', 'reference: rates by hand', lambda: gaps(), OK, ''),
    ('12.2', 'rounded to three decimals, as text', lambda: {k: (f'{v:.3f}' if not isinstance(v, bool) else v) for k, v in gaps().items()}, OK, ''),
    ('12.2', "fairlearn's functions, numpy floats, reasoning", lambda: by_fairlearn(), OK, ''),
    ('12.2', 'equalized odds as the FPR gap', lambda: gaps(eo=lambda s: s.fpr), 'failed', 'false-positive rates alone'),
    ('12.2', 'keys swapped', lambda: gaps(swap=True), 'failed', 'are the two keys swapped?'),
    ('12.2', 'training rows', lambda: gaps('train'), 'failed', 'measured on the training rows'),
    ('12.2', 'default threshold', lambda: gaps(threshold=0.5), 'failed', 'at a threshold of 0.5'),
    ('12.2', 'the gate misread', lambda: gaps(passes_gate=True), 'failed', 'passes_gate: the gate lets a model through'),
    ('12.2', 'gate as text', lambda: gaps(passes_gate='no'), 'failed', 'passes_gate: expected True or False'),
    ('12.2', 'percentages', lambda: {**gaps(), 'equalized_odds': 13.25}, 'failed', 'lies between 0 and 1'),
    # 12.3 a mitigation and its price
    ('12.3', 'reference', lambda: mitigation(), OK, ''),
    ('12.3', 'the method named, rounded', lambda: {'approach': 'ThresholdOptimizer', **{k: round(v, 3) for k, v in priced().items()}}, OK, ''),
    ('12.3', 'after training, value as text, reasoning', lambda: mitigation('after training', value_change=f"{priced()['value_change']:,.0f}",
                                                                          reasoning='a fifth of decisions worse; gap still over 0.1'), OK, ''),
    ('12.3', 'reweighting, its own numbers', lambda: mitigation('reweighting', 'reweighting'), 'failed', 'approach: pre-processing? pre-processing changes the training rows'),
    ('12.3', 'in-processing, its own numbers', lambda: mitigation('in-processing', 'exponentiated_gradient'), 'failed', 'approach: in-processing? in-processing fits a new model'),
    ('12.3', 'value lost counted the other way', lambda: mitigation(value_change=-priced()['value_change']), 'failed', 'value_change: the sign is reversed'),
    ('12.3', "the unmitigated model's gap", lambda: mitigation(equalized_odds=gaps()['equalized_odds']), 'failed', '(that is the unmitigated model of 12.2)'),
    ('12.3', 'family and method in one sentence', lambda: mitigation('post-processing with ThresholdOptimizer'), 'failed', 'give the choice alone'),
    ('12.3', 'misspelt key', lambda: {('aproach' if k == 'approach' else k): v for k, v in mitigation().items()}, 'failed', "'approach' (you wrote 'aproach')"),
    # 12.4 a release table
    ('12.4', 'reference', lambda: release(), OK, ''),
    ('12.4', 'names as people write them, k and l as text', lambda: release(['Household ID', 'EMAIL', 'Phone', 'note'], k='1', l=2.0), OK, ''),
    ('12.4', 'a set from find_personal_data', lambda: release(flagged_columns()), OK, ''),
    ('12.4', 'the note left in', lambda: release(['household_id', 'email', 'phone']), 'failed', 'note is missing: read a sample of the notes'),
    ('12.4', 'postcode as an identifier', lambda: release(DIRECT + ['postcode']), 'failed', 'postcode does not single anyone out on its own'),
    ('12.4', 'k as the number of groups', lambda: release(k=len(register().groupby(['postcode', 'age_band', 'household_size']))), 'failed', 'k: that is the number of groups'),
    ('12.4', 'l as rows', lambda: release(l=smallest_group(['postcode', 'age_band'])), 'failed', 'l: that counts the rows of the smallest group'),
    ('12.4', 'e-mail misspelt', lambda: release(['household_id', 'e-mail', 'phone', 'note']), 'failed', "['e_mail'] are not columns of customer_register()"),
    # 12.5 AI Act tiers
    ('12.5', 'reference', lambda: tiers(), OK, ''),
    ('12.5', 'from ai_act_tier, with reasoning', lambda: tiers_by_helper(), OK, ''),
    ('12.5', 'the words of the Act', lambda: tiers(cv_ranking='High-Risk', store_chatbot='transparency risk', coupon_targeting='Minimal risk',
                                                   credit_limit='high risk', citizen_score='Unacceptable risk'), OK, ''),
    ('12.5', 'coupons as high risk', lambda: tiers(coupon_targeting='high'), 'failed', 'coupon_targeting: high? high risk means a use listed in annex III'),
    ('12.5', 'a citizen score as merely high risk', lambda: tiers(citizen_score='high'), 'failed', 'citizen_score: high?'),
    ('12.5', 'a chatbot as minimal', lambda: tiers(store_chatbot='minimal'), 'failed', 'store_chatbot: minimal? minimal means'),
    ('12.5', 'a sentence', lambda: tiers(cv_ranking='high, it is recruitment'), 'failed', 'give the choice alone'),
    ('12.5', 'not a tier', lambda: tiers(credit_limit='medium'), 'failed', "credit_limit: expected a risk tier"),
    # 12.6 the review queue
    ('12.6', 'reference: the queue run for real', lambda: queue_answer(), OK, ''),
    ('12.6', 'routed by hand with pandas', lambda: queue_answer('by_hand', 'by_hand_agreement'), OK, ''),
    ('12.6', 'a sorted tuple, agreement rounded', lambda: {'review': tuple(sorted(queued()['queue'])), 'agreement': round(queued()['agreement'], 3),
                                                            'reasoning': 'the nurse overruled the model on a sixth of the cases'}, OK, ''),
    ('12.6', 'only the unsure cases', lambda: queue_answer('unsure'), 'failed', 'with more than 500 at stake are missing'),
    ('12.6', 'only the costly cases', lambda: queue_answer('costly'), 'failed', 'scored between 0.35 and 0.65 are missing'),
    ('12.6', 'every case to a person', lambda: queue_answer('all'), 'failed', 'are confident and worth little'),
    ('12.6', 'agreement over every case', lambda: queue_answer(agreement='all_agreement'), 'failed', 'that is over every case'),
    ('12.6', 'agreement in percent', lambda: queue_answer() | {'agreement': 100 * queued()['agreement']}, 'failed', 'give a share between 0 and 1'),
    ('12.6', 'ids as numbers', lambda: queue_answer() | {'review': [0, 2, 3]}, 'failed', "review: expected case ids such as 'case-07'"),
]
