# The prediction service (chapter 8) in a container.
# No container engine runs on the course machines, so this file is not built here; what can be checked is checked:
# it runs scripts/serve.sh, the same script the tests use to start the service (tests/code/test_container.py), and
# that script's `start` is exercised by tests/integration/test_serving.py.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python3 MLSYS_SERVE_HOST=0.0.0.0 MLSYS_SERVE_PORT=8000
WORKDIR /app
COPY setup.py settings.ini constraints.txt README.md ./
COPY mlsys ./mlsys
COPY scripts/serve.sh ./scripts/serve.sh
RUN scripts/serve.sh install
RUN useradd --create-home serving
USER serving
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready')"
CMD ["scripts/serve.sh", "start"]
