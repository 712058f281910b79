"""Benchmark: mlsys's prediction service against `mlflow models serve` on the same registered model.

serving: the same 5,000 single-household requests from 8 concurrent keep-alive clients on loopback, through
`mlsys serve` (validation, request ids, metrics included) and through `mlflow models serve --env-manager local`
(its /invocations endpoint with a one-row `dataframe_split`). Each server is a separate process with one OpenMP
thread; each gets 200 warm-up requests first. The figure is the wall time for the 5,000 requests; p99 is reported too
(target <= 20 ms for mlsys)."""
import argparse, json, sys
from _serving import ENV, BIN, Server, free_port, line, load, record_bodies, registered_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--requests', type=int, default=5000)
    ap.add_argument('--clients', type=int, default=8)
    args = ap.parse_args()
    uri, task, model = registered_model()
    X = task.Xy('test')[0]
    ours_bodies = record_bodies(X, args.requests)
    cols = list(X.columns)
    mlflow_bodies = [json.dumps({'dataframe_split': {'columns': cols, 'data': [list(json.loads(b).values())]}}).encode() for b in ours_bodies]
    results = {}
    ours = Server([str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0'], probe='/ready')
    try:
        load(ours.url, '/predict', ours_bodies[:200], args.clients)
        results['mlsys'] = load(ours.url, '/predict', ours_bodies, args.clients)
    finally: ours.stop()
    port = free_port()
    ENV['MLFLOW_TRACKING_URI'] = uri
    theirs = Server([str(BIN/'mlflow'), 'models', 'serve', '-m', 'models:/lapse@champion', '--env-manager', 'local',
                     '-h', '127.0.0.1', '-p', str(port)], url=f'http://127.0.0.1:{port}', probe='/ping')
    try:
        load(theirs.url, '/invocations', mlflow_bodies[:200], args.clients)
        results['mlflow'] = load(theirs.url, '/invocations', mlflow_bodies, args.clients)
    finally: theirs.stop()
    for k, r in results.items():
        print(f"{k}: {args.requests} requests in {r['seconds']:.2f} s, {r['rps']:.0f} requests/s, p50 {r['p50_ms']:.1f} ms, "
              f"p99 {r['p99_ms']:.1f} ms, {r['failures']} failed")
    o, b = results['mlsys'], results['mlflow']
    print(f"serving_p99: mlsys {o['p99_ms']:.1f} ms (target <= 20 ms)")
    print(line('serving', o['seconds'], b['seconds'], 's', 0.2))
    return 0 if o['failures'] == b['failures'] == 0 else 1


if __name__ == '__main__': sys.exit(main())
