"""The engine switch (CDRWH_ENGINE) and the Spark settings, without Spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.rerating import RERATING_DDL
from orchestration.settings import configure_environment, engine, paths
from orchestration.spark import duckdb_type, spark_settings, spark_tables_ddl, spark_type


def test_duckdb_is_the_default_engine(cdrwh_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDRWH_ENGINE", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)

    assert engine() == "duckdb"
    assert paths().warehouse == cdrwh_home / "warehouse.duckdb"
    configure_environment()
    assert os.environ["DBT_TARGET"] == "duckdb"


def test_spark_switches_the_dbt_target_and_what_the_steps_read(
    cdrwh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDRWH_ENGINE", " Spark ")
    monkeypatch.delenv("DBT_TARGET", raising=False)

    assert engine() == "spark"
    # The steps after dbt read the DuckDB catalog of views over Spark's tables.
    assert paths().warehouse == cdrwh_home / "spark" / "warehouse.duckdb"
    configure_environment()
    assert os.environ["DBT_TARGET"] == "spark"


def test_an_unknown_engine_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDRWH_ENGINE", "snowflake")

    with pytest.raises(ValueError, match=r"CDRWH_ENGINE='snowflake': expected one of duckdb, spark"):
        engine()


def test_the_spark_session_settings_come_from_the_profile(cdrwh_home: Path) -> None:
    settings = spark_settings()

    assert settings["spark.sql.warehouse.dir"] == f"{cdrwh_home}/spark/warehouse"
    assert (
        f"databaseName={cdrwh_home}/spark/metastore_db"
        in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert settings["spark.sql.session.timeZone"] == "UTC"
    # As dbt-spark forces it: a cast of a bad value is null, as on DuckDB.
    assert settings["spark.sql.ansi.enabled"] == "false"
    assert settings["spark.ui.showConsoleProgress"] == "false"


def test_tables_declared_for_duckdb_get_spark_ddl() -> None:
    statements = spark_tables_ddl(RERATING_DDL)

    runs = next(s for s in statements if "`rerating`.`runs`" in s)
    assert runs.startswith(
        "create table if not exists `rerating`.`runs` (`run_id` bigint, `created_at` timestamp,"
    )
    assert "`charge_before` decimal(18,6)" in runs and runs.endswith("using parquet")
    assert "check" not in runs and "primary key" not in runs


@pytest.mark.parametrize(
    ("duckdb", "spark"),
    [("VARCHAR", "string"), ("INTEGER", "int"), ("DECIMAL(18,6)", "decimal(18,6)"), ("DATE", "date")],
)
def test_column_types_map_both_ways(duckdb: str, spark: str) -> None:
    assert spark_type(duckdb) == spark
    assert duckdb_type(spark).upper() == duckdb
