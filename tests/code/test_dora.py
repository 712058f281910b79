"""DORA metrics on the seeded team history agree with an independent computation from git's own ranges; the same
function runs on this repository's history; the registry adapter and the log reader behave."""
import json, statistics, uuid
from datetime import datetime, timedelta, timezone
import pytest
from mlsys.core.config import project_root
from mlsys.devops.dora import dora_metrics, read_deploy_log, lead_times, Deployment, deploy_log_from_registry, write_deploy_log
from mlsys.devops.history import read_commits, git
from mlsys.devops.team_history import make_team_history


def _by_hand(repo, log_path):
    "The metrics the slow, obvious way: git rev-list ranges between consecutive deployed commits, one git call each."
    recs = sorted((json.loads(l) for l in log_path.read_text().splitlines()), key=lambda r: r['time'])
    t = lambda r: datetime.fromisoformat(r['time'])
    deploys = [r for r in recs if r['action'] == 'deploy']
    hours, data_hours, prev = [], [], None
    for d in deploys:
        out = git(repo, 'log', '--no-merges', '--format=@%H %ct', '--name-only', f'{prev}..{d["commit"]}' if prev else d['commit'])
        for block in out.split('@')[1:]:
            head, *files = block.strip().splitlines()
            h = (t(d).timestamp() - int(head.split()[1])) / 3600
            hours.append(h)
            if any(f.endswith(('dvc.lock', '.dvc', 'params.yaml')) or f.startswith('data/') for f in files): data_hours.append(h)
        prev = d['commit']
    live = [r for r in recs if r['action'] in ('deploy', 'rollback')]
    restore = []
    for i, r in enumerate(live):
        if r.get('ok', True): continue
        nxt = next((x for x in live[i + 1:] if x.get('ok', True)), None)
        if nxt: restore.append((t(nxt) - t(r)).total_seconds() / 3600)
    weeks = (t(recs[-1]) - t(recs[0])).total_seconds() / (7 * 86400)
    refused = sum(r['action'] == 'refused' for r in recs)
    failed = sum(not r.get('ok', True) for r in deploys)
    return {'deployments': len(deploys), 'deploys_per_week': len(deploys) / weeks, 'changes': len(hours),
            'lead_time_hours': statistics.median(hours), 'failed': failed, 'change_failure_rate': failed / len(deploys),
            'time_to_restore_hours': statistics.median(restore), 'data_changes': len(data_hours),
            'data_to_production_hours': statistics.median(data_hours), 'refused': refused, 'refusal_share': refused / (refused + len(deploys))}


def test_metrics_on_the_seeded_history_match_an_independent_computation(tmp_path):
    h = make_team_history(tmp_path/'team', seed=0)
    rep = dora_metrics(h.repo, h.log)
    expected = _by_hand(h.repo, h.log)
    for k, v in expected.items():
        assert getattr(rep, k) == pytest.approx(v, rel=1e-9), k
    assert expected['failed'] >= 1 and expected['refused'] >= 1 and expected['data_changes'] >= 1  # the seed exercises every branch


def test_same_seed_same_repository_and_log(tmp_path):
    a, b = make_team_history(tmp_path/'a', seed=5), make_team_history(tmp_path/'b', seed=5)
    assert git(a.repo, 'rev-parse', 'HEAD') == git(b.repo, 'rev-parse', 'HEAD')
    assert git(a.repo, 'show-ref', '--tags') == git(b.repo, 'show-ref', '--tags')
    assert a.log.read_bytes() == b.log.read_bytes()
    # every deployed release is a tag on the commit the log names
    for d in read_deploy_log(a.log):
        if d.action == 'deploy': assert git(a.repo, 'rev-parse', f'v{d.version}^{{commit}}') == d.commit


def test_the_same_functions_run_on_this_repository():
    root = project_root()
    assert root is not None and (root/'.git').exists(), 'the tests run from a git checkout of mlsys'
    commits = read_commits(root, 'HEAD')
    firsts = git(root, 'rev-list', '--first-parent', '--merges', 'HEAD').split()[:20][::-1] or [commits[-1].sha]
    when = {c.sha: c.time for c in commits}
    log = [Deployment(when[s] + timedelta(hours=1), 'deploy', str(i + 1), s) for i, s in enumerate(firsts)]
    lt = lead_times(commits, log)
    assert len(lt) == len(git(root, 'rev-list', '--no-merges', firsts[-1]).split())
    rep = dora_metrics(commits, log)
    assert rep.deployments == len(firsts) and rep.changes == len(lt) and rep.change_failure_rate == 0
    assert rep.lead_time_hours == pytest.approx(lt.hours.median())


def test_registry_history_becomes_deployments(mlflow_url, tmp_path):
    from mlflow import MlflowClient
    client, name = MlflowClient(mlflow_url, mlflow_url), f'dora-{uuid.uuid4().hex[:10]}'
    client.create_registered_model(name)
    for decision, commit in [('promoted', 'a' * 40), ('rejected', 'b' * 40), ('promoted', None)]:
        client.create_model_version(name, source='s3://not-read/model', tags={'promotion.decision': decision, **({'code.git_commit': commit} if commit else {})})
    client.create_model_version(name, source='s3://not-read/model')  # never judged: not a deployment
    got = deploy_log_from_registry(name, mlflow_url)
    assert [(d.action, d.version, d.commit) for d in got] == [('deploy', '1', 'a' * 40), ('refused', '2', 'b' * 40), ('deploy', '3', None)]
    assert all(d.time.tzinfo is not None and d.ok for d in got)


def test_a_half_written_log_line_is_refused_with_its_line_number(tmp_path):
    p = write_deploy_log([Deployment(datetime(2026, 1, 5, tzinfo=timezone.utc), 'deploy', '1', 'abc')], tmp_path/'log.jsonl')
    with open(p, 'a') as f: f.write('{"time": "2026-01-06T00:00:00+00:00", "act')
    with pytest.raises(ValueError, match=r'log.jsonl line 2: not JSON.*half-written'):
        read_deploy_log(p)
