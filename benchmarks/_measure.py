"Shared by the benchmarks: run a command as a fresh process and record its wall time and peak memory."
import statistics, subprocess, sys, time
import psutil


def measure(cmd):
    "Run `cmd`; return (seconds, peak RSS of its process tree in MiB, stdout)."
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error: pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0: sys.exit(f"{' '.join(map(str, cmd))} failed:\n{err[-3000:]}")
    return seconds, peak / 2**20, out


def median(xs): return statistics.median(xs)
