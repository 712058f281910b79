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
