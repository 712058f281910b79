"""Benchmark: what durable prediction logging costs the prediction service's p99 latency.

prediction_logging: the serving benchmark's load (single-household requests from 8 concurrent keep-alive clients on
loopback, see `benchmarks/serving.py`) against two `mlsys serve` processes on the same registered model: one with
`--prediction-log DIR` (every answer queued to a `PredictionLog` and written by its thread to chapter 3's local log,
fsynced per batch), and the baseline without a log. Each server gets 200 warm-up requests; then the two are loaded in
alternation for `--rounds` rounds and the median p99 of each is reported. Target: logging adds <= 10% to p99."""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _serving import BIN, Server, load, record_bodies, registered_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--requests', type=int, default=5000, help='requests per round and server')
    ap.add_argument('--clients', type=int, default=8)
    ap.add_argument('--rounds', type=int, default=3)
    args = ap.parse_args()
    uri, task, model = registered_model()
    bodies = record_bodies(task.Xy('test')[0], args.requests)
    log_dir = Path(tempfile.mkdtemp(prefix='mlsys-prediction-log-'))
    cmd = [str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0']
    servers = {'with log': Server([*cmd, '--prediction-log', str(log_dir)], probe='/ready'), 'without': Server(cmd, probe='/ready')}
    results = {k: [] for k in servers}
    try:
        for s in servers.values(): load(s.url, '/predict', bodies[:200], args.clients)
        for _ in range(args.rounds):
            for k, s in servers.items(): results[k].append(load(s.url, '/predict', bodies, args.clients))
    finally:
        for s in servers.values(): s.stop()
    logged = sum(1 for _ in open(log_dir/'events.jsonl'))
    expected = 200 + args.rounds * args.requests
    for k, rs in results.items():
        print(f"{k}: p99 per round {[round(r['p99_ms'], 1) for r in rs]} ms, p50 {statistics.median(r['p50_ms'] for r in rs):.1f} ms, "
              f"{statistics.median(r['rps'] for r in rs):.0f} requests/s, {sum(r['failures'] for r in rs)} failed")
    print(f"records in the log: {logged} of {expected} answered")
    ours, base = (statistics.median(r['p99_ms'] for r in results[k]) for k in ('with log', 'without'))
    print(f"prediction_logging: {ours:.1f} ms vs {base:.1f} ms = {ours / base:.2f}x (target <= 1.1x)")
    failed = sum(r['failures'] for rs in results.values() for r in rs)
    return 0 if failed == 0 and logged == expected else 1


if __name__ == '__main__': sys.exit(main())
