"Drift reports: ids compared as categories, and the PSI bands (stable < 0.1 <= investigate <= 0.25 < act)."
import numpy as np
import pandas as pd
import pytest
from mlsys.dataops.validation import drift_report


def mixes():
    "100 stores; the new batch moves shoppers between stores that sit in the same numeric decile."
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({'store_id': rng.integers(1, 101, 50_000)})
    weights = np.where(np.arange(1, 101) % 2, 3.0, 1.0)  # odd-numbered stores gain, even ones lose
    cur = pd.DataFrame({'store_id': rng.choice(np.arange(1, 101), 50_000, p=weights / weights.sum())})
    return ref, cur


def test_an_id_column_is_compared_as_a_category_by_default():
    ref, cur = mixes()
    d = drift_report(ref, cur).iloc[0]
    assert d.kind == 'categorical' and d.psi > 0.25 and d.status == 'act' and d.drifted
    binned = drift_report(ref, cur, categorical=[]).iloc[0]  # as a number, the shift hides inside the deciles
    assert binned.kind == 'numeric' and binned.psi < 0.01 and binned.status == 'stable'


def test_declared_categorical_columns():
    ref, cur = mixes()
    d = drift_report(ref.rename(columns={'store_id': 'store'}), cur.rename(columns={'store_id': 'store'}), categorical=['store'])
    assert d.kind[0] == 'categorical' and d.status[0] == 'act'
    with pytest.raises(ValueError, match=r"\['shop'\] are not in both"): drift_report(ref, cur, categorical=['shop'])


@pytest.mark.parametrize('share, status', [(0.50, 'stable'), (0.68, 'investigate'), (0.80, 'act')])
def test_psi_bands(share, status):
    ref = pd.DataFrame({'channel': ['web'] * 500 + ['store'] * 500})
    n = int(share * 1_000)
    cur = pd.DataFrame({'channel': ['web'] * n + ['store'] * (1_000 - n)})
    assert drift_report(ref, cur).status[0] == status


def test_store_mix_on_the_real_data():
    from mlsys.core.datasets import load_complete_journey
    tx = load_complete_journey('transactions')
    jan, jul = tx[tx.week <= 4], tx[tx.week.between(27, 30)]
    d = drift_report(jan, jul, columns=['store_id']).iloc[0]
    assert (d.kind, d.psi, d.status) == ('categorical', 0.119, 'investigate')
