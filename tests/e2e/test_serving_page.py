"""The service's web page in Debian's chromium (Playwright): it loads with no console error and no request to
another host, a picked household gets a prediction with the model version, and a bad number is explained by field."""
import os, shutil
from pathlib import Path
import pytest

from serving_helpers import registry_copy
from mlsys.modelops.launch import ServiceThread
from mlsys.modelops.serving import create_app
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get('MLSYS_REQUIRE_SERVICES'),
                                reason="Debian's chromium is not installed (scripts/start_services.sh installs it)")


@pytest.fixture(scope='module')
def service(tmp_path_factory):
    uri = registry_copy(tmp_path_factory.mktemp('serving-page')/'store')
    with ServiceThread(create_app('lapse', uri)) as s: yield s.url


def test_pick_a_household_predict_and_see_a_bad_value_explained(service):
    from playwright.sync_api import sync_playwright, expect
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox'])
        page = browser.new_page()
        errors, elsewhere = [], []
        # the browser reports the two 422 answers below as console errors: those are expected, anything else is not
        page.on('console', lambda m: errors.append(m.text) if m.type == 'error' and 'status of 422' not in m.text else None)
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.on('request', lambda r: elsewhere.append(r.url) if not r.url.startswith(service) else None)
        page.goto(service + '/', wait_until='networkidle')
        expect(page.locator('#about')).to_contain_text('version 1')
        options = page.locator('#household option')
        assert options.count() > 10
        household = options.nth(3).get_attribute('value')
        page.select_option('#household', household)
        expect(page.locator('#f-recency_days')).not_to_have_value('')
        page.click('#predict')
        expect(page.locator('#result')).to_contain_text('Lapse probability')
        expect(page.locator('#result')).to_contain_text('version 1')
        page.fill('#f-coupon_share', 'lots')
        page.click('#predict')
        expect(page.locator('#result')).to_contain_text('coupon_share: Input should be a valid number')
        page.fill('#f-coupon_share', '')
        page.click('#predict')
        expect(page.locator('#result')).to_contain_text('coupon_share: Field required')
        browser.close()
    assert errors == [] and elsewhere == [], (errors, elsewhere)
