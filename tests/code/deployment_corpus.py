"""The checker corpus of chapter 8 (imported by test_check_corpus.py): right answers phrased differently that must pass,
misconceptions that must fail with a specific message. The interval is computed here on its own (not with the check's
helper), from the counts the student sees."""
import math
from mlsys.course.deployment_checks import CANARY, CANARY_SHARE, canary_request_ids

OK = 'passed'

SERVED = {'payment_approval': 'online', 'weekly_mailing': 'offline batch', 'claim_documents': 'asynchronous'}
def served(**over): return {**SERVED, **over}

def interval(z=1.96, flip=False, sum_of_errors=False):
    n = {v: CANARY[v]['requests'] for v in CANARY}; p = {v: CANARY[v]['redemptions'] / n[v] for v in CANARY}
    d = p['challenger'] - p['champion']
    se = (sum(math.sqrt(p[v] * (1 - p[v]) / n[v]) for v in CANARY) if sum_of_errors  # standard errors added, not variances
          else math.sqrt(sum(p[v] * (1 - p[v]) / n[v] for v in CANARY)))
    lo, hi = d - z * se, d + z * se
    return {'low': -hi, 'high': -lo} if flip else {'low': lo, 'high': hi}
def canary(cause='too few requests', reasoning=None, **kw):
    return {'cause': cause, **interval(**kw), **({'reasoning': reasoning} if reasoning else {})}

def share():
    from mlsys.modelops.releases import choose_variant, release_policy
    policy, ids = release_policy('canary', share=CANARY_SHARE), canary_request_ids()
    return sum(choose_variant(policy, r)[0] == 'challenger' for r in ids) / len(ids)

CORPUS = [
    # 8.1 online, asynchronous or offline batch
    ('8.1', 'reference', lambda: served(reasoning='the shopper waits; the mailing is weekly; photos are slow'), OK, ''),
    ('8.1', 'synonyms', lambda: served(payment_approval='real-time API', weekly_mailing='Nightly batch', claim_documents='Redis Streams'), OK, ''),
    ('8.1', 'short forms, no reasoning', lambda: served(payment_approval='REST API', weekly_mailing='batch', claim_documents='async'), OK, ''),
    ('8.1', 'reasoning that is not text', lambda: served(claim_documents='queue', reasoning=['slow', 'bursty']), OK, ''),
    ('8.1', 'everything online', lambda: served(weekly_mailing='online', claim_documents='online'), 'failed', 'weekly_mailing: online? a synchronous API fits when somebody waits'),
    ('8.1', 'slow photos scored in a batch', lambda: served(claim_documents='batch'), 'failed', 'claim_documents: offline batch? a scheduled batch scores everything ahead of time'),
    ('8.1', 'fraud check on a queue', lambda: served(payment_approval='queue'), 'failed', 'payment_approval: asynchronous? a queue fits work that is slow'),
    ('8.1', 'a sentence for a choice', lambda: served(payment_approval='online, because the shopper waits'), 'failed', 'give the choice alone'),
    ('8.1', 'streaming is not a choice', lambda: served(payment_approval='streaming'), 'failed', "payment_approval: expected a way of serving: one of online, asynchronous, offline batch"),
    ('8.1', 'misspelt case', lambda: {'payment_aproval': 'online', 'weekly_mailing': 'batch', 'claim_documents': 'async'}, 'failed', "'payment_approval' (you wrote 'payment_aproval')"),
    # 8.2 a canary that misleads
    ('8.2', 'reference', lambda: canary(reasoning='400 requests cannot tell 3 points from 0'), OK, ''),
    ('8.2', 'z = 2, synonym', lambda: canary('small sample', z=2), OK, ''),
    ('8.2', 'rounded text numbers', lambda: {'cause': 'Not significant', **{k: f'{v:.3f}' for k, v in interval().items()}}, OK, ''),
    ('8.2', 'underpowered, as a tuple-free dict', lambda: canary('underpowered'), OK, ''),
    ('8.2', 'promote on three points', lambda: canary('real improvement'), 'failed', 'does your interval rule out a difference of zero?'),
    ('8.2', 'routing blamed', lambda: canary('selection bias'), 'failed', 'requests went by a hash of their id'),
    ('8.2', 'novelty', lambda: canary('novelty effect'), 'failed', 'households never learn which model picked them'),
    ('8.2', 'champion minus challenger', lambda: canary(flip=True), 'failed', "that is the champion's rate minus the challenger's"),
    ('8.2', 'standard errors added', lambda: canary(sum_of_errors=True), 'failed', 'the variance of a difference is the sum of the two'),
    ('8.2', 'an interval around zero', lambda: {'cause': 'chance', 'low': -0.01, 'high': 0.01}, 'failed', 'does not contain the observed difference'),
    ('8.2', 'cause as a sentence', lambda: canary('there are too few requests to tell'), 'failed', 'give the choice alone'),
    # 8.3 the share a canary sends
    ('8.3', 'reference', lambda: {'challenger_share': share()}, OK, ''),
    ('8.3', 'rounded to four places', lambda: {'challenger_share': round(share(), 4)}, OK, ''),
    ('8.3', 'as text, with reasoning', lambda: {'challenger_share': str(share()), 'reasoning': 'counted with choose_variant'}, OK, ''),
    ('8.3', 'the setting', lambda: {'challenger_share': CANARY_SHARE}, 'failed', 'is the setting; count the requests'),
    ('8.3', 'a percentage', lambda: {'challenger_share': share() * 100}, 'failed', 'give a fraction between 0 and 1'),
    ('8.3', "the champion's share", lambda: {'challenger_share': 1 - share()}, 'failed', "that is the champion's share"),
    ('8.3', 'a count', lambda: {'challenger_share': round(share() * 5000)}, 'failed', 'is not the share of the 5,000 ids'),
]
