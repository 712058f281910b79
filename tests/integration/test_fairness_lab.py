"The fairness trade-off lab for a small roster: each student's parameters reach the notebook and change the result."
import pandas as pd
from helpers import ROOT


def test_roster_traces_the_tradeoff(tmp_path):
    from mlsys.course.labs import run_lab
    roster = tmp_path/'roster.csv'
    pd.DataFrame({'student_id': ['ana', 'ben', 'cai'], 'method': ['none', 'none', 'threshold_optimizer'],
                  'threshold': [0.15, 0.4, 0.5]}).to_csv(roster, index=False)
    table = run_lab(ROOT/'labs'/'fairness_tradeoff.ipynb', roster, tmp_path/'out', workers=2, timeout=300)
    assert (table.status == 'success').all(), table[['id', 'status', 'error']]
    r = table.set_index('id')
    assert r.loc['ana', 'selected_share'] > r.loc['ben', 'selected_share']  # a lower threshold offers the programme to more patients
    assert (r.equalized_odds_low <= r.equalized_odds).all() and (r.equalized_odds <= r.equalized_odds_high).all()
    assert r.loc['cai', 'demographic_parity'] < r.loc['ana', 'demographic_parity']
    html = (tmp_path/'out'/'summary.html').read_text()
    assert 'Equalized-odds difference against accuracy' in html


def test_unknown_method_fails_that_run_with_the_list(tmp_path):
    from mlsys.course.labs import run_lab
    roster = tmp_path/'roster.csv'
    pd.DataFrame({'student_id': ['dan'], 'method': ['magic'], 'threshold': [0.2]}).to_csv(roster, index=False)
    table = run_lab(ROOT/'labs'/'fairness_tradeoff.ipynb', roster, tmp_path/'out', workers=1, timeout=120)
    assert table.status.iloc[0] != 'success' and 'method must be one of' in table.error.iloc[0]
