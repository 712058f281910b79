"Hybrid ingestion: a snapshot handed over to the stream at a log position loses no late event and doubles nothing."
import pandas as pd
import pytest
from mlsys.core.datasets import load_complete_journey
from mlsys.dataops.database import DatabaseSource, write_table
from mlsys.dataops.hybrid import HybridSource
from mlsys.dataops.sources import load, Checkpoint, PartitionedParquetSink
from mlsys.dataops.streams import LocalLog, StreamSource, replay, to_events

KEYS = ['basket_id', 'product_id']


@pytest.fixture
def shop(tmp_path):
    """3,000 transactions: a snapshot of the first 2,000 minus two late ones, the log position at the snapshot,
    then the next 1,000 and the two late purchases (stamped before the snapshot's last event) on the log."""
    tx = load_complete_journey('transactions').iloc[:3_000].sort_values('transaction_timestamp', kind='stable').reset_index(drop=True)
    late = tx.iloc[[300, 1_200]]
    on_time = tx.iloc[:2_000].drop(late.index)
    url = f'sqlite:///{tmp_path}/shop.sqlite'
    log = LocalLog(tmp_path/'log')
    replay(log, to_events(on_time), progress=False)
    write_table(on_time, url, 'transactions')
    handover = {'offset': len(on_time), 'byte': log.path.stat().st_size}
    replay(log, to_events(tx.iloc[2_000:]), progress=False)
    replay(log, to_events(late), progress=False)
    assert (late.transaction_timestamp <= on_time.transaction_timestamp.max()).all()
    return tx, late, url, log, handover


def hybrid(url, log, group, handover):
    return HybridSource(DatabaseSource(url, 'transactions', watermark='transaction_timestamp', keys=KEYS, chunksize=700),
                        StreamSource(log.consumer(group), batch_size=400, idle_timeout=0.1), handover)


def ids(frame): return (frame.basket_id.astype(str) + '-' + frame.product_id.astype(str))


def test_late_events_behind_the_watermark_are_not_lost(shop):
    tx, late, url, log, handover = shop
    src = hybrid(url, log, 'hybrid', handover)
    got = src.read()
    assert len(got) == len(tx) and not got.event_id.duplicated().any()
    assert set(got.event_id) == set(ids(tx))
    assert set(ids(late)) <= set(got.event_id)
    assert src.stats == {'backfill_rows': 1_998, 'stream_rows': 1_002}


def test_resumed_across_the_handover_without_loss_or_duplicates(shop, tmp_path):
    tx, late, url, log, handover = shop
    sink, cp = PartitionedParquetSink(tmp_path/'out'), Checkpoint(tmp_path/'cp.json')
    load(hybrid(url, log, 'resumed', handover), sink, cp, max_batches=4, progress=False)  # three backfill batches and one stream batch
    assert cp.load()['position'][0] == 'stream'
    state = load(hybrid(url, log, 'resumed', handover), sink, cp, progress=False)
    got = sink.read()
    assert state['rows'] == len(tx) == len(got) and not got.event_id.duplicated().any()


def test_an_event_time_is_refused_as_a_handover(shop):
    tx, late, url, log, handover = shop
    with pytest.raises(ValueError, match='is an event time'):
        hybrid(url, log, 'x', pd.Timestamp('2017-01-02'))
