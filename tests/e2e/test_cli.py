"The `mlsys` command as a user meets it: help that lists what a notebook accepts."
from helpers import mlsys, ROOT
from mlsys.core.notebooks import notebook_parameters, pipeline_notebook


def test_run_help_lists_every_notebook_parameter_with_type_and_default():
    out = mlsys('run', '--help').stdout
    for name, p in notebook_parameters(pipeline_notebook()).items():
        assert f"  {name} (" in out and f"default {p['default']}" in out, name
    assert 'seed (int, default 0): fixes the sample' in out


def test_run_help_follows_the_notebook_option():
    case = ROOT/'case_studies'/'hospital_readmission.ipynb'
    out = mlsys('run', '--notebook', str(case), '--help').stdout
    assert f'parameters of {case.name}' in out
    for name in notebook_parameters(case): assert f"  {name} (" in out, name
