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

.PHONY: run serve test bench install lint check mypy-baseline format lock migrate seed clean messages gettext

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

# The compiled translation catalogues (see "Translations" below).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
install: $(VENV)/.installed $(MO_FILES)

# --- Translations (docs/configuration.md, "Languages") --------------------------------------
# The catalogues locale/<code>/LC_MESSAGES/django.po are committed; their compiled .mo files
# are built by install (so run, test and bench have them) and never committed. msgfmt is
# GNU gettext's: installed with apt-get when missing, as .ci/run does for Chromium.
# What `make messages` and tests/test_i18n.py leave out when they look for marked strings.
MESSAGES_IGNORE = .venv node_modules tests var static staticfiles docs locale

gettext:
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || { echo "installing GNU gettext (apt-get)" >&2; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >&2 && apt-get install -y -qq gettext >&2; }

%.mo: %.po | gettext
	@msgfmt --check --output-file=$@ $<

# Brings every catalogue up to date with the strings marked in templates and Python; then
# translate the new entries (no empty or fuzzy ones: tests/test_i18n.py fails on them).
messages: install gettext
	DEBUG=true DATABASE_URL=sqlite://:memory: $(PY) manage.py makemessages --all --no-obsolete \
	  --add-location=file $(addprefix --ignore=,$(MESSAGES_IGNORE))

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

# The code checks CI runs before the tests (.ci/run), and the pre-commit hooks the same:
# lint and format, migrations in step with the models, types (mypy with django-stubs over
# the apps; the baseline is in pyproject.toml), and no `# type: ignore` without a reason
# after it. 5-15 s; mypy takes 6-11 s of it cold, about one second with its cache (var/mypy)
# warm. makemigrations compares models with migration files only: an in-memory database
# keeps it from needing (or warning about) a server.
APPS = accounts api bookings config feedback notifications payments privacy schedules waitlist
check: lint
	DEBUG="$${DEBUG:-true}" DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy
	@if grep -rnE --include='*.py' 'type: ignore(\[[^]]*\])?[[:space:]]*$$' $(APPS) tests; then \
	  echo 'Say why after each "# type: ignore[code]", as "  # why".' >&2; exit 1; fi

# The errors the mypy baseline (pyproject.toml) hides, to fix some and shrink it.
mypy-baseline: install
	@mkdir -p var && sed '/^# THE BASELINE/,$$d' pyproject.toml > var/mypy-no-baseline.toml
	-$(VENV)/bin/mypy --config-file var/mypy-no-baseline.toml --cache-dir var/mypy-no-baseline

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
