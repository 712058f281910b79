"""Real-browser tests with Debian's chromium driven by Playwright: every page of the course site loads with no
console errors, no failed requests and no broken links or images; JupyterLab on 127.0.0.1 opens an exercise
notebook, runs it, and an ipywidgets control renders and responds. Screenshots go to artifacts/screenshots/."""
import functools, http.server, os, re, shutil, socket, subprocess, sys, threading, time, urllib.request
from pathlib import Path
import pytest

from helpers import ROOT
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


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The course site, built with every notebook executed (the whole course runs here), served on 127.0.0.1."
    from mlsys.course.site import build_site
    out = tmp_path_factory.mktemp('site')/'site'
    start = time.perf_counter()
    built = build_site(out, progress=False)
    print(f"\ncourse site: {len(built['pages'])} notebooks executed and rendered in {time.perf_counter() - start:.0f} s")
    assert built['errors'] == {}, built['errors']
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_port}', built
    server.shutdown()


def test_every_site_page_loads_cleanly(browser, site):
    base, built = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={'width': 1400, 'height': 900})
    problems, failed = [], []
    page.on('console', lambda m: problems.append(f'{page.url}: {m.text}') if m.type == 'error' else None)
    page.on('pageerror', lambda e: problems.append(f'{page.url}: {e}'))
    page.on('requestfailed', lambda r: failed.append(r.url))
    page.on('response', lambda r: failed.append(f'{r.status} {r.url}') if r.status >= 400 else None)
    for name in built['pages']:
        page.goto(f'{base}/{name}', wait_until='networkidle')
        assert page.locator('nav.mlsys-nav a').count() >= len(built['pages'])
        broken = page.evaluate("""() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))""")
        assert broken == [], f'{name}: broken images {broken}'
        for href in set(page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")):
            if href.startswith(('http://', 'https://', 'mailto:', '#')): continue
            target = href.split('#')[0]
            assert target.endswith('.html') and (Path(built['index']).parent/target).exists(), f'{name}: broken link {href}'
    assert problems == [] and failed == [], (problems, failed)
    for name in ('index.html', 'nbs__12_metrics.html', 'exercises__ch2_before_we_build.html', 'case_studies__industry_systems.html'):
        page.goto(f'{base}/{name}', wait_until='networkidle')
        page.screenshot(path=str(SHOTS/f'site-{name[:-5]}.png'), full_page=False)
    # an executed chapter shows its plots and MathJax is served locally
    page.goto(f'{base}/nbs__12_metrics.html', wait_until='networkidle')
    assert page.locator('.jp-RenderedImage img').count() >= 1


@pytest.fixture(scope='module')
def jupyterlab(tmp_path_factory):
    work = tmp_path_factory.mktemp('lab')
    shutil.copy(ROOT/'exercises'/'ch2_before_we_build.ipynb', work/'ch2_before_we_build.ipynb')
    port, token = free_port(), 'mlsys-browser-test'
    settings = work/'.lab-settings'
    # render every cell (no windowing), so a widget further down the notebook is in the page; no news pop-up
    (settings/'@jupyterlab'/'notebook-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'notebook-extension'/'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    (settings/'@jupyterlab'/'apputils-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings').write_text('{"fetchNews": "false"}')
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(work/'.jupyter'), 'JUPYTER_RUNTIME_DIR': str(work/'.runtime'),
           'JUPYTERLAB_SETTINGS_DIR': str(settings)}
    jupyter = Path(sys.executable).parent/'jupyter'
    logfile = tmp_path_factory.mktemp('lab-log')/'jupyterlab.log'  # outside the folder JupyterLab shows
    log = open(logfile, 'w')
    proc = subprocess.Popen([str(jupyter), 'lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--LabApp.news_url=',
                             '--LabApp.extension_manager=readonly'],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try: urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=1); break
        except Exception: time.sleep(0.5)
    else:
        proc.kill(); raise RuntimeError('JupyterLab did not start:\n' + logfile.read_text()[-3000:])
    yield url, token
    proc.terminate()
    try: proc.wait(20)
    except subprocess.TimeoutExpired: proc.kill()
    log.close()


def test_jupyterlab_runs_an_exercise_and_the_widget_responds(browser, jupyterlab):
    url, token = jupyterlab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={'width': 1400, 'height': 1000})
    try: _drive_jupyterlab(page, url, token)
    except Exception:
        page.screenshot(path=str(SHOTS/'jupyterlab-failure.png'))  # what the browser showed when it failed
        raise


def _drive_jupyterlab(page, url, token):
    page.goto(f'{url}/lab/tree/ch2_before_we_build.ipynb?token={token}')
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60_000)
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000)
    page.locator('.jp-Notebook').click()
    page.keyboard.press('Escape')
    page.keyboard.press('Control+Shift+c')  # the command palette
    page.keyboard.type('Run All Cells')
    page.keyboard.press('Enter')
    page.locator('.jp-OutputArea-output', has_text='2.7: passed').first.wait_for(timeout=120_000)  # the last check ran
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
