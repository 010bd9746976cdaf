# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test sso-idp test-deploy lint format migrations-check seed shell clean help

help:
	@echo "make run    - install, migrate, seed demo data, serve http://127.0.0.1:8000 with a Celery worker and beat"
	@echo "make test   - install test dependencies and run the whole suite"
	@echo "make test-deploy - docker-compose.yml's services as processes behind nginx (TLS), driven by a browser"
	@echo "make lint   - ruff check, ruff format --check, makemigrations --check"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e ".[dev,test]"
	@touch $@

# Local development on the embedded defaults: SQLite under var/, email kept in var/mail/
# and shown at /dev/mailbox/, and the filesystem Celery broker (no servers). Ctrl-C stops the web server, worker and beat.
run: export DEBUG ?= 1
run: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

# PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, SQLite otherwise.
test: $(VENV)/.installed-test sso-idp
	$(PY) -m pytest $(PYTEST_ARGS)

# The single sign-on tests' OpenID Connect provider is npm's oidc-provider (tests/sso/idp, pinned by
# its package-lock.json). Without npm those tests are skipped, with the reason.
IDP := tests/sso/idp
sso-idp:
	@if command -v npm >/dev/null 2>&1 && [ ! $(IDP)/node_modules/.package-lock.json -nt $(IDP)/package-lock.json ]; then \
		cd $(IDP) && npm ci --no-audit --no-fund --silent; fi

# docker-compose.yml's services started as processes behind nginx (deploy/topology.py) and
# driven through https:// (tests/deploy). Needs nginx, and PostgreSQL and Redis on 127.0.0.1
# (TOPOLOGY_POSTGRES, TOPOLOGY_DATABASE, TOPOLOGY_REDIS_DB choose which); `make test` leaves these out.
test-deploy: $(VENV)/.installed-test
	$(PY) -m pytest -m deploy tests/deploy $(PYTEST_ARGS)

lint: export DEBUG ?= 1
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

seed: export DEBUG ?= 1
seed: $(VENV)/.installed-run
	$(PY) manage.py seed_demo

shell: export DEBUG ?= 1
shell: $(VENV)/.installed-run
	$(PY) manage.py shell

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
