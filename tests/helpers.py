"Helpers the tests share: the `mlsys` and `dvc` commands, and the URLs of the test servers."
import os, subprocess, sys
from pathlib import Path
import pytest

MLSYS = str(Path(sys.executable).parent/'mlsys')
ROOT = Path(__file__).resolve().parents[1]  # the repository


def service_url(name:str)->str:
    "The URL of a test server (MLSYS_TEST_POSTGRES_URL, MLSYS_TEST_REDIS_URL, MLSYS_TEST_MLFLOW_URL), started by scripts/start_services.sh."
    url = os.environ.get(name)
    if url: return url
    if os.environ.get('MLSYS_REQUIRE_SERVICES') == '1': pytest.fail(f"{name} is not set: run scripts/start_services.sh")
    pytest.skip(f"{name} is not set (run `make services`)")


def mlsys(*args, cwd=None, check=True):
    "Run the installed `mlsys` command; return the CompletedProcess."
    env = {**os.environ, 'PATH': str(Path(sys.executable).parent) + os.pathsep + os.environ['PATH']}
    p = subprocess.run([MLSYS, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"mlsys {' '.join(args)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def dvc(run_dir, *args):
    "Run the `dvc` command line in a run folder."
    from mlsys.dataops.versioning import run_dvc
    return run_dvc(run_dir, *args)


def wait_for(check, what:str, timeout:float=60):
    "Return check()'s first truthy value, polling; fail naming `what` after `timeout` s (progress, not a fixed sleep)."
    import time, pytest
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value: return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
