"""The chapter 5-7 exercises beyond what every exercise gets (tests/code/test_exercises.py runs both editions,
test_check_corpus.py the answers): graded in the sandbox, where the data home is read-only and MLflow must work in
the student's own temporary store; the solutions stripped from the release; the record readers' errors."""
import os, uuid
import pytest
from mlsys.core.storage import read_json, write_json
from mlsys.course.release import release, find_leaks, student_notebook, PLACEHOLDER

from helpers import ROOT
NOTEBOOKS = ['ch5_modelops', 'ch6_tracking', 'ch7_registry']


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    "One instructor and one student edition of chapter 7 (MLflow runs, a registry, promotion) graded in sandboxes."
    from mlsys.course.grading import grade
    from mlsys.modelops.tracking import empty_store
    from mlsys.course.modelops_checks import lapse_task
    from mlsys.core.config import data_home
    lapse_task(); empty_store()  # the sandbox sees the data home read-only: what it reads must be built
    home = data_home(create=False)
    os.chmod(home, home.stat().st_mode | 0o755)  # and readable by the sandbox's users (pytest makes its folders 0700)
    base = tmp_path_factory.mktemp('class')
    inst = read_json(ROOT/'exercises'/'ch7_registry.ipynb')
    write_json(inst, base/'subs'/'ada'/'ch7_registry.ipynb')
    write_json(student_notebook(inst), base/'subs'/'eve'/'ch7_registry.ipynb')
    return grade(base/'subs', base/'out', workers=2, progress=False)


def test_reference_answers_earn_every_point_in_the_sandbox(graded):
    ada = graded[graded.student == 'ada']
    assert ada.status.tolist() == ['passed'] * 3, ada[['question', 'status', 'feedback', 'errors']].to_dict('records')
    assert ada.sandbox.str.startswith('bwrap pid:').all()


def test_placeholders_earn_nothing_and_say_not_yet(graded):
    eve = graded[graded.student == 'eve']
    assert eve.score.sum() == 0 and set(eve.status) == {'not yet'}, eve[['question', 'status', 'feedback', 'errors']].to_dict('records')
    assert eve.feedback.str.contains('still the placeholder').all()


def test_release_strips_every_solution(tmp_path):
    release(tmp_path/'student')
    for name in NOTEBOOKS:
        text = (tmp_path/'student'/'exercises'/f'{name}.ipynb').read_text()
        assert 'BEGIN SOLUTION' not in text and PLACEHOLDER in text
    assert 'run_record(run.info.run_id, uri)' not in (tmp_path/'student'/'exercises'/'ch6_tracking.ipynb').read_text()
    assert find_leaks(tmp_path/'student') == []


def test_every_solution_region_is_a_placeholder_in_the_student_edition():
    for name in NOTEBOOKS:
        nb = read_json(ROOT/'exercises'/f'{name}.ipynb')
        solutions = sum(''.join(c['source']).count('# BEGIN SOLUTION') for c in nb['cells'])
        placeholders = sum(''.join(c['source']).count(PLACEHOLDER) for c in student_notebook(nb)['cells'])
        assert solutions == placeholders >= 3, name


def test_record_readers_name_what_is_missing(tmp_path):
    from mlsys.course.modelops_checks import run_record, registry_record
    from mlsys.modelops.tracking import local_store
    from mlsys.modelops.registry import RegistryError
    uri = local_store(tmp_path/'store')
    missing = uuid.uuid4().hex
    with pytest.raises(LookupError, match=f"No run '{missing}'"): run_record(missing, uri)
    with pytest.raises(RegistryError, match=f"No registered model 'nope-{missing[:6]}'"): registry_record(f'nope-{missing[:6]}', uri)
