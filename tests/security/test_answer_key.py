"""The student edition and the installed library hold no answer: every answer value of the instructor's key is
searched for in every released file and in the package's source, and find_leaks finds solution fragments inside lines."""
import importlib.util
from pathlib import Path
import mlsys
from mlsys.course.release import release, find_leaks

from helpers import ROOT


def answer_key()->dict:
    spec = importlib.util.spec_from_file_location('hidden_tests', ROOT/'exercises'/'hidden'/'hidden_tests.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m.ANSWERS


def lines_of(folder:Path):
    for p in folder.rglob('*'):
        if p.is_file():
            try: yield p, p.read_text(encoding='utf-8').replace('\\n', '\n').split('\n')
            except (UnicodeDecodeError, OSError): pass


def found(folder:Path)->list:
    """Answer values in any file under `folder`: a scalar as a quoted literal (the question may name it among the options,
    in backticks), a mapping as each key and its value together on one line."""
    hits = []
    for p, lines in lines_of(folder):
        for (e, q), ans in answer_key().items():
            pairs = ans.items() if isinstance(ans, dict) else [(None, ans)]
            for k, v in pairs:
                if k is None: hits += [(str(p), q, l.strip()[:120]) for l in lines if f"'{v}'" in l or f'"{v}"' in l]
                else: hits += [(str(p), q, l.strip()[:120]) for l in lines if v in l and k in l]
    return hits


def test_no_answer_in_the_student_edition(tmp_path):
    release(tmp_path/'student')
    assert not (tmp_path/'student'/'exercises'/'hidden').exists()
    assert found(tmp_path/'student') == []
    assert find_leaks(tmp_path/'student') == []


def test_no_answer_in_the_installed_package():
    package = Path(mlsys.__file__).parent
    assert found(package) == []
    assert find_leaks(package) == []


def test_the_search_would_find_an_answer(tmp_path):
    (tmp_path/'module.py').write_text("truth = {'sensor_battery': 'MCAR'}\nok = a != 'refund_issued'\n")
    assert {q for _, q, _ in found(tmp_path)} == {'3.2', '3.4'}
    assert [s for _, s in find_leaks(tmp_path)] == ["'refund_issued'"]
