"""The asynchronous and batch ways of serving (chapter 8 appendix), on the real Redis: workers SIGKILLed at chosen
points (holding entries before writing, after writing before acknowledging, and mid-stream) lose and double nothing;
bad records get errors naming the field; a killed batch run resumes with only the missing parts, byte for byte."""
import hashlib, json, os, signal, subprocess, sys, textwrap, threading, uuid
from pathlib import Path
import pytest
import redis
from helpers import MLSYS, wait_for
from mlsys.modelops.async_serving import GROUP, AsyncWorker, fetch_results, result_keys, submit
from mlsys.modelops.task import FEATURES

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MLFLOW_DISABLE_TELEMETRY': 'true'}


@pytest.fixture(scope='module')
def registry(tmp_path_factory):
    """A small gradient-boosting model registered as champion in a fresh local store: (uri, task, fitted model, pickle).
    The pickle holds the champion's model, features and ranges, for the processes this file kills: they skip importing
    MLflow (seconds each on a busy machine); the worker that finishes the job loads from the registry, as in production."""
    import pickle, warnings; warnings.filterwarnings('ignore')
    from mlsys.modelops import prepare_task, train, track_run, register
    from mlsys.modelops.serving import load_served
    from mlsys.modelops.tracking import local_store
    folder = tmp_path_factory.mktemp('async')
    uri = local_store(folder/'store')
    task = prepare_task()
    result = train(task, 'boosting', max_iter=15)
    register(track_run(result, uri=uri), uri=uri, alias='champion')
    served = load_served('lapse', 'champion', uri)
    (folder/'served.pkl').write_bytes(pickle.dumps({'model': served.model, 'features': served.features, 'ranges': served.ranges}))
    return uri, task, result.model, str(folder/'served.pkl')


LOAD = textwrap.dedent('''
    import pickle
    from mlsys.modelops.serving import ServedModel
    from mlsys.modelops.contract import input_schema
    def unpickle_served(path):
        m = pickle.loads(open(path, 'rb').read())
        schema = input_schema([{'name': f, 'type': 'double'} for f in m['features']], m['ranges'])
        return ServedModel('lapse', '1', m['model'], m['features'], schema, m['ranges'], {})
''')


@pytest.fixture
def stream(redis_url):
    name = f'test-async-{uuid.uuid4().hex}'
    yield name
    redis.Redis.from_url(redis_url).delete(name, *result_keys(name).values())


VICTIM = LOAD + textwrap.dedent('''
    import json, sys, threading
    from mlsys.modelops.async_serving import AsyncWorker
    url, stream, pickled, plan = sys.argv[1:]
    served = unpickle_served(pickled)
    for consumer, batch, stall in json.loads(plan):  # each worker a thread; the whole process is SIGKILLed
        w = AsyncWorker(url, stream, consumer=consumer, batch=batch, min_idle=600, served=served, stall=stall)
        threading.Thread(target=w.run).start()
''')


def held(client, stream:str, consumer:str)->tuple: # (entries pending with the consumer, how many of them have a result)
    try: pending = client.xpending_range(stream, GROUP, '-', '+', 1000, consumername=consumer)
    except redis.ResponseError: return 0, 0  # no worker has created the group yet
    if not pending: return 0, 0
    rids = [json.loads(client.xrange(stream, p['message_id'], p['message_id'])[0][1][b'e'])['request_id'] for p in pending]
    return len(pending), sum(r is not None for r in client.hmget(result_keys(stream)['results'], rids))


def test_killed_workers_lose_and_double_nothing(redis_url, registry, stream, tmp_path):
    uri, task, model, pickled = registry
    c = redis.Redis.from_url(redis_url)
    X = task.Xy('test')[0]
    records = [X.iloc[i % len(X)].to_dict() for i in range(400)]
    ids = submit(redis_url, records, stream)
    # two processes of two workers each, SIGKILLed while every worker holds entries: after writing their answers (a, c),
    # before writing them (b), and mid-stream while working slowly (d)
    plans = [[('victim-a', 20, {'before_ack': 600}), ('victim-b', 20, {'before_write': 600})],
             [('victim-c', 20, {'before_ack': 600}), ('victim-d', 5, {'before_ack': 0.3})]]
    victims = [subprocess.Popen([sys.executable, '-c', VICTIM, redis_url, stream, pickled, json.dumps(p)], env=ENV) for p in plans]
    try:
        def ready():
            h = {k: held(c, stream, f'victim-{k}') for k in 'abcd'}
            return (h['a'] == h['c'] == (20, 20) and h['b'] == (20, 0) and h['d'][0] > 0
                    and c.hlen(result_keys(stream)['results']) >= 60) and h
        state = wait_for(ready, 'the victims to hold entries at their kill points', timeout=300)
    finally:
        for p in victims: p.send_signal(signal.SIGKILL); p.wait()
    answered_before = c.hlen(result_keys(stream)['results'])
    assert answered_before < len(ids), 'the victims answered everything: nothing was left to lose'
    # a worker started with `mlsys async-worker` claims what the dead left pending, and answers the rest
    finisher = subprocess.Popen([MLSYS, 'async-worker', '--redis-url', redis_url, '--stream', stream, '--tracking-uri', uri,
                                 '--batch', '50', '--min-idle', '0.5', '--prediction-log', str(tmp_path/'log')],
                                env=ENV, stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: c.hlen(result_keys(stream)['results']) >= len(ids) and c.xpending(stream, GROUP)['pending'] == 0,
                 'every request answered and acknowledged', timeout=300)
    finally:
        finisher.send_signal(signal.SIGTERM); out = finisher.communicate(timeout=60)[0]
    assert finisher.returncode == 0, out
    stats = json.loads(out.strip().splitlines()[-1])
    results = fetch_results(redis_url, ids, stream)
    assert all(r is not None for r in results)                                          # none lost
    assert c.hlen(result_keys(stream)['results']) == len(ids) and c.xlen(stream) == len(ids)  # none doubled
    assert [r['request_id'] for r in results] == ids
    by_worker = {}
    for r in results: by_worker[r['worker']] = by_worker.get(r['worker'], 0) + 1
    assert by_worker['victim-a'] == by_worker['victim-c'] == 20 and 'victim-b' not in by_worker, by_worker
    held_by_dead = sum(n for n, _ in state.values())
    assert stats['claimed'] >= held_by_dead, (stats, state)
    assert stats['already_written'] >= 40, stats  # a's and c's answers were found written and not written again
    # the finisher logged each answer it wrote first (chapter 9's log), none of those the dead had already written
    from mlsys.dataops.streams import LocalLog
    from mlsys.modelops.prediction_log import load_predictions, PredictionLake, prediction_rows
    load_predictions(LocalLog(tmp_path/'log'), tmp_path/'lake')
    logged = prediction_rows(PredictionLake(tmp_path/'lake').read())
    assert len(logged) == stats['written'] and logged.request_id.is_unique and set(logged.variant) == {'async'}
    assert set(logged.request_id) == {r['request_id'] for r in results if not r['worker'].startswith('victim-')}
    want = model.predict_proba(X.iloc[[i % len(X) for i in range(400)]])[:, 1]
    assert max(abs(r['score'] - w) for r, w in zip(results, want)) < 1e-12


def test_bad_records_get_errors_naming_the_field(redis_url, registry, stream):
    from mlsys.modelops.serving import load_served
    uri, task, _, _ = registry
    c = redis.Redis.from_url(redis_url)
    good = task.Xy('test')[0].iloc[0].to_dict()
    bad = {'missing': {k: v for k, v in good.items() if k != 'tenure_days'}, 'wrong-type': {**good, 'recency_days': 'ten'},
           'out-of-range': {**good, 'coupon_share': 50.0}, 'unknown': {**good, 'recency_day': 3}, 'not-a-dict': [1, 2, 3],
           'nan': {**good, 'monetary_total': float('nan')}}
    submit(redis_url, list(bad.values()), stream, ids=list(bad))
    c.xadd(stream, {'e': b'{not json'}); c.xadd(stream, {'e': b'[1, 2]'}); c.xadd(stream, {'other': b'x'})
    c.xadd(stream, {'e': json.dumps({'record': good}).encode()})  # no request id
    submit(redis_url, [good], stream, ids=['good-after-bad'])
    worker = AsyncWorker(redis_url, stream, served=load_served('lapse', 'champion', uri), batch=3)
    t = threading.Thread(target=worker.run, kwargs={'idle_exit': 1.0}); t.start(); t.join(60)
    assert not t.is_alive()
    got = dict(zip(list(bad) + ['good-after-bad'], fetch_results(redis_url, list(bad) + ['good-after-bad'], stream)))
    fields = {k: [e['field'] for e in r['errors']] for k, r in got.items() if 'errors' in r}
    assert fields == {'missing': ['tenure_days'], 'wrong-type': ['recency_days'], 'out-of-range': ['coupon_share'],
                      'unknown': ['recency_day'], 'not-a-dict': ['(row)'], 'nan': ['monetary_total']}, fields
    assert 0 < got['good-after-bad']['score'] < 1
    rejected = [json.loads(v) for v in c.hvals(result_keys(stream)['rejected'])]
    reasons = sorted(r['reason'].split(':')[0] for r in rejected)
    assert reasons == ['not a request', 'not a request', 'not a request', 'request_id'], rejected
    assert c.xpending(stream, GROUP)['pending'] == 0 and worker.stats['failed_batches'] == 0


DRIVER = LOAD + textwrap.dedent('''
    import sys, time
    from dask.distributed import Client, LocalCluster
    from mlsys.modelops import prepare_task
    from mlsys.modelops.task import FEATURES
    from mlsys.modelops.batch_scoring import score_frame, score_partitioned
    def slow(*args):
        time.sleep(0.4)
        return score_frame(*args)
    frame = prepare_task().table[['household_id', *FEATURES]]
    with Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)) as client:
        score_partitioned(frame, sys.argv[2], client, unpickle_served(sys.argv[1]), partitions=12, step=slow, progress=False)
''')


def test_killed_batch_run_resumes_with_only_missing_partitions(registry, tmp_path):
    from dask.distributed import Client, LocalCluster
    from mlsys.modelops.serving import load_served
    from mlsys.modelops.batch_scoring import score_partitioned, read_scores
    uri, task, model, pickled = registry
    out = tmp_path/'scores'
    p = subprocess.Popen([sys.executable, '-c', DRIVER, pickled, str(out)], env=ENV, start_new_session=True)
    try: wait_for(lambda: len(list(out.glob('part-*.parquet'))) >= 3 or p.poll() is not None, 'three parts written', timeout=300)
    finally: os.killpg(p.pid, signal.SIGKILL); p.wait()
    done_before = len(list(out.glob('part-*.parquet')))
    assert 3 <= done_before < 12, done_before
    frame = task.table[['household_id', *FEATURES]]
    served = load_served('lapse', 'champion', uri)
    with Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)) as client:
        resumed = score_partitioned(frame, out, client, served, partitions=12, progress=False)
        score_partitioned(frame, tmp_path/'whole', client, served, partitions=12, progress=False)
    assert (resumed['skipped'], resumed['computed']) == (done_before, 12 - done_before)
    digest = lambda d: {f.name: hashlib.md5(f.read_bytes()).hexdigest() for f in Path(d).glob('part-*.parquet')}
    assert digest(out) == digest(tmp_path/'whole') and len(digest(out)) == 12
    scores = read_scores(out)
    assert scores.household_id.tolist() == frame.household_id.tolist() and scores.error.isna().all()
    assert abs(scores.score.to_numpy() - model.predict_proba(frame[FEATURES])[:, 1]).max() < 1e-12


def test_a_worker_whose_model_is_gone_says_so_and_keeps_the_requests_pending(redis_url, registry, stream):
    # Regression: once the watcher had no model (the champion deleted), each batch failed with "AttributeError:
    # 'NoneType' object has no attribute 'variants'"; now the message says there is no model and why.
    from mlsys.modelops.serving import ModelWatcher
    uri, task, _, _ = registry
    submit(redis_url, [task.Xy('test')[0].iloc[0].to_dict()], stream, ids=['r1'])
    worker = AsyncWorker(redis_url, stream, uri=uri)
    worker.watcher = ModelWatcher('lapse', uri)  # not started: no model, as after the champion's deletion
    worker.watcher.error = "LookupError: Model 'lapse' has no champion"
    d, _ = worker._next()
    with pytest.raises(RuntimeError, match="No model to answer with: LookupError: Model 'lapse' has no champion"): worker.process(d)
    c = redis.Redis.from_url(redis_url)
    assert c.xpending(stream, GROUP)['pending'] == 1 and not c.hlen(result_keys(stream)['results'])
