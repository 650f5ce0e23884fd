# Shala: `make run` serves the demo studio, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
ONLY   ?=
# Links in e-mails and the Site record (set by migrate) follow HOST and PORT, unless
# SITE_URL is set in the environment, on the command line or in .env.
ifeq ($(origin SITE_URL)$(shell grep -qs '^SITE_URL=' .env && echo .env),undefined)
export SITE_URL := http://$(HOST):$(PORT)
endif

.PHONY: run serve test bench install lint format lock migrate seed clean

# The demo's steps run with DEBUG on unless it is set, like `serve`: with DEBUG off the
# settings refuse to start without a SECRET_KEY (docs/configuration.md).
DEMO_ENV = DEBUG="$${DEBUG:-true}"

# Installing reports on stderr, so `make bench` keeps stdout for its JSON alone.
$(VENV)/.installed: pyproject.toml constraints.txt package.json package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) >&2 || python3 -m venv $(VENV) >&2
	@echo "installing dependencies into $(VENV)" >&2
	@$(PY) -m pip install --quiet --upgrade pip >&2
	@$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]' >&2
	@echo "installing front-end packages into node_modules (npm ci)" >&2
	@npm ci --no-audit --no-fund --loglevel=error >&2
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(PY) manage.py seed_demo

# Web server, Celery worker and beat side by side (Procfile.dev, supervised by honcho);
# Ctrl-C or SIGTERM stops all three, once.
run: seed
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v0
	@$(MAKE) --no-print-directory serve

# The three processes alone, on the database as it is (no install, migrate or seed).
serve:
	@echo ""
	@echo "  Shala is running at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  E-mails are printed here and kept in var/mail/ (staff: http://$(HOST):$(PORT)/dev/inbox/)"
	@echo ""
	@HOST=$(HOST) PORT=$(PORT) DEBUG="$${DEBUG:-true}" EMAIL_URL="$${EMAIL_URL:-devmail://}" PYTHONUNBUFFERED=1 \
	  PATH="$(abspath $(VENV))/bin:$$PATH" exec $(VENV)/bin/honcho -f Procfile.dev start

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	@$(PY) tests/bench/run.py $(if $(ONLY),--only $(ONLY),)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every transitive dependency after changing pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf var/broker var/celerybeat-schedule* .pytest_cache
