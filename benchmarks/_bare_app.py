"""The floor of the FastAPI stack for the serving benchmarks: one plain endpoint that turns the JSON record into a
one-row DataFrame and calls model.predict_proba (no validation, routing, metrics or logging). Prints its URL."""
import sys


def main(uri:str, name:str='lapse'):
    import pandas as pd, uvicorn
    from fastapi import FastAPI
    from mlsys.modelops.registry import load_model
    from mlsys.modelops.launch import bind
    model = load_model(name, 'champion', uri).model
    app = FastAPI()
    @app.get('/health')
    def health(): return {'status': 'ok'}
    @app.post('/predict')
    def predict(record:dict): return {'score': float(model.predict_proba(pd.DataFrame([record]))[0, 1])}
    sock = bind('127.0.0.1', 0)
    print(f"bare app at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level='warning', access_log=False)).run(sockets=[sock])


if __name__ == '__main__': main(*sys.argv[1:])
