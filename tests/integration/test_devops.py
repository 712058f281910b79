"""The scaffolded project's pipeline, run locally: the same steps as its GitHub Actions workflow, end to end, and a
deliberately weakened model stopped by the gate with the check's name and the size of the miss."""
import json
import yaml
from mlsys.devops.pipeline import init_project, run_pipeline, workflow_steps, PIPELINE_STEPS, WORKFLOW, SETUP_IDS
from mlsys.devops.dora import dora_metrics, read_deploy_log


def test_pipeline_runs_the_workflows_steps_and_the_gate_stops_a_weaker_model(tmp_path):
    proj = init_project(tmp_path/'churn')
    # the workflow file, read as plain YAML: its non-setup `run` steps are the declared stages
    wf = yaml.safe_load((proj/WORKFLOW).read_text())['jobs']['pipeline']
    declared = [(s['id'], s['run']) for s in wf['steps'] if 'run' in s and s.get('id') not in SETUP_IDS]
    assert declared == PIPELINE_STEPS == workflow_steps(proj)[0]
    ran = []
    res = run_pipeline(proj, progress=lambda st: ran.append((st['stage'], st['command'])))
    assert res.ok, f"{res}"
    assert ran == declared  # the local runner executed exactly the workflow's steps, in order
    champion = (proj/'registry'/'champion.skops').read_bytes()
    # weaken the model: drop the two strongest features; it still beats a coin flip, so only the gate can stop it
    params = yaml.safe_load((proj/'params.yaml').read_text())
    params['train']['features'] = ['tenure_months', 'monthly_spend']
    (proj/'params.yaml').write_text(yaml.safe_dump(params))
    weak = run_pipeline(proj, start='train')
    status = {s['stage']: s['status'] for s in weak.stages}
    assert status == {'lint': 'skipped', 'unit_tests': 'skipped', 'data_tests': 'skipped', 'train': 'passed', 'model_tests': 'passed',
                      'gate': 'failed', 'smoke_test': 'not run', 'promote': 'not run'}, weak
    assert "stage 'gate'" in weak.failure and 'beats_champion' in weak.failure and 'misses the margin 0.005 by' in weak.failure, weak.failure
    assert (proj/'registry'/'champion.skops').read_bytes() == champion  # production untouched
    log = read_deploy_log(proj/'registry'/'deploys.jsonl')
    assert [d.action for d in log] == ['deploy', 'refused']
    rep = dora_metrics(proj, proj/'registry'/'deploys.jsonl')  # the student's own project measured like any repository
    assert (rep.deployments, rep.refused, rep.changes) == (1, 1, 1)


def test_the_lab_gives_the_instructor_a_table_of_stages(tmp_path):
    from mlsys.course.labs import run_lab
    from helpers import ROOT
    broken = init_project(tmp_path/'broken')
    (broken/'src'/'churn'/'scratch.py').write_text('import os\n')  # lint fails first
    (tmp_path/'roster.csv').write_text(f'student_id,project,last_stage\nana,,unit_tests\nbo,{broken},unit_tests\n')
    table = run_lab(ROOT/'labs'/'pipeline_stages.ipynb', tmp_path/'roster.csv', tmp_path/'out', workers=2, timeout=240).set_index('id')
    assert (table.status == 'success').all(), table[['status', 'error']]
    assert table.loc['ana', ['lint', 'unit_tests', 'data_tests']].tolist() == ['passed', 'passed', 'skipped']
    assert table.loc['bo', ['lint', 'unit_tests']].tolist() == ['failed', 'not run']
    assert table.loc['bo', 'failed_stage'] == 'lint' and 'F401' in table.loc['bo', 'reason']
    assert table.stages_passed.to_dict() == {'ana': 2, 'bo': 0}


def test_lock_conflict_check_passes_only_the_repro_resolution(tmp_path):
    import shutil
    from mlsys.devops.gitflow import make_lock_conflict, check_lock_resolution, repro, bundle, unbundle
    from mlsys.devops.history import git
    conf = make_lock_conflict(tmp_path/'conflict')
    hand = shutil.copytree(conf, tmp_path/'hand')
    merged = 'prepare:\n  min_spend: 5\n  window_weeks: 12\n'
    assert 'still in progress' in check_lock_resolution(conf)[0]
    # wrong: the lock's parameter lines edited by hand to match params.yaml; its output hash is main's stale one
    (hand/'params.yaml').write_text(merged)
    git(hand, 'checkout', '--ours', 'dvc.lock')
    (hand/'dvc.lock').write_text((hand/'dvc.lock').read_text().replace('prepare.window_weeks: 8', 'prepare.window_weeks: 12'))
    git(hand, 'add', '-A'); git(hand, 'commit', '-q', '--no-edit')
    problems = check_lock_resolution(unbundle(bundle(hand), tmp_path/'hand-in'))
    assert len(problems) == 1 and 'differs in: outs' in problems[0] and 'never edit it by hand' in problems[0], problems
    # right: params merged, dvc repro writes the lock, both committed
    (conf/'params.yaml').write_text(merged)
    git(conf, 'checkout', '--ours', 'dvc.lock'); repro(conf)
    git(conf, 'add', 'params.yaml', 'dvc.lock'); git(conf, 'commit', '-q', '--no-edit')
    assert check_lock_resolution(unbundle(bundle(conf), tmp_path/'right-in')) == []
