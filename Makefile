# Ambon 112 — the two commands: `make run` serves the system, `make test` tests it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup lint messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## Install, migrate, load the Ambon data and demo accounts, serve on http://$(HOST):$(PORT)
run: setup
	$(PY) manage.py create_demo_accounts
	$(PY) manage.py create_demo_positions
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

setup: $(VENV)/.installed
	@mkdir -p var/staticfiles
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_ambon
	$(PY) manage.py create_signing_key --if-missing

## Lint, check migrations, run the whole test suite
test: lint
	@mkdir -p var/staticfiles
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

## Lint and check formatting (ruff)
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Compile the translations with polib (no GNU gettext needed)
messages: $(VENV)/.installed-test
	$(PY) -m ambon112.i18n

clean:
	rm -rf $(VENV) var
