"""Benchmark: grading a class of 30 student notebooks with `mlsys.course.grading.grade` in bubblewrap sandboxes
against the same code path with the sandbox off (`sandbox=False`), side by side in one run, 2 workers each.

The class is 30 copies of the chapter 2 exercise (every third one the instructor's answers, the others the
untouched student edition). Chapter 2 is the smallest exercise to run here (about 7 s per notebook); chapter 1
runs the retail pipeline twice (about 35 s), which would make 60 gradings take over half an hour on 2 cores.
Each mode is repeated `--repeats` times, alternating, and the median class time is reported."""
import argparse, shutil, statistics, sys, tempfile, time, warnings
from pathlib import Path

ROOT = Path(__file__).parents[1]
NB = 'ch2_before_we_build.ipynb'


def make_class(folder:Path, n:int)->dict: # student -> full marks expected (honest) or not
    from mlsys.core.storage import read_json, write_json
    from mlsys.course.release import student_notebook
    inst = read_json(ROOT/'exercises'/NB)
    honest = {f's{i:02d}': i % 3 == 0 for i in range(n)}
    for s, h in honest.items(): write_json(inst if h else student_notebook(inst), folder/s/NB)
    return honest


def grade_once(subs:Path, out:Path, sandbox:bool, workers:int)->float:
    from mlsys.course.grading import grade
    shutil.rmtree(out, ignore_errors=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t = time.perf_counter()
        table = grade(subs, out, root=ROOT, workers=workers, sandbox=sandbox, progress=False)
        seconds = time.perf_counter() - t
    bad = table[table.status.isin(['not graded', 'not checked'])]
    if len(bad): sys.exit(f"grading (sandbox={sandbox}) did not grade every question:\n{bad[['student', 'question', 'status', 'feedback']]}")
    return seconds, table


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--students', type=int, default=30)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=1)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix='mlsys-grading-bench-'))
    try:
        honest = make_class(work/'submissions', args.students)
        times = {True: [], False: []}
        for _ in range(args.repeats):
            for sandbox in (True, False):
                seconds, table = grade_once(work/'submissions', work/'graded', sandbox, args.workers)
                full = table.groupby('student').score.sum() == table.groupby('student').points.sum()
                if full.to_dict() != honest: sys.exit(f"sandbox={sandbox}: full marks {full.to_dict()} but honest {honest}")
                times[sandbox].append(seconds)
                print(f"sandbox={'on' if sandbox else 'off'}: {seconds:.1f} s for {args.students} notebooks", flush=True)
    finally: shutil.rmtree(work, ignore_errors=True)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"per notebook: {on / args.students:.2f} s sandboxed, {off / args.students:.2f} s unsandboxed ({args.workers} workers, median of {args.repeats})")
    print(f"grading: {on:.1f} s vs {off:.1f} s = {on / off:.2f}x (target <= 1.5x)")


if __name__ == '__main__': main()
