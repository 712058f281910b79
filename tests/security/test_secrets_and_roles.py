"""Secret scanning on planted secrets (files, notebook outputs, history), the scaffold's pre-commit hooks actually run,
a read-only PostgreSQL role that cannot write (real server), and API keys per client."""
import json, os, shlex, subprocess, sys, uuid
from pathlib import Path
import pytest
import yaml
from mlsys.devops.secrets import scan_files, scan_git_history, main as scan_main
from mlsys.devops.access import create_readonly_role, drop_role, check_pins, ApiKeys, KeyRejected
from mlsys.devops.history import git
from mlsys.devops.pipeline import PRE_COMMIT
from mlsys.core.config import project_root

FAKE = {'aws': 'AKIA' + 'ZX7Q2EXAMPLE9KLM', 'gh': 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'pw': 'Tr0ub4dor-' + 'and-3'}


def _notebook(path, source, output=None):
    cell = {'cell_type': 'code', 'execution_count': 3, 'metadata': {}, 'source': source,
            'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': output}] if output else []}
    path.write_text(json.dumps({'cells': [cell], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    return path


def test_planted_secrets_are_found_in_files_outputs_and_history(tmp_path):
    repo = tmp_path/'repo'; repo.mkdir(); git(repo, 'init', '-q', '-b', 'main')
    (repo/'settings.py').write_text(f'GITHUB_TOKEN = "{FAKE["gh"]}"\n')
    _notebook(repo/'explore.ipynb', 'print(engine.url)', f'postgresql://admin:{FAKE["pw"]}@10.0.0.5:5432/sales\n')
    git(repo, 'add', '-A'); git(repo, 'commit', '-q', '-m', 'explore')
    kinds = sorted(f.kind for f in scan_files([repo/'settings.py', repo/'explore.ipynb']))
    assert kinds == ['assigned_secret', 'github_token', 'password_in_url']
    assert all(FAKE['gh'] not in str(f) and FAKE['pw'] not in str(f) for f in scan_files([repo/'settings.py', repo/'explore.ipynb']))
    # a key committed and removed stays in history
    (repo/'deploy.sh').write_text(f'export AWS_ACCESS_KEY_ID={FAKE["aws"]}\n'); git(repo, 'add', '-A'); git(repo, 'commit', '-q', '-m', 'deploy')
    (repo/'deploy.sh').write_text('export AWS_ACCESS_KEY_ID="$AWS_KEY"\n'); git(repo, 'add', '-A'); git(repo, 'commit', '-q', '-m', 'use env')
    assert scan_files([repo/'deploy.sh']) == []
    hist = scan_git_history(repo)
    assert ('aws_access_key_id', 'deploy.sh') in {(f.kind, f.where.split()[-1]) for f in hist}
    assert {f.where.split()[-1] for f in hist} >= {'settings.py', 'explore.ipynb', 'deploy.sh'}


def test_placeholders_and_environment_lookups_are_not_secrets(tmp_path):
    f = tmp_path/'ok.py'
    f.write_text('import os\npassword = os.environ["PGPASSWORD"]\nurl = "postgresql://mlsys:***@127.0.0.1/x"\napi_key = "<your key>"\n')
    assert scan_files([f]) == [] and scan_main([str(f)]) == 0


def test_the_scaffolds_pre_commit_hooks_run(tmp_path):
    "Every hook of the shipped pre-commit config, run the way pre-commit runs it (entry + staged files), on real files."
    hooks = {h['id']: h for h in yaml.safe_load(PRE_COMMIT)['repos'][0]['hooks']}
    assert set(hooks) == {'nbdev-clean', 'ruff', 'no-secrets'}
    nb = _notebook(tmp_path/'leak.ipynb', 'print(url)', f'postgresql://admin:{FAKE["pw"]}@db/x\n')
    (tmp_path/'bad.py').write_text('import os\n')
    (tmp_path/'good.py').write_text('print("hello")\n')
    env = {**os.environ, 'PATH': os.pathsep.join([str(Path(sys.executable).parent), os.environ['PATH']])}
    def run(hook, files):
        h = hooks[hook]
        cmd = shlex.split(h['entry']) + ([str(f) for f in files] if h.get('pass_filenames', True) else [])
        return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run('nbdev-clean', [nb]).returncode == 0
    assert json.loads(nb.read_text())['cells'][0]['execution_count'] is None  # cleaned in place
    r = run('no-secrets', [nb, tmp_path/'good.py'])
    assert r.returncode == 1 and 'leak.ipynb cell 1 output' in r.stderr and FAKE['pw'] not in r.stderr
    assert run('no-secrets', [tmp_path/'good.py']).returncode == 0
    r = run('ruff', [tmp_path/'bad.py'])
    assert r.returncode == 1 and 'F401' in r.stdout
    assert run('ruff', [tmp_path/'good.py']).returncode == 0


def test_this_projects_lock_file_pins_everything():
    root = project_root()
    assert check_pins(root/'constraints.txt', required=['GitPython', 'ruff', 'dvc', 'great-expectations', 'scikit-learn']) == []


def _can_create_roles(url):
    import psycopg
    with psycopg.connect(url.replace('+psycopg', '')) as c:
        return bool(c.execute('SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user').fetchone()[0])


def test_readonly_role_reads_but_cannot_write(postgres_url):
    import psycopg
    if not _can_create_roles(postgres_url):
        msg = 'the test database role needs CREATEROLE (scripts/start_services.sh: ALTER ROLE mlsys WITH LOGIN CREATEROLE ...)'
        if os.environ.get('MLSYS_REQUIRE_SERVICES') == '1': pytest.fail(msg)
        pytest.skip(msg)
    suffix = uuid.uuid4().hex[:10]
    table, role = f'sales_{suffix}', f'ingest_ro_{suffix}'
    admin = postgres_url.replace('+psycopg', '')
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE TABLE {table} (id int PRIMARY KEY, amount numeric)')
        c.execute(f'INSERT INTO {table} VALUES (1, 9.5), (2, 3.0)')
    try:
        url = create_readonly_role(postgres_url, role, [f'public.{table}'])
        with psycopg.connect(url.replace('+psycopg', ''), autocommit=True) as ro:
            assert ro.execute(f'SELECT sum(amount) FROM {table}').fetchone()[0] == 12.5
            for stmt in [f'INSERT INTO {table} VALUES (3, 1)', f'UPDATE {table} SET amount = 0', f'DELETE FROM {table}',
                         f'CREATE TABLE x_{suffix} (a int)']:
                with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
                    ro.execute(stmt)
            ro.execute('SET default_transaction_read_only = off')  # the second fence can be lowered by the client ...
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # ... the grants cannot
                ro.execute(f'INSERT INTO {table} VALUES (3, 1)')
        with psycopg.connect(admin) as c:
            assert c.execute(f'SELECT count(*) FROM {table}').fetchone()[0] == 2
    finally:
        drop_role(postgres_url, role)
        with psycopg.connect(admin, autocommit=True) as c: c.execute(f'DROP TABLE IF EXISTS {table}')


def test_api_keys_per_client(tmp_path):
    store = ApiKeys(tmp_path/'keys.json')
    a, b = store.issue('dashboard'), store.issue('batch-scorer')
    assert store.verify(a) == 'dashboard' and store.verify(b) == 'batch-scorer'
    assert a.split('.')[1] not in (tmp_path/'keys.json').read_text()
    store.revoke('dashboard')
    with pytest.raises(KeyRejected, match='revoked'): store.verify(a)
    assert store.verify(b) == 'batch-scorer'
    new = store.issue('dashboard')  # a re-issued key works, the old one stays dead
    assert store.verify(new) == 'dashboard'
    with pytest.raises(KeyRejected): store.verify(a)
    for bad in ['', 'nodot', a.split('.')[0] + '.', b + 'x']:
        with pytest.raises(KeyRejected): store.verify(bad)
