"""Real-browser tests with Debian's chromium driven by Playwright: every page of the course site loads with no
console errors, no failed requests and no broken links or images; a pipeline run's Data Docs open from file:// with
the network blocked; JupyterLab on 127.0.0.1, started with the project's settings, opens an exercise notebook, runs
it without a request to another host, and an ipywidgets control renders and responds.
Screenshots go to artifacts/screenshots/."""
import functools, http.server, json, os, re, shutil, socket, subprocess, sys, threading, time, urllib.parse, urllib.request
from pathlib import Path
import pytest

from helpers import ROOT, mlsys
from mlsys.course.contents import course_pages
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
SHOTS = ROOT/'artifacts'/'screenshots'
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get('MLSYS_REQUIRE_SERVICES'),
                                reason="Debian's chromium is not installed (scripts/start_services.sh installs it)")


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture(scope='module')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox'])
        yield b
        b.close()


EXECUTED = [next(page.path for _, page in course_pages(ROOT) if page.module == 'mlsys.foundations.metrics'),
            'exercises/ch2_before_we_build.ipynb', 'case_studies/industry_systems.ipynb']  # plots, widgets, tables


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """The course site served on 127.0.0.1: every page rendered, and the pages with plots, widgets and tables executed.
    The rest of the course is executed elsewhere (chapters by nbdev_test, exercises, case studies and labs by their
    own tests); running all of it again here doubled the suite's time. `make site` builds the fully executed site."""
    from mlsys.course.site import build_site
    out = tmp_path_factory.mktemp('site')/'site'
    start = time.perf_counter()
    built = build_site(out, execute=EXECUTED, progress=False)
    print(f"\ncourse site: {len(built['pages'])} pages rendered, {len(EXECUTED)} executed, in {time.perf_counter() - start:.0f} s")
    assert built['errors'] == {}, built['errors']
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_port}', built
    server.shutdown()


def _watched_tab(browser, problems:list, failed:list):
    "A browser tab whose console errors, page errors and failed or 4xx/5xx requests are recorded."
    tab = browser.new_page(viewport={'width': 1400, 'height': 900})
    tab.on('console', lambda m: problems.append(f'{tab.url}: {m.text}') if m.type == 'error' else None)
    tab.on('pageerror', lambda e: problems.append(f'{tab.url}: {e}'))
    tab.on('requestfailed', lambda r: failed.append(r.url))
    tab.on('response', lambda r: failed.append(f'{r.status} {r.url}') if r.status >= 400 else None)
    return tab


TABS = 4  # pages checked at once: most of a page's time is the network going quiet, not work


def _check_pages(base:str, built:dict, problems:list, failed:list):
    "Load every page in TABS tabs of one browser at once, with the checks of a single tab; returns when all are done."
    import asyncio
    from playwright.async_api import async_playwright
    index_dir = Path(built['index']).parent
    async def check_all():
        async with async_playwright() as p:
            b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox'])
            todo = list(built['pages'])
            async def tab_worker():
                tab = await b.new_page(viewport={'width': 1400, 'height': 900})
                tab.on('console', lambda m: problems.append(f'{tab.url}: {m.text}') if m.type == 'error' else None)
                tab.on('pageerror', lambda e: problems.append(f'{tab.url}: {e}'))
                tab.on('requestfailed', lambda r: failed.append(r.url))
                tab.on('response', lambda r: failed.append(f'{r.status} {r.url}') if r.status >= 400 else None)
                while todo:
                    name = todo.pop()
                    await tab.goto(f'{base}/{name}', wait_until='networkidle')
                    assert await tab.locator('nav.mlsys-nav a').count() >= len(built['pages']), name
                    broken = await tab.evaluate("""() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))""")
                    assert broken == [], f'{name}: broken images {broken}'
                    for href in set(await tab.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")):
                        if href.startswith(('http://', 'https://', 'mailto:', '#')): continue
                        target = href.split('#')[0]
                        assert target.endswith('.html') and (index_dir/target).exists(), f'{name}: broken link {href}'
            try: await asyncio.gather(*[tab_worker() for _ in range(TABS)])
            finally: await b.close()
    errors = []
    def run():  # its own thread and event loop: the module's synchronous Playwright keeps the main thread
        try: asyncio.run(check_all())
        except BaseException as e: errors.append(e)
    t = threading.Thread(target=run); t.start(); t.join()
    if errors: raise errors[0]


def test_every_site_page_loads_cleanly(browser, site):
    """Every page, loaded until the network is idle (MathJax fetches its parts after the load event): no console error,
    no failed request, no broken image or link."""
    base, built = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, failed = [], []
    _check_pages(base, built, problems, failed)
    assert problems == [] and failed == [], (problems, failed)
    page = _watched_tab(browser, problems, failed)
    html = {page.path: page.html for _, page in course_pages(ROOT)}  # page names follow the folders: never hard-code them
    metrics = next(page.html for _, page in course_pages(ROOT) if page.module == 'mlsys.foundations.metrics')
    shown = ['index.html', metrics, html['exercises/ch2_before_we_build.ipynb'], html['case_studies/industry_systems.ipynb']]
    assert set(shown) <= set(built['pages']) | {'index.html'}, sorted(built['pages'])
    for name in shown:
        page.goto(f'{base}/{name}', wait_until='networkidle')
        page.screenshot(path=str(SHOTS/f'site-{name[:-5]}.png'), full_page=False)
    # an executed chapter shows its plots and MathJax is served locally
    page.goto(f'{base}/{metrics}', wait_until='networkidle')
    assert page.locator('.jp-RenderedImage img').count() >= 1
    # JupyterLab's stylesheet and theme come from the one shared file, not inlined in every page
    assert page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--jp-layout-color0').trim()") != ''
    assert '--jp-layout-color0:' not in Path(built['index']).parent.joinpath(metrics).read_text()


@pytest.fixture(scope='module')
def data_docs(tmp_path_factory):
    "A small pipeline run: its three validation stages write Data Docs into the run folder."
    out = tmp_path_factory.mktemp('runs')/'docs'
    mlsys('run', '--no-progress', '--out', str(out), '-p', 'sample', '2000', '-p', 'seed', '3')
    return out/'reports'/'gx'/'uncommitted'/'data_docs'/'local_site'


def _offline_page(browser):
    "A page that may read files only: every other request is recorded and aborted."
    page = browser.new_page(viewport={'width': 1400, 'height': 900})
    outside, problems = [], []
    def route(r):
        if r.request.url.startswith('file://'): r.continue_()
        else: outside.append(r.request.url); r.abort()
    page.route('**/*', route)
    page.on('console', lambda m: problems.append(f'{page.url}: {m.text}') if m.type == 'error' else None)
    page.on('pageerror', lambda e: problems.append(f'{page.url}: {e}'))
    page.on('requestfailed', lambda r: problems.append(f'failed: {r.url}'))
    return page, outside, problems


def test_data_docs_open_offline_with_their_tables_and_styles(browser, data_docs):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, outside, problems = _offline_page(browser)
    page.goto((data_docs/'index.html').as_uri(), wait_until='networkidle')
    # the index's table is drawn by bootstrap-table: without its script the page lists no validations
    table = page.locator('table.ge-index-page-validation-results-table')
    table.locator('tbody tr').first.wait_for(timeout=30_000)
    listed = table.locator('tbody').inner_text()
    for suite in ('raw_transactions', 'transactions', 'household_features'): assert suite in listed, listed
    assert page.locator('.bootstrap-table').count() >= 1
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily").startswith('-apple-system')  # Bootstrap's
    assert page.evaluate("""() => document.fonts.check('900 16px "Font Awesome 6 Free"')""")
    logo = page.locator('img[src*="logo"]').first
    assert logo.evaluate('i => i.complete && i.naturalWidth > 0') and 'dataContextId' not in logo.get_attribute('src')
    page.screenshot(path=str(SHOTS/'data-docs-index.png'))
    # a validation page: its expectations table, styled by Bootstrap
    validation = sorted((data_docs/'validations'/'household_features').rglob('*.html'))
    assert validation, 'no validation page for household_features'
    page.goto(validation[-1].as_uri(), wait_until='networkidle')
    rows = page.locator('table.table-bordered tbody tr')
    rows.first.wait_for(timeout=30_000)
    assert page.get_by_text('recency_days').count() >= 1  # a section per column, each with its expectations table
    assert page.evaluate("() => getComputedStyle(document.querySelector('table.table-bordered td')).borderTopStyle") == 'solid'
    page.screenshot(path=str(SHOTS/'data-docs-validation.png'), full_page=False)
    assert outside == [], f'Data Docs tried to reach the network: {outside}'
    assert problems == [], problems


@pytest.fixture(scope='module')
def jupyterlab(tmp_path_factory):
    "JupyterLab started as `make lab` starts it (the project's jupyter-config/), on a free port of 127.0.0.1."
    work = tmp_path_factory.mktemp('lab')
    shutil.copy(ROOT/'exercises'/'ch2_before_we_build.ipynb', work/'ch2_before_we_build.ipynb')
    port, token = free_port(), 'mlsys-browser-test'
    settings = work/'.lab-settings'
    # test-only: render every cell (no windowing), so a widget further down the notebook is in the page
    (settings/'@jupyterlab'/'notebook-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'notebook-extension'/'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    env = {**os.environ, 'JUPYTER_CONFIG_PATH': str(ROOT/'jupyter-config'),  # the settings `make lab` uses
           'JUPYTER_CONFIG_DIR': str(work/'.jupyter'), 'JUPYTER_RUNTIME_DIR': str(work/'.runtime'),
           'JUPYTERLAB_SETTINGS_DIR': str(settings)}
    jupyter = Path(sys.executable).parent/'jupyter'
    logfile = tmp_path_factory.mktemp('lab-log')/'jupyterlab.log'  # outside the folder JupyterLab shows
    log = open(logfile, 'w')
    # test-only: a port and token, and window.jupyterapp, so the test drives JupyterLab through its command registry
    proc = subprocess.Popen([str(jupyter), 'lab', '--no-browser', '--allow-root', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}',
                             '--LabApp.expose_app_in_browser=True'],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try: urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=1); break
        except Exception: time.sleep(0.5)
    else:
        proc.kill(); raise RuntimeError('JupyterLab did not start:\n' + logfile.read_text()[-3000:])
    yield url, token, logfile
    proc.terminate()
    try: proc.wait(20)
    except subprocess.TimeoutExpired: proc.kill()
    log.close()


def _get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r: return json.loads(r.read())


def test_jupyterlab_is_offline_by_design(jupyterlab):
    "No news feed, no update check: the server answers from itself, and the page config says news is off."
    url, token, _ = jupyterlab
    assert _get_json(f'{url}/lab/api/news?token={token}') == {'news': []}
    assert _get_json(f'{url}/lab/api/update?token={token}')['notification'] is None
    page_config = urllib.request.urlopen(f'{url}/lab?token={token}', timeout=10).read().decode()
    assert '"news": {"disabled": true}' in page_config


def test_jupyterlab_runs_an_exercise_and_the_widget_responds(browser, jupyterlab):
    url, token, logfile = jupyterlab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={'width': 1400, 'height': 1000})
    outside = []  # requests to any host but the local server: recorded, and refused
    local = urllib.parse.urlsplit(url).netloc
    def route(r):
        if urllib.parse.urlsplit(r.request.url).netloc == local or r.request.url.startswith(('data:', 'blob:')): r.continue_()
        else: outside.append(r.request.url); r.abort()
    page.route('**/*', route)
    try: _drive_jupyterlab(page, url, token)
    except Exception as e:
        page.screenshot(path=str(SHOTS/'jupyterlab-failure.png'))  # what the browser showed when it failed
        raise AssertionError(f'{e}\n--- JupyterLab log (end) ---\n{logfile.read_text()[-3000:]}') from e
    assert outside == [], f'JupyterLab sent requests to other hosts: {outside}'
    assert page.get_by_text('notified about official Jupyter news').count() == 0  # the project's settings answered it


NOTEBOOK = 'ch2_before_we_build.ipynb'


def _wait(page, js, what, timeout, arg=None):
    "Wait until `js` is truthy in the page; on time-out, say which step did not happen."
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try: return page.wait_for_function(js, arg=arg, timeout=timeout * 1000, polling=250).json_value()
    except PlaywrightTimeout: raise AssertionError(f'JupyterLab: {what} did not happen within {timeout} s') from None


def _kernel_ready(page, url, token, timeout=90):
    "The notebook's session on the server: its kernel started and idle (the page may start one and replace it)."
    deadline, last = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        last = [s for s in _get_json(f'{url}/api/sessions?token={token}') if s['path'].endswith(NOTEBOOK)]
        if len(last) == 1 and last[0]['kernel']['execution_state'] == 'idle': return last[0]['kernel']['id']
        page.wait_for_timeout(500)  # not time.sleep: Playwright serves the page's routed requests only while it waits
    raise AssertionError(f"JupyterLab: no idle kernel for {NOTEBOOK} within {timeout} s; sessions: {last}")


_PANEL = "const w = window.jupyterapp.shell.currentWidget; "
_EXECUTED = _PANEL + "return w && w.content && [...w.content.widgets].filter(c => c.model.type === 'code' && c.model.executionCount).length;"


def _drive_jupyterlab(page, url, token):
    page.goto(f'{url}/lab/tree/{NOTEBOOK}?token={token}')
    _wait(page, "() => window.jupyterapp !== undefined", 'the JupyterLab application loading', 60)
    _wait(page, "() => { " + _PANEL + f"return w && w.context && w.context.path.endsWith('{NOTEBOOK}') && w.context.isReady; }}",
          f'{NOTEBOOK} opening in a notebook panel', 60)
    # the page's own connection to the kernel the server reports: running cells before it exists is the race that
    # ran nothing (JupyterLab may start a kernel and replace it at once, so ask the server again if the ids differ)
    for attempt in range(3):
        kernel = _kernel_ready(page, url, token)
        try:
            _wait(page, "(id) => { " + _PANEL + "const k = w.sessionContext.session && w.sessionContext.session.kernel; "
                  "return k && k.id === id && k.connectionStatus === 'connected' && k.status === 'idle'; }",
                  f'the notebook connecting to its idle kernel {kernel}', 30, arg=kernel)
            break
        except AssertionError:
            if attempt == 2: raise
    for attempt in (1, 2):
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try: _wait(page, "() => { " + _EXECUTED + " }", 'a cell getting an execution count after Run All Cells', 15); break
        except AssertionError:
            if attempt == 2: raise
    out = page.locator('.jp-OutputArea-output', has_text='2.7: passed').first
    try: out.wait_for(timeout=120_000)  # the last check ran
    except Exception:
        done = page.evaluate("() => { " + _EXECUTED + " }")
        raise AssertionError(f"JupyterLab: '2.7: passed' was not shown within 120 s ({done} code cells had run)") from None
    widget_cell = page.locator('.jp-CodeCell', has_text='SuitabilityAssessor()')
    widget_cell.scroll_into_view_if_needed()
    widget_cell.locator('.widget-checkbox input[type=checkbox]').first.wait_for(timeout=60_000)
    result = page.locator('.widget-html-content', has_text='Use a non-ML approach').first
    result.wait_for(timeout=30_000)
    page.locator('.widget-checkbox', has_text='write down as rules').locator('input').click()
    page.locator('.widget-checkbox', has_text='labelled, representative').locator('input').click()
    page.locator('.widget-checkbox', has_text='new cases as they arrive').locator('input').click()
    page.locator('.widget-html-content', has_text='ML is a good fit').first.wait_for(timeout=30_000)
    page.locator('.widget-html-content', has_text='ML is a good fit').first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS/'jupyterlab-suitability-widget.png'))
    # the checks ran in the browser too: the instructor version passes them
    assert page.locator('.jp-OutputArea-output', has_text='2.1: passed').count() >= 1
