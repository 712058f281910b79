"Scale-out on Dask: a driver killed mid-run resumes with only the missing partitions; failures are retried or named."
import os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import pandas as pd
import pytest
from mlsys.dataops.lake import build_promotions_lake, check_lake
from mlsys.pipelines.scale import dask_client, run_partitioned, read_partitioned_output


@pytest.fixture(scope='module')
def lake(tmp_path_factory):
    return build_promotions_lake(tmp_path_factory.mktemp('scale')/'lake', weeks=range(1, 13))


@pytest.fixture(scope='module')
def client():
    c = dask_client(n_workers=2, memory_limit='2GiB')
    yield c
    c.close()


DRIVER = textwrap.dedent('''
    import sys, time
    from mlsys.pipelines.scale import dask_client, run_partitioned, promotion_summary
    def slow(df, week):
        time.sleep(0.4)
        return promotion_summary(df, week)
    client = dask_client(n_workers=2, memory_limit='2GiB')
    run_partitioned(sys.argv[1], sys.argv[2], client, step=slow, progress=False)
''')


def test_killed_driver_resumes_with_only_missing_partitions(lake, client, tmp_path):
    out = tmp_path/'out'
    p = subprocess.Popen([sys.executable, '-c', DRIVER, str(lake), str(out)], start_new_session=True)
    deadline = time.monotonic() + 900  # a loaded machine took over 120 s to start the cluster: wait for progress, not a clock
    while len(list(out.glob('part-*.parquet'))) < 3 and p.poll() is None and time.monotonic() < deadline: time.sleep(0.1)
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    done_before = len(list(out.glob('part-*.parquet')))
    assert 3 <= done_before < 12
    s = run_partitioned(lake, out, client, progress=False)
    assert s['skipped'] == done_before and s['computed'] == 12 - done_before
    result = read_partitioned_output(out)
    assert sorted(result.week.unique()) == list(range(1, 13))
    assert not result.duplicated(['week', 'product_id']).any()


def test_same_result_as_pandas_in_one_process(lake, client, tmp_path):
    from mlsys.dataops.lake import read_lake
    from mlsys.pipelines.scale import promotion_summary
    s = run_partitioned(lake, tmp_path/'out', client, weeks=[5, 6], progress=False)
    assert s['rows_in'] == int(check_lake(lake, [5, 6]).rows.sum())
    got = read_partitioned_output(tmp_path/'out').sort_values(['week', 'product_id']).reset_index(drop=True)
    whole = read_lake(lake, weeks=[5, 6]).frame
    want = pd.concat([promotion_summary(g.drop(columns='week'), int(w)) for w, g in whole.groupby('week')])
    pd.testing.assert_frame_equal(got, want.sort_values(['week', 'product_id']).reset_index(drop=True), check_dtype=False)


def test_transient_failure_is_retried_and_persistent_failure_named(lake, client, tmp_path):
    marker = tmp_path/'fail-once'; marker.touch()
    s = run_partitioned(lake, tmp_path/'a', client, weeks=[2, 3], fail_markers={2: str(marker)}, progress=False)
    assert s['computed'] == 2 and not marker.exists()
    def broken(df, week): raise ValueError(f'bad partition {week}')
    with pytest.raises(RuntimeError, match=r"2 partition\(s\) failed after 1 retries"):
        run_partitioned(lake, tmp_path/'b', client, weeks=[2, 3], step=broken, retries=1, progress=False)
