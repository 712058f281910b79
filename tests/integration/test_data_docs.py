"""Great Expectations' reports as the course writes them: summaries name every column an expectation is about, and
Data Docs load nothing from the network (the browser test opens them offline)."""
import re, warnings
from pathlib import Path
import pandas as pd
import pytest
from mlsys.dataops.validation import validate_frame

FETCHED = re.compile(r'<(?:script|img)\b[^>]*\ssrc="(https?://[^"]+)"|<link\b[^>]*\shref="(https?://[^"]+)"|url\([\'"]?(https?://[^\'")]+)')


def external_loads(text):
    "URLs a page or stylesheet fetches by itself (scripts, styles, images, CSS url()), not links a reader may click."
    return [next(u for u in m if u) for m in FETCHED.findall(text)]


def test_a_column_pair_expectation_names_both_columns():
    df = pd.DataFrame({'sales_value': [2.0, 1.0], 'coupon_disc': [1.0, 3.0]})
    spec = [{'type': 'expect_column_pair_values_a_to_be_greater_than_b', 'column_A': 'sales_value', 'column_B': 'coupon_disc'}]
    report = validate_frame(df, 'pair', spec)
    assert report.summary.target.tolist() == ['sales_value,coupon_disc']
    assert report.row_failures == {1: ['expect_column_pair_values_a_to_be_greater_than_b(sales_value,coupon_disc)']}


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "Two suites validated into one folder, as the pipeline's stages do."
    d = tmp_path_factory.mktemp('gx')
    df = pd.DataFrame({'a': [1, 2, None], 'b': [0, 5, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)  # an unknown CDN URL or a copy that does not match GX's hash
        validate_frame(df, 'first', [{'type': 'expect_column_values_to_not_be_null', 'column': 'a'}], gx_dir=d)
        report = validate_frame(df, 'second', [{'type': 'expect_column_values_to_be_between', 'column': 'b', 'min_value': 0, 'max_value': 2}], gx_dir=d)
    return report.docs_index.parent


def test_data_docs_load_nothing_from_the_network(site):
    files = [*site.rglob('*.html'), *(site/'static'/'styles').glob('*.css')]
    assert len([f for f in files if f.suffix == '.html']) >= 5  # index, two suites, two validation results
    loads = {str(f.relative_to(site)): external_loads(f.read_text(encoding='utf-8')) for f in files}
    assert {f: u for f, u in loads.items() if u} == {}
    assert not [f for f in files if 'dataContextId' in f.read_text(encoding='utf-8')]  # the logo beacon is gone


def test_every_local_script_style_and_image_exists(site):
    for page in site.rglob('*.html'):
        text = page.read_text(encoding='utf-8')
        for ref in re.findall(r'<(?:script|img|link)\b[^>]*\s(?:src|href)="([^"#]+)"', text):
            assert (page.parent/ref).resolve().is_file(), f'{page.relative_to(site)}: {ref} is missing'
    css = (site/'static'/'mlsys'/'fontawesome'/'css'/'all.min.css').read_text()
    for font in set(re.findall(r'url\((\.\./webfonts/[^)]+\.woff2)\)', css)):
        assert (site/'static'/'mlsys'/'fontawesome'/'css'/font).resolve().is_file(), font
