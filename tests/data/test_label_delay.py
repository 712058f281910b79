"Fraud labels arrive late: training sees a fraud only after its chargeback, a legitimate payment only once it has matured."
import pandas as pd
from mlsys.core.datasets import make_card_transactions
from mlsys.dataops.scenarios import labels_known


def test_labels_known_at_training_time():
    cards = make_card_transactions(n=5_000, days=90, fraud_rate=0.05, seed=1)
    as_of = cards.timestamp.max()
    known = labels_known(cards, as_of, delay_days=21, maturity_days=30)
    age = as_of - cards.set_index('transaction_id').timestamp
    assert (age[known.transaction_id] >= pd.Timedelta(days=30)).sum() == (age >= pd.Timedelta(days=30)).sum()
    young_frauds = cards[cards.is_fraud & (age.to_numpy() < pd.Timedelta(days=7))]
    assert len(set(young_frauds.transaction_id) & set(known.transaction_id)) <= 0.1 * len(young_frauds)  # few chargebacks within a week
    assert 0 < known.is_fraud.sum() < cards.is_fraud.sum()
    assert not (known.is_fraud & ~cards.set_index('transaction_id').is_fraud[known.transaction_id].to_numpy()).any()  # no false frauds
    assert labels_known(cards, as_of).equals(known) and not labels_known(cards, as_of, seed=1).equals(known)
