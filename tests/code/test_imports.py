"Imports: `import mlsys` and every module stay light, and no two modules import each other, even inside functions."
import ast, json, subprocess, sys
from pathlib import Path
import pytest
from helpers import ROOT
from mlsys.course.contents import library_modules

HEAVY = ['great_expectations', 'dvc', 'sklearn', 'papermill', 'pandas', 'pyarrow', 'nbformat', 'matplotlib', 'mlflow']
# The modules come from the table of contents (every notebook's `#| default_exp`), so a new chapter is covered at once.
# mlsys.dataops.transformers is the one exception: its classes subclass scikit-learn's BaseEstimator, so importing it
# imports scikit-learn; no package __init__ imports it.
MODULES = ['mlsys'] + [m for m in library_modules(ROOT) if m != 'mlsys.dataops.transformers']


def test_every_library_file_is_in_the_table_of_contents():
    files = {'.'.join(f.relative_to(ROOT).with_suffix('').parts).removesuffix('.__init__') for f in (ROOT/'mlsys').rglob('*.py')}
    files -= {'mlsys', 'mlsys._modidx'}
    assert files == set(library_modules(ROOT)), files ^ set(library_modules(ROOT))


@pytest.mark.parametrize('module', MODULES)
def test_module_imports_no_heavy_library(module):
    code = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [], f"importing {module} loaded {json.loads(out)[:5]}"


def test_importtime_shows_no_heavy_library():
    err = subprocess.run([sys.executable, '-X', 'importtime', '-c', 'import mlsys'], capture_output=True, text=True).stderr
    for name in ['great_expectations', 'dvc', 'sklearn', 'papermill']:
        assert f' {name}' not in err, f'{name} appears in -X importtime output'


def import_graph(package:Path)->dict:
    "module -> the mlsys modules it imports anywhere in its source (inside functions too), a package's parents excluded."
    names = {}
    for f in package.rglob('*.py'):
        parts = f.relative_to(package.parent).with_suffix('').parts
        names['.'.join(parts[:-1] if parts[-1] == '__init__' else parts)] = f
    def owner(name):  # the module a dotted name lives in
        while name and name not in names and '.' in name: name = name.rsplit('.', 1)[0]
        return name if name in names else None
    graph = {}
    for mod, f in names.items():
        is_package = f.name == '__init__.py'
        deps = set()
        for node in ast.walk(ast.parse(f.read_text(encoding='utf-8'))):
            if isinstance(node, ast.Import): targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    here = mod.split('.') if is_package else mod.split('.')[:-1]
                    base = '.'.join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
                targets = [base] + [f'{base}.{a.name}' for a in node.names]
            else: continue
            for t in targets:
                t = owner(t)
                # importing a submodule runs its package's __init__ first; that is not a dependency of the package on it
                if t and t != mod and not mod.startswith(t + '.') and not t.startswith(mod + '.'): deps.add(t)
        graph[mod] = deps
    return graph


def find_circle(graph:dict)->list:
    "One import circle as a list of modules (first == last), or [] if there is none."
    state, path = {}, []
    def visit(m):
        state[m] = 'open'; path.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 'open': return path[path.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found: return found
        state[m] = 'done'; path.pop()
        return []
    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found: return found
    return []


def test_no_import_circle():
    circle = find_circle(import_graph(ROOT/'mlsys'))
    assert not circle, 'import circle: ' + ' -> '.join(circle)


def test_the_circle_finder_finds_a_circle_inside_a_function(tmp_path):
    pkg = tmp_path/'pkg'; pkg.mkdir()
    (pkg/'__init__.py').write_text('')
    (pkg/'a.py').write_text('from .b import f\n')
    (pkg/'b.py').write_text('def f():\n    from pkg.a import g\n    return g\n')
    assert find_circle(import_graph(pkg)) == ['pkg.a', 'pkg.b', 'pkg.a']
    (pkg/'b.py').write_text('def f(): return 1\n')
    assert find_circle(import_graph(pkg)) == []


def test_cli_module_only_parses_arguments():
    tree = ast.parse((ROOT/'mlsys'/'cli.py').read_text())
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert set(defined) <= {'_parser', '_parameters_help', '_summary', '_course', '_model', 'main'}, defined


def test_no_module_is_over_400_lines():
    long = {str(f.relative_to(ROOT)): n for f in (ROOT/'mlsys').rglob('*.py') if f.name != '_modidx.py'
            and (n := len(f.read_text().splitlines())) > 400}
    assert not long, long
