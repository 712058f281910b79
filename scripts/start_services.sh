#!/usr/bin/env bash
# Install (from Debian's packages) and start the servers the integration tests use, on 127.0.0.1 only:
# PostgreSQL, Redis, an MLflow tracking server (PostgreSQL backend store) and Prometheus; also installs Debian's bubblewrap (grading
# sandboxes) and chromium for the browser tests (Playwright drives it; downloading
# Playwright's own browsers needs a network this project does not assume). Writes the URLs to .services.env
# (git-ignored) for `make pytest`.
# Idempotent: servers already running are reused.
set -uo pipefail
cd "$(dirname "$0")/.."
ENV_FILE=.services.env
: > "$ENV_FILE"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; AS_PG="runuser -u postgres --"; else SUDO="sudo -n"; AS_PG="sudo -n -u postgres"; fi

need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)  # chapter 9: metrics and alert rules
command -v bwrap >/dev/null || need+=(bubblewrap)  # grading sandboxes: mlsys course grade refuses to run without it
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]}: the tests that need them will be skipped"; exit 0; }
fi

# PostgreSQL: the distribution's cluster, a role and database for the tests, password auth on loopback.
PG_PORT=${MLSYS_PG_PORT:-5432}
ver=$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1 | cut -d/ -f5)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then $SUDO pg_createcluster "$ver" main >/dev/null; fi
cluster=$(pg_lsclusters -h | head -1 | awk '{print $1" "$2}')
PG_PORT=$(pg_lsclusters -h | head -1 | awk '{print $3}')
$SUDO pg_ctlcluster $cluster start 2>/dev/null || true
for i in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$PG_PORT" -q && break; sleep 0.5; done
PG_PASSWORD=${MLSYS_PG_PASSWORD:-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
$AS_PG psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mlsys') THEN CREATE ROLE mlsys LOGIN; END IF;
END \$\$;
ALTER ROLE mlsys WITH LOGIN CREATEROLE PASSWORD '$PG_PASSWORD';  -- CREATEROLE: the least-privilege test makes a read-only ingestion role
SQL
$AS_PG psql -q -p "$PG_PORT" -tc "SELECT 1 FROM pg_database WHERE datname = 'mlsys_test'" | grep -q 1 \
  || $AS_PG createdb -p "$PG_PORT" -O mlsys mlsys_test
echo "MLSYS_TEST_POSTGRES_URL=postgresql+psycopg://mlsys:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlsys_test" >> "$ENV_FILE"

# Redis: a private instance on a loopback port, no persistence.
REDIS_PORT=${MLSYS_REDIS_PORT:-6390}
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes >/dev/null
  for i in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
echo "MLSYS_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0" >> "$ENV_FILE"

# MLflow tracking server for chapters 6-7 and the class leaderboard: its own database (mlsys_mlflow) on the same
# PostgreSQL, artifacts in a local folder, served on a free loopback port, by the project venv's mlflow. Reused if it
# answers and uses the current password (the password above changes on every run, so a new one restarts it).
MLFLOW_BIN=${MLSYS_MLFLOW_BIN:-.venv/bin/mlflow}
MLFLOW_DIR=${MLSYS_MLFLOW_DIR:-.services/mlflow}
healthy() { python3 -c "import sys, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/health', timeout=2)" "$1" >/dev/null 2>&1; }
if [ -x "$MLFLOW_BIN" ]; then
  $AS_PG psql -q -p "$PG_PORT" -tc "SELECT 1 FROM pg_database WHERE datname = 'mlsys_mlflow'" | grep -q 1 \
    || $AS_PG createdb -p "$PG_PORT" -O mlsys mlsys_mlflow
  mkdir -p "$MLFLOW_DIR/artifacts"
  BACKEND="postgresql+psycopg://mlsys:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlsys_mlflow"
  KEY=$(printf %s "$BACKEND" | sha256sum | cut -c1-16)
  MLFLOW_PORT=$(cat "$MLFLOW_DIR/port" 2>/dev/null || true)
  if [ -z "$MLFLOW_PORT" ] || [ "$(cat "$MLFLOW_DIR/key" 2>/dev/null)" != "$KEY" ] || ! healthy "$MLFLOW_PORT"; then
    if [ -f "$MLFLOW_DIR/pid" ]; then kill "$(cat "$MLFLOW_DIR/pid")" 2>/dev/null && sleep 1; fi
    MLFLOW_PORT=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    MLFLOW_DISABLE_TELEMETRY=true nohup "$MLFLOW_BIN" server --backend-store-uri "$BACKEND" \
      --artifacts-destination "$(cd "$MLFLOW_DIR" && pwd)/artifacts" --serve-artifacts \
      --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 > "$MLFLOW_DIR/server.log" 2>&1 &
    echo $! > "$MLFLOW_DIR/pid"; echo "$MLFLOW_PORT" > "$MLFLOW_DIR/port"; echo "$KEY" > "$MLFLOW_DIR/key"
    for i in $(seq 1 240); do healthy "$MLFLOW_PORT" && break; sleep 0.5; done
  fi
  if healthy "$MLFLOW_PORT"; then echo "MLSYS_TEST_MLFLOW_URL=http://127.0.0.1:$MLFLOW_PORT" >> "$ENV_FILE"
  else echo "mlflow server did not start: see $MLFLOW_DIR/server.log"; MLFLOW_PORT=; fi
else echo "no $MLFLOW_BIN (make setup first): the MLflow server tests will be skipped"; fi
# Prometheus (chapter 9): Debian's binary on a free loopback port, loading the shipped alert rules and scraping every
# target listed in .services/prometheus/targets/*.json (a service started for the class adds its own file; Prometheus
# rereads them). Reused if it answers, reloaded so that a changed rules file takes effect. Tests start their own.
PROM_BIN=${MLSYS_PROMETHEUS_BIN:-$(command -v prometheus || true)}
PROM_DIR=${MLSYS_PROMETHEUS_DIR:-.services/prometheus}
prom_ready() { python3 -c "import sys, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/-/ready', timeout=2)" "$1" >/dev/null 2>&1; }
if [ -n "$PROM_BIN" ]; then
  mkdir -p "$PROM_DIR/targets" "$PROM_DIR/data"
  PROM_ABS=$(cd "$PROM_DIR" && pwd)
  cat > "$PROM_DIR/prometheus.yml" <<YAML
global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: ['$(pwd)/monitoring/rules/mlsys_alerts.yml']
scrape_configs:
- job_name: mlsys
  file_sd_configs: [{files: ['$PROM_ABS/targets/*.json'], refresh_interval: 5s}]
YAML
  PROM_PORT=$(cat "$PROM_DIR/port" 2>/dev/null || true)
  if [ -n "$PROM_PORT" ] && prom_ready "$PROM_PORT"; then
    python3 -c "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:{sys.argv[1]}/-/reload', method='POST'), timeout=5)" "$PROM_PORT" >/dev/null 2>&1 \
      || echo "prometheus on $PROM_PORT did not reload its configuration: see $PROM_DIR/server.log"
  else
    if [ -f "$PROM_DIR/pid" ]; then kill "$(cat "$PROM_DIR/pid")" 2>/dev/null && sleep 1; fi
    PROM_PORT=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    nohup "$PROM_BIN" --config.file="$PROM_ABS/prometheus.yml" --web.listen-address="127.0.0.1:$PROM_PORT" \
      --storage.tsdb.path="$PROM_ABS/data" --web.enable-lifecycle > "$PROM_DIR/server.log" 2>&1 &
    echo $! > "$PROM_DIR/pid"; echo "$PROM_PORT" > "$PROM_DIR/port"
    for i in $(seq 1 120); do prom_ready "$PROM_PORT" && break; sleep 0.5; done
  fi
  if prom_ready "$PROM_PORT"; then echo "MLSYS_TEST_PROMETHEUS_URL=http://127.0.0.1:$PROM_PORT" >> "$ENV_FILE"
  else echo "prometheus did not start: see $PROM_DIR/server.log"; PROM_PORT=; fi
else echo "no prometheus binary: the monitoring tests will fail in CI and be skipped elsewhere"; fi
echo "services: PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT${MLFLOW_PORT:+, MLflow on 127.0.0.1:$MLFLOW_PORT}${PROM_PORT:+, Prometheus on 127.0.0.1:$PROM_PORT}"
