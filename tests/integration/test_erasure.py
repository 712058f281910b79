"The right to erasure across versions: a real Git + DVC history with a remote and registered models; one household erased everywhere, every other byte unchanged."
import hashlib, subprocess
from pathlib import Path
import pandas as pd
import pytest
from mlsys.responsible import erasure as er
from mlsys.responsible.privacy import customer_register


def _sha(path): return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _all_objects(root, remote):
    "(store, relative path) -> SHA-256 of every object in the cache and the remote."
    return {(where, str(f.relative_to(s))): _sha(f) for where, s in zip(['cache', 'remote'], er._object_stores(root, remote))
            for f in s.rglob('*') if f.is_file()}


@pytest.fixture
def history(tmp_path):
    base = customer_register(140)
    tables = [base.iloc[:90], base.iloc[:120], base.assign(spend=base.spend * 1.01).round(2)]
    er.versioned_store(tmp_path/'repo', tables, remote=tmp_path/'remote')
    return tmp_path, base, tables


def test_erasure_leaves_no_trace_and_changes_nothing_else(history):
    from mlsys.modelops.tracking import local_store
    from mlsys.modelops.registry import _client
    tmp, base, tables = history
    root, remote = tmp/'repo', tmp/'remote'
    uri = local_store(tmp/'tracking')
    versions = er.data_versions(root)
    on_v1 = er.register_table_model(tables[0], versions[0]['md5'], name='hh', uri=uri)
    on_v3 = er.register_table_model(tables[2], versions[2]['md5'], name='hh', uri=uri, alias='champion')
    subject = 100
    email, phone = base.set_index('household_id').loc[subject, ['email', 'phone']]
    assert er.search_everywhere(root, 'household_id', subject, [email, phone], remote).rows.sum() == 5  # 2 versions x 2 stores + workspace
    objects_before = _all_objects(root, remote)

    report = er.erase_subject(root, 'household_id', subject, remote=remote, uri=uri)  # no retrain: retire

    assert report.proved, report.summary()
    # an independent search of every version, object, the workspace and git history finds nothing
    assert er.search_everywhere(root, 'household_id', subject, [email, phone], remote).empty
    log = subprocess.run(['git', 'log', '--all', '-p'], cwd=root, capture_output=True, text=True).stdout
    assert email not in log and phone not in log
    # every object not holding the household keeps its exact bytes, in both stores
    v1 = versions[0]['md5']
    kept = {k: v for k, v in objects_before.items() if k[1].replace('/', '') == v1}
    assert len(kept) == 2 and all(_all_objects(root, remote)[k] == v for k, v in kept.items())
    # the rewritten versions hold exactly the other households' rows, under the same tags
    after = er.data_versions(root)
    assert [v['tags'] for v in after] == [['v1'], ['v2'], ['v3']] and after[0]['md5'] == v1
    for old, new in zip(tables[1:], after[1:]):
        obj = er._object_stores(root, None)[0]/new['md5'][:2]/new['md5'][2:]
        assert obj.read_bytes() == er.table_bytes(old[old.household_id != subject])
        assert (remote/'files'/'md5'/new['md5'][:2]/new['md5'][2:]).read_bytes() == obj.read_bytes()
    for v in versions[1:]:  # the old objects are gone from cache and remote
        assert not any(k[1].replace('/', '') == v['md5'] for k in _all_objects(root, remote))
    # the model trained on v3 is retired (version, run and logged model gone); the one on v1 stays
    client = _client(uri)
    left = {str(mv.version): mv.tags[er.DATA_TAG] for mv in client.search_model_versions("name = 'hh'")}
    assert left == {str(on_v1.version): v1}
    assert 'champion' not in client.get_registered_model('hh').aliases
    from mlflow.exceptions import MlflowException
    with pytest.raises(MlflowException): client.get_run(on_v3.run_id)
    assert [m['action'] for m in report.models] == ['retired']


def test_erasing_someone_who_is_not_there_changes_nothing(history):
    tmp, base, tables = history
    root, remote = tmp/'repo', tmp/'remote'
    commits = subprocess.run(['git', 'rev-list', '--all'], cwd=root, capture_output=True, text=True).stdout
    objects = _all_objects(root, remote)
    report = er.erase_subject(root, 'household_id', 99_999, remote=remote)
    assert report.proved and report.versions == [] and report.objects_removed == []
    assert subprocess.run(['git', 'rev-list', '--all'], cwd=root, capture_output=True, text=True).stdout == commits
    assert _all_objects(root, remote) == objects


def test_workspace_is_the_cleaned_current_version(history):
    tmp, base, tables = history
    root = tmp/'repo'
    er.erase_subject(root, 'household_id', 5)
    current = pd.read_csv(root/er.DATA_FILE)
    assert 5 not in set(current.household_id) and len(current) == len(tables[2]) - 1


def test_versions_are_listed_parents_first_even_when_clocks_disagree(tmp_path, monkeypatch):
    """Regression: `data_versions` listed commits by commit date, so versions made within one second (CI saw v2, v1,
    v3) or on a machine whose clock stepped back came out of order. Here each version is stamped 100 s before the
    last: the old order was v3, v2, v1; history's own order (parents first) is v1, v2, v3."""
    import os
    from mlsys.dataops import lineage
    original, stamps = lineage.commit_version, iter(['2020-01-01T12:00:00', '2020-01-01T11:58:20', '2020-01-01T11:56:40'])
    def commit_with_a_skewed_clock(*a, **k):
        when = next(stamps)
        monkeypatch.setenv('GIT_COMMITTER_DATE', when); monkeypatch.setenv('GIT_AUTHOR_DATE', when)
        return original(*a, **k)
    monkeypatch.setattr(lineage, 'commit_version', commit_with_a_skewed_clock)
    base = customer_register(30)
    er.versioned_store(tmp_path/'repo', [base.iloc[:10], base.iloc[:20], base])
    assert [v['tags'] for v in er.data_versions(tmp_path/'repo')] == [['v1'], ['v2'], ['v3']]
