"""Grading under attack: one class of chapter 2 submissions graded once, in sandboxes, with an honest student (ada)
and one student per attack from the issue. Each attack must earn nothing, read nothing of ada's or the instructor's,
change nothing of ada's, and leave scores.csv exactly as the grader wrote it. The honest submission keeps full marks,
and every submission must have run in a sandbox of its own (the test fails if grading ran unsandboxed)."""
import hashlib, json, os, time
from pathlib import Path
import psutil
import pytest
from mlsys.core.storage import read_json, write_json
from mlsys.course.exercises import CHECKS
from mlsys.course.grading import grade, Limits, SandboxUnavailable
from mlsys.course.release import student_notebook

from helpers import ROOT

NB = 'ch2_before_we_build.ipynb'
FULL = sum(s['points'] for (e, q), s in CHECKS.items() if e == 'ch2')
SOLUTION_TEXT = 'LACE points score'  # in ada's (the instructor's) answer to 2.2, not in the student edition
SECRET = 'fake-secret-' + os.urandom(6).hex()
TOKEN = 'mlsys-late-writer-' + os.urandom(4).hex()


def attack(code:str)->dict:
    "A submission: the student edition's first cell (the Checker) and the attack."
    nb = student_notebook(read_json(ROOT/'exercises'/NB))
    first = next(c for c in nb['cells'] if c['cell_type'] == 'code')
    nb['cells'] = [first, {'cell_type': 'code', 'id': 'attack', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': code}]
    return nb


def attacks(subs:Path, out:Path)->dict:
    ada, ada_work = subs/'ada'/NB, out/'work'/'ada'/'ch2_before_we_build'
    solutions = ROOT/'exercises'/NB
    return {
        'forger': attack(  # the old hole: "passed" lines in the results file; now they can only be answers
            "import os, json\n"
            "for f in [os.environ.get('MLSYS_ANSWERS'), os.environ.get('MLSYS_GRADE_RESULTS')]:\n"
            "    if f:\n"
            "        with open(f, 'a') as h:\n"
            "            for q in ['2.1','2.2','2.3','2.4','2.5','2.6','2.7']:\n"
            "                h.write(json.dumps({'exercise': 'ch2', 'question': q, 'status': 'passed', 'problems': [], 'points': 1}) + '\\n')\n"
            "                h.write(json.dumps({'exercise': 'ch2', 'question': q, 'answer': 'passed', 'recorded': True}) + '\\n')\n"
            "                h.write('{not json\\n')\n"),
        'patcher': attack(  # the old hole: replace every check with one that finds nothing wrong
            "import mlsys.course.exercises as ex\n"
            "for spec in ex.CHECKS.values(): spec['fn'] = lambda a: []\n"
            "ex.run_check = lambda e, q, a: ex.Feedback(e, q, 'passed', [], 1)\n"
            "for q in ['2.1','2.2','2.3','2.4','2.5','2.6','2.7']: check(q, ['anything'])\n"),
        'catter': attack(
            f"import subprocess, os\nprint(subprocess.run(['cat', {str(ada)!r}, {str(solutions)!r}], capture_output=True, text=True))\n"
            f"os.system('cat {ada} {solutions} {ada_work}/answers.jsonl; ls -R {subs} {ROOT}')\n"),
        'pychild': attack(
            f"import subprocess, sys\nprint(subprocess.run([sys.executable, '-c', 'print(open({str(ada)!r}).read())'], capture_output=True, text=True))\n"),
        'ctyper': attack(
            "import ctypes, os\nlibc = ctypes.CDLL('libc.so.6')\n"
            f"fd = libc.open({str(ada).encode()!r}, os.O_RDONLY)\nprint('fd', fd, os.read(fd, 10000) if fd >= 0 else b'')\n"
            f"fd = libc.open({str(solutions).encode()!r}, os.O_RDONLY)\nprint('fd', fd, os.read(fd, 10000) if fd >= 0 else b'')\n"),
        'linker': attack(
            f"import os\nfor src in [{str(ada)!r}, {str(solutions)!r}]:\n"
            "    try: os.link(src, 'mine.ipynb'); print(open('mine.ipynb').read())\n"
            "    except OSError as e: print('link', e)\n"),
        'dirfder': attack(
            f"import os\nfor d, n in [({str(ada.parent)!r}, {NB!r}), ({str(solutions.parent)!r}, {NB!r}), ('/', '.')]:\n"
            "    try: dfd = os.open(d, os.O_RDONLY); fd = os.open(n, os.O_RDONLY, dir_fd=dfd); print(os.read(fd, 10000))\n"
            "    except OSError as e: print('dir_fd', e)\n"),
        'gitter': attack(
            f"import subprocess\nprint(subprocess.run(['git', '-C', {str(ROOT)!r}, 'show', 'HEAD:exercises/{NB}'], capture_output=True, text=True))\n"
            f"print(subprocess.run(['git', '-C', {str(ROOT)!r}, 'log', '-p', '-1'], capture_output=True, text=True))\n"),
        'unguarder': attack(  # the old guard's holes: irrelevant now, and must stay so
            "import os, gc, sys\nos.path.realpath = lambda p, **k: '/tmp/harmless'\n"
            "for o in gc.get_objects():\n"
            "    if isinstance(o, list) and any(callable(x) and getattr(x, '__name__', '') == 'guard' for x in o): o.clear()\n"
            f"for p in [{str(ada)!r}, {str(solutions)!r}]:\n"
            "    try: print(open(p).read())\n"
            "    except OSError as e: print('open', e)\n"),
        'replacer': attack(  # race ada's results while she is graded
            f"import os, json, time\nforged = json.dumps({{'exercise': 'ch2', 'question': '2.1', 'answer': 'x', 'recorded': True}})\n"
            f"for i in range(100):\n"
            f"    open('forged.jsonl', 'w').write(forged)\n"
            f"    for target in [{str(ada_work/'answers.jsonl')!r}, {str(ada)!r}, {str(out/'scores.csv')!r}]:\n"
            "        try: os.replace('forged.jsonl', target)\n"
            "        except OSError as e: pass\n"
            "    time.sleep(0.05)\n"),
        'lingerer': attack(  # a detached process that outlives the kernel and rewrites scores.csv after grading
            "import subprocess, sys\n"
            f"code = \"import time; time.sleep(4); open({str(out/'scores.csv')!r}, 'w').write('lingerer,ch2,2.1,passed,1,1\\\\n'); open('/submission/late', 'w').write('{TOKEN}')\"\n"
            f"subprocess.Popen(['setsid', sys.executable, '-c', code, '{TOKEN}'], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "print('detached')\n"),
        'snooper': attack(
            "import os\nprint(dict(os.environ))\n"
            "print(open('/proc/1/environ', 'rb').read())\n"),
        'crasher': attack("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"),
        'hanger': attack("import time\ntime.sleep(10**6)\n"),
        'hog': attack("x = bytearray(20 * 2**30)\n"),  # 20 GB: over the address-space limit, a MemoryError in the kernel
    }


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp('class')
    subs, out = base/'submissions', base/'graded'
    write_json(read_json(ROOT/'exercises'/NB), subs/'ada'/NB)
    for student, nb in attacks(subs, out).items(): write_json(nb, subs/student/NB)
    (subs/'corrupt').mkdir(); (subs/'corrupt'/NB).write_text('{"cells": [ this is not JSON')
    (subs/'huge').mkdir(); (subs/'huge'/NB).write_text(json.dumps({'cells': [], 'pad': 'x' * (6 * 2**20)}))
    ada_before = hashlib.sha256((subs/'ada'/NB).read_bytes()).hexdigest()
    secrets = {'MLSYS_TEST_POSTGRES_URL': f'postgresql://mlsys:{SECRET}@127.0.0.1:5432/x', 'FAKE_SECRET': SECRET}
    saved = {k: os.environ.get(k) for k in secrets}
    os.environ.update(secrets)
    try: table = grade(subs, out, workers=2, progress=False, limits=Limits(wall_s=60, notebook_mb=5, memory_mb=6144))
    finally:
        for k, v in saved.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    written = (out/'scores.csv').read_bytes()
    time.sleep(6)  # longer than the lingerer waits
    return {'table': table, 'subs': subs, 'out': out, 'written': written, 'ada_before': ada_before}


def totals(g): return g['table'].groupby('student').score.sum().to_dict()
def executed(g, student): return (g['out']/'work'/student/'ch2_before_we_build'/NB).read_text()


def test_honest_submission_gets_full_marks(graded):
    assert totals(graded)['ada'] == FULL
    assert set(graded['table'][graded['table'].student == 'ada'].status) == {'passed'}


def test_every_submission_ran_in_a_sandbox_of_its_own(graded):
    "Fails if grading ran unsandboxed: bubblewrap's own report names, for every submission that ran, a PID namespace not ours."
    ran = graded['table'][graded['table'].sandbox != 'not run'].drop_duplicates('student')
    assert len(ran) >= 15
    assert ran.sandbox.str.match(r'^bwrap pid:\[\d+\] net:\[\d+\]$').all(), ran.sandbox.tolist()
    ours = f'pid:[{os.stat("/proc/self/ns/pid").st_ino}]'
    assert not ran.sandbox.str.contains(ours, regex=False).any()  # (numbers are reused once a sandbox is gone)


@pytest.mark.parametrize('student', ['forger', 'patcher', 'catter', 'pychild', 'ctyper', 'linker', 'dirfder', 'gitter',
                                     'unguarder', 'replacer', 'lingerer', 'snooper'])
def test_attack_earns_nothing_and_reads_nothing(graded, student):
    assert totals(graded)[student] == 0
    text = executed(graded, student)
    assert SOLUTION_TEXT not in text and 'BEGIN SOLUTION' not in text, f'{student} read a solution'
    assert SECRET not in text


def test_forged_answers_are_checked_not_trusted(graded):
    rows = graded['table'][graded['table'].student == 'forger']
    assert set(rows.status) == {'failed'}  # the forged answer 'passed' is an answer, checked honestly
    assert 'answers line' in rows.errors.iloc[0] and 'not JSON' in rows.errors.iloc[0]


def test_reading_other_files_fails_inside_the_sandbox(graded):
    assert 'No such file or directory' in executed(graded, 'catter')
    assert 'fd -1' in executed(graded, 'ctyper')
    assert 'link' in executed(graded, 'linker') and 'No such file' in executed(graded, 'linker')
    assert 'not a git repository' in executed(graded, 'gitter') or 'cannot change to' in executed(graded, 'gitter')


def test_grader_secrets_do_not_reach_student_code(graded):
    text = executed(graded, 'snooper')
    assert 'MLSYS_TEST_POSTGRES_URL' not in text and 'FAKE_SECRET' not in text and 'MLSYS_ANSWERS' in text


def test_other_students_files_and_results_unchanged(graded):
    assert hashlib.sha256((graded['subs']/'ada'/NB).read_bytes()).hexdigest() == graded['ada_before']
    answers = (graded['out']/'work'/'ada'/'ch2_before_we_build'/'answers.jsonl').read_text()
    assert '"answer": "x"' not in answers


def test_nothing_outlives_the_run_and_scores_stay_as_written(graded):
    assert (graded['out']/'scores.csv').read_bytes() == graded['written']
    assert not (graded['out']/'work'/'lingerer'/'ch2_before_we_build'/'late').exists()
    assert not [p for p in psutil.process_iter(['cmdline']) if TOKEN in ' '.join(p.info['cmdline'] or [])]


@pytest.mark.parametrize('student, reason', [('corrupt', 'not valid JSON'), ('huge', 'more than 5 MB'),
                                             ('hanger', 'timed out'), ('crasher', 'the run failed')])
def test_broken_submission_is_not_graded_and_the_class_is(graded, student, reason):
    rows = graded['table'][graded['table'].student == student]
    assert rows.status.tolist() == ['not graded'] and reason in rows.feedback.iloc[0], rows.feedback.iloc[0]
    assert totals(graded)['ada'] == FULL


def test_memory_hog_gets_a_memory_error(graded):
    assert 'MemoryError' in graded['table'][graded['table'].student == 'hog'].errors.iloc[0]


def test_grading_refuses_without_bubblewrap(tmp_path, monkeypatch):
    import shutil
    write_json(attack('print(1)'), tmp_path/'subs'/'eve'/NB)
    real = shutil.which
    monkeypatch.setattr(shutil, 'which', lambda name, *a, **k: None if name == 'bwrap' else real(name, *a, **k))
    with pytest.raises(SandboxUnavailable, match='bubblewrap is not installed'):
        grade(tmp_path/'subs', tmp_path/'out', progress=False)
    assert not (tmp_path/'out'/'scores.csv').exists()


def test_unsafe_mode_is_loud_and_said_in_every_row(tmp_path, capsys):
    write_json(attack('print(1)'), tmp_path/'subs'/'eve'/NB)
    with pytest.warns(UserWarning, match='UNSAFE'):
        table = grade(tmp_path/'subs', tmp_path/'out', progress=False, sandbox=False)
    assert 'UNSAFE' in capsys.readouterr().err
    assert table.sandbox.str.startswith('UNSANDBOXED').all()
