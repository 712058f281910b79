"""Benchmark: the whole course executed as a student runs it, against the budget of 5 minutes on 2 cores.

Every page of the course site (the student edition's chapters, exercises, case studies and labs, in the book's
order) is executed with a fresh kernel of this environment, two at a time, exactly as `mlsys course site` executes
them (`execute_notebook` in the page's own folder, native threads shared between the two, each kernel forked from a
template that has imported the course's libraries once: `mlsys.core.warm_kernels`). The figure is the wall time from
starting the template to the last kernel's end; the slowest pages, the sum over pages and the CPU time of the
kernels are printed too, because the wall time alone does not say where to look. The budget is the target: the
ratio must stay at or below 1. `--cold` starts every kernel as a new Python process instead, which shows what the
warm kernels save.

Run it on a quiet machine with the services started (`make services`; some chapters talk to PostgreSQL, Redis,
the class MLflow server and Prometheus): `python benchmarks/course_time.py [--workers 2] [--cold] [--json times.jsonl]`."""
import argparse, json, os, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).parents[1]
BUDGET = 300.0  # seconds: "the whole course executes in <= 5 minutes on 2 cores"


def _kernel_cpu(stop:threading.Event, totals:dict):
    "Add up the CPU seconds of every process below this one (kernels and what they start), sampled every 0.2 s."
    import psutil
    me, seen = psutil.Process(), {}
    while not stop.wait(0.2):
        for p in me.children(recursive=True):
            try: t = p.cpu_times(); seen[p.pid] = t.user + t.system + t.children_user + t.children_system
            except psutil.Error: pass
    totals['cpu'] = sum(seen.values())


def run_course(workers:int, warm:bool=True)->tuple: # (wall seconds, [(page source, seconds, errors)], kernel CPU seconds)
    from mlsys.core.notebooks import execute_notebook, notebook_errors, thread_limits
    from mlsys.core.warm_kernels import warm_kernels
    from mlsys.core.storage import read_json
    from mlsys.course.release import release
    from mlsys.course.site import site_pages
    env = thread_limits(workers)
    with tempfile.TemporaryDirectory() as scratch:
        student = Path(scratch)/'student'
        release(student, ROOT)
        pages = [rel for _, rel, _ in site_pages(student)]

        def run(rel):
            start = time.perf_counter()
            ran = execute_notebook(read_json(student/rel), (student/rel).parent, timeout=900, env=env, kernel=kernel)
            return rel, time.perf_counter() - start, notebook_errors(ran)

        stop, cpu = threading.Event(), {}
        sampler = threading.Thread(target=_kernel_cpu, args=(stop, cpu), daemon=True); sampler.start()
        start = time.perf_counter()
        with warm_kernels(env) if warm else nullcontext(None) as kernel, ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(run, pages))
        wall = time.perf_counter() - start
        stop.set(); sampler.join()
    return wall, results, cpu['cpu']


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--slowest', type=int, default=15, help='how many of the slowest pages to list')
    ap.add_argument('--json', help='write one line per page (source, seconds, errors) to this file')
    ap.add_argument('--cold', action='store_true', help='start every kernel as a new Python process (no warm kernels)')
    args = ap.parse_args(argv)
    os.environ.setdefault('MLFLOW_DISABLE_TELEMETRY', 'true')
    wall, results, cpu = run_course(args.workers, warm=not args.cold)
    if args.json:
        Path(args.json).write_text(''.join(json.dumps({'page': r, 'seconds': round(s, 2), 'errors': e}) + '\n' for r, s, e in results))
    for rel, seconds, errors in sorted(results, key=lambda r: -r[1])[:args.slowest]: print(f'{seconds:7.1f} s  {rel}')
    failed = [(rel, errors) for rel, _, errors in results if errors]
    for rel, errors in failed: print(f'ERRORS in {rel}: {errors[:3]}', file=sys.stderr)
    print(f'{len(results)} pages, {sum(s for _, s, _ in results):.0f} s summed over pages, {cpu:.0f} s of kernel CPU, '
          f'{args.workers} at a time, {"cold" if args.cold else "warm"} kernels, {len(failed)} with errors')
    print(f'course_time: {wall:.0f} s vs {BUDGET:.0f} s budget = {wall / BUDGET:.2f}x (target <= 1.0x)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
