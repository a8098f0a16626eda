# Safeguard: `make run` serves the site with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PEOPLE ?= 5000
MANAGE := $(BIN)/python manage.py

.PHONY: run serve setup install assets migrate demo test test-fast lint format bench bench-load bench-delius clean

run: setup demo serve

setup: install assets migrate

# Runtime dependencies only; re-installed when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

# Test and lint tools on top.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

# GOV.UK Frontend's CSS asks for fonts and images under /assets/: copy just what pages use.
var/vendor/.copied: node_modules/.installed
	@rm -rf var/vendor && mkdir -p var/vendor/govuk var/vendor/moj var/vendor/autocomplete
	cp -R node_modules/govuk-frontend/dist/govuk/assets/. var/vendor/
	cp -R node_modules/@ministryofjustice/frontend/moj/assets/. var/vendor/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.{css,js} var/vendor/govuk/
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.{css,js} var/vendor/moj/
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.{css,js} var/vendor/autocomplete/
	cp node_modules/axe-core/axe.min.js var/axe.min.js
	@touch $@

assets: var/vendor/.copied install
	$(MANAGE) collectstatic --noinput --verbosity 0

migrate: install
	$(MANAGE) migrate --noinput --verbosity 0

demo: migrate
	$(MANAGE) seed_demo --if-empty --people $(DEMO_PEOPLE)

serve:
	@echo "Safeguard is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@trap 'kill 0' EXIT INT TERM; \
	$(MANAGE) db_worker --verbosity 0 & \
	$(MANAGE) engagement_sweep --every 300 --dispatch --verbosity 0 & \
	$(MANAGE) alerts_sweep --every 60 --dispatch --verbosity 0 & \
	$(BIN)/gunicorn safeguard.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT)

test: $(VENV)/.installed-dev var/vendor/.copied
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-dev var/vendor/.copied
	$(BIN)/python -m pytest -m "not browser" -x

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup $(VENV)/.installed-dev
	$(BIN)/python -m bench.run
	$(MAKE) bench-load
	$(MAKE) bench-delius

# The nDelius bulk load (240,000 cases, 1.5M registrations): see bench/delius_import.py.
bench-delius: setup $(VENV)/.installed-dev
	$(BIN)/python -m bench.delius_import

# Locust against gunicorn (production settings) on the same database: see bench/load.py.
bench-load: setup $(VENV)/.installed-dev
	$(BIN)/python -m bench.load

clean:
	rm -rf var/static var/vendor
