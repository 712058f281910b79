"Shared fixtures: an isolated data home, the `mlsys` command, and a malformed transactions file."
import os, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest

MLSYS = str(Path(sys.executable).parent/'mlsys')


def service_url(name:str)->str:
    "The URL of a test server (MLSYS_TEST_POSTGRES_URL, MLSYS_TEST_REDIS_URL), started by scripts/start_services.sh."
    url = os.environ.get(name)
    if url: return url
    if os.environ.get('MLSYS_REQUIRE_SERVICES') == '1': pytest.fail(f"{name} is not set: run scripts/start_services.sh")
    pytest.skip(f"{name} is not set (run `make services`)")


@pytest.fixture(scope='session')
def postgres_url(): return service_url('MLSYS_TEST_POSTGRES_URL')


@pytest.fixture(scope='session')
def redis_url(): return service_url('MLSYS_TEST_REDIS_URL')


@pytest.fixture(scope='session', autouse=True)
def data_home(tmp_path_factory):
    "Each test session builds its own embedded database, unless MLSYS_DATA_HOME points at one."
    if not os.environ.get('MLSYS_DATA_HOME'):
        os.environ['MLSYS_DATA_HOME'] = str(tmp_path_factory.mktemp('mlsys-data'))
    os.environ['GX_ANALYTICS_ENABLED'] = 'false'
    os.environ['DVC_NO_ANALYTICS'] = '1'
    os.environ.setdefault('MLSYS_API_KEY', 'test-key-' + os.urandom(4).hex())
    return Path(os.environ['MLSYS_DATA_HOME'])


def mlsys(*args, cwd=None, check=True):
    "Run the installed `mlsys` command; return the CompletedProcess."
    env = {**os.environ, 'PATH': str(Path(sys.executable).parent) + os.pathsep + os.environ['PATH']}
    p = subprocess.run([MLSYS, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"mlsys {' '.join(args)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def dvc(run_dir, *args):
    "Run the `dvc` command line in a run folder."
    from mlsys.versioning import run_dvc
    return run_dvc(run_dir, *args)


@pytest.fixture(scope='session')
def malformed_csv(tmp_path_factory):
    """500 real transactions as a CSV export, with one row of each kind of damage:
    wrong type, negative quantity, absurd quantity, missing key, unparseable timestamp,
    impossible date, out-of-period timestamp, and an exact duplicate."""
    from mlsys.datasets import load_complete_journey
    df = load_complete_journey('transactions').iloc[:500].astype(str)
    damage = {
        10: ('quantity', 'three'),
        11: ('quantity', '-2'),
        12: ('quantity', '5000000'),
        13: ('household_id', ''),
        14: ('transaction_timestamp', 'not a time'),
        15: ('transaction_timestamp', '2017-13-45 10:00:00'),
        16: ('transaction_timestamp', '2031-06-01 10:00:00'),
        17: ('sales_value', '4,50'),
    }
    for row, (col, value) in damage.items(): df.loc[row, col] = value
    df = pd.concat([df, df.iloc[[20]]], ignore_index=True)  # row 500 duplicates row 20
    path = tmp_path_factory.mktemp('inputs')/'transactions_export.csv'
    df.to_csv(path, index=False)
    return path
