"""Bad input to the prediction service, over HTTP on real uvicorn: every malformed record gets a 422 that names the
field and the problem, a batch answers its good rows and lists the bad ones by index, oversize and non-JSON bodies
are refused, and after all of it the service still answers."""
import httpx
import pytest

from serving_helpers import registry_copy
from mlsys.modelops.launch import ServiceThread
from mlsys.modelops.serving import create_app
from mlsys.modelops.task import FEATURES, prepare_task


@pytest.fixture(scope='module')
def good(): return prepare_task().Xy('test')[0].iloc[0].to_dict()


@pytest.fixture(scope='module')
def client(tmp_path_factory):
    uri = registry_copy(tmp_path_factory.mktemp('serving-bad')/'store')
    with ServiceThread(create_app('lapse', uri, max_batch=2000)) as s, httpx.Client(base_url=s.url, timeout=30) as c:
        yield c


def change(record, **kw):
    out = {**record, **kw}
    return {k: v for k, v in out.items() if v is not DROP}
DROP = object()

CASES = [  # (what is wrong, the change, field named, words in the problem)
    ('missing field', {'tenure_days': DROP}, 'tenure_days', 'Field required'),
    ('text for a number', {'recency_days': 'ten'}, 'recency_days', 'valid number'),
    ('number as text', {'recency_days': '12'}, 'recency_days', 'valid number'),
    ('boolean for a number', {'active_weeks': True}, 'active_weeks', 'valid number'),
    ('null', {'monetary_total': None}, 'monetary_total', 'valid number'),
    ('negative count', {'frequency_baskets': -1}, 'frequency_baskets', 'greater than or equal to 0'),
    ('far out of range', {'recency_days': 1e9}, 'recency_days', 'less than or equal to'),
    ('share above its range', {'coupon_share': 3.0}, 'coupon_share', 'less than or equal to'),
    ('unknown field', {'recency_day': 3.0}, 'recency_day', 'Extra inputs are not permitted'),
    ('list for a number', {'discount_share': [0.1]}, 'discount_share', 'valid number'),
    ('household id as text', {'household_id': 'abc'}, 'household_id', 'valid integer'),
]


@pytest.mark.parametrize('what,kw,field,words', CASES, ids=[c[0] for c in CASES])
def test_a_bad_record_gets_a_422_naming_field_and_problem(client, good, what, kw, field, words):
    r = client.post('/predict', json=change(good, **kw))
    assert r.status_code == 422, r.text
    detail = r.json()['detail']
    assert [d['field'] for d in detail] == [field] and words in detail[0]['problem'], detail


@pytest.mark.parametrize('body', [b'[1, 2, 3]', b'"a string"', b'{"recency_days": ', b'', b'\xff\xfe',
                                  b'[' * 5000, b'{"a": ' * 3000])  # nested past both JSON parsers' depth limits
def test_a_body_that_is_not_a_record_gets_a_422(client, body):
    r = client.post('/predict', content=body, headers={'content-type': 'application/json'})
    assert r.status_code == 422 and r.json()['detail'][0]['problem'], r.text
    assert r.json()['detail'][0]['field'] in ('(body)', 'body'), r.text


def test_a_batch_answers_good_rows_and_lists_bad_ones_by_index(client, good):
    rows = [good] * 10
    rows[2] = change(good, recency_days='x'); rows[5] = change(good, tenure_days=DROP, coupon_share=9.0); rows[9] = 'not a record'
    r = client.post('/predict/batch', json={'rows': rows})
    assert r.status_code == 200
    body = r.json()
    assert body['index'] == [0, 1, 3, 4, 6, 7, 8] and len(body['scores']) == 7
    errors = {(e['index'], e['field']) for e in body['errors']}
    assert errors == {(2, 'recency_days'), (5, 'tenure_days'), (5, 'coupon_share'), (9, '(row)')}, body['errors']


def test_a_batch_with_only_bad_rows_is_a_422_listing_them(client, good):
    r = client.post('/predict/batch', json={'rows': [change(good, recency_days=-5), change(good, monetary_total='many')]})
    assert r.status_code == 422
    assert [(d['index'], d['field']) for d in r.json()['detail']] == [(0, 'recency_days'), (1, 'monetary_total')]


@pytest.mark.parametrize('body,words', [
    ({'rows': [], 'columns': {}}, "either 'rows'"), ({}, "either 'rows'"), ({'rows': 'abc'}, "'rows' must be a list"),
    ({'columns': {'recency_days': [1.0]}}, 'missing'), ({'columns': 5}, "'columns' must be an object"),
])
def test_a_batch_body_of_the_wrong_shape_is_refused_with_the_reason(client, good, body, words):
    r = client.post('/predict/batch', json=body)
    assert r.status_code == 422 and words in r.json()['detail'][0]['problem'], r.text


def test_columns_of_unequal_length_and_oversize_batches_are_refused(client, good):
    cols = {f: [good[f]] * 3 for f in FEATURES}; cols['recency_days'] = [1.0]
    assert client.post('/predict/batch', json={'columns': cols}).status_code == 422
    assert client.post('/predict/batch', json={'rows': [good] * 2001}).status_code == 413
    r = client.post('/predict/batch', content=b'{"rows": [', headers={'content-type': 'application/json'})
    assert r.status_code == 422 and 'not valid JSON' in r.json()['detail'][0]['problem']


def test_the_service_still_answers_after_all_of_it(client, good):
    r = client.post('/predict', json=good)
    assert r.status_code == 200 and 0 <= r.json()['score'] <= 1
    assert client.get('/ready').status_code == 200


def test_a_household_id_that_is_not_an_integer_is_refused_in_a_batch_too(client, good):
    r = client.post('/predict/batch', json={'rows': [good, {**good, 'household_id': '17'}]})
    assert r.json()['index'] == [0] and [(e['index'], e['field']) for e in r.json()['errors']] == [(1, 'household_id')]
    cols = {f: [good[f]] * 2 for f in FEATURES}
    r = client.post('/predict/batch', json={'columns': {**cols, 'household_id': [1, 'x']}})
    assert r.json()['index'] == [0] and r.json()['errors'][0]['field'] == 'household_id'
