"A run killed mid-way leaves the previous version intact (and DVC can restore a consistent set)."
import os, subprocess, sys, textwrap
from pathlib import Path
from helpers import dvc
from mlsys.pipelines.retail import run_pipeline, RUN_LAYOUT
from mlsys.core.storage import file_md5
from mlsys.dataops.versioning import locked_hashes

KILLER = textwrap.dedent('''
    import os, signal, sys
    import mlsys.core.storage, mlsys.pipelines.retail
    real = mlsys.core.storage.atomic_path
    from contextlib import contextmanager
    @contextmanager
    def dying(dest):
        with real(dest) as tmp:
            yield tmp
            if str(dest).endswith(sys.argv[2]): os.kill(os.getpid(), signal.SIGKILL)  # killed before the rename
    mlsys.core.storage.atomic_path = dying
    mlsys.pipelines.retail.run_pipeline(sys.argv[1], sample=1500, seed=99)
''')


def test_killed_run_leaves_previous_version_intact(tmp_path):
    run_dir = tmp_path/'run'
    first = run_pipeline(run_dir, sample=1000, seed=1)
    before = {p: file_md5(run_dir/p) for p in first['dvc_hashes']}
    p = subprocess.run([sys.executable, '-c', KILLER, str(run_dir), RUN_LAYOUT['valid']], capture_output=True, text=True)
    assert p.returncode == -9, p.stderr
    # the file being written when the process died is the old version, whole
    assert file_md5(run_dir/RUN_LAYOUT['valid']) == before[RUN_LAYOUT['valid']]
    # a killed process cannot clean up: its temporary file is left beside the intact original...
    leftovers = list((run_dir/'data').rglob('.*.tmp'))
    assert len(leftovers) == 1
    # stages that had finished wrote new files, but dvc.lock still names the last complete version
    assert file_md5(run_dir/RUN_LAYOUT['raw']) != before[RUN_LAYOUT['raw']]
    assert locked_hashes(run_dir) == first['dvc_hashes']
    dvc(run_dir, 'checkout', '--force')  # restores the cached data files of the last complete version
    data = [p for p in first['dvc_hashes'] if p.startswith('data/')]
    assert {p: file_md5(run_dir/p) for p in data} == {p: before[p] for p in data}
    # ...and the next run removes it before starting
    again = run_pipeline(run_dir, sample=1000, seed=1)
    assert not list((run_dir/'data').rglob('.*.tmp'))
    assert again['dvc_hashes'] == first['dvc_hashes']
