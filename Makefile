# Canlian — two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PERSONS ?= 3000
DEMO_YEAR ?= 2024
# the suite runs on both cores (pytest-xdist); PYTEST_WORKERS=0 runs it in one process
PYTEST_WORKERS ?= 2

.PHONY: run test test-only lint install install-dev catalogs browser demo worker bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

catalogs: $(VENV)/.runtime
	$(PY) manage.py compile_catalogs

## make run: install, migrate, load the demo district if empty, start the worker and the server.
run: install catalogs browser
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo --if-empty --persons $(DEMO_PERSONS) --year $(DEMO_YEAR) --seed 1
	DEBUG=1 $(PY) manage.py demo_logins
	@echo "Canlian: http://$(HOST):$(PORT)/"
	DEBUG=1 $(PY) manage.py db_worker --interval 1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

browser:
	bash scripts/ensure-system-packages.sh

lint: install-dev
	$(VENV)/bin/ruff check .

## make test: install everything (including Debian's chromium and a CJK font) and run the whole suite.
test: install-dev catalogs browser lint test-only

test-only:
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS)

bench: install-dev catalogs
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) var staticfiles
