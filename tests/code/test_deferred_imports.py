"Great Expectations imported through mlsys leaves altair and scipy.stats unrun, and still validates and renders Data Docs."
import subprocess, sys

CODE = """
import sys, tempfile, pandas as pd
from mlsys.dataops.validation import import_great_expectations, validate_frame
import_great_expectations()
print(type(sys.modules['altair']).__name__, type(sys.modules['scipy.stats']).__name__)
docs = tempfile.mkdtemp()
r = validate_frame(pd.DataFrame({'x': [1, 2, None]}), 'x', [{'type': 'expect_column_values_to_not_be_null', 'column': 'x'}], gx_dir=docs)
import scipy.stats, pathlib
print(r.success, scipy.stats.entropy([0.5, 0.5]) > 0, type(sys.modules['scipy.stats']).__name__,
      any(pathlib.Path(docs).rglob('*.html')))
"""


def test_great_expectations_defers_altair_and_scipy_stats_and_still_works():
    out = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True, check=True).stdout.split()
    assert out == ['_Deferred', '_Deferred', 'False', 'True', 'module', 'True'], out
