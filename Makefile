# One task runner. `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PEOPLE ?= 5000
SEED ?= 42

# The embedded developer setup runs with DEBUG on; production sets DJANGO_DEBUG=0 and a secret key.
export DJANGO_DEBUG ?= 1

.PHONY: run setup serve test lint format check bench clean-db screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compile_translations
	$(PY) manage.py notifications_sync_schedules
	$(PY) manage.py seed_demo --people $(PEOPLE) --seed $(SEED) --with-accounts

run: setup serve

# Web server and django-q2 cluster together; one Ctrl-C stops both (bin/serve kills its group).
serve: $(VENV)/.installed
	bin/serve

test: $(VENV)/.installed
	$(PY) manage.py compile_translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The README's screenshots: the browser journey (e2e/) saves them at 360 and 1280 px in Debian's Chromium
# (with chromium-l10n installed, its date fields and file chooser are drawn in Russian like the pages).
screenshots: $(VENV)/.installed
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { echo "make screenshots needs Chromium: apt-get install chromium" >&2; exit 1; }
	$(PY) manage.py compile_translations
	E2E_SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest e2e -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.installed
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean-db:
	rm -f var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm
