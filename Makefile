# benhan: `make run` serves the demo on http://127.0.0.1:8000 with SQLite; `make test` runs everything.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := benhan.settings
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run install migrate demo test test-sqlite test-postgres test-browser-deps fhir-package lint typecheck bench definitions clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/benhan migrate --no-input

demo: migrate
	$(BIN)/benhan demo

# The local demo has no SMS gateway: patient login codes are printed in the server log.
run: demo
	BENHAN_SMS_TO_LOG=1 $(BIN)/benhan serve --host 127.0.0.1 --port 8000

# Browser tests drive Debian's Chromium; install it when it is missing (needs root, as in CI).
test-browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@# WeasyPrint subsets fonts with HarfBuzz in ~0.1 s a form; without it fontTools takes ~0.8 s.
	@ldconfig -p | grep -q libharfbuzz-subset || { apt-get update -qq && apt-get install -y -qq libharfbuzz-subset0 >/dev/null; } || true

# The official R4 package (npm) that the definition generators read; tests compare the committed
# artefacts with what the generators make from it and validate its examples.
fhir-package:
	@scripts/fetch_fhir_package.sh >/dev/null

test-sqlite: install test-browser-deps fhir-package
	env -u BENHAN_DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile -q

# PostgreSQL run: storage, search and workflow tests again on PostgreSQL (browser tests run once, above).
# With BENHAN_REQUIRE_POSTGRES=1 (as .ci/run sets) an unreachable server is a failure, not a skip.
test-postgres: install fhir-package
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  BENHAN_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n 2 --dist loadfile -q -m "not browser"; \
	elif [ "$$BENHAN_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL at $(PG_TEST_URL) is required but unreachable" >&2; exit 1; \
	else \
	  echo "PostgreSQL at $(PG_TEST_URL) unreachable: PostgreSQL run skipped (set BENHAN_REQUIRE_POSTGRES=1 to fail instead)"; \
	fi

test: test-sqlite test-postgres lint typecheck

lint: install
	$(BIN)/ruff check benhan tests benchmarks scripts

# benchmarks/ and scripts/ are folders of scripts, not packages: explicit package bases name their modules by path.
typecheck: install
	$(BIN)/mypy --explicit-package-bases benhan tests benchmarks scripts

definitions: install
	scripts/fetch_fhir_package.sh
	$(BIN)/python scripts/gen_compartment.py
	$(BIN)/python scripts/gen_validation_tables.py

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/emr.py

clean:
	rm -rf $(VENV) var build
