# The two commands of the README: `make run` (set up and run the main job) and `make test` (set up and test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export GX_ANALYTICS_ENABLED := false
export DVC_NO_ANALYTICS := 1
export DO_NOT_TRACK := 1

.PHONY: setup run test check-sync nbtest pytest services benchmark site student lab

$(VENV)/.installed: setup.py settings.ini constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# The flagship pipeline on all 1,469,307 real transactions; pass more with ARGS="-p sample_households 100".
run: setup
	$(BIN)/mlsys run $(ARGS)

# nbdev_export / nbdev_clean / README generation must not change any tracked file.
check-sync: setup
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_clean --fname pipelines
	$(BIN)/nbdev_clean --fname case_studies
	$(BIN)/nbdev_clean --fname labs
	$(BIN)/nbdev_clean --fname exercises
	$(BIN)/mlsys readme
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git diff --exit-code --stat || { echo "nbdev_export, nbdev_clean or mlsys readme changed tracked files: commit their result"; exit 1; }; \
	fi

# Two suites side by side on two cores: each process gets one native thread (OpenMP/BLAS), or their threads
# oversubscribe the cores (two gradient-boosting fits at once took 1.9x longer each with the default threads).
SHARE_CORES := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

nbtest: setup
	$(SHARE_CORES) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nbdev_test --n_workers 2

# PostgreSQL and Redis from Debian's packages, on 127.0.0.1 (their URLs go to .services.env).
services:
	bash scripts/start_services.sh

# Two workers, each test file on one of them (module fixtures such as the browser's site are built once);
# the slowest tests are listed at the end so that a slow suite is seen, not guessed.
pytest: setup services
	set -a; . ./.services.env; set +a; $(SHARE_CORES) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest tests -q -n 2 --dist loadfile --durations=25

test: check-sync nbtest pytest

benchmark: setup services
	set -a; . ./.services.env; set +a; for b in benchmarks/[a-z]*.py; do case $$b in *baseline*) continue;; esac; \
	  PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python $$b || exit 1; done

# The course as a static site (every notebook executed; works offline), and the student edition.
site: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/mlsys course site --out site

student: setup
	$(BIN)/mlsys course release --out student

# JupyterLab on 127.0.0.1 with the exercises open, offline by design: the settings in jupyter-config/ (added to the
# student's own) turn off the news feed and update checks; the kernel is the venv's Python.
lab: setup
	JUPYTER_CONFIG_PATH="$(abspath jupyter-config)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" PATH="$(abspath $(BIN)):$$PATH" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/exercises
