"""The checker corpus: for every question, differently phrased right answers that must pass and misconceptions that
must fail with a specific message, and answers of unexpected shapes that must get "expected …, got …", never an
exception. Each answer goes through the grader's path (recorded as data, rebuilt, checked) before it is checked.

A row is (question, label, answer, expected status, message fragment). An answer is a function, so the data it
needs is built only when its row runs."""
import json
import pandas as pd
import pytest
from mlsys.course.exercises import CHECKS, run_check, answer_data, answer_from_data, department_lines, retail_sample, orders, customers
from mlsys.foundations.design import DesignReview
from mlsys.foundations.framing import Stakeholder, ValueDriver, RequirementsSheet, MilestoneLog
from mlsys.foundations.metrics import Threshold

OK = 'passed'

# ---------- chapter 1
def case(company='Uber (Michelangelo)', **over):
    a = {'company': company,
         'objectives': {'for_company': ['let hundreds of teams ship models without building infrastructure'],
                        'for_customers': ['accurate arrival times for riders']},
         'dataops': ['a shared feature store', 'the same features for training and serving'],
         'modelops': ['every model trained through one recorded workflow', 'models versioned and compared'],
         'devops': ['one-click deployment', 'monitoring predictions against outcomes'],
         'principles': {'modularity': 'Feature store, training and serving are separate services.',
                        'scalability': 'Distributed training and scaled serving handle thousands of models.',
                        'automation': 'Training and deployment run as managed workflows.',
                        'monitoring': 'Predictions are joined with later outcomes to detect accuracy drops.'}}
    a.update(over); return a

def review(check=lambda: True, principles=('modularity', 'automation', 'monitoring')):
    r = DesignReview('retail pipeline').record('reproducibility', 'same seed, same hashes', check=check)
    for p in principles: r.record(p, 'evidence')
    return r

# ---------- chapter 2
GROUPS = {'nurses': 'users', 'physicians': 'users', 'CFO': 'sponsors', 'Chief Financial Officer': 'sponsors', 'hospital IT': 'builders',
          'data engineers': 'builders', 'patients': 'affected', 'compliance office': 'oversight'}
def people(*roles, wrong=True, groups=None):
    "Stakeholders with the given roles; `groups` overrides the group chosen for a role."
    groups = {**GROUPS, **(groups or {})}
    return [Stakeholder(r, 'fewer readmissions', ['What happens if a risky patient is missed?'], ['nurses have time to act'],
                        group=groups.get(r, ''), topics=['errors', 'today'] if wrong and i == 0 else ['today']) for i, r in enumerate(roles)]

SUIT = {'complex_patterns': True, 'quality_data': True, 'predict_unseen': True, 'rule_based': False, 'retrieval': False,
        'static_reporting': False, 'deterministic': False, 'full_transparency': False}
def suit(alternative='scoring rule', **over):
    return {'answers': {**SUIT, **over}, 'alternative': alternative, 'reasoning': 'a LACE score cannot weigh interactions'}

def value(drivers=None, intangibles=('patients trust a hospital that follows up',), one_off=200_000):
    drivers = drivers if drivers is not None else [ValueDriver('penalties avoided', 100_000, 300_000, 600_000),
                                                   ValueDriver('programme upkeep', -250_000, -180_000, -120_000)]
    return {'drivers': drivers, 'intangibles': list(intangibles), 'one_off_cost': one_off}

def sheet(plan='data-use agreement with compliance', sensitivity='health', safeguards=('access control', 'de-identification'), **extra):
    s = (RequirementsSheet().add('data', 'two years of discharges with outcomes', True)
         .add('algorithm', 'an interpretable model', True).add('infrastructure', 'a nightly job slot', False, 'request from IT')
         .add('deployment', 'scores in the EHR discharge screen', False, 'vendor API').add('scale', '200 discharges a day', True)
         .add('data', 'privacy: HIPAA-compliant access to de-identified records', False, plan))
    return {'sheet': s, 'sensitivity': sensitivity, 'safeguards': safeguards if isinstance(safeguards, str) else list(safeguards), **extra}

def milestones(approved_by='chief nursing officer', reason='nurses can only call 20% of patients', change=True):
    log = MilestoneLog().milestone('pilot on one ward', ['nightly scores', 'recall at least 60%', 'nurse feedback form'])
    if change: log.change('pilot on one ward', 'add', 'precision in the top 20%', reason=reason, approved_by=approved_by)
    return log

# ---------- chapter 3
def ride(mode='batch', cities=60, every=600, retry='exponential backoff with jitter', smode='streaming', late='event-time windows with allowed lateness'):
    return {'weather': {'mode': mode, 'cities': cities, 'poll_every_s': every, 'retry': retry},
            'driver_status': {'mode': smode, 'late_events': late}}

def strat(frac=0.25, seed=0): return department_lines().groupby('department', group_keys=False).sample(frac=frac, random_state=seed)
def proportional_n(n=5_000):
    lines = department_lines()
    sizes = (lines.department.value_counts(normalize=True) * n).round().astype(int)
    return pd.concat([g.sample(sizes[d], random_state=0) for d, g in lines.groupby('department')])
def sk_strat():
    from sklearn.model_selection import train_test_split
    lines = department_lines()
    strata = lines.department.where(lines.department.map(lines.department.value_counts()) > 1, 'rare')
    return train_test_split(lines, train_size=5_000, stratify=strata, random_state=0)[0]

def fraud_suite(kinds=('schema', 'content', 'content', 'cross_field', 'cross_dataset', 'statistical'), amount_max=50_000):
    types = [{'type': 'expect_table_columns_to_match_set', 'column_set': list(orders().columns), 'exact_match': True},
             {'type': 'expect_column_values_to_be_between', 'column': 'amount', 'min_value': 0.01, 'max_value': amount_max},
             {'type': 'expect_column_values_to_be_in_set', 'column': 'currency', 'value_set': ['EUR', 'USD', 'GBP']},
             {'type': 'expect_column_pair_values_a_to_be_greater_than_b', 'column_A': 'paid_at', 'column_B': 'created_at'},
             {'type': 'expect_column_values_to_be_in_set', 'column': 'customer_id', 'value_set': customers().customer_id.tolist()},
             {'type': 'expect_column_median_to_be_between', 'column': 'amount', 'min_value': 20, 'max_value': 60}]
    return [{**t, 'kind': k} for t, k in zip(types, kinds)]

def gdpr(erase_from='every stored version', lineage='each model records the snapshots it was built from', every='daily'):
    return {'snapshot_every': every, 'erase_from': erase_from, 'lineage': lineage}

def api(records=None, campaigns=None, types=None):
    from mlsys.core.datasets import load_complete_journey
    t = load_complete_journey('coupon_redemptions').merge(load_complete_journey('campaign_descriptions')[['campaign_id', 'campaign_type']], on='campaign_id')
    return {'records': len(t) if records is None else records(t), 'campaigns': t.campaign_id.nunique() if campaigns is None else campaigns(t),
            'types': t.campaign_type.value_counts().to_dict() if types is None else types(t)} if 'campaign_type' in t else None

def weeks(): return retail_sample().groupby('household_id').week.nunique()

# ---------- chapter 4
DOMAIN = [{'type': 'expect_column_values_to_be_between', 'column': 'week', 'min_value': 1, 'max_value': 53},
          {'type': 'expect_column_values_to_be_between', 'column': 'store_id', 'min_value': 1}]
def versions(full=None, filtered=None, rows=None, write='write_parquet'):
    import hashlib, tempfile
    from pathlib import Path
    from mlsys.core.storage import write_parquet
    tx = retail_sample(); half = tx[tx.week <= 26]
    def md5(df):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d)/'t.parquet'
            write_parquet(df, p) if write == 'write_parquet' else df.to_parquet(p)
            return hashlib.md5(p.read_bytes()).hexdigest()
    return {'full_md5': full or md5(tx), 'filtered_md5': filtered or md5(half), 'filtered_rows': len(half) if rows is None else rows}

FAKE = 'd41d8cd98f00b204e9800998ecf8427e'

CORPUS = [
    # 1.1 a case analysis
    ('1.1', 'reference', lambda: case(), OK, ''),
    ('1.1', 'Meta (FBLearner Flow)', lambda: case('Meta (FBLearner Flow)'), OK, ''),
    ('1.1', 'Booking.com, principle names as titles', lambda: case('Booking.com', principles={
        'Modularity and abstraction': 'Each model is a separate service behind one interface.', 'Scalability': 'Serving scales out per model.',
        'automation': 'Experiments are deployed by a pipeline.', 'Monitoring and maintenance': 'Every model has live business metrics.'}), OK, ''),
    ('1.1', 'subscribers', lambda: case('Netflix', objectives={'for_company': 'retention', 'for_customers': 'subscribers find something to watch'}), OK, ''),
    ('1.1', 'travellers', lambda: case('Airbnb Bighead', objectives={'for_company': ['bookings'], 'for_customers': ['travellers find a place to stay']}), OK, ''),
    ('1.1', 'passengers', lambda: case("Uber's Michelangelo", objectives={'for_company': ['fewer idle drivers'], 'for_customers': ['passengers wait less']}), OK, ''),
    ('1.1', 'not one of the nine', lambda: case('Amazon SageMaker'), 'failed', 'company: expected one of the nine cases'),
    ('1.1', 'only the company benefits', lambda: case(objectives={'for_company': ['cut costs'], 'for_customers': []}), 'failed', "objectives['for_customers']: say what the system does for its customers"),
    ('1.1', 'monitoring left out', lambda: case(principles={k: 'A sentence on how it shows up here.' for k in ('modularity', 'scalability', 'automation', 'security')}), 'failed', 'no example of monitoring'),
    ('1.1', 'one practice only', lambda: case(devops=['deploy']), 'failed', 'devops: give at least two practices (got 1)'),
    ('1.1', 'objectives as a list', lambda: case(objectives=['ETA for riders']), 'failed', "objectives: expected a dict with keys ['for_company', 'for_customers'], got a list"),
    ('1.1', 'misspelt key', lambda: {('principals' if k == 'principles' else k): v for k, v in case().items()}, 'failed', "'principles' (you wrote 'principals')"),
    # 1.2 a design review
    ('1.2', 'reference', lambda: review(), OK, ''),
    ('1.2', 'five principles', lambda: review(principles=('modularity', 'automation', 'monitoring', 'security')), OK, ''),
    ('1.2', 'check returns a numpy bool', lambda: review(check=lambda: __import__('numpy').bool_(True)), OK, ''),
    ('1.2', 'reproducibility claimed, not run', lambda: review(check=None), 'failed', 'give the reproducibility finding a `check=` function'),
    ('1.2', 'hashes differ', lambda: review(check=lambda: False), 'failed', 'the reproducibility check does not pass'),
    ('1.2', 'two principles only', lambda: review(principles=('modularity',)), 'failed', '5 principles are missing'),
    ('1.2', 'a dict', lambda: {'reproducibility': 'yes'}, 'failed', 'expected a mlsys.foundations.design.DesignReview, got a dict'),
    # 2.1 stakeholders
    ('2.1', 'reference groups', lambda: people('nurses', 'CFO', 'hospital IT', 'patients'), OK, ''),
    ('2.1', 'Chief Financial Officer, synonyms', lambda: people('nurses', 'Chief Financial Officer', 'data engineers', 'patients',
                                                                 groups={'nurses': 'clinical staff', 'Chief Financial Officer': 'Finance', 'data engineers': 'IT', 'patients': 'patients and families'}), OK, ''),
    ('2.1', 'hospital IT first, as a dict with reasoning', lambda: {'stakeholders': people('hospital IT', 'physicians', 'CFO', 'patients', 'compliance office'),
                                                                    'reasoning': 'IT owns the EHR extract'}, OK, ''),
    ('2.1', 'groups in capitals and dashes', lambda: people('nurses', 'CFO', 'hospital IT', 'patients', groups={'nurses': 'USERS', 'hospital IT': 'Technical-team'}), OK, ''),
    ('2.1', 'no patients', lambda: people('nurses', 'CFO', 'data engineers'), 'failed', 'no stakeholder from the affected'),
    ('2.1', 'nobody asked about errors', lambda: people('nurses', 'CFO', 'data engineers', 'patients', wrong=False), 'failed', 'ask somebody what happens when the prediction is wrong'),
    ('2.1', 'finance as users', lambda: people('nurses', 'CFO', 'data engineers', 'patients', groups={'CFO': 'users'}), 'failed', 'no stakeholder from the sponsors'),
    ('2.1', 'group as a sentence', lambda: people('nurses', 'CFO', 'data engineers', 'patients', groups={'CFO': 'the CFO is from finance'}), 'failed', 'give the choice alone'),
    ('2.1', 'group left out', lambda: people('nurses', 'CFO', 'data engineers', 'patients', groups={'CFO': ''}), 'failed', 'CFO: choose its group'),
    ('2.1', 'roles as text', lambda: ['nurses', 'Chief Financial Officer', 'data engineers', 'patients'], 'failed', 'expected a list of mlsys.foundations.framing.Stakeholder'),
    # 2.2 suitability
    ('2.2', 'reference', lambda: suit(), OK, ''),
    ('2.2', 'LACE score', lambda: suit('LACE score'), OK, ''),
    ('2.2', 'clinical judgment, yes/no answers', lambda: {**suit('Clinical judgment'), 'answers': {k: 'yes' if v else 'no' for k, v in SUIT.items()}}, OK, ''),
    ('2.2', 'call everyone', lambda: suit('call every patient'), OK, ''),
    ('2.2', 'follow-up-everyone, no reasoning', lambda: {k: v for k, v in suit('Follow-up everyone').items() if k != 'reasoning'}, OK, ''),
    ('2.2', 'logistic regression', lambda: suit('logistic regression'), 'failed', 'is a model fitted to data, which is ML'),
    ('2.2', 'random forest', lambda: suit('Random-Forest'), 'failed', 'is a model fitted to data, which is ML'),
    ('2.2', 'a rule learned by a model, as a sentence', lambda: suit('a rule learned by logistic regression'), 'failed', 'give the choice alone'),
    ('2.2', 'no quality data', lambda: suit(quality_data=False), 'failed', 'is quality data really missing?'),
    ('2.2', 'misspelt question', lambda: {**suit(), 'answers': {**{k: v for k, v in SUIT.items() if k != 'retrieval'}, 'retreival': False}}, 'failed', "'retrieval' (you wrote 'retreival')"),
    # 2.3 metrics
    ('2.3', 'reference', lambda: [Threshold('recall', min=0.6, kind='model'), Threshold('p95_ms', max=500, kind='system'), Threshold('readmission_reduction_pct', min=5, kind='business')], OK, ''),
    ('2.3', 'AUROC', lambda: [Threshold('AUROC', min=0.7), Threshold('uptime', min=0.99, kind='system'), Threshold('penalties_saved', min=100_000, kind='business')], OK, ''),
    ('2.3', 'sensitivity', lambda: [Threshold('Sensitivity', min=0.65), Threshold('scoring_latency_s', max=2, kind='system'), Threshold('readmission_rate', max=0.12, kind='business')], OK, ''),
    ('2.3', 'accuracy only', lambda: [Threshold('accuracy', min=0.9), Threshold('p95_ms', max=500, kind='system'), Threshold('cost', max=1, kind='business')], 'failed', 'accuracy rewards predicting nobody'),
    ('2.3', 'no business metric', lambda: [Threshold('recall', min=0.6), Threshold('p95_ms', max=200, kind='system')], 'failed', 'no business metric'),
    ('2.3', 'recall in percent', lambda: [Threshold('recall', min=60), Threshold('p95_ms', max=200, kind='system'), Threshold('cost', max=1, kind='business')], 'failed', 'recall: set a minimum between 0 and 1'),
    # 2.4 recall
    ('2.4', 'exact', lambda: {'threshold': 0.1, 'recall': 0.7019607843137254}, OK, ''),
    ('2.4', 'rounded to 3 places', lambda: {'threshold': 0.1, 'recall': 0.702}, OK, ''),
    ('2.4', 'as text, other threshold', lambda: {'threshold': '0.05', 'recall': '0.918'}, OK, ''),
    ('2.4', 'precision instead of recall', lambda: {'threshold': 0.1, 'recall': 0.193}, 'failed', 'at threshold 0.1 the recall is not 0.1930'),
    ('2.4', 'threshold too high', lambda: {'threshold': 0.2, 'recall': 0.3333}, 'failed', 'recall 0.33 misses most readmissions'),
    ('2.4', 'percent', lambda: {'threshold': 0.1, 'recall': 70.2}, 'failed', 'a percentage? divide by 100'),
    ('2.4', 'a list', lambda: [0.1, 0.702], 'failed', "expected a dict with keys ['threshold', 'recall'], got a list"),
    # 2.5 value
    ('2.5', 'reference', lambda: value(), OK, ''),
    ('2.5', 'one intangible as text', lambda: {**value(), 'intangibles': 'nurses spend calls where they matter'}, OK, ''),
    ('2.5', 'three drivers', lambda: value([ValueDriver('penalties', 50_000, 200_000, 400_000), ValueDriver('bed days', 10_000, 40_000, 90_000), ValueDriver('upkeep', -200_000, -150_000, -100_000)]), OK, ''),
    ('2.5', 'running cost forgotten', lambda: value([ValueDriver('penalties', 100_000, 300_000, 600_000)]), 'failed', 'add a negative driver'),
    ('2.5', 'point estimates', lambda: value([ValueDriver('penalties', 300_000, 300_000, 300_000), ValueDriver('upkeep', -180_000, -180_000, -180_000)]), 'failed', 'give each driver a real range'),
    ('2.5', 'free to build', lambda: value(one_off=0), 'failed', 'building it is not free'),
    ('2.5', 'drivers as dicts', lambda: {**value(), 'drivers': [{'name': 'penalties', 'low': 1, 'likely': 2, 'high': 3}]}, 'failed', 'drivers: expected a list of mlsys.foundations.framing.ValueDriver'),
    # 2.6 requirements
    ('2.6', 'reference', lambda: sheet(), OK, ''),
    ('2.6', 'PHI, RBAC and an audit trail', lambda: sheet(sensitivity='PHI', safeguards=['RBAC', 'audit trail'], reasoning='HIPAA'), OK, ''),
    ('2.6', 'protected health information, de-identified, one text', lambda: sheet(sensitivity='Protected Health Information', safeguards='de-identified'), OK, ''),
    ('2.6', 'special category data, a tuple', lambda: sheet(sensitivity='special-category data', safeguards=('least privilege', 'encryption', 'DPIA')), OK, ''),
    ('2.6', 'no privacy review needed', lambda: sheet(safeguards=['no privacy review needed'], reasoning='the data stays in house'), 'failed', 'privacy is a requirement, not optional'),
    ('2.6', 'no safeguards at all', lambda: sheet(safeguards=[]), 'failed', 'privacy is a requirement, not optional'),
    ('2.6', 'only personal data', lambda: sheet(sensitivity='PII'), 'failed', 'protected health information, not personal data'),
    ('2.6', 'anonymous, so nothing to do', lambda: sheet(sensitivity='anonymised'), 'failed', 'protected health information, not public data'),
    ('2.6', 'encryption alone', lambda: sheet(safeguards=['encryption']), 'failed', 'access control'),
    ('2.6', 'safeguard as a sentence', lambda: sheet(safeguards=['we will restrict access to the ward team']), 'failed', 'expected a safeguard'),
    ('2.6', 'a gap without a plan', lambda: sheet(plan=''), 'failed', 'gap without a plan: data: privacy'),
    ('2.6', 'the sheet alone', lambda: sheet()['sheet'], 'failed', "expected a dict with keys ['sheet', 'sensitivity', 'safeguards'], got a RequirementsSheet"),
    # 2.7 milestones
    ('2.7', 'reference', lambda: milestones(), OK, ''),
    ('2.7', 'approved by a committee', lambda: milestones('steering committee, 12 March'), OK, ''),
    ('2.7', 'approved by the CMO', lambda: milestones('CMO', reason='accuracy hides missed readmissions'), OK, ''),
    ('2.7', 'approved_by TBD', lambda: milestones('TBD'), 'failed', "approved_by 'TBD' is a placeholder"),
    ('2.7', 'no approver', lambda: milestones(''), 'failed', 'without an approver'),
    ('2.7', 'no change recorded', lambda: milestones(change=False), 'failed', 'record the change you expect'),
    ('2.7', 'reason n/a', lambda: milestones(reason='n/a'), 'failed', "the reason 'n/a' is a placeholder"),
    # 3.1 ingestion
    ('3.1', 'reference', lambda: ride(), OK, ''),
    ('3.1', 'Batch, Streaming, Retry-After', lambda: ride('Batch', 60, 300, 'honour the Retry-After header on 429', 'Streaming'), OK, ''),
    ('3.1', 'scheduled polling at the limit', lambda: ride('scheduled polling', 60, 216, 'back off exponentially on 429 and 5xx', 'real-time stream (Kafka)'), OK, ''),
    ('3.1', 'numpy numbers, micro words', lambda: ride('batch', __import__('numpy').int64(60), 900.0, 'wait and retry with jitter', 'event-driven'), OK, ''),
    ('3.1', 'immediate retry on 429', lambda: ride(retry='retry immediately on 429'), 'failed', 'retrying a 429 at once spends the rate limit faster'),
    ('3.1', 'poll every minute', lambda: ride(every=60), 'failed', '3,600 requests/hour: over the 1,000 limit'),
    ('3.1', 'weather streamed', lambda: ride(mode='streaming'), 'failed', 'poll it in batches'),
    ('3.1', 'driver status in batches', lambda: ride(smode='batch'), 'failed', 'driver status arrives every second'),
    ('3.1', 'misspelt key', lambda: {'weather': {'mode': 'batch', 'cities': 60, 'poll_every': 600, 'retry': 'backoff'}, 'driver_status': {'mode': 'streaming', 'late_events': 'watermarks'}}, 'failed', "'poll_every_s' (you wrote 'poll_every')"),
    ('3.1', 'None', lambda: None, 'failed', 'got None'),
    # 3.2 missingness
    ('3.2', 'upper case', lambda: {'sensor_battery': 'MCAR', 'income_by_age': 'MAR', 'weight_heavier': 'MNAR'}, OK, ''),
    ('3.2', 'NMAR, lower case', lambda: {'sensor_battery': 'mcar', 'income_by_age': 'mar', 'weight_heavier': 'NMAR'}, OK, ''),
    ('3.2', 'spelt out, with reasoning', lambda: {'sensor_battery': 'Missing completely at random', 'income_by_age': 'missing at random',
                                                 'weight_heavier': 'not missing at random', 'reasoning': 'age is observed for all'}, OK, ''),
    ('3.2', 'the schedule is a variable', lambda: {'sensor_battery': 'MAR', 'income_by_age': 'MAR', 'weight_heavier': 'MNAR'}, 'failed', 'sensor_battery: MAR means missingness is explained by another observed column'),
    ('3.2', 'weight explained by another column', lambda: {'sensor_battery': 'MCAR', 'income_by_age': 'MAR', 'weight_heavier': 'MAR'}, 'failed', 'weight_heavier: MAR means'),
    ('3.2', 'income depends on itself', lambda: {'sensor_battery': 'MCAR', 'income_by_age': 'MNAR', 'weight_heavier': 'MNAR'}, 'failed', 'income_by_age: MNAR means'),
    ('3.2', 'not a kind', lambda: {'sensor_battery': 'random', 'income_by_age': 'MAR', 'weight_heavier': 'MNAR'}, 'failed', "sensor_battery: expected a kind of missingness: one of MCAR, MAR, MNAR, got 'random'"),
    ('3.2', 'a list', lambda: ['MCAR', 'MAR', 'MNAR'], 'failed', 'expected a dict with keys'),
    # 3.3 stratified sample
    ('3.3', 'groupby sample frac', lambda: strat(), OK, ''),
    ('3.3', 'another seed and fraction', lambda: strat(0.24, 7), OK, ''),
    ('3.3', 'proportional sizes per department', lambda: proportional_n(), OK, ''),
    ('3.3', 'sklearn stratify', lambda: sk_strat(), OK, ''),
    ('3.3', 'plain random sample', lambda: department_lines().sample(5_000, random_state=0), 'failed', 'no closer to the data than a random sample'),
    ('3.3', 'the first rows', lambda: department_lines().head(5_000), 'failed', 'no closer to the data than a random sample'),
    ('3.3', 'stratified by week, not department', lambda: department_lines().groupby('week', group_keys=False).sample(frac=0.25, random_state=0), 'failed', 'no closer to the data than a random sample'),
    ('3.3', 'index reset', lambda: strat().reset_index(drop=True), 'failed', 'keep its index'),
    ('3.3', 'with replacement', lambda: department_lines().groupby('department', group_keys=False).sample(frac=0.25, replace=True, random_state=0), 'failed', 'sample without replacement'),
    ('3.3', 'a Series', lambda: strat().department, 'failed', 'expected a DataFrame of rows of department_lines() with a department column, got a Series'),
    # 3.4 leakage
    ('3.4', 'capitalised', lambda: 'Refund_issued', OK, ''),
    ('3.4', 'spaces', lambda: ' refund issued ', OK, ''),
    ('3.4', 'a list of one', lambda: ['REFUND-ISSUED'], OK, ''),
    ('3.4', 'amount', lambda: 'amount', 'failed', "'amount' is known when the transaction happens"),
    ('3.4', 'card age', lambda: 'card_age_days', 'failed', "'card_age_days' is known when the transaction happens"),
    ('3.4', 'two columns', lambda: ['amount', 'hour'], 'failed', 'name one column, got 2'),
    ('3.4', 'a number', lambda: 4, 'failed', 'expected a list of column names, got the number 4'),
    # 3.5 fraud suite
    ('3.5', 'reference', lambda: fraud_suite(), OK, ''),
    ('3.5', 'kinds spelt freely', lambda: fraud_suite(('Schema', 'content', 'Content', 'cross-field', 'Cross dataset', 'distribution')), OK, ''),
    ('3.5', 'wider amount range', lambda: fraud_suite(amount_max=1_000_000), OK, ''),
    ('3.5', 'no cross-dataset check', lambda: fraud_suite(('schema', 'content', 'content', 'cross_field', 'content', 'statistical')), 'failed', 'no cross_dataset check'),
    ('3.5', 'too tight', lambda: fraud_suite(amount_max=100), 'failed', 'fails on the clean orders: too tight'),
    ('3.5', 'a suite that cannot fail', lambda: [{'kind': k, 'type': 'expect_column_values_to_be_between', 'column': 'amount', 'min_value': -1e12}
                                                 for k in ('schema', 'content', 'cross_field', 'cross_dataset', 'statistical')], 'failed', 'nothing in the suite catches'),
    ('3.5', 'misspelt column', lambda: [{**e, 'column': 'amout'} if e.get('column') == 'amount' else e for e in fraud_suite()], 'failed', "'amout' is not a column of orders()"),
    # 3.6 post-mortem
    ('3.6', 'reference', lambda: {'column_renamed': 'schema', 'corrupted_records': 'content', 'clock_skew': 'cross_field'}, OK, ''),
    ('3.6', 'hyphens and capitals', lambda: {'column_renamed': 'Schema', 'corrupted_records': 'Content', 'clock_skew': 'cross-field'}, OK, ''),
    ('3.6', 'synonyms and a list', lambda: {'column_renamed': 'schema check', 'corrupted_records': ['value range'], 'clock_skew': 'Cross field', 'reasoning': 'paid_at < created_at'}, OK, ''),
    ('3.6', 'clock skew as drift', lambda: {'column_renamed': 'schema', 'corrupted_records': 'content', 'clock_skew': 'statistical'}, 'failed', 'clock_skew: a statistical check does not look at that'),
    ('3.6', 'rename as content', lambda: {'column_renamed': 'content', 'corrupted_records': 'content', 'clock_skew': 'cross_field'}, 'failed', 'column_renamed: a content check'),
    ('3.6', 'not a kind', lambda: {'column_renamed': 'unit test', 'corrupted_records': 'content', 'clock_skew': 'cross_field'}, 'failed', "column_renamed: expected a kind of check"),
    # 3.7 GDPR
    ('3.7', 'reference', lambda: gdpr(), OK, ''),
    ('3.7', 'remove from all snapshots, regenerate, retrain', lambda: gdpr('remove from all snapshots, regenerate, retrain'), OK, ''),
    ('3.7', 'every snapshot, hourly', lambda: gdpr('Every snapshot', every='hourly', lineage='DVC lock files name the inputs of every model'), OK, ''),
    ('3.7', 'latest snapshot only', lambda: gdpr('purge from the latest snapshot; older versions are immutable'), 'failed', 'erase_from: an old version still holds the person'),
    ('3.7', 'going forward', lambda: gdpr('exclude them from future snapshots'), 'failed', 'erase_from: an old version still holds the person'),
    ('3.7', 'old key erasure', lambda: {'snapshot_every': 'daily', 'erasure': 'delete everywhere', 'lineage': 'x'}, 'failed', "got one without 'erase_from'"),
    ('3.7', 'no lineage', lambda: gdpr(lineage='TBD'), 'failed', 'lineage: say how you find every version'),
    # 3.8 API
    ('3.8', 'reference', lambda: api(), OK, ''),
    ('3.8', 'types as a Series', lambda: api(types=lambda t: t.campaign_type.value_counts()), OK, ''),
    ('3.8', 'campaigns as ids', lambda: api(campaigns=lambda t: sorted(t.campaign_id.unique().tolist())), OK, ''),
    ('3.8', 'a page missing', lambda: api(records=lambda t: len(t) - 100), 'failed', 'is not all of them'),
    ('3.8', 'pages read twice', lambda: api(records=lambda t: len(t) + 100), 'failed', 'some pages were read twice'),
    ('3.8', 'campaign rows', lambda: api(campaigns=lambda t: len(t)), 'failed', 'count distinct campaign_id values'),
    ('3.8', 'types as a list', lambda: api(types=lambda t: t.campaign_type.unique().tolist()), 'failed', "'types': expected a dict"),
    # 3.9 active weeks
    ('3.9', 'groupby nunique', lambda: weeks(), OK, ''),
    ('3.9', 'drop duplicates, value_counts', lambda: retail_sample()[['household_id', 'week']].drop_duplicates().household_id.value_counts(), OK, ''),
    ('3.9', 'agg, unnamed index', lambda: weeks().rename_axis(None).astype(float), OK, ''),
    ('3.9', 'lines, not weeks', lambda: retail_sample().groupby('household_id').week.size(), 'failed', 'count distinct weeks, not lines'),
    ('3.9', 'households missing', lambda: weeks().iloc[:100], 'failed', 'households of the sample are missing'),
    ('3.9', 'one-column frame', lambda: weeks().to_frame(), 'failed', "expected a Series indexed by household_id, got a DataFrame with 1 column(s) ['week']: select the column"),
    ('3.9', 'reset index', lambda: weeks().reset_index(drop=True), 'failed', 'index the Series by household_id'),
    # 4.1 domain checks
    ('4.1', 'reference', lambda: DOMAIN, OK, ''),
    ('4.1', 'quantity at least zero', lambda: DOMAIN + [{'type': 'expect_column_values_to_be_between', 'column': 'quantity', 'min_value': 0}], OK, ''),
    ('4.1', 'not null keys', lambda: [{'type': 'expect_column_values_to_not_be_null', 'column': 'household_id'}, DOMAIN[1]], OK, ''),
    ('4.1', 'quantity at least one', lambda: [DOMAIN[0], {'type': 'expect_column_values_to_be_between', 'column': 'quantity', 'min_value': 1}], 'failed', 'fails on the real data'),
    ('4.1', 'a suite that cannot fail', lambda: [{'type': 'expect_column_to_exist', 'column': 'week'}, {'type': 'expect_column_to_exist', 'column': 'quantity'}], 'failed', 'no mutation is caught'),
    ('4.1', 'one rule', lambda: DOMAIN[:1], 'failed', 'write at least two expectation dicts'),
    ('4.1', 'misspelt column', lambda: [DOMAIN[0], {**DOMAIN[1], 'column': 'store'}], 'failed', "'store' is not a column of retail_sample()"),
    # 4.2 versions
    ('4.2', 'reference', lambda: versions(), OK, ''),
    ('4.2', 'upper-case hashes', lambda: {k: v.upper() if isinstance(v, str) else v for k, v in versions().items()}, OK, ''),
    ('4.2', 'written with to_parquet', lambda: versions(write='pandas'), OK, ''),
    ('4.2', 'made-up hashes', lambda: versions(FAKE, 'a' * 32), 'failed', 'full_md5 is not the MD5 of that data written as Parquet'),
    ('4.2', 'same hash twice', lambda: versions(filtered=versions()['full_md5']), 'failed', 'the two versions have the same hash'),
    ('4.2', 'weeks before 26 only', lambda: versions(rows=int((retail_sample().week < 26).sum())), 'failed', 'has a different number of rows'),
    ('4.2', 'not a hash', lambda: versions(full='abc'), 'failed', 'full_md5 should be the 32-character MD5'),
    # 4.3 a pipeline design
    ('4.3', 'reference', lambda: {'stages': ['ingest', 'validate', 'clean', 'validate', 'transform', 'validate', 'version'], 'reasoning': 'weekly batch'}, OK, ''),
    ('4.3', 'long names', lambda: {'stages': ['Ingestion', 'Data validation', 'Cleaning', 'Feature engineering', 'Validation', 'Versioning']}, OK, ''),
    ('4.3', 'synonyms, raw data versioned too', lambda: {'stages': ['extract', 'checks', 'dvc add', 'dedupe', 'features', 'expectations', 'DVC']}, OK, ''),
    ('4.3', 'a tuple, validation twice in a row', lambda: {'stages': ('ingest', 'validate', 'validate', 'clean', 'transform', 'validate', 'version')}, OK, ''),
    ('4.3', 'validation only at the end', lambda: {'stages': ['ingest', 'clean', 'transform', 'validate', 'version']}, 'failed', 'validate the raw data right after ingestion'),
    ('4.3', 'output not validated', lambda: {'stages': ['ingest', 'validate', 'clean', 'transform', 'version']}, 'failed', 'validate the output after the last transformation'),
    ('4.3', 'versioned before validation', lambda: {'stages': ['ingest', 'validate', 'clean', 'transform', 'version', 'validate']}, 'failed', 'version the output last'),
    ('4.3', 'training as a stage', lambda: {'stages': ['ingest', 'validate', 'clean', 'transform', 'validate', 'version', 'train']}, 'failed', 'ModelOps work, not a data pipeline stage'),
    ('4.3', 'transform before clean', lambda: {'stages': ['ingest', 'validate', 'transform', 'clean', 'validate', 'version']}, 'failed', 'clean before transforming'),
    ('4.3', 'no versioning', lambda: {'stages': ['ingest', 'validate', 'clean', 'transform', 'validate']}, 'failed', 'the pipeline has no version step'),
    ('4.3', 'a stage as a sentence', lambda: {'stages': ['ingest', 'validate the schema with GX', 'clean', 'transform', 'validate', 'version']}, 'failed', 'give the choice alone'),
    ('4.3', 'stages as one text', lambda: {'stages': 'ingest, validate, clean, transform, validate, version'}, 'failed', 'expected a pipeline step'),
]

from modelops_corpus import CORPUS as MODELOPS_CORPUS  # chapters 5 to 7
CORPUS += MODELOPS_CORPUS
from deployment_corpus import CORPUS as DEPLOYMENT_CORPUS  # chapter 8
CORPUS += DEPLOYMENT_CORPUS
from monitoring_devops_corpus import CORPUS as MONITORING_DEVOPS_CORPUS  # chapters 9 to 11
CORPUS += MONITORING_DEVOPS_CORPUS
from human_side_corpus import CORPUS as HUMAN_SIDE_CORPUS  # chapter 12
CORPUS += HUMAN_SIDE_CORPUS

EXERCISE = {q: e for e, q in CHECKS}


def graded(question, answer):
    "The feedback the grader gives: the answer recorded as data, rebuilt in a fresh form, checked."
    return run_check(EXERCISE[question], question, answer_from_data(json.loads(json.dumps(answer_data(answer)))))


@pytest.mark.parametrize('question, label, answer, status, message', CORPUS, ids=[f'{q} {l}' for q, l, *_ in CORPUS])
def test_corpus(question, label, answer, status, message):
    fb = graded(question, answer())
    assert fb.status == status, fb.problems
    if message: assert any(message in p for p in fb.problems), fb.problems
    assert not any('raised' in p or 'Traceback' in p for p in fb.problems), fb.problems


def test_every_question_has_enough_answers():
    for q in EXERCISE:
        rows = [r for r in CORPUS if r[0] == q]
        assert sum(r[3] == OK for r in rows) >= 3 and sum(r[3] == 'failed' for r in rows) >= 2 and len(rows) >= 5, q


STRANGE = [None, [], 'text', 3.5, ['a', 'b'], {'unexpected': 1}, pd.DataFrame({'x': [1]}), pd.Series([1.0])]

@pytest.mark.parametrize('question', sorted(EXERCISE))
def test_strange_shapes_get_feedback_not_exceptions(question):
    for answer in STRANGE:
        fb = graded(question, answer)
        assert fb.status in ('failed', 'not yet'), (answer, fb)
        assert fb.problems and not any('raised' in p for p in fb.problems), (answer, fb.problems)
