"""The same pipeline on DuckDB and on local Spark (``make test-spark``): fct_calls and every daily summary
equal row for row, money to the cent, after a first build and after an incremental one (a new day, and a
late file for a day already built, on Spark's day partitions)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.parity import compare_with_spark
from tests.conftest import cdrwh

pytestmark = pytest.mark.spark
SPARK = {"CDRWH_ENGINE": "spark"}
# int_daily__summarised, also a daily model, is bookkeeping: its fingerprints are engine-specific hashes.
BOOKKEEPING = {"int_daily__summarised"}


def _ok(done) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done.stdout


def _generate(home: Path, *args: str) -> None:
    _ok(cdrwh(home, "generate", "--calls-per-day", "120", *args))


def _compared_tables(home: Path) -> list[str]:
    """fct_calls and the daily summaries (the dbt models tagged daily), as the manifest names them."""
    manifest = json.loads((home / "dbt" / "target" / "manifest.json").read_text())
    daily = sorted(
        f"{node['schema']}.{node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "daily" in node["tags"] and node["name"] not in BOOKKEEPING
    )
    return ["marts.fct_calls", *daily]


def _assert_equal(homes: tuple[Path, Path]) -> list[str]:
    duck, spark = homes
    tables = _compared_tables(duck)
    differences = compare_with_spark(duck / "warehouse.duckdb", spark / "spark" / "warehouse", tables)
    assert not differences, "\n".join(str(d) for d in differences)
    return tables


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One month's generated files (with defects) in two homes, run by ``cdrwh run`` on each engine."""
    root = tmp_path_factory.mktemp("engines")
    duck, spark = root / "duckdb", root / "spark"
    _generate(duck, "--days", "8", "--start", "2026-10-01", "--seed", "5", "--defects", "0.02")
    shutil.copytree(duck / "landing", spark / "landing")
    _ok(cdrwh(duck, "run"))
    out = _ok(cdrwh(spark, "run", env=SPARK, timeout=2400))
    assert "Landing: " in out and "0 failed" in out
    return duck, spark


def test_the_first_build_is_equal_on_both_engines(homes: tuple[Path, Path]) -> None:
    tables = _assert_equal(homes)
    assert {"marts.daily_traffic", "marts.daily_vendor_summary", "marts.fraud_alerts"} <= set(tables)


def test_a_new_day_and_a_late_file_are_equal_on_both_engines(homes: tuple[Path, Path]) -> None:
    duck, spark = homes
    # A new day, and a file of calls of a day already built (its partition is rebuilt on Spark).
    _generate(
        duck, "--days", "1", "--start", "2026-10-09", "--seed", "6", "--out", str(duck / "landing" / "new")
    )
    _generate(
        duck, "--days", "1", "--start", "2026-10-03", "--seed", "7", "--out", str(duck / "landing" / "late")
    )
    for folder in ("new", "late"):
        shutil.copytree(duck / "landing" / folder, spark / "landing" / folder)
    _ok(cdrwh(duck, "run"))
    _ok(cdrwh(spark, "run", env=SPARK, timeout=2400))

    _assert_equal(homes)
    # Spark's run published too: the serving snapshot (copied from Spark's tables) holds the same calls.
    published = "select count(*), sum(charge_amount) from marts.fct_calls"
    with (
        duckdb.connect(str(duck / "serving.duckdb"), read_only=True) as a,
        duckdb.connect(str(spark / "serving.duckdb"), read_only=True) as b,
    ):
        assert a.execute(published).fetchone() == b.execute(published).fetchone()
