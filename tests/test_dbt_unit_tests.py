"""The dbt unit tests (rating, KPIs, staging parsers, fraud and quality rules, export layouts).

Production builds leave them out (``PRODUCTION_BUILD`` in ``orchestration/defs/dbt/assets.py``; checked
in ``test_pipeline_e2e``): they
check the models' logic on fixed inputs, whatever the data, so they run here, in CI, as dbt advises.
dbt needs each tested model's parents to exist to learn their columns: an empty warehouse is enough
(the landing and re-rating tables, then ``dbt build --empty`` of the seeds and models).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import FORMATS
from orchestration.landing.catalog import ensure_catalog, ensure_raw_table
from orchestration.rerating import ensure_schema as ensure_rerating_schema

REPO = Path(__file__).resolve().parents[1]


def _dbt(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CDRWH_HOME": str(home),
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(home / "dbt" / "target"),
        "DBT_LOG_PATH": str(home / "dbt" / "logs"),
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def unit_test_results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("cdrwh")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ensure_catalog(con)
        for spec in FORMATS:
            ensure_raw_table(con, spec)
        ensure_rerating_schema(con)
    built = _dbt(home, "build", "--empty", "--resource-type", "seed", "--resource-type", "model")
    assert built.returncode == 0, built.stdout[-4000:]
    tested = _dbt(home, "test", "--select", "test_type:unit")
    results = json.loads((home / "dbt" / "target" / "run_results.json").read_text())
    return {"returncode": tested.returncode, "stdout": tested.stdout, "results": results["results"]}


def test_every_dbt_unit_test_passes(unit_test_results: dict) -> None:
    # The results also hold the project's on-run-end hook (an "operation"), which passes as "success".
    unit_tests = [r for r in unit_test_results["results"] if r["unique_id"].startswith("unit_test.")]
    failed = [r["unique_id"] for r in unit_tests if r["status"] != "pass"]
    assert unit_tests
    assert unit_test_results["returncode"] == 0 and not failed, unit_test_results["stdout"][-6000:]


def test_the_unit_tests_of_every_tested_model_ran(unit_test_results: dict) -> None:
    ran = {r["unique_id"] for r in unit_test_results["results"]}
    declared = _declared_unit_tests()
    assert declared, "no unit tests found in the models' YAML"
    assert {name for name in declared if not any(uid.endswith("." + name) for uid in ran)} == set()


def _declared_unit_tests() -> set[str]:
    import yaml

    names = set()
    for path in (REPO / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []) or []:
            names.add(test["name"])
    return names
