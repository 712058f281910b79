"""Benchmark: the exactly-once stream job (run_stream: local log, hourly tumbling windows, checkpoint per
micro-batch) over 500,000 replayed transactions, against a bare consumer that reads the same log and aggregates
the same windows with no offsets, checkpoints or late/duplicate handling. Both in fresh processes.
Then end-to-end latency with the producer pacing events while the job runs."""
import argparse, json, shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, median

JOB = '''
import sys, json, time
from pathlib import Path
from mlsys.dataops.streams import LocalLog, TumblingWindows, OperatorSink, run_stream
from mlsys.dataops.sources import Checkpoint
out = Path(sys.argv[2])
t = time.perf_counter()
s = run_stream(LocalLog(sys.argv[1]).consumer(sys.argv[3]), TumblingWindows('1h'), OperatorSink(out), Checkpoint(out/'cp.json'), batch_size=50_000, idle_timeout=0.0)
print(json.dumps({**s, 'loop_seconds': time.perf_counter() - t}))
'''
BARE = '''
import sys, json, time, orjson, pandas as pd
t = time.perf_counter()
n, totals = 0, None
with open(sys.argv[1] + '/events.jsonl', 'rb') as f:
    while True:
        lines = f.readlines(8 << 20)
        if not lines: break
        df = pd.DataFrame([orjson.loads(l) for l in lines])
        g = df.groupby(pd.to_datetime(df.event_time).dt.floor('1h')).sales_value.agg(['size', 'sum'])
        totals = g if totals is None else totals.add(g, fill_value=0)
        n += len(df)
print(json.dumps({'events': n, 'loop_seconds': time.perf_counter() - t}))
'''
LATENCY = '''
import sys, json, threading
from pathlib import Path
from mlsys.core.datasets import load_complete_journey
from mlsys.dataops.streams import LocalLog, TumblingWindows, OperatorSink, replay, run_stream, to_events
from mlsys.dataops.sources import Checkpoint
tx = load_complete_journey('transactions')
events = to_events(tx[tx.week == 30])
log = LocalLog(Path(sys.argv[1])/'paced')
producer = threading.Thread(target=replay, args=(log, events), kwargs={'speed': 86_400 / 5})  # a day in 5 s
producer.start()
out = Path(sys.argv[1])/'paced-out'
s = run_stream(log.consumer('live'), TumblingWindows('1h'), OperatorSink(out), Checkpoint(out/'cp.json'), batch_size=5_000, idle_timeout=1.0)
producer.join()
print(json.dumps(s))
'''

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--events', type=int, default=500_000)
    args = ap.parse_args()
    from mlsys.core.datasets import load_complete_journey
    from mlsys.dataops.streams import LocalLog, replay, to_events
    work = Path(tempfile.mkdtemp(prefix='mlsys-stream-'))
    log = LocalLog(work/'log')
    replay(log, to_events(load_complete_journey('transactions').iloc[:args.events]), chunk=50_000)
    runs = {'job': [], 'bare': []}
    for i in range(args.repeats):
        for name, cmd in (('job', [JOB, str(log.root), str(work/f'out{i}'), f'bench-{i}']), ('bare', [BARE, str(log.root)])):
            s, mem, out = measure([sys.executable, '-c', *cmd])
            r = json.loads(out)
            assert r['events'] == args.events, r
            runs[name].append(r['loop_seconds'])
            print(f"  {name} run {i+1}: {r['loop_seconds']:.2f} s in the consumer loop ({args.events / r['loop_seconds']:,.0f} events/s)", flush=True)
    lat = json.loads(measure([sys.executable, '-c', LATENCY, str(work)])[2])
    shutil.rmtree(work, ignore_errors=True)
    job, bare = median(runs['job']), median(runs['bare'])
    print(f"throughput: {args.events / job:,.0f} events/s through the local log (target >= 50,000)")
    print(f"end-to-end latency with a paced producer: p50 {lat['latency_p50_s'] * 1000:.0f} ms, p99 {lat['latency_p99_s'] * 1000:.0f} ms over {lat['events']:,} events")
    print(f"stream_throughput: {job:.2f} s vs {bare:.2f} s = {job / bare:.2f}x (target <= 1.5x)")

if __name__ == '__main__': main()
