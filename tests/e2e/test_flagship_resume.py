"""The flagship pipeline reads through chapter 3's `Source`/`load`: an ingest killed mid-load resumes from its checkpoint
and ends with the same bytes as an uninterrupted one, every row once and every row accounted for."""
import signal, subprocess
import pandas as pd
from helpers import MLSYS, wait_for
from mlsys.core.storage import file_md5, read_json, write_parquet
from mlsys.dataops.database import build_retail_database
from mlsys.pipelines.ingest import INGEST_BATCH_ROWS, ingest_transactions
from mlsys.pipelines.retail import RUN_LAYOUT, prepare_run, run_stage, load_output, pipeline_params

PARAMS = pipeline_params(sample_households=250, seed=11)  # 147,005 rows: three batches


def _checkpoint(run_dir):
    path = run_dir/RUN_LAYOUT['landing']/'checkpoint.json'
    return read_json(path) if path.exists() else None


def _parts(run_dir):
    "Part file -> (inode, mtime): a part that was rewritten gets a new inode (atomic rename)."
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (run_dir/RUN_LAYOUT['landing']).glob('part-*.parquet')}


def test_killed_ingest_resumes_with_the_same_bytes(tmp_path):
    build_retail_database()  # built first: the kill must land in the load, not in the build
    killed = prepare_run(tmp_path/'killed', PARAMS)
    proc = subprocess.Popen([MLSYS, 'stage', 'ingest', '--run-dir', str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (_checkpoint(killed) or {}).get('batches', 0) >= 1 or proc.poll() is not None,
                 'the ingest checkpoint to record a batch', timeout=40)
        proc.send_signal(signal.SIGKILL)
    finally:
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f'the ingest ended before it was killed: {err.decode()[-2000:]}'
    at_kill = _checkpoint(killed)
    # the uninterrupted ingest, in a folder of its own, written the way the stage writes its outputs
    total, rejects = ingest_transactions(households=PARAMS['sample_households'], seed=PARAMS['seed'], landing=tmp_path/'whole')
    expected = {n: file_md5(write_parquet(df, tmp_path/f'{n}.parquet')) for n, df in [('raw', total), ('raw_rejects', rejects)]}
    assert 1 <= at_kill['batches'] and at_kill['rows'] < len(total), at_kill  # killed mid-load
    assert not (killed/RUN_LAYOUT['raw']).exists()  # the stage never got to write its output
    kept = _parts(killed)

    # resume the load where the stage keeps it, then let the stage finish (it reads nothing new and writes its outputs)
    ingest_transactions(households=PARAMS['sample_households'], seed=PARAMS['seed'], landing=killed/RUN_LAYOUT['landing'])
    after, state = _parts(killed), _checkpoint(killed)
    checkpointed = sorted(kept)[:at_kill['batches']]  # keys are zero-padded positions: name order is load order
    assert all(after[p] == kept[p] for p in checkpointed), 'batches recorded before the kill were read again'
    metrics = run_stage('ingest', killed)
    assert not (killed/RUN_LAYOUT['landing']).exists()  # the landed copy is removed once the outputs hold its rows
    assert {n: file_md5(killed/RUN_LAYOUT[n]) for n in expected} == expected
    raw = load_output(killed, 'raw')
    assert raw.source_row.is_unique and raw.source_row.tolist() == total.source_row.tolist()
    # counts reconcile: rows read = rows written + rows quarantined, and the checkpoint counted each row once
    assert metrics['rows_in'] == metrics['rows_out'] + metrics['rows_quarantined'] == len(raw) + len(load_output(killed, 'raw_rejects'))
    assert (state['rows'], state['quarantined']) == (len(raw), 0)
    assert state['batches'] == -(-len(raw) // INGEST_BATCH_ROWS) == len(after)
    assert raw.household_id.nunique() == PARAMS['sample_households']


def test_another_sample_does_not_resume_a_stale_load(tmp_path):
    "A checkpoint belongs to one load: the same folder given another seed starts afresh instead of mixing two samples."
    first, _ = ingest_transactions(households=20, seed=1, landing=tmp_path/'landing')
    again, _ = ingest_transactions(households=20, seed=2, landing=tmp_path/'landing')
    fresh, _ = ingest_transactions(households=20, seed=2, landing=tmp_path/'fresh')
    assert set(first.household_id) != set(again.household_id)
    pd.testing.assert_frame_equal(again, fresh)
    assert read_json(tmp_path/'landing'/'checkpoint.json')['rows'] == len(again)
