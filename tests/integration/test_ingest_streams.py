"Streams: local log and a real Redis server; consumers killed mid-batch; late, duplicate and out-of-order events."
import os, signal, subprocess, sys, textwrap
import pandas as pd
import pytest
from mlsys.core.datasets import load_complete_journey
from mlsys.dataops.sources import Checkpoint, load, PartitionedParquetSink
from mlsys.dataops.streams import (LocalLog, RedisLog, StreamSource, TumblingWindows, OperatorSink, replay, run_stream,
                           to_events, events_frame)


@pytest.fixture(scope='module')
def week():
    tx = load_complete_journey('transactions')
    return tx[tx.week == 20].reset_index(drop=True)


@pytest.fixture(params=['local', 'redis'])
def log(request, tmp_path):
    if request.param == 'local':
        yield LocalLog(tmp_path/'log'); return
    url = request.getfixturevalue('redis_url')
    stream = f'test-{os.getpid()}-{request.node.name}'
    lg = RedisLog(url, stream)
    lg.client.delete(stream)
    yield lg
    lg.client.delete(stream)


KILLER = textwrap.dedent('''
    import os, signal, sys
    from mlsys.dataops.streams import LocalLog, RedisLog, TumblingWindows, OperatorSink, run_stream
    from mlsys.dataops.sources import Checkpoint
    kind, *rest = sys.argv[1:4]
    out, cp, when = sys.argv[4], sys.argv[5], sys.argv[6]
    log = LocalLog(rest[0]) if kind == 'local' else RedisLog(rest[0], rest[1])
    class DyingSink(OperatorSink):
        n = 0
        def write(self, windows, rejected, key):
            super().write(windows, rejected, key)
            DyingSink.n += 1
            if when == 'after-sink' and DyingSink.n == 4: os.kill(os.getpid(), signal.SIGKILL)  # not checkpointed
    class DyingCheckpoint(Checkpoint):
        n = 0
        def save(self, state):
            super().save(state)
            DyingCheckpoint.n += 1
            if when == 'after-checkpoint' and DyingCheckpoint.n == 4: os.kill(os.getpid(), signal.SIGKILL)  # not committed
    run_stream(log.consumer('hourly'), TumblingWindows('1h'), DyingSink(out), DyingCheckpoint(cp), batch_size=1_000)
''')


@pytest.mark.parametrize('when,checkpointed,skipped', [('after-sink', 3_000, 0), ('after-checkpoint', 4_000, 1_000)])
def test_consumer_killed_mid_batch_counts_every_event_once(log, week, tmp_path, when, checkpointed, skipped):
    replay(log, to_events(week))
    out, cp = tmp_path/'out', tmp_path/'cp.json'
    args = ['local', str(log.root), '-'] if isinstance(log, LocalLog) else ['redis', os.environ['MLSYS_TEST_REDIS_URL'], log.stream]
    p = subprocess.run([sys.executable, '-c', KILLER, *args, str(out), str(cp), when], capture_output=True, text=True)
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert Checkpoint(cp).load()['events'] == checkpointed
    stats = run_stream(log.consumer('hourly'), TumblingWindows('1h'), OperatorSink(out), Checkpoint(cp), batch_size=1_000)
    w = OperatorSink(out).read()
    assert stats['events'] == len(week) == int(w.events.sum())
    assert round(w.value.sum(), 2) == round(week.sales_value.sum(), 2)
    assert not w.window_start.duplicated().any()
    # killed after the checkpoint but before the commit: the batch comes again and is recognised as processed;
    # killed before the checkpoint: it comes again and is processed from the checkpointed state, replacing its output
    # (the local consumer seeks straight to the checkpointed position, so it never sees the re-delivery)
    assert stats['skipped_redelivered'] == (skipped if isinstance(log, RedisLog) else 0)


def test_stateless_load_from_a_stream_is_idempotent(log, week, tmp_path):
    replay(log, to_events(week))
    sink, cp = PartitionedParquetSink(tmp_path/'out'), Checkpoint(tmp_path/'cp.json')
    load(StreamSource(log.consumer('archive'), batch_size=2_000, idle_timeout=0.2), sink, cp, max_batches=2)
    load(StreamSource(log.consumer('archive'), batch_size=2_000, idle_timeout=0.2), sink, cp)
    got = sink.read()
    assert len(got) == len(week) and got.event_id.is_unique


def test_late_duplicate_and_out_of_order_events_follow_the_policy(log, tmp_path):
    def ev(i, t, v=1.0): return {'event_id': i, 'event_time': t, 'sales_value': v}
    events = [ev('a', '2017-05-01T10:10:00'), ev('b', '2017-05-01T10:50:00'),
              ev('c', '2017-05-01T10:40:00'),                      # out of order, within the lateness: counted
              ev('d', '2017-05-01T11:30:00'),                      # moves the watermark to 11:15: 10:00-11:00 final
              ev('b', '2017-05-01T10:50:00'),                      # duplicate of a final window's event: late
              ev('e', '2017-05-01T10:59:59'),                      # late: its window is final
              ev('d', '2017-05-01T11:30:00'), ev('f', '2017-05-01T11:45:00', 2.0)]  # duplicate in an open window
    replay(log, events)
    sink = OperatorSink(tmp_path/'out')
    # one event per micro-batch, so the watermark moves event by event (it advances once per micro-batch)
    stats = run_stream(log.consumer('g'), TumblingWindows('1h', allowed_lateness='15min'), sink, Checkpoint(tmp_path/'cp.json'), batch_size=1)
    w = sink.read()
    assert w.events.tolist() == [3, 2] and w.value.tolist() == [3.0, 3.0]
    reasons = {(r['event_id'], r['reason'].split(':')[0]) for r in sink.rejected()}
    assert reasons == {('b', 'late by 0 days 00'), ('e', 'late by 0 days 00'), ('d', 'duplicate event_id d')}
    assert stats['events'] == len(events) == int(w.events.sum()) + len(sink.rejected())


def test_local_log_ignores_a_partly_written_line(tmp_path):
    log = LocalLog(tmp_path/'log')
    log.append([{'event_id': '1', 'event_time': '2017-01-01T00:00:00'}])
    with open(log.path, 'ab') as f: f.write(b'{"event_id": "2", "event_t')  # a producer mid-write
    c = log.consumer('g')
    assert events_frame(c.poll().events).event_id.tolist() == ['1']
    with open(log.path, 'ab') as f: f.write(b'ime": "2017-01-01T00:01:00"}\n')
    assert events_frame(c.poll().events).event_id.tolist() == ['2']


def test_paced_replay_keeps_event_time_gaps(tmp_path):
    import time
    log = LocalLog(tmp_path/'log')
    events = [{'event_id': str(i), 'event_time': f'2017-01-01T00:00:{i * 10:02d}'} for i in range(4)]
    start = time.monotonic(); replay(log, events, speed=60); elapsed = time.monotonic() - start
    assert 0.45 <= elapsed < 2.0  # 30 s of event time at 60x is 0.5 s


def test_malformed_and_mistyped_events_are_rejected_with_reasons(tmp_path):
    log = LocalLog(tmp_path/'log')
    log.append([{'event_id': 'a', 'event_time': '2017-05-01T10:00:00', 'sales_value': 1.0}])
    with open(log.path, 'ab') as f:
        f.write(b'this is not json\n')
        f.write(b'{"event_id": "b", "event_time": "yesterday", "sales_value": 2.0}\n')
        f.write(b'{"price": 3}\n')
    log.append([{'event_id': 'c', 'event_time': '2017-05-01T10:30:00', 'sales_value': 4.0}])
    sink = OperatorSink(tmp_path/'out')
    stats = run_stream(log.consumer('g'), TumblingWindows('1h'), sink, Checkpoint(tmp_path/'cp.json'))
    reasons = [r['reason'] for r in sink.rejected()]
    assert any(r.startswith('not valid JSON') for r in reasons)
    assert 'event_time is missing or not a timestamp' in reasons
    assert any(r.startswith('not an event with event_id and event_time') for r in reasons)
    assert sink.read().events.tolist() == [2]
    assert stats['events'] == 5 and stats['rejected'] == 3
