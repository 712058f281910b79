"""Benchmark: the same requests answered by the same registered model three ways, each serving side in its own processes.

online: `mlsys serve` (one process), the requests as single-record POST /predict from 8 concurrent keep-alive clients.
asynchronous: two `mlsys async-worker` processes on a private Redis server (so that its CPU is ours alone); all the
requests submitted at once, latency from submission to the result being written.
offline batch: the requests as one frame scored in 4 partitions on a local Dask cluster of 2 worker processes.
Cost counts the CPU-seconds of the serving processes only (server; workers + Redis; Dask workers + driver), never the
load generator, priced at mlsys.modelops.serving_compared.PRICE_PER_CORE_HOUR. Each method is measured `--repeats`
times after a warm-up; medians are quoted.

serving_methods: batch's CPU per prediction against online's (cost per 1,000 is proportional to it). Batch must cost
at most a tenth of online per prediction: online pays an HTTP exchange, JSON, validation and a whole scikit-learn
call per record (a one-row predict_proba is mostly input checking), batch pays those once per partition and scores
its rows in one vectorised call; if batch came within 10x of online, per-row work would have crept into the batch
path."""
import argparse, os, statistics, subprocess, sys, tempfile, uuid
from pathlib import Path
from _serving import BIN, ENV, Server, line, registered_model


def median_row(rows:list)->dict:
    return {k: (statistics.median(r[k] for r in rows) if isinstance(rows[0][k], (int, float)) else rows[0][k]) for k in rows[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--requests', type=int, default=2000)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    import pandas as pd
    from mlsys.modelops.async_serving import local_redis, wait_results, submit
    from mlsys.modelops.serving import load_served
    from mlsys.modelops.serving_compared import PRICE_PER_CORE_HOUR, measure_async, measure_batch, measure_online, process_cpu
    from mlsys.pipelines.scale import dask_client
    uri, task, _ = registered_model()
    X = task.Xy('test')[0]
    records = [X.iloc[i % len(X)].to_dict() for i in range(args.requests)]
    rows = {}
    server = Server([str(BIN/'mlsys'), 'serve', '--tracking-uri', uri, '--port', '0'], probe='/ready')
    try: rows['online'] = [measure_online(server.url, records, 8, lambda: process_cpu([server.proc.pid]))[0] for _ in range(args.repeats)]
    finally: server.stop()
    with local_redis() as url:
        stream = f'bench-{uuid.uuid4().hex[:8]}'
        workers = [subprocess.Popen([str(BIN/'mlsys'), 'async-worker', '--redis-url', url, '--stream', stream, '--tracking-uri', uri],
                                    env=ENV, stdout=subprocess.DEVNULL) for _ in range(2)]
        try:
            wait_results(url, submit(url, records[:100], stream), stream, timeout=300)  # both workers up, the model loaded
            cpu = lambda: process_cpu([w.pid for w in workers])
            rows['async'] = [measure_async(url, records, stream, cpu)[0] for _ in range(args.repeats)]
        finally:
            for w in workers: w.terminate(); w.wait(30)
    served = load_served('lapse', 'champion', uri)
    client = dask_client(n_workers=2, memory_limit='2GiB')
    try:
        pids = list(client.run(os.getpid).values())
        out = Path(tempfile.mkdtemp(prefix='mlsys-bench-batch-'))
        measure_batch(records[:100], out/'warm-up', client, served, 2)
        cpu = lambda: process_cpu(pids)
        rows['batch'] = [measure_batch(records, out/f'run-{i}', client, served, 4, cpu)[0] for i in range(args.repeats)]
    finally: client.close()
    table = pd.DataFrame([median_row(r) for r in rows.values()]).set_index('method')
    with pd.option_context('display.max_columns', None, 'display.width', 250, 'display.float_format', '{:.6g}'.format): print(table)
    print(f"(cost at ${PRICE_PER_CORE_HOUR} per core-hour; medians of {args.repeats} runs of {args.requests} requests)")
    o, b = table.loc['online (HTTP)', 'cpu_ms_per_prediction'], table.loc['offline batch (Dask)', 'cpu_ms_per_prediction']
    print(line('serving_methods', b, o, 'CPU-ms per prediction', 0.1))


if __name__ == '__main__': sys.exit(main())
