"The flagship notebook executed end to end under papermill, through the `mlsys run` command."
import json, sys
from pathlib import Path
import pandas as pd
import pytest
from helpers import mlsys, dvc, ROOT
from mlsys.pipelines.retail import RUN_LAYOUT
from mlsys.core.storage import file_md5
from mlsys.dataops.versioning import locked_hashes

DATA_FILES = ['raw', 'clean', 'clean_rejects', 'valid', 'quarantine', 'features']


def run(out, *params):
    args = ['run', '--no-progress', '--out', str(out)]
    for name, value in params: args += ['-p', name, str(value)]
    mlsys(*args)
    return json.loads((out/'reports'/'run_report.json').read_text())


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp('runs')/'demo'
    return out, run(out, ('sample', 3000), ('seed', 7))


def test_run_writes_notebook_data_and_report(demo):
    out, report = demo
    executed = json.loads((out/'retail_pipeline.ipynb').read_text())
    assert executed['metadata']['papermill']['parameters']['sample'] == 3000
    assert all(c.get('outputs') is not None for c in executed['cells'] if c['cell_type'] == 'code')
    for name in DATA_FILES: assert (out/RUN_LAYOUT[name]).exists(), name
    assert report['rows'] == {'read': 3000, 'written': 3000, 'quarantined': 0, 'reconciled': True}
    assert set(report['stages']) == {'ingest', 'clean', 'validate', 'features'}
    assert all(s['seconds'] >= 0 for s in report['stages'].values())
    assert Path(report['data_docs']).exists()
    assert (out/'reports'/'run_report.md').read_text().startswith('# Run report')


def test_great_expectations_reopens_and_reruns_every_stage(demo, tmp_path):
    "The run's GX project opens with GX's own API: each stage's suite, asset, validation definition and checkpoint."
    import shutil
    from mlsys.dataops.validation import import_great_expectations
    out, _ = demo
    shutil.copytree(out/'reports', tmp_path/'reports')  # rerunning writes results: leave the run folder as it was
    ctx = import_great_expectations().get_context(mode='file', project_root_dir=str(tmp_path/'reports'))
    stages = {'raw_transactions': 'raw', 'transactions': 'clean', 'household_features': 'features'}
    assert {a.name for a in ctx.data_sources.get('mlsys').assets} >= set(stages)
    for suite, data in stages.items():
        ctx.suites.get(suite)
        ctx.validation_definitions.get(suite)
        result = ctx.checkpoints.get(suite).run(batch_parameters={'dataframe': pd.read_parquet(out/RUN_LAYOUT[data])})
        assert result.success, suite


def test_run_uses_the_current_environments_kernel(demo):
    assert demo[1]['python'] == sys.executable


def test_injected_parameters_change_the_result(demo, tmp_path):
    out, report = demo
    other = run(tmp_path/'seed8', ('sample', 2000), ('seed', 8))
    assert other['params']['sample'] == 2000 and other['params']['seed'] == 8
    assert other['rows']['read'] == 2000
    a = pd.read_parquet(out/RUN_LAYOUT['raw']).source_row
    b = pd.read_parquet(tmp_path/'seed8'/RUN_LAYOUT['raw']).source_row
    assert set(a) != set(b)
    assert other['dvc_hashes'][RUN_LAYOUT['raw']] != report['dvc_hashes'][RUN_LAYOUT['raw']]


def test_same_seed_same_bytes_and_hashes(demo, tmp_path):
    out, report = demo
    again = run(tmp_path/'again', ('sample', 3000), ('seed', 7))
    for name in DATA_FILES:
        assert file_md5(out/RUN_LAYOUT[name]) == file_md5(tmp_path/'again'/RUN_LAYOUT[name]), name
    assert again['dvc_hashes'] == report['dvc_hashes']


def test_dvc_repro_is_a_no_op_and_force_rebuilds_the_same_bytes(demo):
    out, report = demo
    assert 'Data and pipelines are up to date' in dvc(out, 'repro')
    assert 'up to date' in dvc(out, 'status')
    before = locked_hashes(out)
    dvc(out, 'repro', '--force')
    assert locked_hashes(out) == before == report['dvc_hashes']


def test_dvc_repro_rebuilds_after_a_parameter_change(tmp_path):
    out = tmp_path/'change'
    run(out, ('sample', 1000), ('seed', 1))
    params = (out/'params.yaml').read_text().replace('sample: 1000', 'sample: 800')
    (out/'params.yaml').write_text(params)
    printed = dvc(out, 'repro')
    assert "Running stage 'ingest'" in printed
    assert len(pd.read_parquet(out/RUN_LAYOUT['valid'])) == 800
    assert 'up to date' in dvc(out, 'repro')


def test_local_remote_push_and_pull(tmp_path):
    out, remote = tmp_path/'pushed', tmp_path/'remote'
    report = run(out, ('sample', 1000), ('remote', remote))
    assert any(remote.rglob('*')), 'nothing was pushed'
    import shutil
    for name in DATA_FILES: (out/RUN_LAYOUT[name]).unlink()
    shutil.rmtree(out/'.dvc'/'cache')
    dvc(out, 'pull')
    assert locked_hashes(out) == report['dvc_hashes']
    for name in DATA_FILES: assert file_md5(out/RUN_LAYOUT[name]) == report['dvc_hashes'][RUN_LAYOUT[name]]


def test_lineage_answers_where_a_file_came_from(demo, tmp_path):
    import shutil, subprocess
    from mlsys.dataops.lineage import explain_file, lineage_graph
    out, report = demo
    copy = tmp_path/'renamed.parquet'
    shutil.copy(out/RUN_LAYOUT['features'], copy)
    answer = explain_file(copy, [out])
    assert answer['stage'] == 'features' and answer['params']['seed'] == 7 and answer['params']['sample'] == 3000
    assert [c['stage'] for c in answer['chain']] == ['ingest', 'clean', 'validate', 'features']
    assert answer['raw_input']['md5'] == file_md5(answer['raw_input']['path'])
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if head: assert answer['code']['git_commit'] == head
    assert answer['validation']['validation']['success'] is True
    g = lineage_graph(out)
    assert g.has_edge('validate', RUN_LAYOUT['valid']) and g.has_edge(RUN_LAYOUT['valid'], 'features')


def test_editing_the_source_file_makes_dvc_repro_rerun_ingest_and_what_follows(tmp_path):
    "A file `source` is a DVC dependency of the ingest stage (it was not: DVC never saw the input change)."
    from mlsys.core.datasets import load_complete_journey
    csv = tmp_path/'export.csv'
    load_complete_journey('transactions').iloc[:1500].astype(str).to_csv(csv, index=False)
    out = tmp_path/'run'
    first = run(out, ('source', csv))
    assert first['rows']['read'] == 1500
    assert 'up to date' in dvc(out, 'status')
    pd.read_csv(csv, dtype=str).iloc[:1200].to_csv(csv, index=False)  # the partner sends a corrected, shorter file
    assert f'modified:           {csv}' in dvc(out, 'status')
    rerun = dvc(out, 'repro')
    for stage in ('ingest', 'clean', 'validate', 'features'): assert f"Running stage '{stage}'" in rerun, rerun
    assert json.loads((out/RUN_LAYOUT['validate_metrics']).read_text())['rows_in'] == 1200
    assert "Running stage" not in dvc(out, 'repro')  # a second repro does nothing


def test_dvc_experiments_run_in_a_run_folder_after_mlsys_experiments(tmp_path):
    "`dvc exp run` failed in a run folder ('Only supported for Git repositories') while the chapter teaches it."
    out = tmp_path/'exp'
    run(out, ('sample', 900), ('seed', 1))
    printed = mlsys('experiments', str(out)).stdout
    assert 'dvc exp run' in printed
    dvc(out, 'exp', 'run', '-S', 'seed=2')
    shown = json.loads(dvc(out, 'exp', 'show', '--json'))
    seeds = [e['revs'][0]['data']['params']['params.yaml']['data']['seed'] for c in shown for e in (c.get('experiments') or [])]
    assert seeds == [2]
    assert 'up to date' in dvc(out, 'status')  # the workspace is back at the baseline run


def test_household_sample_keeps_whole_households_with_stable_bytes(tmp_path):
    """sample_households draws households, each with every one of its transactions; the same seed gives the same bytes.
    (The whole run's byte stability per seed is `test_same_seed_same_bytes_and_hashes`; here the household draw is
    repeated in process, not by a second run.)"""
    from mlsys.core.datasets import load_complete_journey
    from mlsys.pipelines.ingest import ingest_transactions
    first = run(tmp_path/'h1', ('sample_households', 4), ('seed', 7))
    raw = pd.read_parquet(tmp_path/'h1'/RUN_LAYOUT['raw'])
    tx = load_complete_journey('transactions')
    assert raw.household_id.nunique() == 4
    assert first['rows']['read'] == len(raw) == int(tx.household_id.isin(raw.household_id.unique()).sum())
    again, _ = ingest_transactions('sqlite', households=4, seed=7)
    assert again.source_row.tolist() == raw.source_row.tolist()
    other, _ = ingest_transactions('sqlite', households=4, seed=8)
    assert set(other.household_id) != set(raw.household_id)
    assert len(pd.read_parquet(tmp_path/'h1'/RUN_LAYOUT['features'])) == 4
