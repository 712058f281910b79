"""Exercises: the instructor versions pass every check, the student edition runs and says "not yet" for every
question, no solution leaks into the student edition, a wrong answer gets a specific message, and grading runs
each submission in its own sandbox (the attacks are in tests/security)."""
import json, subprocess, sys
from pathlib import Path
import pytest
from mlsys.course.release import release, find_leaks, student_notebook, course_root
from mlsys.course.grading import grade
from mlsys.core.notebooks import execute_notebook, notebook_errors
from mlsys.core.storage import read_json, write_json
from mlsys.course.exercises import CHECKS, run_check

from helpers import ROOT
EXERCISES = sorted((ROOT/'exercises').glob('*.ipynb'))


def statuses(nb):
    "Feedback lines the checks displayed: (question, status)."
    out = []
    for c in nb['cells']:
        for o in c.get('outputs', []):
            text = ''.join(o.get('data', {}).get('text/plain', ''))
            if text[:1] in '✅⏳❌' and ': ' in text:
                head = text.splitlines()[0].split(' ', 1)[1]  # 'ch3 3.1: passed'
                out.append((head.split(':')[0].split()[1], head.split(': ')[1]))
    return out


@pytest.mark.parametrize('path', EXERCISES, ids=lambda p: p.stem)
def test_instructor_version_passes_every_check(path, tmp_path):
    ran = execute_notebook(read_json(path), tmp_path)
    assert notebook_errors(ran) == []
    got = statuses(ran)
    exercise = {e for e, q in CHECKS if any(q == g for g, _ in got)}
    assert len(exercise) == 1
    assert {q for q, _ in got} == {q for e, q in CHECKS if e in exercise}, 'every question is checked'
    assert {s for _, s in got} == {'passed'}, got


@pytest.mark.parametrize('path', EXERCISES, ids=lambda p: p.stem)
def test_student_version_runs_and_says_not_yet(path, tmp_path):
    ran = execute_notebook(student_notebook(read_json(path)), tmp_path)
    assert notebook_errors(ran) == []
    got = statuses(ran)
    assert got and {s for _, s in got} == {'not yet'}, got


def test_release_has_no_solution(tmp_path):
    counts = release(tmp_path/'student')
    assert counts['exercises'] == len(EXERCISES)
    assert find_leaks(tmp_path/'student') == []
    text = ''.join(p.read_text() for p in (tmp_path/'student'/'exercises').glob('*.ipynb'))
    assert 'BEGIN SOLUTION' not in text and "'refund_issued'" not in text and '\\"refund_issued\\"' not in text


def test_release_command_proves_no_leak(tmp_path):
    out = tmp_path/'student'
    ok = subprocess.run([str(Path(sys.executable).parent/'mlsys'), 'course', 'release', '--out', str(out)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert 'No solution line' in ok.stdout


@pytest.mark.parametrize('question, answer, message', [
    (('ch2', '2.3'), 'metrics', 'no business metric'),
    (('ch3', '3.2'), {'sensor_battery': 'MAR', 'income_by_age': 'MAR', 'weight_heavier': 'MNAR'}, 'sensor_battery: MAR means missingness is explained by another observed column'),
    (('ch3', '3.1'), {'weather': {'mode': 'batch', 'cities': 60, 'poll_every_s': 60, 'retry': 'backoff'},
                      'driver_status': {'mode': 'streaming', 'late_events': 'watermarks'}}, '3,600 requests/hour: over the 1,000 limit'),
    (('ch3', '3.4'), 'amount', "'amount' is known when the transaction happens"),
])
def test_wrong_answers_get_specific_feedback(question, answer, message):
    if answer == 'metrics':
        from mlsys.foundations.metrics import Threshold
        answer = [Threshold('recall', min=0.6), Threshold('p95_ms', max=200, kind='system')]
    fb = run_check(*question, answer)
    assert fb.status == 'failed'
    assert any(message in p for p in fb.problems), fb.problems


def test_counting_lines_instead_of_weeks_is_named():
    from mlsys.course.exercises import retail_sample
    lines = retail_sample().groupby('household_id').week.size()
    fb = run_check('ch3', '3.9', lines)
    assert fb.status == 'failed' and 'count distinct weeks, not lines' in fb.problems[0]


def test_fraud_suite_that_cannot_fail_is_called_out():
    loose = [{'kind': k, 'type': 'expect_column_values_to_be_between', 'column': 'amount', 'min_value': -1e12}
             for k in ('schema', 'content', 'cross_field', 'cross_dataset', 'statistical')]
    fb = run_check('ch3', '3.5', loose)
    assert any('nothing in the suite catches' in p for p in fb.problems)


def test_grading_isolates_students(tmp_path):
    subs = tmp_path/'submissions'
    inst = read_json(ROOT/'exercises'/'ch4_pipelines.ipynb')
    write_json(inst, subs/'ada'/'ch4_pipelines.ipynb')
    spy = student_notebook(inst)
    spy['cells'].append({'cell_type': 'code', 'id': 'spy', 'metadata': {}, 'outputs': [], 'execution_count': None,
                         'source': f"print(open({str(subs/'ada'/'ch4_pipelines.ipynb')!r}).read()[:200])"})
    write_json(spy, subs/'eve'/'ch4_pipelines.ipynb')
    table = grade(subs, tmp_path/'graded', progress=False)
    totals = table.groupby('student').score.sum().to_dict()
    questions = sum(e == 'ch4' for e, _ in CHECKS)  # ada's instructor copy answers every question of chapter 4
    assert totals == {'ada': questions, 'eve': 0}
    assert 'FileNotFoundError' in table[table.student == 'eve'].errors.iloc[0]  # ada's folder does not exist in eve's sandbox
    assert table.sandbox.str.startswith('bwrap pid:').all()
    executed = (tmp_path/'graded'/'work'/'eve'/'ch4_pipelines'/'ch4_pipelines.ipynb').read_text()
    assert 'BEGIN SOLUTION' not in executed  # nothing of ada's notebook reached eve's outputs
    scores = (tmp_path/'graded'/'scores.csv').read_text()
    assert 'the answer is still the placeholder' in scores
