# The two commands of the README: `make demo` and `make test`. Each creates .venv and installs the
# project (with its dev tools) on first use, so python3 and make are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SPARK_INSTALLED := $(VENV)/.installed-spark

export CDRWH_HOME ?= $(CURDIR)/data
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: install demo run test test-spark lint lint-sql format dagster docs clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(INSTALLED)

install: $(INSTALLED)

demo: $(INSTALLED)  ## generate a month of sample CDRs (if none), run the pipeline, print the day's figures
	$(BIN)/cdrwh demo

run: $(INSTALLED)
	$(BIN)/cdrwh run

test: $(INSTALLED)  ## pytest: unit tests and the pipeline end to end in temporary CDRWH_HOMEs
	$(BIN)/python -m pytest

$(SPARK_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	@touch $(SPARK_INSTALLED)

test-spark: $(SPARK_INSTALLED)  ## installs dbt-spark and PySpark (needs Java 17+), runs the pipeline on both engines, compares
	$(BIN)/python -m pytest -m spark

lint: $(INSTALLED)
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

lint-sql: $(INSTALLED)  ## sqlfluff through dbt's templater (about a minute: it compiles the project)
	CDRWH_HOME=$$(mktemp -d) $(BIN)/sqlfluff lint models tests/dbt

format: $(INSTALLED)
	$(BIN)/ruff check --fix orchestration tests
	$(BIN)/ruff format orchestration tests

dagster: $(INSTALLED)  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/python -c "from orchestration.settings import configure_environment; configure_environment()"
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CDRWH_HOME)/dagster} $(BIN)/dg dev

docs: $(INSTALLED)  ## dbt docs (the data dictionary) into $(CDRWH_HOME)/dbt/target
	$(BIN)/dbt docs generate --target-path $(CDRWH_HOME)/dbt/target

clean:
	rm -rf $(CDRWH_HOME) target logs .pytest_cache .ruff_cache
