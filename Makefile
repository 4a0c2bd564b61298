# Wardrobe: common tasks. Everything runs from the local virtualenv in .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
DEV_STAMP := $(VENV)/.requirements-dev-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults for the embedded setup (SQLite + filesystem broker); override from the environment.
export DEBUG ?= 1

.PHONY: install install-dev lint browser-deps migrate run web worker test test-fast superuser collectstatic clean-var messages

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install requirements (again when requirements.txt changes)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -r requirements-dev.txt
	touch $(STAMP) $(DEV_STAMP)

install-dev: $(DEV_STAMP)  ## the app's requirements plus test, benchmark, training and lint tools

# Ruff: lint and format (settings in ruff.toml).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrate: install
	$(PY) manage.py migrate --noinput

# Web server and one Celery worker together; Ctrl-C stops both.
run: migrate
	@echo "Starting the worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@\
	$(PY) -m celery -A workers worker -Q vision -c 1 --prefetch-multiplier 1 -B -l info & \
	worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

web: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) -m celery -A workers worker -Q vision -c 1 --prefetch-multiplier 1 -B -l info

# The browser tests drive Debian's Chromium with chromedriver, tests/core/test_nginx.py runs Debian's nginx
# (and openssl for its certificate); install them when missing.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list | grep -qi nanum \
	  && { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && command -v openssl >/dev/null \
	  && command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx kor || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
	    fonts-nanum nginx openssl tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng; }

# The test suite runs against PostgreSQL and Redis on 127.0.0.1 (see pytest.ini), single process.
test: lint browser-deps
	$(VENV)/bin/pytest

test-fast: install-dev
	$(VENV)/bin/pytest -m "not e2e"

superuser: migrate
	$(PY) manage.py createsuperuser

collectstatic: install
	$(PY) manage.py collectstatic --noinput

# Extract new strings into the Korean catalogue, then compile it (needs GNU gettext).
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l ko --ignore=.venv --ignore=artifacts --ignore=var \
	  --ignore=staticfiles --ignore=tests --ignore=vision --ignore=bench --ignore=vocabulary
	DEBUG=1 $(PY) manage.py makemessages -d djangojs -l ko --ignore=.venv --ignore=artifacts --ignore=var \
	  --ignore=staticfiles
	DEBUG=1 $(PY) manage.py compilemessages -l ko --ignore=.venv

clean-var:
	rm -rf var
