"""The checker corpus of chapters 9 to 11 (imported by test_check_corpus.py): right answers built in different ways that
must pass, misconceptions that must fail with a specific message. Repositories are handed in as `bundle` text, as the
exercise notebooks do; every repository is built in a temporary folder when its row runs and removed afterwards."""
import functools, tempfile
from pathlib import Path
import yaml
from mlsys.devops.history import git
from mlsys.devops.gitflow import make_remote, clone, make_lock_conflict, make_release_history, repro, bundle

OK = 'passed'

# ---------- chapter 9
def drift_table():
    from mlsys.course.monitoring_checks import drift_batches
    from mlsys.dataops.drift import drift_report
    return drift_report(*drift_batches())

# ---------- chapter 10
@functools.lru_cache(maxsize=1)
def team_figures()->dict:
    "The team history read once, by hand: the deployment log, lead times and restore times, and the report."
    from mlsys.devops.team_history import make_team_history
    from mlsys.devops.dora import dora_metrics, read_deploy_log, lead_times, restore_times
    from mlsys.devops.history import read_commits
    with tempfile.TemporaryDirectory() as d:
        team = make_team_history(Path(d)/'team', seed=0)
        log, commits = read_deploy_log(team.log), read_commits(team.repo, '--all')
        rep = dora_metrics(team.repo, team.log)
    return {'log': log, 'lead': lead_times(commits, log), 'restore': restore_times(log), 'report': rep}

DORA_KEYS = ['deploys_per_week', 'lead_time_hours', 'change_failure_rate', 'time_to_restore_hours', 'refusal_share']
def dora_reference(): return {k: getattr(team_figures()['report'], k) for k in DORA_KEYS}

def dora_by_hand(count=('deploy',), lead=lambda h: h.median(), refusal_over_deploys=False):
    "The figures computed from the log with pandas, not `dora_metrics`; the keyword arguments are the usual slips."
    f = team_figures(); log = f['log']
    weeks = (max(d.time for d in log) - min(d.time for d in log)).total_seconds() / (7 * 86400)
    deploys = [d for d in log if d.action == 'deploy']; refused = sum(d.action == 'refused' for d in log)
    return {'deploys_per_week': sum(d.action in count for d in log) / weeks, 'lead_time_hours': float(lead(f['lead'].hours)),
            'change_failure_rate': sum(not d.ok for d in deploys) / len(deploys),
            'time_to_restore_hours': float(f['restore'].hours.median()),
            'refusal_share': refused / len(deploys) if refusal_over_deploys else refused / (refused + len(deploys))}

def dora_as_printed():
    "Read off the printed report: text, rounded as it shows them (rates as fractions)."
    r = team_figures()['report']
    return {'deploys_per_week': f'{r.deploys_per_week:.2f}', 'lead_time_hours': f'{r.lead_time_hours:.1f}',
            'change_failure_rate': f'{r.change_failure_rate:.2f}', 'time_to_restore_hours': f'{r.time_to_restore_hours:.1f}',
            'refusal_share': f'{r.refusal_share:.2f}', 'reasoning': 'copied from print(dora_metrics(...))'}

def leak(how='scanner', **over):
    "The leak found in a fresh copy of the exercise's repository (the same commits every time)."
    from mlsys.course.devops_checks import make_leaky_repo
    from mlsys.devops.secrets import scan_git_history
    with tempfile.TemporaryDirectory() as d:
        repo = make_leaky_repo(Path(d)/'pricing')
        if how == 'scanner':
            _, sha, file = scan_git_history(repo)[0].where.split()[:3]
            a = {'commit': sha, 'file': file, 'kind': scan_git_history(repo)[0].kind}
        else:  # `git log -S` lists the commits that added or removed the string: the oldest added it, the newest removed it
            shas = git(repo, 'log', '--reverse', '-S', 'AKIA', '--format=%H').split()
            added, removed = shas[0], shas[-1]
            a = {'commit': {'added': added, 'removed': removed}[how],
                 'file': git(repo, 'show', '--format=', '--name-only', added).splitlines()[0], 'kind': 'AWS access key'}
    return {**a, **over}

# ---------- chapter 11
def merge_request(branch='feature/churn-window', how='no-ff', push_branch=True):
    "A remote, a branch with a change, merged into main in one of several ways; the remote handed in as a bundle."
    with tempfile.TemporaryDirectory() as d:
        work = Path(d); remote = make_remote(work/'team.git'); me = clone(remote, work/'me')
        git(me, 'checkout', '-q', '-b', branch)
        (me/'features.py').write_text('CHURN_WINDOW_WEEKS = 12\n'); git(me, 'add', '-A'); git(me, 'commit', '-q', '-m', 'Churn window')
        if how == 'diverged': (me/'features.py').write_text('CHURN_WINDOW_WEEKS = 12\nMIN_SPEND = 5\n'); git(me, 'commit', '-q', '-am', 'Minimum spend')
        if push_branch: git(me, 'push', '-q', '-u', 'origin', branch)
        if how == 'teammate':  # a reviewer merges the pushed branch from their own clone
            other = clone(remote, work/'reviewer'); git(other, 'merge', '-q', '--no-ff', '-m', f'Merge request: {branch}', f'origin/{branch}')
            git(other, 'push', '-q', 'origin', 'main')
        elif how == 'diverged':  # main moved on meanwhile, so a plain merge records a merge commit
            other = clone(remote, work/'colleague'); (other/'README.md').write_text('# team project\n\nSee CONTRIBUTING.\n')
            git(other, 'commit', '-q', '-am', 'README: contributing'); git(other, 'push', '-q', 'origin', 'main')
            git(me, 'checkout', '-q', 'main'); git(me, 'pull', '-q', '--no-rebase', 'origin', 'main')
            git(me, 'merge', '-q', '-m', f'Merge branch {branch!r}', branch); git(me, 'push', '-q', 'origin', 'main')
        elif how != 'unmerged':
            git(me, 'checkout', '-q', 'main')
            git(me, 'merge', '-q', *(['--no-ff', '-m', 'Merge request: churn window'] if how == 'no-ff' else ['--ff-only']), branch)
            git(me, 'push', '-q', 'origin', 'main')
        return {'remote': bundle(remote), 'branch': branch}

def lock_resolution(lock='ours', params=(5, 12), hand_edit=False):
    "The params.yaml/dvc.lock conflict resolved: params written, dvc.lock taken from one side (or deleted) and rebuilt by `dvc repro`."
    with tempfile.TemporaryDirectory() as d:
        repo = make_lock_conflict(Path(d)/'conflict')
        if params == 'theirs-edited':  # take the branch's file and apply main's change to it with yaml
            git(repo, 'checkout', '--theirs', 'params.yaml'); p = yaml.safe_load((repo/'params.yaml').read_text())
            p['prepare']['min_spend'] = 5; (repo/'params.yaml').write_text(yaml.safe_dump(p, sort_keys=False))
        else: (repo/'params.yaml').write_text(f'prepare:\n  min_spend: {params[0]}\n  window_weeks: {params[1]}\n')
        if lock == 'delete': (repo/'dvc.lock').unlink()
        else: git(repo, 'checkout', f'--{lock}', 'dvc.lock')
        if hand_edit:  # the parameters typed into dvc.lock, the pipeline never re-run
            text = (repo/'dvc.lock').read_text()
            (repo/'dvc.lock').write_text(text.replace('window_weeks: 8', 'window_weeks: 12').replace('min_spend: 10', 'min_spend: 5'))
        else: repro(repo)
        git(repo, 'add', 'params.yaml', 'dvc.lock'); git(repo, 'commit', '-q', '--no-edit')
        return bundle(repo)

def release_revert(how='revert-merge', push_tags=True):
    "Release v2 undone on a clone of the team's remote and pushed; the remote handed in as a bundle."
    with tempfile.TemporaryDirectory() as d:
        remote = make_release_history(Path(d)/'releases.git'); mine = clone(remote, Path(d)/'mine')
        if how == 'revert-merge': git(mine, 'revert', '--no-edit', '-m', '1', 'v2')
        elif how == 'revert-commit': git(mine, 'revert', '--no-edit', 'origin/bigger-c')  # the change itself, not the merge
        elif how == 'restore-file':  # v1's params.yaml brought back by a new commit, by hand
            git(mine, 'checkout', 'v1', '--', 'params.yaml'); git(mine, 'commit', '-q', '-m', 'Back to the v1 parameters')
        elif how == 'reset':  # history rewritten: main moved back to v1 and forced
            git(mine, 'reset', '-q', '--hard', 'v1')
        if how == 'restore-file': git(mine, 'tag', 'v3')  # a lightweight tag is a tag too
        else: git(mine, 'tag', '-a', 'v3', '-m', 'model version 3')
        git(mine, 'push', '-q', *(['--force'] if how == 'reset' else []), 'origin', 'main', *(['--tags'] if push_tags else []))
        return bundle(remote)

CORPUS = [
    # 9.1 which drifted columns call for action
    ('9.1', 'reference: the drifted verdicts', lambda: list(drift_table().query('drifted').column), OK, ''),
    ('9.1', 'a tuple, read from the status', lambda: tuple(drift_table().loc[lambda r: r.status == 'act', 'column']), OK, ''),
    ('9.1', 'a set, the other order, capitalised', lambda: {'Store', 'PRICE'}, OK, ''),
    ('9.1', 'every column KS calls significant', lambda: list(drift_table().query('p_value < 0.05').column), 'failed', 'basket_value: KS is certain it moved'),
    ('9.1', 'price only', lambda: ['price'], 'failed', 'more than one column calls for action'),
    ('9.1', 'a column that did not drift', lambda: ['price', 'store', 'visits'], 'failed', 'visits: look at its PSI and its verdict again'),
    ('9.1', 'a column not in the report', lambda: ['price', 'store', 'region'], 'failed', "['region'] are not columns of the report"),
    # 9.2 monitor thresholds (each check replays 13 weeks of monitoring: three right, two wrong)
    ('9.2', 'reference', lambda: {'psi': 0.15, 'share': 0.1, 'window_days': 7}, OK, ''),
    ('9.2', 'higher line, shorter window, as text', lambda: {'psi': '0.2', 'share': '0.1', 'window_days': '5', 'reasoning': 'a short window reacts within days'}, OK, ''),
    ('9.2', 'ten-day window as a float', lambda: {'psi': 0.15, 'share': 0.1, 'window_days': 10.0}, OK, ''),
    ('9.2', 'the default line cries wolf', lambda: {'psi': 0.1, 'share': 0.1, 'window_days': 7}, 'failed', 'false alarms before the change'),
    ('9.2', 'half the columns must drift: misses the change', lambda: {'psi': 0.15, 'share': 0.5, 'window_days': 7}, 'failed', 'your monitor never rang after the change'),
    # 10.1 DORA figures
    ('10.1', 'reference: dora_metrics', dora_reference, OK, ''),
    ('10.1', 'by hand from the log with pandas', lambda: dora_by_hand(), OK, ''),
    ('10.1', 'read off the printed report, as text', dora_as_printed, OK, ''),
    ('10.1', 'mean lead time', lambda: dora_by_hand(lead=lambda h: h.mean()), 'failed', 'lead_time_hours: '),
    ('10.1', 'rollbacks and refusals counted as deploys', lambda: dora_by_hand(count=('deploy', 'rollback', 'refused')), 'failed', 'deploys_per_week: '),
    ('10.1', 'failure rate as a percentage', lambda: {**dora_reference(), 'change_failure_rate': 100 * dora_reference()['change_failure_rate']}, 'failed', 'change_failure_rate: a rate is a share between 0 and 1'),
    ('10.1', 'refusals over deployments', lambda: dora_by_hand(refusal_over_deploys=True), 'failed', 'refusal_share: '),
    # 10.2 the leaked key
    ('10.2', 'reference: the scanner', lambda: leak(), OK, ''),
    ('10.2', 'git log -S, full hash', lambda: leak('added'), OK, ''),
    ('10.2', 'short upper-case hash, ./path, aws key', lambda: {**leak(), 'commit': leak()['commit'][:7].upper(), 'file': './config/deploy.env', 'kind': 'aws key'}, OK, ''),
    ('10.2', 'the commit that removed the key', lambda: leak('removed'), 'failed', 'commit: not the commit that added the key'),
    ('10.2', 'a four-character hash', lambda: {**leak(), 'commit': leak()['commit'][:4]}, 'failed', 'commit: give at least 7 characters'),
    ('10.2', 'the file that reads the key', lambda: leak(file='src/train.py'), 'failed', "file: 'src/train.py' is not the file the key was added to"),
    ('10.2', 'a password, not a key', lambda: leak(kind='password'), 'failed', "kind: 'password' is not the kind of secret leaked"),
    # 11.1 a merge request
    ('11.1', 'reference: merged with --no-ff', lambda: merge_request(), OK, ''),
    ('11.1', 'merged by a reviewer from their clone', lambda: merge_request('fix/recency-bins', how='teammate'), OK, ''),
    ('11.1', 'main moved on, a plain merge', lambda: merge_request('churn', how='diverged'), OK, ''),
    ('11.1', 'fast-forward', lambda: merge_request(how='ff'), 'failed', 'reached main without a merge commit'),
    ('11.1', 'branch never pushed', lambda: merge_request(push_branch=False), 'failed', "the remote has no branch 'feature/churn-window'"),
    ('11.1', 'pushed, never merged', lambda: merge_request(how='unmerged'), 'failed', 'main on the remote does not contain the tip'),
    # 11.2 the dvc.lock conflict
    ('11.2', "reference: our dvc.lock, dvc repro", lambda: lock_resolution(), OK, ''),
    ('11.2', "their dvc.lock, params merged with yaml", lambda: lock_resolution('theirs', 'theirs-edited'), OK, ''),
    ('11.2', 'dvc.lock deleted, rebuilt by dvc repro', lambda: lock_resolution('delete'), OK, ''),
    ('11.2', 'dvc.lock edited by hand', lambda: lock_resolution(hand_edit=True), 'failed', 'never edit it by hand'),
    ('11.2', "main's parameters kept, the branch's lost", lambda: lock_resolution(params=(5, 8)), 'failed', "params.yaml should keep both branches' changes"),
    # 11.3 a bad release reverted
    ('11.3', 'reference: git revert -m 1 v2', lambda: release_revert(), OK, ''),
    ('11.3', 'the change reverted, not the merge', lambda: release_revert('revert-commit'), OK, ''),
    ('11.3', "v1's params.yaml restored by a new commit, lightweight tag", lambda: release_revert('restore-file'), OK, ''),
    ('11.3', 'reset to v1 and force-pushed', lambda: release_revert('reset'), 'failed', 'main no longer contains v2'),
    ('11.3', 'tag never pushed', lambda: release_revert(push_tags=False), 'failed', 'tag v3 is missing on the remote'),
    ('11.3', 'v3 tagged on v2, nothing reverted', lambda: release_revert('none'), 'failed', 'v3 must be a new commit after v2'),
]
