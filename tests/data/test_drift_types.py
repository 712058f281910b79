"Drift by type of column: the statistics against scipy and chapter 3, the verdicts, windows and the HTML page."
import re
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from mlsys.dataops.drift import drift_report, dataset_drift, drift_by_window, ks_statistic
from mlsys.modelops.drift_page import write_drift_page


@pytest.mark.parametrize('seed', range(8))
def test_ks_matches_scipy_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(5, 3000, 2)
    for a, b in [(rng.normal(size=n), rng.normal(0.2, 1, m)), (rng.integers(0, 7, n) * 1.0, rng.integers(1, 9, m) * 1.0),
                 (np.r_[rng.normal(size=n), np.zeros(n)], rng.normal(size=m))]:
        assert ks_statistic(np.sort(a), np.sort(b)) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_psi_matches_chapter_3_histograms_on_the_real_data():
    from mlsys.core.datasets import load_complete_journey
    tx = load_complete_journey('transactions')
    jan, jul = tx[tx.week <= 4], tx[tx.week.between(27, 30)]
    for col in ['quantity', 'sales_value', 'retail_disc']:
        r, k = jan[col].dropna().to_numpy(float), jul[col].dropna().to_numpy(float)
        edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)))
        if len(edges) < 3: edges = np.unique(np.r_[r.min() - 0.5, np.sort(np.unique(r)) + 0.5])
        rs = np.histogram(np.clip(r, edges[0], edges[-1]), edges)[0] / len(r)
        ks = np.histogram(np.clip(k, edges[0], edges[-1]), edges)[0] / len(k)
        rs, ks = np.clip(rs, 1e-4, None), np.clip(ks, 1e-4, None)
        row = drift_report(jan, jul, columns=[col]).iloc[0]
        assert row.psi == round(float(np.sum((ks - rs) * np.log(ks / rs))), 4), col
        assert row.ks_statistic == round(stats.ks_2samp(r, k).statistic, 4), col


def test_a_category_the_reference_never_saw():
    ref = pd.DataFrame({'store': ['a'] * 600 + ['b'] * 400})
    cur = pd.DataFrame({'store': ['a'] * 500 + ['b'] * 300 + ['new'] * 200})
    row = drift_report(ref, cur).iloc[0]
    assert (row.kind, row.method, row.drifted) == ('categorical', 'jensen_shannon', True)
    assert 0.1 < row.js_distance < 1 and row.p_value < 1e-10 and np.isfinite(row.psi)
    by_chi = drift_report(ref, cur, methods={'store': 'chi_square'}).iloc[0]
    assert (by_chi.method, by_chi.score, by_chi.drifted) == ('chi_square', row.p_value, True)


def test_same_distribution_is_not_drifted_by_any_method():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({'x': rng.normal(size=20_000), 'c': rng.choice(list('abc'), 20_000)})
    cur = pd.DataFrame({'x': rng.normal(size=20_000), 'c': rng.choice(list('abc'), 20_000)})
    for methods in [{}, {'numeric': 'ks', 'categorical': 'chi_square'}, {'categorical': 'psi'}]:
        assert not drift_report(ref, cur, methods=methods).drifted.any(), methods


def test_a_small_mean_shift_splits_the_tests():
    rng = np.random.default_rng(9)
    ref, cur = pd.DataFrame({'x': rng.normal(0, 1, 200_000)}), pd.DataFrame({'x': rng.normal(0.1, 1, 200_000)})
    psi_row, ks_row = drift_report(ref, cur).iloc[0], drift_report(ref, cur, methods={'numeric': 'ks'}).iloc[0]
    assert psi_row.psi < 0.1 and not psi_row.drifted
    assert ks_row.p_value < 1e-12 and ks_row.drifted


def test_bad_methods_and_thresholds_name_the_column():
    df = pd.DataFrame({'x': [1.0, 2.0, 3.0], 'c': ['a', 'b', 'a']})
    with pytest.raises(ValueError, match="Column 'c' is categorical: method 'ks'"): drift_report(df, df, methods={'c': 'ks'})
    with pytest.raises(ValueError, match="unknown drift method 'kl'"): drift_report(df, df, methods={'numeric': 'kl'})
    with pytest.raises(ValueError, match="Column 'x' is empty in the current batch"): drift_report(df, df.assign(x=np.nan))
    with pytest.raises(ValueError, match="Column 'x' is empty in the reference batch"): drift_report(df.assign(x=np.nan), df)
    assert drift_report(df, df.assign(x=[1.0, 2.0, 9.0]), thresholds={'psi': 100}).drifted.sum() == 0


def test_dataset_share():
    rep = pd.DataFrame({'column': list('abcd'), 'drifted': [True, False, True, False]})
    assert dataset_drift(rep)['dataset_drifted'] and not dataset_drift(rep, share=0.75)['dataset_drifted']
    assert dataset_drift(rep)['drifted_columns'] == ['a', 'c']


def test_windows_find_the_week_a_drift_starts():
    rng = np.random.default_rng(1)
    weeks = np.repeat(np.arange(1, 13), 2_000)
    x = rng.normal(size=len(weeks)) + np.where(weeks >= 9, 0.8, 0)
    c = np.where((weeks >= 11) & (rng.random(len(weeks)) < 0.5), 'new', rng.choice(['a', 'b'], len(weeks)))
    out = drift_by_window(pd.DataFrame({'week': weeks, 'x': x, 'c': c}), 'week', range(1, 5))
    flagged = out.pivot(index='window', columns='column', values='drifted')
    assert list(flagged.index) == list(range(5, 13))
    assert list(flagged.x[flagged.x].index) == [9, 10, 11, 12] and list(flagged.c[flagged.c].index) == [11, 12]
    assert out.set_index(['window', 'column']).share_drifted.loc[(10, 'x')] == 0.5
    with pytest.raises(ValueError, match="None of the reference windows"): drift_by_window(pd.DataFrame({'week': weeks, 'x': x}), 'week', [99])
    with pytest.raises(ValueError, match="No window column 'day'"): drift_by_window(pd.DataFrame({'x': x}), 'day', [1])


def test_the_page_is_offline_escaped_and_repeatable(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({'<script>alert(1)</script>': rng.normal(size=3000), 'store': rng.choice(list('abc'), 3000)})
    cur = pd.DataFrame({'<script>alert(1)</script>': rng.normal(1, 1, 3000), 'store': rng.choice(list('abc'), 3000)})
    rep = drift_report(ref, cur)
    a = write_drift_page(tmp_path / 'a.html', rep, ref, cur, title='Weekly drift')
    b = write_drift_page(tmp_path / 'b.html', rep, ref, cur, title='Weekly drift')
    text = a.read_text()
    assert a.read_bytes() == b.read_bytes()
    assert '<script>' not in text and '&lt;script&gt;' in text
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing to fetch
    assert text.count('data:image/png;base64,') == 2
    assert text.index('&lt;script&gt;alert(1)&lt;/script&gt;</h3>') < text.index('store</h3>')  # the drifted column comes first
    assert '1 of 2 columns changed (50%)' in text and 'The input data has drifted' in text
    assert not list(tmp_path.glob('.*.tmp'))
