# Handoff. Needs only python3 (3.11 or newer) and make; everything else goes into .venv.
#
#   make run     install if needed, then start the app (python app.py)
#   make test    install if needed, then run the tests (in parallel; TEST_WORKERS=0: serially)
#   make lint    ruff check, ruff format --check and mypy
#   make format  fix what ruff can fix, then format
#   make bench   run every bench/*.py script
#   make lock    regenerate requirements.lock from pyproject.toml (needs network)
#   make clean   remove .venv and caches (never the database)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench lock clean

help:
	@sed -n 's/^#   make /  make /p' $(firstword $(MAKEFILE_LIST))

# The virtualenv itself. Refuses an old Python, and removes a half-made .venv if venv fails
# (on Debian and Ubuntu that usually means the python3-venv package is missing).
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Handoff needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)." >&2; \
		echo "Run make with PYTHON=/path/to/python3.11 (or newer)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

# Installed packages. A real file, rebuilt only when requirements.lock is newer than it.
# The venv is an order-only prerequisite: its python is a symlink whose time means nothing.
$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

run: $(STAMP)
	$(PY) app.py

# Most tests wait on the network, sleeps and subprocesses rather than on the CPU, so three
# workers (pytest-xdist) roughly halve the run even on two cores. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 3

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Each script runs from the repository root with the project importable.
bench: $(STAMP)
	@set -e; found=0; for script in bench/*.py; do \
		[ -f "$$script" ] || continue; found=1; \
		echo "== $$script"; PYTHONPATH=. $(PY) "$$script"; \
	done; [ $$found = 1 ] || echo "No bench/*.py scripts yet."

# uv is a tool for maintainers, not a locked dependency, so it is installed on demand.
lock: | $(PY)
	@[ -x $(BIN)/uv ] || $(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		-o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
