"""Benchmark: a 1,000-household batch through the service against the same prediction in process.

serving_batch: one POST /predict/batch with the 1,000 rows as columns (one JSON list per feature), answered with
every row checked (types, ranges), scored and serialised with orjson, against `model.predict_proba` on the same
1,000-row DataFrame in this process with one OpenMP thread. Medians of 30 requests (one client, keep-alive) and of
30 in-process calls."""
import argparse, http.client, json, statistics, sys, time
from _serving import BIN, Server, line, registered_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--rows', type=int, default=1000)
    ap.add_argument('--repeats', type=int, default=30)
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits
    uri, task, model = registered_model()
    X = task.table[task.table.columns.intersection(task.Xy('test')[0].columns)].sample(args.rows, replace=True, random_state=0)
    X = X[list(task.Xy('test')[0].columns)].reset_index(drop=True)
    body = json.dumps({'columns': {c: X[c].tolist() for c in X.columns}}).encode()
    server = Server([str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0'], probe='/ready')
    try:
        host, port = server.url.removeprefix('http://').split(':')
        c = http.client.HTTPConnection(host, int(port), timeout=60)
        http_ms, local_ms = [], []
        with threadpool_limits(1, user_api='openmp'):
            for i in range(args.repeats + 3):
                t = time.perf_counter()
                c.request('POST', '/predict/batch', body=body, headers={'content-type': 'application/json'})
                r = c.getresponse(); out = json.loads(r.read())
                if r.status != 200 or len(out['scores']) != args.rows: sys.exit(f"batch failed: {r.status} {str(out)[:300]}")
                a = (time.perf_counter() - t) * 1000
                t = time.perf_counter(); local = model.predict_proba(X)[:, 1]; b = (time.perf_counter() - t) * 1000
                if i >= 3: http_ms.append(a); local_ms.append(b)  # the first few warm up both
        assert abs(out['scores'][0] - float(local[0])) < 1e-12
    finally: server.stop()
    o, b = statistics.median(http_ms), statistics.median(local_ms)
    print(f"{args.rows}-row batch: service {o:.1f} ms, in process {b:.1f} ms (medians of {args.repeats})")
    print(line('serving_batch', o, b, 'ms', 5))


if __name__ == '__main__': sys.exit(main())
