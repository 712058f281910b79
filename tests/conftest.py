"Shared fixtures: an isolated data home, the test servers' URLs, and a malformed transactions file. Helpers are in helpers.py."
import os
from pathlib import Path
import pandas as pd
import pytest

from helpers import service_url


@pytest.fixture(scope='session')
def postgres_url(): return service_url('MLSYS_TEST_POSTGRES_URL')


@pytest.fixture(scope='session')
def redis_url(): return service_url('MLSYS_TEST_REDIS_URL')


@pytest.fixture(scope='session')
def mlflow_url(): return service_url('MLSYS_TEST_MLFLOW_URL')


@pytest.fixture(scope='session', autouse=True)
def data_home(tmp_path_factory):
    "Each test session builds its own embedded database, unless MLSYS_DATA_HOME points at one."
    if not os.environ.get('MLSYS_DATA_HOME'):
        os.environ['MLSYS_DATA_HOME'] = str(tmp_path_factory.mktemp('mlsys-data'))
    os.environ['GX_ANALYTICS_ENABLED'] = 'false'
    os.environ['DVC_NO_ANALYTICS'] = '1'
    os.environ.setdefault('MLSYS_API_KEY', 'test-key-' + os.urandom(4).hex())
    return Path(os.environ['MLSYS_DATA_HOME'])


@pytest.fixture(scope='session')
def malformed_csv(tmp_path_factory):
    """500 real transactions as a CSV export, with one row of each kind of damage:
    wrong type, negative quantity, absurd quantity, missing key, unparseable timestamp,
    impossible date, out-of-period timestamp, and an exact duplicate."""
    from mlsys.core.datasets import load_complete_journey
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
