"""Benchmark: numeric drift (PSI over the reference's deciles and the two-sample KS test) of 20 columns x 1,000,000 rows.

drift: `mlsys.dataops.drift.drift_report` on two DataFrames against a vectorised numpy lower bound written here (one
`np.sort` of all 20 columns of each sample at once, decile edges read off the sorted reference, bin counts and the KS
gap by `searchsorted`: nothing a report could skip), interleaved repetitions in one process, medians.
Also measured: the straightforward per-column loop a competent user writes first (`scipy.stats.ks_2samp` plus
`np.quantile`/`np.histogram` PSI), which mlsys must beat."""
import argparse, statistics, sys, time
import numpy as np


def data(rows, cols, seed=0):
    "A reference and a current sample; half the current columns shifted by 0.05 to 0.5 standard deviations."
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=(rows, cols))
    cur = rng.normal(size=(rows, cols)) + np.where(np.arange(cols) % 2, np.linspace(0.05, 0.5, cols), 0)
    return ref, cur


def psi(r, c, eps=1e-4):
    r, c = np.clip(r, eps, None), np.clip(c, eps, None)
    return np.sum((c - r) * np.log(c / r), axis=-1)


def lower_bound(ref, cur):
    "All columns at once: one sort per sample, decile edges read off the sorted reference, then searchsorted."
    R, K = np.ascontiguousarray(ref.T), np.ascontiguousarray(cur.T)  # (cols, rows): one copy each, then sorted in place
    R.sort(axis=1); K.sort(axis=1)
    n, m = R.shape[1], K.shape[1]
    h = (n - 1) * np.linspace(0, 1, 11)[1:-1]; lo = np.floor(h).astype(int)
    edges = R[:, lo] + (h - lo) * (R[:, lo + 1] - R[:, lo])  # the inner deciles, numpy's linear rule
    rs = np.diff(np.c_[np.zeros(len(R)), [np.searchsorted(r, e) for r, e in zip(R, edges)], np.full(len(R), n)], axis=1) / n
    ks_ = np.diff(np.c_[np.zeros(len(K)), [np.searchsorted(k, e) for k, e in zip(K, edges)], np.full(len(K), m)], axis=1) / m
    # KS at every point of both samples (the data have no ties, so a point's own rank is its CDF)
    ks = [max(np.abs(np.arange(1, n + 1) / n - np.searchsorted(k, r, 'right') / m).max(),
              np.abs(np.searchsorted(r, k, 'right') / n - np.arange(1, m + 1) / m).max()) for r, k in zip(R, K)]
    return psi(rs, ks_), np.array(ks)


def scipy_loop(ref, cur):
    "Column by column: np.quantile + np.histogram for PSI, scipy.stats.ks_2samp for KS."
    from scipy import stats
    out = []
    for j in range(ref.shape[1]):
        r, k = ref[:, j], cur[:, j]
        edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)))
        rs = np.histogram(np.clip(r, edges[0], edges[-1]), edges)[0] / len(r)
        cs = np.histogram(np.clip(k, edges[0], edges[-1]), edges)[0] / len(k)
        t = stats.ks_2samp(r, k)
        out.append((psi(rs, cs), t.statistic, t.pvalue))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--rows', type=int, default=1_000_000)
    ap.add_argument('--cols', type=int, default=20)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    import pandas as pd
    from mlsys.dataops.drift import drift_report
    ref, cur = data(args.rows, args.cols)
    names = [f'x{j}' for j in range(args.cols)]
    rdf, cdf = pd.DataFrame(ref, columns=names), pd.DataFrame(cur, columns=names)
    # the three must agree before their times mean anything
    rep = drift_report(rdf, cdf, methods={'numeric': 'ks'})
    lb_psi, lb_ks = lower_bound(ref, cur)
    loop = scipy_loop(ref, cur)
    if not (np.allclose(rep.psi, np.round(lb_psi, 4), atol=1e-4) and np.allclose(rep.ks_statistic, np.round(lb_ks, 4), atol=1e-4)
            and np.allclose(rep.ks_statistic, [round(s, 4) for _, s, _ in loop], atol=1e-4)):
        sys.exit('drift: mlsys, the lower bound and the scipy loop disagree')
    times = {'mlsys': [], 'bound': [], 'loop': []}
    for _ in range(args.repeats):
        for name, fn in [('mlsys', lambda: drift_report(rdf, cdf)), ('bound', lambda: lower_bound(ref, cur)),
                         ('loop', lambda: scipy_loop(ref, cur))]:
            start = time.perf_counter(); fn(); times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.cols} columns x {args.rows:,} rows: mlsys {med['mlsys']:.2f} s, numpy lower bound {med['bound']:.2f} s, "
          f"per-column ks_2samp + numpy PSI loop {med['loop']:.2f} s (medians of {args.repeats})")
    print(f"drift_vs_loop: {med['mlsys']:.2f} s vs {med['loop']:.2f} s = {med['mlsys'] / med['loop']:.2f}x (target < 1x)")
    print(f"drift: {med['mlsys']:.2f} s vs {med['bound']:.2f} s = {med['mlsys'] / med['bound']:.2f}x (target <= 1.2x)")


if __name__ == '__main__':
    main()
