"The flat tree walk of chapter 5 answers exactly as scikit-learn's HistGradientBoostingClassifier, for any tree shape."
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from mlsys.modelops.training import WALK_ROWS, tree_walker


@pytest.mark.parametrize('seed,params', [
    (0, {'max_iter': 1}),  # one tree
    (1, {'max_iter': 30, 'max_depth': None, 'max_leaf_nodes': 63}),  # deep, unbalanced trees
    (2, {'max_iter': 50, 'max_depth': 2, 'learning_rate': 0.5}),
    (3, {'max_iter': 200, 'early_stopping': True, 'n_iter_no_change': 3, 'validation_fraction': 0.2}),
])
def test_walk_equals_scikit_learn_to_the_last_bit(seed, params):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=600) > 0).astype(int)
    X[rng.random(X.shape) < 0.1] = np.nan  # missing values in training: trees learn where to send them
    model = HistGradientBoostingClassifier(random_state=seed, **params).fit(X, y)
    walk = tree_walker(model)
    probe = np.vstack([X, rng.normal(scale=5, size=(200, 6))])  # beyond the training range too
    probe[rng.random(probe.shape) < 0.05] = np.nan
    assert np.array_equal(walk(probe), model.predict_proba(probe))
    for i in range(0, len(probe), WALK_ROWS): assert np.array_equal(walk(probe[i:i + WALK_ROWS]), model.predict_proba(probe[i:i + WALK_ROWS]))


def test_walk_refuses_what_it_cannot_walk():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 4, 300), rng.normal(size=300)]).astype(float)
    y = (X[:, 1] > 0).astype(int)
    assert tree_walker(HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)) is None
    assert tree_walker(HistGradientBoostingClassifier(max_iter=5).fit(X, X[:, 0].astype(int))) is None  # four classes
