# Safeguard: `make run` serves the site with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PEOPLE ?= 5000
MANAGE := $(BIN)/python manage.py

.PHONY: run serve setup install system-deps assets migrate demo test test-fast lint format bench bench-load bench-delius clean

run: setup demo serve

setup: install assets migrate

# WeasyPrint (PDFs of records) needs Pango and a font from the system. As root with apt-get
# (CI, a container) the missing Debian packages are installed; otherwise the command to run is
# printed and everything else still works (only the PDF downloads and their tests need them).
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation
system-deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(PDF_DEBS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	  done; \
	elif ! $(PYTHON) -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('pangoft2-1.0'))"; then \
	  echo "PDFs need Pango and a font (on Debian: $(PDF_DEBS)); install them with your system's package manager."; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing what PDFs need:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }; \
	  else \
	    echo "PDFs need these Debian packages, which are missing:$$missing"; \
	    echo "  run: sudo apt-get install$$missing"; \
	    echo "  (pages work without them; PDF downloads and their tests do not)"; \
	  fi; \
	fi

# Runtime dependencies only; re-installed when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | system-deps
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
