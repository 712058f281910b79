"Helpers of the serving tests: a small registry (built once per data home, copied per test module) and a real service."
import shutil
from pathlib import Path


def registry_copy(dest:Path)->str:
    """A tracking store in `dest` holding model 'lapse' with versions 1 (champion) and 2 (challenger): two small
    gradient-boosting models on the lapse task. Built once per data home (under a lock, for pytest -n 2), then copied."""
    from mlsys.core.config import data_home
    from mlsys.modelops.task import _locked, prepare_task
    from mlsys.modelops.training import train
    from mlsys.modelops.tracking import local_store, track_run
    from mlsys.modelops.registry import register
    template = data_home()/'serving-test-registry'
    with _locked(template):
        if not (template/'done').exists():
            uri = local_store(template/'store')
            task = prepare_task()
            register(track_run(train(task, 'boosting', max_iter=10), uri=uri), uri=uri, alias='champion')
            register(track_run(train(task, 'boosting', max_iter=25, learning_rate=0.2), uri=uri), uri=uri, alias='challenger')
            (template/'done').write_text('ok')
        shutil.copytree(template/'store', dest)
    return local_store(dest)


class BoundedLog:
    "A prediction log with a bounded in-memory queue: `put` never blocks and says False when the record is dropped."
    def __init__(self, size:int=100_000):
        import queue
        self.q = queue.Queue(maxsize=size)
    def put(self, record:dict)->bool:
        import queue
        try: self.q.put_nowait(record); return True
        except queue.Full: return False
    def records(self)->list:
        out = []
        while not self.q.empty(): out.append(self.q.get_nowait())
        return out
