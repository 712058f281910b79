"Database ingestion: SQLite and a real PostgreSQL server, incremental loads, kill-and-resume, injection."
import os, signal, subprocess, sys, textwrap
from pathlib import Path
import pandas as pd
import pytest
import sqlalchemy as sa
from mlsys.dataops.database import DatabaseSource, write_table
from mlsys.core.datasets import load_complete_journey
from mlsys.dataops.sources import load, Checkpoint, PartitionedParquetSink

KEYS = ['basket_id', 'product_id']


@pytest.fixture(scope='module')
def tx():
    return load_complete_journey('transactions').iloc[:30_000].reset_index(drop=True)


@pytest.fixture(params=['sqlite', 'postgresql'])
def db_url(request, tx, tmp_path):
    "The same 30,000 transactions in SQLite and in PostgreSQL (a fresh table per test)."
    if request.param == 'sqlite': url = f'sqlite:///{tmp_path}/shop.sqlite'
    else: url = request.getfixturevalue('postgres_url')
    write_table(tx, url, 'transactions', if_exists='replace')
    return url


def source(url, **kw):
    return DatabaseSource(url, 'transactions', watermark='transaction_timestamp', keys=KEYS, **kw)


def test_incremental_load_reads_every_row_once(db_url, tx, tmp_path):
    sink, cp = PartitionedParquetSink(tmp_path/'out'), Checkpoint(tmp_path/'cp.json')
    state = load(source(db_url, chunksize=4_000), sink, cp)
    got = sink.read()
    assert state['rows'] == len(tx) == len(got)
    assert not got.duplicated(KEYS).any()
    assert got.sort_values(KEYS).reset_index(drop=True)[KEYS].equals(tx.sort_values(KEYS).reset_index(drop=True)[KEYS])


def test_new_rows_are_picked_up_by_the_watermark(db_url, tx, tmp_path):
    sink, cp = PartitionedParquetSink(tmp_path/'out'), Checkpoint(tmp_path/'cp.json')
    load(source(db_url, chunksize=10_000), sink, cp)
    more = load_complete_journey('transactions').iloc[30_000:31_000]
    write_table(more, db_url, 'transactions', if_exists='append')
    assert load(source(db_url, chunksize=10_000), sink, cp)['rows'] == 31_000
    assert len(sink.read().drop_duplicates(KEYS)) == 31_000


KILLER = textwrap.dedent('''
    import os, signal, sys
    from mlsys.dataops.database import DatabaseSource
    from mlsys.dataops.sources import load, Checkpoint, PartitionedParquetSink
    class DyingSink(PartitionedParquetSink):
        n = 0
        def write(self, batch):
            super().write(batch)
            DyingSink.n += 1
            if DyingSink.n == 3: os.kill(os.getpid(), signal.SIGKILL)  # after the write, before the checkpoint
    src = DatabaseSource(sys.argv[1], 'transactions', watermark='transaction_timestamp', keys=['basket_id', 'product_id'], chunksize=2_500)
    load(src, DyingSink(sys.argv[2]), Checkpoint(sys.argv[3]))
''')


def test_killed_mid_load_resumes_without_loss_or_duplicates(db_url, tx, tmp_path):
    out, cp = tmp_path/'out', tmp_path/'cp.json'
    p = subprocess.run([sys.executable, '-c', KILLER, db_url, str(out), str(cp)], capture_output=True, text=True)
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert Checkpoint(cp).load()['rows'] == 5_000  # two batches checkpointed; the third was written but not recorded
    state = load(source(db_url, chunksize=2_500), PartitionedParquetSink(out), Checkpoint(cp))
    got = PartitionedParquetSink(out).read()
    assert state['rows'] == len(tx) == len(got)
    assert not got.duplicated(KEYS).any()


@pytest.mark.parametrize('bad', ['transactions; DROP TABLE transactions', 'transactions" --'])
def test_injection_in_table_name_is_rejected(db_url, bad):
    with pytest.raises(ValueError, match='does not exist'): next(DatabaseSource(db_url, bad).batches())
    assert sa.inspect(sa.create_engine(db_url)).has_table('transactions')


def test_injection_in_column_name_is_rejected(db_url):
    with pytest.raises(ValueError, match=r"Unknown column\(s\)"):
        next(DatabaseSource(db_url, 'transactions', columns=['quantity', '1; DROP TABLE transactions']).batches())
    with pytest.raises(ValueError, match=r"Unknown column\(s\)"):
        next(DatabaseSource(db_url, 'transactions', watermark='week OR 1=1').batches())


def test_full_read_without_watermark_is_chunked_and_resumable(db_url, tx):
    src = DatabaseSource(db_url, 'transactions', columns=['household_id'], keys=KEYS, chunksize=7_000)
    batches = list(src.batches())
    sizes = [len(b.frame) for b in batches]
    assert max(sizes) == 7_000 and sum(sizes) == len(tx)
    assert len(src.read(position=batches[3].position)) == 2_000


def test_full_read_without_a_unique_key_is_refused(db_url):
    with pytest.raises(ValueError, match=r"has no primary key.*keys=\[\.\.\.\]"):
        next(DatabaseSource(db_url, 'transactions', columns=['household_id']).batches())


def test_full_read_is_complete_when_updates_move_rows(postgres_url):
    """An UPDATE on PostgreSQL writes the row's new version elsewhere in the heap (here: at the end). A full read
    that pages by OFFSET without ORDER BY then skips rows and reads the moved ones twice; paging by the primary key
    reads every row exactly once."""
    engine = sa.create_engine(postgres_url)
    with engine.begin() as con:
        con.execute(sa.text('DROP TABLE IF EXISTS accounts'))
        con.execute(sa.text('CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, balance INTEGER) WITH (fillfactor = 100)'))
        con.execute(sa.text('INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 2000) AS g'))
    batches = DatabaseSource(postgres_url, 'accounts', chunksize=500).batches()
    first = next(batches).frame
    with engine.begin() as con:  # someone updates accounts the read has already passed
        con.execute(sa.text('UPDATE accounts SET balance = balance + 1 WHERE account_id <= 200'))
    got = pd.concat([first, *[b.frame for b in batches]], ignore_index=True)
    assert not got.account_id.duplicated().any()
    assert sorted(got.account_id) == list(range(1, 2001))


def test_credentials_come_from_the_environment(monkeypatch):
    from mlsys.dataops.database import database_url
    monkeypatch.setenv('MLSYS_DATABASE_URL', 'postgresql+psycopg://u:secret@127.0.0.1/db')
    assert database_url() == 'postgresql+psycopg://u:secret@127.0.0.1/db'
    monkeypatch.delenv('MLSYS_DATABASE_URL')
    assert database_url().startswith('sqlite:///')
