# Thin wrappers over uv. A fresh machine needs only Python 3.11+: uv itself is
# bootstrapped from PyPI into .tools/, and the project's environment is .venv/.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
# Installed packages come with their bytecode: where PYTHONDONTWRITEBYTECODE is set (as
# on CI machines) nothing else writes it, and every process start compiled fastapi,
# sqlalchemy, strawberry and the rest from source (importing the app 3.8 s -> 1.6-1.9 s).
export UV_COMPILE_BYTECODE := 1
RUN := $(UV) run --frozen --no-sync

MIGOV_HOST ?= 127.0.0.1
MIGOV_PORT ?= 8000

.PHONY: setup setup-prod run serve test test-busy test-sqlite test-pg lint fmt typecheck openapi openapi-check \
	migrate revision validate check bench bench-data wrk fuzz soak clean

$(UV):
	@echo "migov: fetching uv into $(TOOLS)/..."
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

# Dev environment (tests, linters). Re-running is a no-op when the lock is unchanged.
setup: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# Runtime only.
setup-prod: $(UV)
	$(UV) sync --frozen --no-default-groups --python $(PYTHON)

# Install what serving needs (no test or lint tools: --no-default-groups; --inexact keeps
# them in a dev environment), migrate, load the curated data and serve on SQLite (or
# MIGOV_DATABASE_URL), quietly: the last line printed is the address to open.
run: $(UV)
	@echo "migov: installing what serving needs..."
	@$(UV) sync --quiet --frozen --no-default-groups --inexact --python $(PYTHON)
	@mkdir -p var
	@$(RUN) migov migrate
	@$(RUN) migov data load --brief
	@$(RUN) migov serve --host $(MIGOV_HOST) --port $(MIGOV_PORT)

# The whole suite on SQLite, then again on PostgreSQL when MIGOV_TEST_DATABASE_URL is set.
# Without it the PostgreSQL run is skipped, and the output says so before and after.
# Each run spreads its test files over TEST_WORKERS processes (pytest-xdist); every
# process has a database and folders of its own (tests/conftest.py).
TEST_WORKERS ?= 4
PYTEST := $(RUN) pytest -n $(TEST_WORKERS) --dist loadfile
test: setup
	$(RUN) migov data validate
	@if [ -z "$$MIGOV_TEST_DATABASE_URL" ]; then \
		echo "== SQLite ONLY: MIGOV_TEST_DATABASE_URL is empty, so PostgreSQL is NOT tested" \
			"(set it, or run make test-pg / .ci/run)"; \
	else \
		echo "== SQLite, then PostgreSQL: $$MIGOV_TEST_DATABASE_URL"; \
	fi
	MIGOV_TEST_DATABASE_URL= $(PYTEST)
	@if [ -n "$$MIGOV_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$MIGOV_TEST_DATABASE_URL"; \
		$(PYTEST); \
	else \
		echo "== Tested on SQLite ONLY; PostgreSQL was NOT tested (MIGOV_TEST_DATABASE_URL is empty)"; \
	fi

# `make test` five times in a row beside two CPU-bound processes (.ci/busy N for N runs).
test-busy: setup
	.ci/busy 5

test-pg: setup
	MIGOV_TEST_DATABASE_URL=$${MIGOV_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} $(PYTEST)

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

fmt: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: setup
	$(RUN) mypy app tests $(wildcard bench/*.py)

# openapi/ and the settings documents (.env.example, the table in docs/deploying.md).
openapi: setup
	$(RUN) python -m app.contracts write

openapi-check: setup
	$(RUN) python -m app.contracts check

migrate: setup
	mkdir -p var
	$(RUN) migov migrate

revision: setup
	$(RUN) alembic revision --autogenerate -m "$(m)"

validate: setup
	$(RUN) migov data validate

# Benchmark data (bench/data.py) into MIGOV_DATABASE_URL when it names PostgreSQL, else into
# migov_bench on the local server; BENCH_DATA_ARGS=--fresh replaces what a database holds.
bench-data: setup
	$(RUN) python -m bench.data $(BENCH_DATA_ARGS)

# migov against bench/baseline.py under wrk, in a database of its own (MIGOV_BENCH_DATABASE_URL,
# default migov_bench on 127.0.0.1:5432); prints the markdown table. Not part of CI.
bench: setup wrk
	$(RUN) python -m bench.run $(BENCH_ARGS)

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing wrk (Debian package)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }

# schemathesis against a live server (see bench/fuzz.sh).
fuzz: setup
	bench/fuzz.sh

# Mixed read/write load at 64 connections for 60 s; errors, p99 and RSS growth (bench/soak.sh).
# Figures go in docs/reliability.md, not in CI.
soak: setup
	bench/soak.sh

check: lint typecheck openapi-check test

clean:
	rm -rf $(TOOLS) $(VENV) var .mypy_cache .ruff_cache .pytest_cache
