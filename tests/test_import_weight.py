"`import mlsys` (and each module) must stay light: heavy libraries load only when used."
import json, subprocess, sys
import pytest

HEAVY = ['great_expectations', 'dvc', 'sklearn', 'papermill', 'pandas', 'pyarrow', 'nbformat', 'matplotlib']
MODULES = ['mlsys', 'mlsys.config', 'mlsys.datasets', 'mlsys.storage', 'mlsys.sources', 'mlsys.database', 'mlsys.api',
           'mlsys.lake', 'mlsys.streams', 'mlsys.hybrid', 'mlsys.scenarios', 'mlsys.cleaning',
           'mlsys.features', 'mlsys.validation', 'mlsys.versioning', 'mlsys.pipeline', 'mlsys.cli', 'mlsys.docs',
           'mlsys.sampling', 'mlsys.lineage', 'mlsys.scale', 'mlsys.labs', 'mlsys.design', 'mlsys.framing', 'mlsys.metrics',
           'mlsys.readmission', 'mlsys.widgets', 'mlsys.exercises', 'mlsys.course', 'mlsys.missing']
# mlsys.transformers is the one exception: its classes subclass scikit-learn's BaseEstimator, so importing it imports
# scikit-learn; `import mlsys` does not import it.


@pytest.mark.parametrize('module', MODULES)
def test_module_imports_no_heavy_library(module):
    code = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [], f"importing {module} loaded {json.loads(out)[:5]}"


def test_importtime_shows_no_heavy_library():
    err = subprocess.run([sys.executable, '-X', 'importtime', '-c', 'import mlsys'], capture_output=True, text=True).stderr
    for name in ['great_expectations', 'dvc', 'sklearn', 'papermill']:
        assert f' {name}' not in err, f'{name} appears in -X importtime output'
