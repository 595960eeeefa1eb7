"""Are two engines' tables equal? The same model built on DuckDB and on Spark, compared row for row.

The Spark side is read from its Parquet files (the Hive layout ``<warehouse>/<schema>.db/<table>``, day
partitions as ``call_date=...`` folders) by DuckDB, so no JVM is needed to compare. Values are compared
with the DuckDB table's types: decimals (money) exactly, timestamps exactly in UTC, doubles (ratios,
minutes) to 9 decimals, where the last bits of a division may differ between engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

DOUBLE_DECIMALS = 9


@dataclass
class TableDifference:
    table: str
    rows_left: int
    rows_right: int
    only_left: list[tuple] = field(default_factory=list)
    """Up to a few rows (normalised) found only in the left table..."""
    only_right: list[tuple] = field(default_factory=list)
    """... and only in the right one."""
    missing_columns: list[str] = field(default_factory=list)
    """Columns of the left table the right one does not have."""

    def __str__(self) -> str:
        lines = [f"{self.table}: {self.rows_left} rows vs {self.rows_right}"]
        if self.missing_columns:
            lines.append(f"  columns missing on the right: {', '.join(self.missing_columns)}")
        lines += [f"  only left:  {row}" for row in self.only_left]
        lines += [f"  only right: {row}" for row in self.only_right]
        return "\n".join(lines)


def spark_table_sql(warehouse_dir: Path, schema: str, table: str) -> str | None:
    """A DuckDB ``FROM`` expression reading a Spark table's Parquet files, or None when it has none."""
    folder = warehouse_dir / f"{schema}.db" / table
    if not any(folder.rglob("*.parquet")):
        return None
    pattern = str(folder / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)"


def _normalised(column: str, data_type: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    typed = f"cast({quoted} as {data_type})"
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        return f"round({typed}, {DOUBLE_DECIMALS})"
    return typed


def compare_tables(
    con: duckdb.DuckDBPyConnection,
    table: str,
    left: str,
    right: str | None,
    columns: list[tuple[str, str]],
    *,
    sample: int = 5,
) -> TableDifference | None:
    """Compare ``left`` and ``right`` (FROM expressions; ``right`` None is an empty table) on ``columns``
    (name, DuckDB type of the left table) as multisets: a duplicated row counts. None when equal."""
    select = ", ".join(_normalised(name, data_type) for name, data_type in columns)
    rows_left = con.execute(f"select count(*) from {left}").fetchone()[0]
    if right is None:
        only_left = con.execute(f"select {select} from {left} limit {sample}").fetchall()
        return TableDifference(table, rows_left, 0, only_left=only_left) if rows_left else None
    right_columns = {row[0] for row in con.execute(f"describe select * from {right}").fetchall()}
    missing = [name for name, _ in columns if name not in right_columns]
    rows_right = con.execute(f"select count(*) from {right}").fetchone()[0]
    if missing:
        return TableDifference(table, rows_left, rows_right, missing_columns=missing)
    only_left = con.execute(
        f"select {select} from {left} except all select {select} from {right} limit {sample}"
    ).fetchall()
    only_right = con.execute(
        f"select {select} from {right} except all select {select} from {left} limit {sample}"
    ).fetchall()
    if not only_left and not only_right and rows_left == rows_right:
        return None
    return TableDifference(table, rows_left, rows_right, only_left, only_right)


def compare_with_spark(
    warehouse: Path, spark_warehouse_dir: Path, tables: list[str]
) -> list[TableDifference]:
    """Each ``schema.table`` of the DuckDB ``warehouse`` against the same table in the Spark warehouse
    folder; the differences (empty when every table is equal)."""
    differences = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for name in tables:
            schema, table = name.split(".")
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if not columns:
                raise ValueError(f"{name} is not a table of {warehouse}")
            right = spark_table_sql(spark_warehouse_dir, schema, table)
            difference = compare_tables(con, name, f"{schema}.{table}", right, columns)
            if difference is not None:
                differences.append(difference)
    return differences
