"""The engine comparison (orchestration/parity.py) and the Spark views catalog, without Spark: the tables
are written as Spark lays them out (Hive folders of Parquet files) by DuckDB."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.parity import compare_tables, compare_with_spark, spark_table_sql
from orchestration.spark import SPARK_TABLE_COMMENT, refresh_spark_views

CALLS = """
    select * from (values
        ('c1', timestamp '2026-10-01 23:30:00', date '2026-10-01', 1.25::decimal(18, 6), 0.1 / 3),
        ('c2', timestamp '2026-10-02 00:15:00', date '2026-10-02', 0.40::decimal(18, 6), 2.0 / 3),
        ('c3', timestamp '2026-10-02 08:00:00', date '2026-10-02', 0.40::decimal(18, 6), 1.0)
    ) as t(cdr_id, start_time, call_date, charge_amount, ratio)
"""


def _spark_layout(warehouse_dir: Path, schema: str, table: str, query: str, partition: bool) -> None:
    """Write ``query`` as Spark writes a table: ``<schema>.db/<table>/`` (by call_date when partitioned)."""
    folder = warehouse_dir / f"{schema}.db" / table
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        if partition:
            con.execute(f"copy ({query}) to '{folder}' (format parquet, partition_by (call_date))")
        else:
            con.execute(f"copy ({query}) to '{folder}/part-00000.snappy.parquet' (format parquet)")


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.fct_calls as {CALLS}")
    return path


@pytest.mark.parametrize("partition", [False, True], ids=["table", "day partitions"])
def test_equal_tables_have_no_difference(duckdb_warehouse: Path, tmp_path: Path, partition: bool) -> None:
    spark = tmp_path / "spark"
    _spark_layout(spark, "marts", "fct_calls", CALLS, partition)

    assert compare_with_spark(duckdb_warehouse, spark, ["marts.fct_calls"]) == []


@pytest.mark.parametrize(
    ("drift", "column"),
    [
        ("charge_amount + 0.01", "charge_amount"),  # a rounding drift of a cent
        ("start_time + interval 1 hour", "start_time"),  # a time zone applied on one side
        ("ratio + 1e-6", "ratio"),  # a double off in the sixth decimal
    ],
)
def test_a_drift_of_one_value_is_a_difference(
    duckdb_warehouse: Path, tmp_path: Path, drift: str, column: str
) -> None:
    spark = tmp_path / "spark"
    drifted = f"select * replace ({drift} as {column}) from ({CALLS}) where cdr_id = 'c2' union all select * from ({CALLS}) where cdr_id <> 'c2'"
    _spark_layout(spark, "marts", "fct_calls", drifted, partition=True)

    [difference] = compare_with_spark(duckdb_warehouse, spark, ["marts.fct_calls"])

    assert (difference.rows_left, difference.rows_right) == (3, 3)
    assert [row[0] for row in difference.only_left] == ["c2"]
    assert [row[0] for row in difference.only_right] == ["c2"]
    assert "only right" in str(difference)


def test_a_missing_or_duplicated_row_is_a_difference(duckdb_warehouse: Path, tmp_path: Path) -> None:
    spark = tmp_path / "spark"
    _spark_layout(spark, "marts", "fct_calls", f"{CALLS} union all ({CALLS} limit 1)", partition=False)

    [difference] = compare_with_spark(duckdb_warehouse, spark, ["marts.fct_calls"])

    assert (difference.rows_left, difference.rows_right) == (3, 4)
    assert len(difference.only_right) == 1 and not difference.only_left


def test_a_table_spark_did_not_write_is_a_difference(duckdb_warehouse: Path, tmp_path: Path) -> None:
    [difference] = compare_with_spark(duckdb_warehouse, tmp_path / "spark", ["marts.fct_calls"])

    assert (difference.rows_left, difference.rows_right) == (3, 0)
    assert spark_table_sql(tmp_path / "spark", "marts", "fct_calls") is None


def test_a_column_spark_lacks_is_a_difference(duckdb_warehouse: Path, tmp_path: Path) -> None:
    spark = tmp_path / "spark"
    _spark_layout(spark, "marts", "fct_calls", f"select * exclude (ratio) from ({CALLS})", partition=False)

    [difference] = compare_with_spark(duckdb_warehouse, spark, ["marts.fct_calls"])

    assert difference.missing_columns == ["ratio"]


def test_compare_tables_counts_rows_of_an_empty_right_side() -> None:
    with duckdb.connect() as con:
        con.execute(f"create table calls as {CALLS}")
        columns = con.execute("select column_name, data_type from information_schema.columns").fetchall()
        assert compare_tables(con, "calls", "calls", "calls", columns) is None
        assert compare_tables(con, "calls", "calls", None, columns).rows_left == 3


def _no_empty_tables(tables: list[str]) -> dict:
    raise AssertionError(f"no table should need describing: {tables}")


def test_the_views_catalog_reads_spark_tables_and_follows_them(tmp_path: Path) -> None:
    spark, views = tmp_path / "spark" / "warehouse", tmp_path / "spark" / "warehouse.duckdb"
    _spark_layout(spark, "marts", "fct_calls", CALLS, partition=True)
    _spark_layout(spark, "landing", "files", "select 1 as file_id", partition=False)
    (spark / "staging.db").mkdir()  # a schema of Spark views only: no table folder

    assert refresh_spark_views(views, spark, _no_empty_tables) == ["landing.files", "marts.fct_calls"]
    with duckdb.connect(str(views), read_only=True) as con:
        assert con.execute("select count(*), sum(charge_amount) from marts.fct_calls").fetchone() == (
            3,
            Decimal("2.050000"),
        )
        # The partition folder gives call_date back as a date.
        assert con.execute("select typeof(call_date) from marts.fct_calls limit 1").fetchone() == ("DATE",)
        comments = con.execute("select distinct comment from duckdb_views() where not internal").fetchall()
        assert comments == [(SPARK_TABLE_COMMENT,)]

    # A table dropped in Spark loses its view; a rebuilt one is read as it is now.
    for part in (spark / "landing.db" / "files").iterdir():
        part.unlink()
    (spark / "landing.db" / "files").rmdir()
    assert refresh_spark_views(views, spark, _no_empty_tables) == ["marts.fct_calls"]
    with duckdb.connect(str(views), read_only=True) as con:
        names = con.execute("select schema_name || '.' || view_name from duckdb_views() where not internal")
        assert names.fetchall() == [("marts.fct_calls",)]


def test_an_empty_spark_table_gets_an_empty_view_of_its_columns(tmp_path: Path) -> None:
    spark, views = tmp_path / "spark" / "warehouse", tmp_path / "views.duckdb"
    (spark / "raw.db" / "rate_deck").mkdir(parents=True)  # created, nothing landed: no file to read
    asked: list[list[str]] = []

    def describe(tables: list[str]) -> dict[str, list[tuple[str, str]]]:
        asked.append(tables)
        return {"raw.rate_deck": [("_file_id", "bigint"), ("prefix", "string"), ("rate", "decimal(18,6)")]}

    assert refresh_spark_views(views, spark, describe) == ["raw.rate_deck"]
    assert asked == [["raw.rate_deck"]]
    with duckdb.connect(str(views), read_only=True) as con:
        assert con.execute("select count(*) from raw.rate_deck").fetchone() == (0,)
        assert con.execute("select column_name, column_type from (describe raw.rate_deck)").fetchall() == [
            ("_file_id", "BIGINT"),
            ("prefix", "VARCHAR"),
            ("rate", "DECIMAL(18,6)"),
        ]
