"""The container cannot drift from what the tests run: no container engine runs here, so the Dockerfile is checked
for calling scripts/serve.sh for both install and start, and the serving tests are checked for starting the service
with that same script."""
import re, subprocess
from helpers import ROOT


def test_the_dockerfile_installs_and_starts_with_the_script_the_tests_use():
    docker = (ROOT/'Dockerfile').read_text()
    runs = re.findall(r'^RUN (.+)$', docker, re.M)
    assert 'scripts/serve.sh install' in runs
    assert re.search(r'^CMD \["scripts/serve.sh", "start"\]$', docker, re.M)
    assert re.search(r'^COPY scripts/serve.sh ', docker, re.M)
    tests = (ROOT/'tests'/'integration'/'test_serving.py').read_text()
    assert "ROOT/'scripts'/'serve.sh'), 'start'" in tests


def test_the_serve_script_is_valid_bash_and_refuses_unknown_verbs():
    script = ROOT/'scripts'/'serve.sh'
    assert subprocess.run(['bash', '-n', str(script)]).returncode == 0
    p = subprocess.run([str(script), 'deploy'], capture_output=True, text=True)
    assert p.returncode == 2 and 'usage:' in p.stderr


def test_compose_builds_this_dockerfile_and_binds_only_loopback():
    import yaml
    compose = yaml.safe_load((ROOT/'compose.yaml').read_text())
    assert compose['services']['serving']['build'] == '.'
    for service in compose['services'].values():
        for port in service.get('ports', []): assert port.startswith('127.0.0.1:'), port
