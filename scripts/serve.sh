#!/usr/bin/env bash
# The prediction service's install and start commands, in one place: the Dockerfile runs `serve.sh install` at build
# and `serve.sh start` as its command; the tests start the service with `serve.sh start` (tests/integration/
# test_serving.py) and check that the Dockerfile calls this script (tests/code/test_container.py).
#   scripts/serve.sh install   install mlsys with the pinned constraints into $PYTHON's environment
#   scripts/serve.sh start     serve the champion of $MLSYS_MODEL from $MLFLOW_TRACKING_URI on $MLSYS_SERVE_HOST:$MLSYS_SERVE_PORT
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
export MLFLOW_DISABLE_TELEMETRY=true OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
case "${1:-}" in
  install)
    "$PYTHON" -m pip install --no-cache-dir -c "$HERE/constraints.txt" "$HERE" ;;
  start)
    exec "$PYTHON" -c 'import sys; from mlsys.cli import main; sys.exit(main(sys.argv[1:]))' serve --name "${MLSYS_MODEL:-lapse}" --host "${MLSYS_SERVE_HOST:-127.0.0.1}" \
      --port "${MLSYS_SERVE_PORT:-8000}" --poll "${MLSYS_SERVE_POLL:-2}" ;;
  *)
    echo "usage: $0 install|start" >&2; exit 2 ;;
esac
