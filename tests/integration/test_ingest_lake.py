"The promotions lake at full size: 20,940,529 rows, pruning, projection, drift reported file by file."
import pytest
import pyarrow.parquet as pq
from mlsys.dataops.lake import build_promotions_lake, check_lake, read_lake, make_swamp, LakeSource, SchemaDriftError
from mlsys.dataops.sources import load, Checkpoint, PartitionedParquetSink


@pytest.fixture(scope='module')
def lake(tmp_path_factory):
    return build_promotions_lake(tmp_path_factory.mktemp('lake')/'promotions')


def test_full_lake_has_every_row_in_53_partitions(lake):
    report = check_lake(lake)
    assert int(report.rows.sum()) == 20_940_529
    assert report.ok.all() and report.week.nunique() == 53


def test_pruned_read_of_one_month(lake):
    r = read_lake(lake, weeks=[1, 2, 3, 4], columns=['product_id', 'mailer_location'])
    assert r.files_read == 4 and len(r.drifted) == 0
    assert sorted(r.frame.week.unique()) == [1, 2, 3, 4]
    assert list(r.frame.columns) == ['product_id', 'mailer_location', 'week']
    assert len(r.frame) == int(check_lake(lake, [1, 2, 3, 4]).rows.sum())


def test_rebuild_is_skipped_and_deterministic(lake, tmp_path):
    assert build_promotions_lake(lake) == lake
    other = build_promotions_lake(tmp_path/'again', weeks=[7])
    a = pq.read_table(lake/'week=7'/'part-0.parquet')
    b = pq.read_table(other/'week=7'/'part-0.parquet')
    assert a.equals(b)


def test_swamp_files_are_reported_not_read_or_coerced(tmp_path):
    lake = build_promotions_lake(tmp_path/'swamp', weeks=[1, 2, 3])
    clean_rows = int(check_lake(lake).rows.sum())
    drifted = make_swamp(lake)
    r = read_lake(lake)
    assert len(r.frame) == clean_rows  # no drifted row slipped in
    assert sorted(r.drifted.file) == sorted(str(p.relative_to(lake)) for p in drifted)
    assert r.frame.store_id.dtype == 'int64'  # nothing was coerced to text
    with pytest.raises(SchemaDriftError, match='part-from-crm.parquet: column store_id is string, expected int64'):
        read_lake(lake, on_drift='raise')


def test_lake_source_loads_file_by_file_and_quarantines_drift(tmp_path):
    lake = build_promotions_lake(tmp_path/'l', weeks=[1, 2, 3])
    make_swamp(lake)
    sink, cp = PartitionedParquetSink(tmp_path/'out'), Checkpoint(tmp_path/'cp.json')
    state = load(LakeSource(lake), sink, cp, max_batches=2)
    state = load(LakeSource(lake), sink, cp)
    assert state['rows'] == len(sink.read()) == int(check_lake(lake).query('ok').rows.sum())
    assert state['quarantined'] == 3 and len(sink.quarantine()) == 3
