"""Benchmark: what mlsys's service adds over the floor of its own stack.

serving_overhead: the same 5,000 single-household requests from 8 concurrent keep-alive clients, through `mlsys serve`
(signature and range validation, release routing, request ids, Prometheus metrics, prediction log hook) and through
a bare FastAPI endpoint on the same uvicorn that turns the record into a DataFrame and calls `model.predict_proba`
(benchmarks/_bare_app.py). Both are separate processes with one OpenMP thread; interleaved rounds, median wall times."""
import argparse, statistics, sys
from _serving import BIN, Server, line, load, record_bodies, registered_model, ROOT


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--requests', type=int, default=5000)
    ap.add_argument('--clients', type=int, default=8)
    ap.add_argument('--rounds', type=int, default=3)
    args = ap.parse_args()
    uri, task, model = registered_model()
    bodies = record_bodies(task.Xy('test')[0], args.requests)
    ours = Server([str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0'], probe='/ready')
    bare = Server([sys.executable, str(ROOT/'benchmarks'/'_bare_app.py'), uri])
    times = {'mlsys': [], 'bare': []}
    try:
        for s in (ours, bare): load(s.url, '/predict', bodies[:200], args.clients)
        for i in range(args.rounds):
            for name, s in ((('mlsys', ours), ('bare', bare)) if i % 2 == 0 else (('bare', bare), ('mlsys', ours))):
                r = load(s.url, '/predict', bodies, args.clients)
                if r['failures']: sys.exit(f"{name}: {r['failures']} failed requests")
                times[name].append(r['seconds'])
                print(f"round {i} {name}: {r['rps']:.0f} requests/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
    finally:
        ours.stop(); bare.stop()
    print(line('serving_overhead', statistics.median(times['mlsys']), statistics.median(times['bare']), 's', 1.3))


if __name__ == '__main__': sys.exit(main())
