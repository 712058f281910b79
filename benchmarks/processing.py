"""Benchmark: processing throughput of mlsys's scikit-learn transformers (outlier clipping and time features in a
ColumnTransformer, pandas output) on all 1,469,307 transactions, fitted and applied, against hand-written pandas
doing the same arithmetic. Medians of --repeats."""
import argparse, statistics, sys, time


def by_hand(tx):
    "Tukey clipping of quantity and sales_value, and hour / weekend of the timestamp, in plain pandas."
    import numpy as np, pandas as pd
    out = {}
    for c in ('quantity', 'sales_value'):
        q1, q3 = np.nanpercentile(tx[c], [25, 75])
        out[c] = tx[c].clip(q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)).astype(float)
    t = tx.transaction_timestamp
    out['hour'] = t.dt.hour.astype(float)
    out['is_weekend'] = (t.dt.day_of_week >= 5).astype(float)
    return pd.DataFrame(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from mlsys.core.datasets import load_complete_journey
    from mlsys.dataops.transformers import OutlierClipper, TimeFeatures
    tx = load_complete_journey('transactions')
    ml, hand = [], []
    for i in range(args.repeats):
        prep = ColumnTransformer([('amounts', OutlierClipper(), ['quantity', 'sales_value']),
                                  ('time', TimeFeatures(parts=('hour', 'is_weekend')), ['transaction_timestamp'])]).set_output(transform='pandas')
        t = time.perf_counter(); a = prep.fit_transform(tx); ml.append(time.perf_counter() - t)
        t = time.perf_counter(); b = by_hand(tx); hand.append(time.perf_counter() - t)
        assert np.allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float))
        print(f'  run {i+1}: transformers {ml[-1]:.3f} s, pandas {hand[-1]:.3f} s', flush=True)
    m, h = statistics.median(ml), statistics.median(hand)
    print(f"throughput: {len(tx) / m:,.0f} rows/s through the transformers, {len(tx) / h:,.0f} rows/s by hand")
    print(f"processing: {m:.3f} s vs {h:.3f} s = {m / h:.2f}x (target <= 1.5x)")


if __name__ == '__main__': main()
