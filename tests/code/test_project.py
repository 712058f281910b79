"Project-level checks: the README is generated from the landing page, the data is what it claims to be."
import subprocess, sys
from pathlib import Path
import pyarrow.parquet as pq
from mlsys.core.datasets import COMPLETE_JOURNEY_ROWS, complete_journey_path

from helpers import ROOT


def test_readme_is_current():
    from mlsys.course.readme import write_readme
    assert write_readme(check=True, root=ROOT) == 0


def test_complete_journey_row_counts():
    for name, rows in COMPLETE_JOURNEY_ROWS.items():
        assert pq.ParquetFile(complete_journey_path(name)).metadata.num_rows == rows, name


def test_pipeline_notebook_keeps_its_parameters_tag():
    import json
    nb = json.loads((ROOT/'pipelines'/'retail_pipeline.ipynb').read_text())
    tagged = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(tagged) == 1 and 'sample = None' in ''.join(tagged[0]['source'])


def test_make_lab_starts_jupyterlab_offline():
    "`make lab` points JupyterLab at jupyter-config/, whose settings turn off the news feed and update checks."
    import json
    cmd = subprocess.run(['make', '-n', 'lab'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert f'JUPYTER_CONFIG_PATH="{ROOT}/jupyter-config' in cmd and 'jupyter lab' in cmd and '/lab/tree/exercises' in cmd, cmd
    server = json.loads((ROOT/'jupyter-config'/'jupyter_server_config.json').read_text())['LabApp']
    assert server['news_url'] is None and server['check_for_updates_class'].endswith('NeverCheckForUpdate')
    lab = json.loads((ROOT/'jupyter-config'/'labconfig'/'default_setting_overrides.json').read_text())
    assert lab['@jupyterlab/apputils-extension:notification'] == {'fetchNews': 'false', 'checkForUpdates': False}


def test_importing_nbformat_builds_no_iri_parser():
    """From 4.25 on, jsonschema loads rfc3987-syntax when it is installed (jupyter-events asks for it), and that package
    builds an Earley parser at import: 1.7-2.8 s more in every process that imports nbformat, papermill, altair or Great
    Expectations. constraints.txt pins jsonschema 4.24.1, which does not ask for it."""
    out = subprocess.run([sys.executable, '-c', 'import sys, nbformat, jsonschema; print("rfc3987_syntax" in sys.modules)'],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'False'
