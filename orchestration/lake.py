"""The lake: the marts of the serving snapshot as Parquet, partitioned by UTC day, for other engines.

``$CDRWH_HOME/lake/<schema>.<table>/call_date=YYYY-MM-DD/*.parquet`` (Hive-style) for every mart with a
``call_date`` column (``marts.fct_calls``, ``marts.daily_*``, ``marts.fraud_alerts``, ...), and
``$CDRWH_HOME/lake/<schema>.<table>/<table>.parquet`` for the other marts (and for an empty one). Views
(``marts.fct_calls_local``) are not written: they are a query over a table that is. Spark, Trino, Polars, pandas or
DuckDB read a table with e.g. ``read_parquet('lake/marts.fct_calls/**/*.parquet', hive_partitioning=true)``.

The lake is written from the published ``serving.duckdb`` (opened read-only, so the pipeline's warehouse is
never touched). Each table is built whole in a hidden sibling folder, then swapped in by renames (old folder
away, new folder in, old folder deleted): a reader listing a table's folder sees the previous complete table or
the new one. Leftovers of a write that crashed (hidden ``.<table>.*.tmp`` / ``.<table>.*.old`` folders) are
removed by the next write.

A day-partitioned table is built by day: each day has a fingerprint (``main.snapshot_days`` of the snapshot
when it has the table's days, else a sum of the hashes of the day's rows, with their count), recorded with
the table's columns in ``_days.json`` in the table's folder (not a ``*.parquet`` file, and ``_``-prefixed, so
readers skip it). A day whose fingerprint is the one recorded is hard-linked from the current folder into the
new one; only the other days are written, in one ``COPY``. Without a usable manifest (none, another
fingerprint source, other columns), the table is written whole. Tables without ``call_date`` are always
written whole.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.settings import memory_limit

LAKE_SCHEMAS = ("marts",)
"""The schemas of the snapshot written to the lake (the export marts are served by `cdrwh export`)."""
PARTITION_COLUMN = "call_date"
MANIFEST = "_days.json"
"""In a day-partitioned table's folder: the fingerprint of each day written, and the table's columns."""
_MANIFEST_VERSION = 1
"""Bump when the Parquet written for a day changes (select list, COPY options): forces a whole rewrite."""
_DAYS_TABLE = ("main", "snapshot_days")
"""In a snapshot: ``(table_name, call_date, fingerprint)``, the exact fingerprint of each day of a day table."""
_TMP_SUFFIX = ".tmp"
_OLD_SUFFIX = ".old"
_COPY_OPTIONS = "format parquet, compression zstd"


@dataclass(frozen=True)
class LakeTable:
    name: str
    """``schema.table``: also the table's folder under the lake."""
    path: Path
    rows: int
    partitions: int
    """Day folders (``call_date=...``); 0 for a table written as a single file."""
    days_written: int = 0
    """Day folders written by this write (all of them for a table written whole)."""
    days_reused: int = 0
    """Day folders unchanged since the previous write, hard-linked from it rather than written."""


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

    @property
    def days_written(self) -> int:
        return sum(t.days_written for t in self.tables)

    @property
    def days_reused(self) -> int:
        return sum(t.days_reused for t in self.tables)

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


def _day_folder(day: str) -> str:
    return f"{PARTITION_COLUMN}={day}"


def _fingerprints(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str], days_table: bool
) -> tuple[str, dict[str | None, tuple[str | None, int]]]:
    """The fingerprint source and ``{day: (fingerprint, rows)}`` of every day of the table.

    The day is ``call_date`` as text (``None`` for a NULL call_date); the fingerprint is ``None`` when
    unknown (such a day is always written).
    """
    relation = f"{_quote(schema)}.{_quote(table)}"
    column = _quote(PARTITION_COLUMN)
    name = f"{schema}.{table}"
    if days_table:
        days = f"{_quote(_DAYS_TABLE[0])}.{_quote(_DAYS_TABLE[1])}"
        try:
            if con.execute(f"select count(*) from {days} where table_name = ?", [name]).fetchone()[0]:
                rows = con.execute(
                    f"""
                    with d as (select {column} as day, count(*) as n from {relation} group by all),
                    f as (
                        select call_date as day,
                               case when count(*) = 1 and count(distinct fingerprint) = 1
                                    then cast(any_value(fingerprint) as varchar) end as fingerprint
                        from {days} where table_name = ? group by all
                    )
                    select cast(d.day as varchar), f.fingerprint, d.n from d left join f on d.day = f.day
                    """,
                    [name],
                ).fetchall()
                return ".".join(_DAYS_TABLE), {day: (fp, int(n)) for day, fp, n in rows}
        except duckdb.Error:
            pass  # not shaped as expected: fingerprint the rows instead
    rows = con.execute(
        f"""
        select cast({column} as varchar),
               cast(sum(cast(hash({", ".join(map(_quote, columns))}) as decimal(38, 0))) as varchar),
               count(*)
        from {relation} group by {column}
        """
    ).fetchall()
    # hash() may change with DuckDB's version: another version is another source.
    return f"hash/duckdb {duckdb.__version__}", {day: (f"{fp}/{n}", int(n)) for day, fp, n in rows}


def _read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        if isinstance(manifest, dict) and isinstance(manifest.get("days"), dict):
            return manifest
    except (OSError, ValueError):
        pass
    return None


def _carry_over(day: Path, into: Path) -> None:
    """Hard-link the files of the day folder ``day`` into a new folder ``into`` (copy them if linking fails)."""
    into.mkdir()
    for file in day.iterdir():
        if file.is_file():
            try:
                os.link(file, into / file.name)
            except OSError:
                shutil.copy2(file, into / file.name)


def _reusable_days(
    target: Path, kind: str, columns: list[list[str]], days: dict[str | None, tuple[str | None, int]]
) -> list[str]:
    """The days of ``days`` that ``target`` holds as they are: same fingerprint source, columns, fingerprint."""
    manifest = _read_manifest(target)
    if (
        manifest is None
        or manifest.get("version") != _MANIFEST_VERSION
        or manifest.get("source") != kind
        or manifest.get("columns") != columns
    ):
        return []
    return sorted(
        day
        for day, (fingerprint, rows) in days.items()
        if day is not None
        and fingerprint is not None
        and manifest["days"].get(day) == {"fingerprint": fingerprint, "rows": rows}
        and (target / _day_folder(day)).is_dir()
    )


def _copy_days(
    con: duckdb.DuckDBPyConnection, source: str, temporary: Path, days: list[str | None] | None
) -> int:
    """Write the rows of ``days`` (all rows for ``None``) into ``temporary``, one folder per day; the rows."""
    column = _quote(PARTITION_COLUMN)
    where = ""
    if days is not None:
        dated = [day for day in days if day is not None]
        conditions = [f"{column} in ({', '.join(f'date {_literal(day)}' for day in dated)})"] if dated else []
        if None in days:
            conditions.append(f"{column} is null")
        where = " where " + " or ".join(conditions)
    # One pass: DuckDB splits the rows into call_date=YYYY-MM-DD folders as it writes.
    return con.execute(
        f"copy (select * from {source}{where}) to {_literal(str(temporary))} "
        f"({_COPY_OPTIONS}, partition_by ({PARTITION_COLUMN}))"
    ).fetchone()[0]


def _write_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: list[str],
    types: list[str],
    target: Path,
    temporary: Path,
    days_table: bool,
) -> LakeTable:
    """Build the table in ``temporary`` (reusing the unchanged days of ``target``); return what was written."""
    name = f"{schema}.{table}"
    source = f"(select {_select_list(columns, types)} from {_quote(schema)}.{_quote(table)})"
    if PARTITION_COLUMN in columns and types[columns.index(PARTITION_COLUMN)] == "DATE":
        kind, days = _fingerprints(con, schema, table, columns, days_table)
        if sum(rows for _, rows in days.values()):
            described = [[c, t] for c, t in zip(columns, types, strict=True)]
            reused = _reusable_days(target, kind, described, days)
            unchanged = set(reused)
            changed = [day for day in days if day not in unchanged]
            written = _copy_days(con, source, temporary, changed if reused else None) if changed else 0
            if written != sum(days[day][1] for day in changed):
                if not reused:
                    raise RuntimeError(f"{name}: wrote {written} rows, the snapshot has another count")
                # Not the changed days' rows: a day not selected as expected. Write the table whole.
                shutil.rmtree(temporary, ignore_errors=True)
                reused, written = [], _copy_days(con, source, temporary, None)
            temporary.mkdir(exist_ok=True)
            for day in reused:
                _carry_over(target / _day_folder(day), temporary / _day_folder(day))
            manifest = {
                "version": _MANIFEST_VERSION,
                "source": kind,
                "columns": described,
                "days": {
                    day: {"fingerprint": fingerprint, "rows": rows}
                    for day, (fingerprint, rows) in sorted(days.items(), key=lambda item: str(item[0]))
                    if day is not None and fingerprint is not None
                },
            }
            (temporary / MANIFEST).write_text(json.dumps(manifest, indent=1))
            rows = written + sum(days[day][1] for day in reused)
            partitions = sum(1 for p in temporary.iterdir() if p.is_dir())
            return LakeTable(name, target, int(rows), partitions, partitions - len(reused), len(reused))
    elif PARTITION_COLUMN in columns:  # call_date not a DATE: written whole, without a manifest
        rows = _copy_days(con, source, temporary, None)
        if rows:
            partitions = sum(1 for p in temporary.iterdir() if p.is_dir())
            return LakeTable(name, target, int(rows), partitions, partitions)
    # One file; for an empty day-partitioned table too, so that readers still find the table and its
    # columns (a partitioned COPY of no rows writes no file at all).
    temporary.mkdir(exist_ok=True)
    rows = con.execute(
        f"copy {source} to {_literal(str(temporary / (table + '.parquet')))} ({_COPY_OPTIONS})"
    ).fetchone()[0]
    return LakeTable(name, target, int(rows), 0)


def write_lake(serving: Path, lake: Path, schemas: tuple[str, ...] = LAKE_SCHEMAS) -> LakeSummary:
    """Write the tables of ``schemas`` in the snapshot ``serving`` as Parquet under ``lake``.

    Tables with a ``call_date`` column are partitioned by it, and only their changed days are written;
    each table is replaced atomically.
    """
    if not serving.exists():
        raise FileNotFoundError(f"no serving snapshot at {serving}: run `cdrwh run` first")
    lake.mkdir(parents=True, exist_ok=True)
    removed = clean_leftovers(lake)
    tables: list[LakeTable] = []
    with duckdb.connect(str(serving), read_only=True) as con:
        # A setting, not connect() config: a reader in this process may have the snapshot open already.
        con.execute(f"set memory_limit = '{memory_limit()}'")
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
        days_table = bool(
            con.execute(
                "select count(*) from duckdb_tables() "
                "where database_name = current_database() and schema_name = ? and table_name = ?",
                list(_DAYS_TABLE),
            ).fetchone()[0]
        )
        for schema, table, columns, types in relations:
            name = f"{schema}.{table}"
            target = lake / name
            temporary = lake / f".{name}.{uuid.uuid4().hex}{_TMP_SUFFIX}"
            try:
                tables.append(_write_table(con, schema, table, columns, types, target, temporary, days_table))
                _swap_in(temporary, target)
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
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
