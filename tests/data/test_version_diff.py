"""diff_versions: rows added, removed and changed between two versions of a table, with bad keys refused by name."""
import numpy as np
import pandas as pd
import pytest
from mlsys.dataops.versioning import diff_versions, read_version


def frame(**cols): return pd.DataFrame(cols)


def test_missing_values_that_stay_missing_are_not_changes():
    old = frame(id=[1, 2, 3], x=[1.0, np.nan, 3.0], n=pd.array([1, None, 3], dtype='Int64'))
    new = frame(id=[1, 2, 3], x=[1.0, np.nan, 4.0], n=pd.array([1, None, None], dtype='Int64'))
    d = diff_versions(old, new, 'id')
    assert d.counts() == {'added': 0, 'removed': 0, 'changed_rows': 1, 'changed_values': 2}
    assert sorted(d.changed.column) == ['n', 'x'] and d.changed.id.tolist() == [3, 3]


def test_added_removed_and_columns():
    old = frame(k1=[1, 1, 2], k2=['a', 'b', 'a'], v=[1, 2, 3])
    new = frame(k1=[1, 2, 3], k2=['a', 'a', 'z'], v=[1, 30, 4], extra=[0, 0, 0])
    d = diff_versions(old, new, ['k1', 'k2'])
    assert d.removed[['k1', 'k2']].values.tolist() == [[1, 'b']]
    assert d.added[['k1', 'k2', 'extra']].values.tolist() == [[3, 'z', 0]]
    assert d.changed[['k1', 'k2', 'column', 'old', 'new']].values.tolist() == [[2, 'a', 'v', 3, 30]]
    assert (d.columns_added, d.columns_removed) == (['extra'], [])


def test_order_of_rows_does_not_matter():
    old = frame(id=range(100), v=range(100))
    assert diff_versions(old, old.sample(frac=1, random_state=0), ['id']).counts() == {'added': 0, 'removed': 0, 'changed_rows': 0, 'changed_values': 0}


def test_bad_keys_are_named():
    old = frame(id=[1, 1], v=[1, 2])
    with pytest.raises(ValueError, match=r"old version: key \['id'\] is not unique \(1 repeated row"):
        diff_versions(old, old.drop_duplicates('id'), ['id'])
    with pytest.raises(ValueError, match=r"new version has no key column\(s\) \['id'\]"):
        diff_versions(old.drop_duplicates('id'), frame(ident=[1], v=[1]), ['id'])


def test_a_version_not_in_the_cache_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match='is not in the cache'):
        read_version(tmp_path, 'd41d8cd98f00b204e9800998ecf8427e')
