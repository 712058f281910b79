"""Shared by the serving benchmarks: a registered gradient-boosting lapse model, servers started as separate
processes on free ports of 127.0.0.1, and a load generator (concurrent clients on keep-alive connections)."""
import http.client, json, os, re, socket, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
# one OpenMP thread in every server: concurrency comes from the requests (see the chapter), and the same for all
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MLFLOW_DISABLE_TELEMETRY': 'true', 'PATH': f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def registered_model(folder:Path|None=None)->tuple: # (tracking URI, TaskData, fitted model)
    "Train the default gradient-boosting lapse model, track and register it as champion of 'lapse' in a fresh store."
    import warnings; warnings.filterwarnings('ignore')
    from mlsys.modelops import prepare_task, train, track_run, register
    from mlsys.modelops.tracking import local_store
    uri = local_store(Path(folder or tempfile.mkdtemp(prefix='mlsys-serving-'))/'store')
    task = prepare_task()
    result = train(task, 'boosting')
    register(track_run(result, uri=uri), uri=uri, alias='champion')
    return uri, task, result.model


def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


class Server:
    "A server process; `url` once it answers `probe`."
    def __init__(self, cmd:list, url:str|None=None, probe:str='/health', timeout:float=300):
        self.proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if url is None:  # the server prints its URL
            line = self.proc.stdout.readline()
            found = re.search(r'http://127\.0\.0\.1:\d+', line)
            if not found: self.stop(); sys.exit(f"{cmd} printed no URL: {line!r}")
            url = found.group(0)
        self.url = url
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # drain its output
        host, port = url.removeprefix('http://').split(':')
        deadline = time.monotonic() + timeout
        while True:
            try:
                c = http.client.HTTPConnection(host, int(port), timeout=5); c.request('GET', probe)
                if c.getresponse().status == 200: break
            except OSError: pass
            if self.proc.poll() is not None or time.monotonic() > deadline: sys.exit(f"{cmd} did not come up at {url}")
            time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        try: self.proc.wait(20)
        except subprocess.TimeoutExpired: self.proc.kill()


def load(url:str, path:str, bodies:list, clients:int=8, versions:list|None=None)->dict:
    """POST each body once, from `clients` concurrent keep-alive connections (`mlsys.modelops.load_test`): wall time,
    throughput, p50/p99, failures. `versions`, if given, receives the `version` field of every successful answer."""
    from mlsys.modelops.load_test import load_test
    r = load_test(url, bodies, requests=len(bodies), clients=clients, path=path, keep_answers=versions is not None)
    if versions is not None: versions.extend(a.get('version') for a in r['answers'])
    return r


def record_bodies(X, n:int)->list:
    "n single-household JSON bodies (rows of X, cycled)."
    rows = X.to_dict('records')
    return [json.dumps(rows[i % len(rows)]).encode() for i in range(n)]


def line(name:str, ours:float, base:float, unit:str, target:float)->str:
    return f"{name}: {ours:.3f} {unit} vs {base:.3f} {unit} = {ours / base:.2f}x (target <= {target}x)"
