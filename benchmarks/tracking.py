"""Benchmark: the cost of mlsys's tracking layer over bare MLflow calls.

tracking_log: one run logged through `mlsys.modelops.track_run` (params, metrics, the input data set, data and code
tags, the skops model with signature, input example and explicit requirements, and its checksum) against the same run
logged with bare MLflow calls (tags computed once beforehand), medians over interleaved repetitions in one process.
tracking_search: 1,000 runs, filtered and ordered, read through `find_runs` (a DataFrame) against the bare
`MlflowClient.search_runs` call (a list of Run objects). Local SQLite store by default; --uri for a server."""
import argparse, statistics, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).parents[1]


def bare_log(result, exp_id, tags):
    "The same run with bare MLflow calls, requirements explicit."
    import mlflow, mlflow.sklearn
    from mlflow.models import infer_signature
    from mlsys.modelops.tracking import TRUSTED_TYPES, model_requirements
    t = result.task
    with mlflow.start_run(experiment_id=exp_id, tags=tags):
        mlflow.log_params({'kind': result.kind, 'seed': result.seed, **{f'model.{k}': v for k, v in result.params.items()},
                           **{f'task.{k}': v for k, v in t.params.items()}})
        mlflow.log_metrics({k: float(v) for k, v in result.metrics.items()})
        ds = mlflow.data.from_pandas(t.train, source=Path(t.data_version['features_path']).as_uri(), targets='lapsed',
                                     name='lapse_households', digest=t.data_version['features_md5'][:32])
        mlflow.log_input(ds, context='training')
        example = t.Xy('train')[0].head(3).astype('float64')
        mlflow.sklearn.log_model(result.model, name='model', input_example=example, pip_requirements=model_requirements(),
                                 signature=infer_signature(example, result.model.predict_proba(example)[:, 1]),
                                 serialization_format='skops', skops_trusted_types=TRUSTED_TYPES)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=11)
    ap.add_argument('--runs', type=int, default=1000)
    ap.add_argument('--uri', help='an MLflow tracking URI (default: a fresh local SQLite store)')
    args = ap.parse_args()
    import warnings; warnings.filterwarnings('ignore')
    import logging; logging.getLogger('mlflow').setLevel(logging.ERROR)
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag
    from mlsys.modelops import prepare_task, train, track_run, find_runs
    from mlsys.modelops.tracking import experiment_id, local_store, run_tags, using
    shm = Path('/dev/shm')  # a RAM disk where there is one: creating 1,000 runs is 3,000 SQLite commits
    uri = args.uri or local_store(Path(tempfile.mkdtemp(prefix='mlsys-tracking-', dir=shm if shm.is_dir() else None))/'store')
    result = train(prepare_task(), 'logreg')
    exp = f'bench-log-{time.time_ns()}'
    ours, bare = [], []
    with using(uri):
        exp_id = experiment_id(exp, uri)
        tags = run_tags(result)
        track_run(result, exp, uri); bare_log(result, exp_id, tags)  # warm up imports and caches
        for i in range(args.repeats):  # interleaved, alternating which goes first
            for which in ((0, 1) if i % 2 else (1, 0)):
                t = time.perf_counter()
                track_run(result, exp, uri) if which == 0 else bare_log(result, exp_id, tags)
                (ours if which == 0 else bare).append(time.perf_counter() - t)
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"log one run with a model: mlsys {o:.3f} s, bare MLflow {b:.3f} s (medians of {args.repeats})")
    print(f"tracking_log: {o:.3f} s vs {b:.3f} s = {o / b:.2f}x (target <= 1.2x)")

    client = MlflowClient(uri)
    exp = f'bench-search-{time.time_ns()}'
    exp_id = experiment_id(exp, uri)
    start = time.perf_counter()
    for i in range(args.runs):
        run = client.create_run(exp_id, run_name=f'r{i:04d}')
        client.log_batch(run.info.run_id, metrics=[Metric('auc', 0.5 + (i * 7919 % 1000) / 4000, 0, 0), Metric('baseline_auc', 0.55, 0, 0)],
                         params=[Param('kind', 'logreg' if i % 2 else 'forest'), Param('model.C', str(i % 7))],
                         tags=[RunTag('data.features_md5', 'x' * 32), RunTag('student', f's{i % 30}')])
        client.set_terminated(run.info.run_id)
    print(f"created {args.runs} runs in {time.perf_counter() - start:.1f} s")
    flt, order = "metrics.auc > 0.55 and params.kind = 'logreg'", ['metrics.auc DESC']
    ours, bare = [], []
    for i in range(2 * args.repeats + 1):  # a search is cheap: more repetitions steady the medians on a shared machine
        for which in ((0, 1) if i % 2 else (1, 0)):
            t = time.perf_counter()
            if which == 0: a = find_runs(exp, flt, order, max_results=args.runs, uri=uri)
            else: r = client.search_runs([exp_id], flt, max_results=args.runs, order_by=order)
            (ours if which == 0 else bare).append(time.perf_counter() - t)
    assert len(a) == len(r) and a.run_id.tolist() == [x.info.run_id for x in r]
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"search {args.runs} runs ({len(a)} match): find_runs {o:.3f} s, bare search_runs {b:.3f} s (medians of {len(ours)})")
    print(f"tracking_search: {o:.3f} s vs {b:.3f} s = {o / b:.2f}x (target <= 1.2x)")


if __name__ == '__main__': main()
