"""Great Expectations imported through mlsys leaves every module it imports an ordinary, complete module.

Regression: an earlier `import_great_expectations` deferred running altair and `scipy.stats` until their first use
(a module object swapped in `sys.modules`). A submodule imported first then ran twice (two different `ttest_ind`),
a module-level `__getattr__` (PEP 562, `altair.themes`) was skipped, and a thread importing
`scipy.stats.distributions` while another used `scipy.stats` could deadlock. Each line below failed on that code.
"""
import subprocess, sys

CODE = """
import sys, tempfile, threading, types, pandas as pd
from mlsys.dataops.validation import import_great_expectations, validate_frame
import_great_expectations()
print(type(sys.modules['scipy.stats']) is types.ModuleType, type(sys.modules['altair']) is types.ModuleType)
import scipy.stats._stats_py as sp
import scipy.stats
print(scipy.stats.ttest_ind is sp.ttest_ind)
import altair
print(altair.themes is not None)
done = []
def use(): done.append(scipy.stats.entropy([0.5, 0.5]) > 0)
def submodule():
    import scipy.stats.distributions as d
    done.append(d.norm is not None)
threads = [threading.Thread(target=f) for f in (use, submodule)]
for t in threads: t.start()
for t in threads: t.join(60)
print(all(done) and len(done) == 2)
r = validate_frame(pd.DataFrame({'x': [1, 2, None]}), 'x', [{'type': 'expect_column_values_to_not_be_null', 'column': 'x'}],
                   gx_dir=tempfile.mkdtemp())
print(r.success)
"""


def test_great_expectations_leaves_ordinary_modules_and_still_validates():
    out = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True, check=True, timeout=180).stdout.split()
    assert out == ['True', 'True', 'True', 'True', 'True', 'False'], out
