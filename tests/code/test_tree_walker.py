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


def test_walk_refuses_a_model_that_encodes_pandas_categories_before_its_trees():
    # Regression: a category column the trees never split on still makes scikit-learn reorder and encode the columns
    # before the trees see them, so node feature indices do not match the caller's columns (answers were up to 0.4 off).
    import pandas as pd
    rng = np.random.default_rng(0)
    X = pd.DataFrame({'noise': pd.Categorical(rng.choice(list('abc'), 400)), 'x': rng.normal(size=400), 'z': rng.normal(size=400)})
    y = (X['x'] > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=10, max_depth=1, random_state=0).fit(X, y)  # stumps on x
    assert not any(p[0].nodes['is_categorical'].any() for p in model._predictors)  # no categorical split at all
    assert tree_walker(model) is None


@pytest.mark.parametrize('bad,message', [(np.zeros(3), 'Expected 2D'), (np.zeros((0, 3)), '0 sample'),
                                         (np.zeros((2, 4)), 'X has 4 features'), (np.zeros((2, 2)), 'X has 2 features')])
def test_walk_refuses_what_scikit_learn_refuses(bad, message):
    # Regression: a row with an extra column was walked on its first columns; no rows gave an empty answer.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, (X[:, 0] > 0).astype(int))
    with pytest.raises(ValueError, match=message): model.predict_proba(bad)
    with pytest.raises(ValueError, match=message): tree_walker(model)(bad)


def test_walk_and_direct_path_refuse_columns_in_another_order():
    # Regression: a DataFrame with the model's columns reordered was scored by position (0.28 instead of 0.68);
    # scikit-learn refuses it by name. The direct path of a pipeline checked only the number of columns.
    import pandas as pd
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from mlsys.modelops.training import direct_scorer
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=['a', 'b', 'c'])
    y = (X['a'] > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    pipe = make_pipeline(SimpleImputer(), HistGradientBoostingClassifier(max_iter=5)).fit(X, y)
    swapped = X[['c', 'b', 'a']]
    with pytest.raises(ValueError, match='feature names'): model.predict_proba(swapped)
    with pytest.raises(ValueError, match='feature names'): tree_walker(model)(swapped)
    with pytest.raises(ValueError, match='feature names'): direct_scorer(pipe)(swapped)
    with pytest.raises(ValueError, match='X has 2 features'): direct_scorer(pipe)(np.zeros((2, 2)))
    assert np.array_equal(tree_walker(model)(X.head(5)), model.predict_proba(X.head(5)))  # the right columns still pass


def test_walk_takes_and_refuses_column_names_as_scikit_learn_does():
    # Regression: a DataFrame whose column names are not strings (integers from a numpy array, say) was refused;
    # scikit-learn only warns and scores it by position. Names of mixed types it refuses with a TypeError.
    import warnings
    import pandas as pd
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=['a', 'b', 'c'])
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, (X['a'] > 0).astype(int))
    by_position = pd.DataFrame(X.head(5).to_numpy())  # columns 0, 1, 2
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)  # "X does not have valid feature names"
        assert np.array_equal(tree_walker(model)(by_position), model.predict_proba(by_position))
    mixed = X.head(5).rename(columns={'b': 1})
    with pytest.raises(TypeError): model.predict_proba(mixed)
    with pytest.raises(TypeError, match='string names'): tree_walker(model)(mixed)
