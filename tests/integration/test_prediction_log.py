"Prediction logging with real parts: a writer and a lake loader killed with SIGKILL mid-flight, Redis, a broken log."
import json, os, signal, subprocess, sys, textwrap, time, uuid
from pathlib import Path
import pandas as pd
from mlsys.dataops.streams import LocalLog, RedisLog
from mlsys.modelops.prediction_log import PredictionLake, PredictionLog, join_labels, load_predictions, prediction_rows

ROOT = Path(__file__).parents[2]


def record(i, day=27):
    return {'request_id': f'r{i:06d}', 'model_name': 'lapse', 'model_version': '3', 'variant': 'champion',
            'input': {'household_id': i, 'visits': i % 7}, 'output': {'score': (i % 100) / 100}, 'latency_ms': 1.0,
            'time': f'2026-11-{day}T10:00:00Z'}


def child(code, *args):
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    return subprocess.Popen([sys.executable, '-c', textwrap.dedent(code), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


WRITER = '''
import sys, time
from mlsys.dataops.streams import LocalLog
from mlsys.modelops.prediction_log import PredictionLog
sys.path.insert(0, sys.argv[2]); from test_prediction_log import record
plog = PredictionLog(LocalLog(sys.argv[1]), capacity=1000, batch_size=100, on_written=lambda n: print(n, flush=True)).start()
i = 0
while True:  # a service answering forever; a record refused by a full queue is offered again (so ids stay contiguous)
    if plog.put(record(i)): i += 1
    else: time.sleep(0.001)
'''


def test_a_killed_writer_leaves_every_written_record_once_and_in_order(tmp_path):
    p = child(WRITER, tmp_path / 'log', Path(__file__).parent)
    reported = 0
    try:
        for line in p.stdout:  # paced by the writer's own progress: kill it mid-stream, after a few thousand
            reported = int(line)
            if reported >= 3000: break
        assert reported >= 3000, p.stderr.read()
    finally:
        p.send_signal(signal.SIGKILL); p.wait()
    events = LocalLog(tmp_path / 'log').consumer('check').poll(max_events=10**6).events
    ids = list(pd.DataFrame(events).request_id) if isinstance(events, list) else list(events.request_id)
    assert len(ids) >= reported and ids == [f'r{i:06d}' for i in range(len(ids))]  # no gap, no duplicate, nothing reported lost


LOADER = '''
import sys
from mlsys.dataops.streams import LocalLog
from mlsys.modelops.prediction_log import load_predictions
load_predictions(LocalLog(sys.argv[1]), sys.argv[2], batch_size=250)
'''


def test_a_killed_lake_load_resumes_without_loss_or_duplicates(tmp_path):
    log = LocalLog(tmp_path / 'log')
    plog = PredictionLog(log, capacity=20_000, batch_size=1000).start()
    for i in range(12_000): assert plog.put(record(i, day=25 + i // 4000))
    assert plog.close()['written'] == 12_000
    assert len(log.path.read_bytes().splitlines()) == 12_000
    lake_root, checkpoint = tmp_path / 'lake', tmp_path / 'lake' / '_checkpoint.json'
    for kill_after in (2_000, 6_000, 9_000):  # three SIGKILLs, each once the checkpoint shows the loader is past a point
        p = child(LOADER, tmp_path / 'log', lake_root)
        try:
            while p.poll() is None:
                rows = json.loads(checkpoint.read_text())['rows'] if checkpoint.exists() else 0
                if rows >= kill_after: break
                time.sleep(0.01)
        finally:
            p.send_signal(signal.SIGKILL); p.wait()
    state = load_predictions(log, lake_root, batch_size=250)
    lake = PredictionLake(lake_root).read()
    assert state['rows'] == 12_000 and len(lake) == 12_000 and lake.request_id.is_unique
    assert lake.day.value_counts().sort_index().to_dict() == {'2026-11-25': 4000, '2026-11-26': 4000, '2026-11-27': 4000}


def test_redis_log_to_lake_and_late_labels(redis_url, tmp_path):
    log = RedisLog(redis_url, stream=f'predictions-{uuid.uuid4().hex}')
    try:
        with PredictionLog(log) as plog:
            for i in range(500): assert plog.put(record(i))
        load_predictions(log, tmp_path / 'lake', group='lake')
        rows = prediction_rows(PredictionLake(tmp_path / 'lake').read())
        labels = pd.DataFrame({'household_id': range(0, 500, 2), 'lapsed': [i % 3 == 0 for i in range(0, 500, 2)]})
        joined = join_labels(rows, labels)
        assert len(joined) == 500 and joined.labelled.sum() == 250
        assert joined.set_index('household_id').loc[6, 'lapsed'] == 1
    finally:
        log.client.delete(log.stream)


def test_a_broken_redis_is_counted_not_waited_for(tmp_path):
    import socket
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # nothing listens here
    plog = PredictionLog(RedisLog(f'redis://127.0.0.1:{port}/0', stream='nowhere'), capacity=50, batch_size=10, retry_every=0.01).start()
    accepted = sum(plog.put(record(i)) for i in range(2_000))
    stats = plog.close(timeout=0.5)
    assert accepted <= 60 and stats['dropped'] == 2_000 - accepted
    assert stats['written'] == 0 and stats['unwritten'] == accepted and 'ConnectionError' in stats['last_error']


def test_malformed_records_are_rejected_with_the_field_named(tmp_path):
    with PredictionLog(LocalLog(tmp_path)) as plog:
        plog.put({'request_id': 'x', 'time': 'now'}); plog.put(record(1))
    s = plog.stats()
    assert (s['written'], s['rejected']) == (1, 1) and "lacks field(s) ['model_name'" in s['last_error']
