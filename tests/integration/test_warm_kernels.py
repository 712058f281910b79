"""Warm kernels (`mlsys.core.warm_kernels`) under load and when things go wrong: many kernels asked for at once, a
template that dies or never starts, kernels that end by themselves, callers that are not launchers."""
import json, os, signal, socket, subprocess, sys, textwrap, time, warnings
from concurrent.futures import ThreadPoolExecutor
import pytest
from jupyter_client.manager import KernelManager
from mlsys.core.notebooks import execute_notebook, thread_limits
from mlsys.core.warm_kernels import warm_kernels, _send_request


def one_cell(source:str)->dict:
    return {'cells': [{'id': 'c', 'cell_type': 'code', 'source': source, 'metadata': {}, 'outputs': [], 'execution_count': None}],
            'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}


def printed(nb:dict)->str:
    outputs = nb['cells'][0]['outputs']
    assert all(o['output_type'] == 'stream' for o in outputs), outputs
    return ''.join(''.join(o['text']) for o in outputs)


def wait_for(check, seconds:float=30):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.05)


def started(kernel:str):
    km = KernelManager(kernel_name=kernel)
    km.start_kernel()
    kc = km.client(); kc.start_channels(); kc.wait_for_ready(60)
    return km, kc


def run_code(kc, code:str)->str:
    out = []
    reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m['content'].get('text', '')))
    assert reply['content']['status'] == 'ok', reply['content']
    return ''.join(out).strip()


PROBE = one_cell("import os, sys; print(os.getpid(), os.getcwd(), 'numpy' in sys.modules)")


def test_many_kernels_asked_for_at_once_each_get_their_own_process_and_folder(tmp_path):
    # sixteen launchers connect while earlier children end: accept, fork and reap interleave
    folders = [tmp_path/f'page{i}' for i in range(16)]
    for f in folders: f.mkdir()
    env = thread_limits(2)
    with warm_kernels(env, modules=('numpy',)) as kernel, ThreadPoolExecutor(8) as pool:
        runs = list(pool.map(lambda f: printed(execute_notebook(PROBE, f, env=env, kernel=kernel)).split(), folders))
    assert [r[1] for r in runs] == [str(f.resolve()) for f in folders]
    assert all(r[2] == 'True' for r in runs), runs  # every one was forked from the template, none fell back
    assert len({r[0] for r in runs}) == 16


def test_a_kernel_outlives_its_template_and_later_kernels_start_the_ordinary_way(tmp_path):
    with warm_kernels(modules=('numpy',)) as kernel:
        km, kc = started(kernel)
        try:
            template = int(run_code(kc, 'import os; print(os.getppid())'))
            os.kill(template, signal.SIGKILL)
            time.sleep(2.5)  # ipykernel's parent poller looks every second: a kernel that watched the template would be gone
            assert run_code(kc, 'print(6 * 7)') == '42'  # still answers
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                later = printed(execute_notebook(PROBE, tmp_path, kernel=kernel)).split()
            assert later[2] == 'False'  # an ordinary kernel: nothing preloaded
        finally:
            kc.stop_channels(); km.shutdown_kernel(now=False)
        assert not km.is_alive()


@pytest.mark.parametrize('code, expected', [('import os; os._exit(3)', 3), ('import os, signal; os.kill(os.getpid(), signal.SIGKILL)', -9)])
def test_the_launcher_ends_as_its_kernel_ends(code, expected):
    with warm_kernels(modules=()) as kernel:
        km, kc = started(kernel)
        try:
            kc.execute(code)
            launcher = km.provisioner.process
            wait_for(lambda: launcher.poll() is not None)
            assert launcher.returncode == expected
        finally:
            kc.stop_channels()
            km.cleanup_resources()


def _socket_of(kernel:str)->str:
    for folder in os.environ['JUPYTER_PATH'].split(os.pathsep):
        spec = os.path.join(folder, 'kernels', kernel, 'kernel.json')
        if os.path.exists(spec):
            with open(spec) as f: argv = json.load(f)['argv']
            return argv[argv.index('launch') + 1]
    raise AssertionError(f'no kernel spec {kernel}')


def test_callers_that_are_not_launchers_are_refused_and_the_template_keeps_serving(tmp_path):
    with warm_kernels(modules=()) as kernel:
        path = _socket_of(kernel)
        # no file descriptors attached
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path); s.sendall(b'\x00\x00\x00\x02{}')
            assert 'expected 3 file descriptors' in json.loads(s.makefile('rb').readline())['refused']
        # descriptors attached, but the message is not JSON
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path); socket.send_fds(s, [b'\x00\x00\x00\x05hello'], [0, 1, 2])
            assert 'refused' in json.loads(s.makefile('rb').readline())
        # a caller that trickles its request would hold every other launcher up; one that announces too much
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path); socket.send_fds(s, [b'\x00\x00\x10\x00{'], [0, 1, 2])
            try:
                for _ in range(10): time.sleep(0.5); s.sendall(b' ')  # a byte at a time, until the template gives up
            except BrokenPipeError: pass
            assert 'took more than' in json.loads(s.makefile('rb').readline())['refused']
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path); socket.send_fds(s, [b'\x7f\x00\x00\x00{'], [0, 1, 2])
            assert 'bytes, more than' in json.loads(s.makefile('rb').readline())['refused']
        # a caller that goes away half way through its request
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path); socket.send_fds(s, [b'\x00\x00\x10\x00{"args"'], [0, 1, 2])
        # other thread limits than the template's
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            _send_request(s, {'argv0': 'x', 'args': [], 'cwd': str(tmp_path), 'env': {**os.environ, 'OMP_NUM_THREADS': '97'}})
            assert 'OMP_NUM_THREADS' in json.loads(s.makefile('rb').readline())['refused']
        # JSON, but not a request: each is refused with the field it lacks, and the template goes on
        for bad, field in (({'cwd': '/'}, 'argv0'), ([], 'object'), ({'argv0': 'x', 'cwd': '/', 'args': [1], 'env': {}}, 'args'),
                           ({'argv0': 'x', 'cwd': '/', 'args': [], 'env': None}, 'env')):
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path); _send_request(s, bad)
                assert field in json.loads(s.makefile('rb').readline())['refused'], bad
        assert printed(execute_notebook(PROBE, tmp_path, kernel=kernel)).split()[1] == str(tmp_path.resolve())


def test_a_template_that_cannot_start_gives_ordinary_kernels_with_a_warning(tmp_path, monkeypatch):
    (tmp_path/'starts_a_thread.py').write_text(textwrap.dedent('''
        import threading, time
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    '''))
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    with pytest.warns(UserWarning, match='did not start'):
        with warm_kernels(modules=('starts_a_thread',)) as kernel:
            assert not kernel.startswith('mlsys-warm-')
            assert printed(execute_notebook(PROBE, tmp_path, kernel=kernel)).split()[1] == str(tmp_path.resolve())


def test_ending_the_block_ends_the_template_and_removes_its_kernel(tmp_path):
    with warm_kernels(modules=()) as kernel:
        path = _socket_of(kernel)
        template = int(printed(execute_notebook(one_cell('import os; print(os.getppid())'), tmp_path, kernel=kernel)))
    assert not os.path.exists(os.path.dirname(path))
    wait_for(lambda: _gone(template))
    assert os.path.dirname(path) not in os.environ.get('JUPYTER_PATH', '')


def _gone(pid:int)->bool:  # ended; a zombie counts, since an orphan is reaped by whatever adopted it, not by us
    import psutil
    try: return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess: return True


def test_two_blocks_that_end_out_of_order_each_keep_their_kernel(tmp_path):
    first, second = warm_kernels(modules=()), warm_kernels(modules=())
    a = first.__enter__(); b = second.__enter__()
    try:
        first.__exit__(None, None, None)  # the first ends while the second is still in use
        assert printed(execute_notebook(PROBE, tmp_path, kernel=b)).split()[1] == str(tmp_path.resolve())
    finally:
        second.__exit__(None, None, None)
    assert 'mlsys-warm-' not in os.environ.get('JUPYTER_PATH', '')


def test_start_up_settings_the_template_did_not_have_get_an_ordinary_kernel_that_reads_them(tmp_path):
    (tmp_path/'extra').mkdir(); (tmp_path/'extra'/'page_helper.py').write_text("WHERE = 'PYTHONPATH'\n")
    env = {'PYTHONPATH': str(tmp_path/'extra'), 'PYTHONWARNINGS': 'error::UserWarning', 'DASK_TEMPORARY_DIRECTORY': str(tmp_path)}
    cell = one_cell("import sys, warnings, dask, page_helper\n"
                    "print('numpy' in sys.modules, page_helper.WHERE, dask.config.get('temporary-directory') == %r,\n"
                    "      any(f[0] == 'error' and f[2] is UserWarning for f in warnings.filters))" % str(tmp_path))
    with warm_kernels(modules=('numpy', 'dask')) as kernel:
        assert printed(execute_notebook(cell, tmp_path, env=env, kernel=kernel)).split() == ['False', 'PYTHONPATH', 'True', 'True']


def test_the_course_s_own_settings_get_warm_kernels_with_every_module_preloaded(tmp_path):
    # as build_site runs pages; scikit-learn sets KMP_* variables when imported, which must not count as a difference
    env = thread_limits(2)
    with warm_kernels(env) as kernel:
        assert printed(execute_notebook(PROBE, tmp_path, env=env, kernel=kernel)).split()[2] == 'True'


def test_a_variable_a_preloaded_module_looked_up_at_import_must_match(tmp_path, monkeypatch):
    (tmp_path/'reads_at_import.py').write_text("import os\nSETTING = os.environ.get('PAGE_SETTING', 'unset')\n")
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    cell = one_cell("import sys\nwarm = 'reads_at_import' in sys.modules\nimport reads_at_import\nprint(warm, reads_at_import.SETTING)")
    with warm_kernels(modules=('reads_at_import',)) as kernel:
        assert printed(execute_notebook(cell, tmp_path, env={'OTHER': '1'}, kernel=kernel)).split() == ['True', 'unset']
        assert printed(execute_notebook(cell, tmp_path, env={'PAGE_SETTING': 'x'}, kernel=kernel)).split() == ['False', 'x']


def test_a_warm_kernel_shows_the_warnings_an_ordinary_kernel_shows(tmp_path):
    # importing Great Expectations sends warnings to logging (logging.captureWarnings): the template must not pass that on
    # and the filters a preloaded library added at import stay: numpy shows every RankWarning
    cells = ["import warnings; warnings.warn('students should see this')", "warnings.warn('so should they', DeprecationWarning)",
             "for _ in range(3): warnings.warn('once per place')",
             "import numpy as np\nfor _ in range(3): np.polyfit([1, 2, 3], [1, 2, 3], 5)"]
    nb = {**one_cell(''), 'cells': [{**one_cell(c)['cells'][0], 'id': f'c{i}'} for i, c in enumerate(cells)]}
    def shown(ran):
        return [[line.split(': ', 1)[1] for o in c['outputs'] if o['name'] == 'stderr' for line in ''.join(o['text']).splitlines()
                 if 'Warning: ' in line] for c in ran['cells']]
    ordinary = shown(execute_notebook(nb, tmp_path))
    with warm_kernels(modules=('numpy', 'great_expectations')) as kernel:
        warm = shown(execute_notebook(nb, tmp_path, kernel=kernel))
    assert ordinary[:3] == [['UserWarning: students should see this'], ['DeprecationWarning: so should they'], ['UserWarning: once per place']]
    assert len(ordinary[3]) == 3 and all('RankWarning' in w for w in ordinary[3]), ordinary[3]
    assert warm == ordinary


def test_a_kernel_ends_when_its_manager_ends_without_shutting_it_down(tmp_path):
    # what ipykernel's parent poller does for an ordinary kernel; a forked kernel's parent is the template, so its launcher watches
    manager = textwrap.dedent('''
        import os, sys
        from jupyter_client.manager import KernelManager
        km = KernelManager(kernel_name=sys.argv[1]); km.start_kernel(); kc = km.client(); kc.start_channels(); kc.wait_for_ready(60)
        out = []
        kc.execute_interactive('import os; print(os.getpid())', timeout=60, output_hook=lambda m: out.append(m['content'].get('text', '')))
        print(km.provisioner.process.pid, ''.join(out).strip(), flush=True)
        os._exit(0)  # gone, without a word to its kernel
    ''')
    with warm_kernels(modules=()) as kernel:
        ran = subprocess.run([sys.executable, '-c', manager, kernel], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        launcher, kernel_pid = map(int, ran.stdout.split())
        wait_for(lambda: _gone(kernel_pid) and _gone(launcher), 15)


def _template_of(path:str)->int:
    import psutil
    return next(p.pid for p in psutil.Process().children() if path in p.cmdline())


def test_a_signal_that_reaches_the_launcher_before_its_kernel_exists_is_passed_on(tmp_path):
    # the template is stopped, so the launcher waits for its kernel when the signal comes; the template then forks, and
    # the launcher passes the signal on before the child has a process group of its own
    with warm_kernels(modules=()) as kernel:
        path = _socket_of(kernel)
        template = _template_of(path)
        for attempt in range(3):
            os.kill(template, signal.SIGSTOP)
            try:
                launcher = subprocess.Popen([sys.executable, '-m', 'mlsys.core.warm_kernels', 'launch', path, '-f', str(tmp_path/f'k{attempt}.json')],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(2)  # started, connected and waiting for the template's answer
                launcher.send_signal(signal.SIGTERM)
            finally:
                os.kill(template, signal.SIGCONT)
            try: assert launcher.wait(30) == -signal.SIGTERM  # the kernel got it and ended by it; the launcher did the same
            finally:
                if launcher.poll() is None: launcher.kill(); launcher.wait()  # its kernel ends with it


def test_a_kernel_ends_when_its_manager_ends_before_the_kernel_exists(tmp_path):
    # the template is stopped, so the manager is gone before the template forks: the launcher must not take the
    # process that adopted it for the manager
    manager = textwrap.dedent('''
        import os, subprocess, sys
        p = subprocess.Popen([sys.executable, '-m', 'mlsys.core.warm_kernels', 'launch', sys.argv[1], '-f', sys.argv[2]],
                             env={**os.environ, 'JPY_PARENT_PID': str(os.getpid())}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(p.pid, flush=True)
        os._exit(0)
    ''')
    with warm_kernels(modules=()) as kernel:
        path = _socket_of(kernel)
        template = _template_of(path)
        os.kill(template, signal.SIGSTOP)
        try:
            launcher = int(subprocess.run([sys.executable, '-c', manager, path, str(tmp_path/'k.json')], capture_output=True,
                                          text=True, timeout=60).stdout)
            time.sleep(1.5)  # the launcher has started and waits for the template
        finally:
            os.kill(template, signal.SIGCONT)
        import psutil
        try: wait_for(lambda: _gone(launcher) and not psutil.Process(template).children(), 15)
        finally:
            for p in psutil.Process(template).children(): p.kill()
            if not _gone(launcher): os.kill(launcher, signal.SIGKILL)
