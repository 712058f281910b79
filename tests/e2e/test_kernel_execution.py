"""Notebooks run in a real Jupyter kernel, as a student's JupyterLab and the course site run them. nbdev_test runs them
in a bare IPython shell and skips `#| eval: false` cells, so two defects passed it: a script guard
(`if __name__ == '__main__'`) that fired in the kernel and parsed the kernel's own arguments (SystemExit 2), and
ruff's output compared as text while the kernel's FORCE_COLOR/CLICOLOR_FORCE made it coloured."""
import pytest
from helpers import ROOT
from mlsys.course.site import _execute_for_site
from mlsys.core.notebooks import thread_limits


@pytest.mark.parametrize('notebook', ['nbs/ch10_devops/04_project_template.ipynb', 'nbs/ch10_devops/06_secrets.ipynb'])
def test_runs_without_errors_in_a_jupyter_kernel(notebook):
    path = ROOT/notebook
    _, errors = _execute_for_site((str(path), str(path.parent), 600, True, thread_limits(2), None))
    assert errors == []
