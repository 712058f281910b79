"""Benchmark: moving the champion alias while the service is under load.

alias_switch: 5,000 single-household requests from 8 concurrent keep-alive clients through `mlsys serve`, while the
registry's `champion` alias moves between two versions every half second (the service polls the registry every
0.25 s and swaps the model in place). The figure is the p99 latency during the moves, the baseline the p99 of the
same 5,000 requests with the alias left alone, on the same server in the same run. The issue's bar: 0 failed requests
out of 5,000 while the champion changes (the run fails otherwise, and if no answer came from the second version)."""
import argparse, sys, threading
from _serving import BIN, Server, line, load, record_bodies, registered_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--requests', type=int, default=5000)
    ap.add_argument('--clients', type=int, default=8)
    args = ap.parse_args()
    from mlsys.modelops import train, track_run, register, set_alias
    uri, task, _ = registered_model()
    register(track_run(train(task, 'logreg'), uri=uri), uri=uri)  # version 2, no alias yet
    bodies = record_bodies(task.Xy('test')[0], args.requests)
    server = Server([str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0', '--poll', '0.25'], probe='/ready')
    try:
        load(server.url, '/predict', bodies[:200], args.clients)
        steady_versions, moving_versions = [], []
        steady = load(server.url, '/predict', bodies, args.clients, versions=steady_versions)
        done, moves = threading.Event(), []
        def mover():
            version = '2'
            while not done.wait(0.5):
                set_alias('lapse', 'champion', version, uri); moves.append(version)
                version = '1' if version == '2' else '2'
        t = threading.Thread(target=mover); t.start()
        try: moving = load(server.url, '/predict', bodies, args.clients, versions=moving_versions)
        finally: done.set(); t.join()
    finally: server.stop()
    seen = {v: moving_versions.count(v) for v in sorted(set(moving_versions))}
    print(f"steady: {args.requests} requests, p50 {steady['p50_ms']:.1f} ms, p99 {steady['p99_ms']:.1f} ms, {steady['failures']} failed")
    print(f"moving: {args.requests} requests, {len(moves)} alias moves, answers by version {seen}, "
          f"p50 {moving['p50_ms']:.1f} ms, p99 {moving['p99_ms']:.1f} ms, {moving['failures']} failed")
    print(line('alias_switch', moving['p99_ms'], steady['p99_ms'], 'ms', 2.0))
    return 0 if steady['failures'] == moving['failures'] == 0 and len(seen) == 2 else 1


if __name__ == '__main__': sys.exit(main())
