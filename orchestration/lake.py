"""The lake: the marts of the serving snapshot as Parquet, partitioned by UTC day, for other engines.

``$CDRWH_HOME/lake/<schema>.<table>/call_date=YYYY-MM-DD/*.parquet`` (Hive-style) for every mart with a
``call_date`` column (``marts.fct_calls``, ``marts.daily_*``, ``marts.fraud_alerts``, ...), and
``$CDRWH_HOME/lake/<schema>.<table>/<table>.parquet`` for the other marts (and for an empty one). Spark, Trino, Polars, pandas or
DuckDB read a table with e.g. ``read_parquet('lake/marts.fct_calls/**/*.parquet', hive_partitioning=true)``.

The lake is rewritten whole from the published ``serving.duckdb`` (opened read-only, so the pipeline's
warehouse is never touched). Each table is written in one ``COPY`` into a hidden sibling folder, then
swapped in by renames (old folder away, new folder in, old folder deleted): a reader listing a table's
folder sees the previous complete table or the new one. Leftovers of a write that crashed (hidden
``.<table>.*.tmp`` / ``.<table>.*.old`` folders) are removed by the next write.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LAKE_SCHEMAS = ("marts",)
"""The schemas of the snapshot written to the lake (the export marts are served by `cdrwh export`)."""
PARTITION_COLUMN = "call_date"
_TMP_SUFFIX = ".tmp"
_OLD_SUFFIX = ".old"


@dataclass(frozen=True)
class LakeTable:
    name: str
    """``schema.table``: also the table's folder under the lake."""
    path: Path
    rows: int
    partitions: int
    """Day folders (``call_date=...``); 0 for a table written as a single file."""


@dataclass(frozen=True)
class LakeSummary:
    path: Path
    tables: list[LakeTable] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Folders removed: leftovers of a crashed write, and tables no longer in the snapshot."""

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def partitions(self) -> int:
        return sum(t.partitions for t in self.tables)

    def table(self, name: str) -> LakeTable:
        return next(t for t in self.tables if t.name == name)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select_list(columns: list[str], types: list[str]) -> str:
    """Every column; 128-bit integers (DuckDB's ``sum`` of integers) as BIGINT, which Parquet has,
    rather than the DOUBLE DuckDB would write them as."""
    return ", ".join(
        f"{_quote(c)}::bigint as {_quote(c)}" if t in ("HUGEINT", "UHUGEINT") else _quote(c)
        for c, t in zip(columns, types, strict=True)
    )


def _is_leftover(folder: Path) -> bool:
    return folder.name.startswith(".") and folder.name.endswith((_TMP_SUFFIX, _OLD_SUFFIX))


def clean_leftovers(lake: Path) -> list[str]:
    """Remove the hidden temporary folders a crashed write left behind; return their names."""
    removed = []
    if lake.is_dir():
        for folder in sorted(lake.iterdir()):
            if folder.is_dir() and _is_leftover(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


def _swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new``: rename the old one away, the new one in, delete the old."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex}{_OLD_SUFFIX}")
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if old is not None and not target.exists():
            os.rename(old, target)  # put the previous table back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_lake(serving: Path, lake: Path, schemas: tuple[str, ...] = LAKE_SCHEMAS) -> LakeSummary:
    """Write the tables of ``schemas`` in the snapshot ``serving`` as Parquet under ``lake``.

    Tables with a ``call_date`` column are partitioned by it; each table is replaced atomically.
    """
    if not serving.exists():
        raise FileNotFoundError(f"no serving snapshot at {serving}: run `cdrwh run` first")
    lake.mkdir(parents=True, exist_ok=True)
    removed = clean_leftovers(lake)
    tables: list[LakeTable] = []
    with duckdb.connect(str(serving), read_only=True) as con:
        con.execute("set preserve_insertion_order = false")
        relations = con.execute(
            """
            select t.schema_name, t.table_name,
                   list(c.column_name order by c.column_index),
                   list(c.data_type order by c.column_index)
            from duckdb_tables() t
            join duckdb_columns() c using (database_name, schema_name, table_name)
            where t.database_name = current_database() and t.schema_name in (select unnest(?))
            group by all
            order by 1, 2
            """,
            [list(schemas)],
        ).fetchall()
        for schema, table, columns, types in relations:
            name = f"{schema}.{table}"
            target = lake / name
            temporary = lake / f".{name}.{uuid.uuid4().hex}{_TMP_SUFFIX}"
            partitioned = PARTITION_COLUMN in columns
            source = f"(select {_select_list(columns, types)} from {_quote(schema)}.{_quote(table)})"
            try:
                if partitioned:
                    # One pass: DuckDB splits the rows into call_date=YYYY-MM-DD folders as it writes.
                    rows = con.execute(
                        f"copy {source} to {_literal(str(temporary))} "
                        f"(format parquet, compression zstd, partition_by ({PARTITION_COLUMN}))"
                    ).fetchone()[0]
                    partitions = sum(1 for p in temporary.iterdir() if p.is_dir())
                if not partitioned or rows == 0:
                    # One file; for an empty day-partitioned table too, so that readers still find the
                    # table and its columns (a partitioned COPY of no rows writes no file at all).
                    temporary.mkdir(exist_ok=True)
                    rows = con.execute(
                        f"copy {source} to {_literal(str(temporary / (table + '.parquet')))} "
                        "(format parquet, compression zstd)"
                    ).fetchone()[0]
                    partitions = 0
                _swap_in(temporary, target)
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
            tables.append(LakeTable(name, target, int(rows), partitions))
    # Tables dropped from the snapshot leave the lake too (only folders shaped like ours: schema.table).
    written = {t.name for t in tables}
    for folder in sorted(lake.iterdir()):
        if (
            folder.is_dir()
            and not folder.name.startswith(".")
            and folder.name.split(".", 1)[0] in schemas
            and folder.name not in written
        ):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return LakeSummary(lake, tables, removed)
