"""The serving snapshot: a read-only copy of the analyst-facing schemas, published by atomic replace.

Analysts and BI tools open ``serving.duckdb`` and never hold the pipeline's write lock on
``warehouse.duckdb``. The new file is built beside the old one and ``os.replace``-d over it, so a
reader sees either the previous snapshot or the new one, never a half-written file.

Tables are copied (on the Spark engine, the views standing for Spark's tables in its views catalog,
orchestration/spark.py, are copied as tables); views (``marts.fct_calls_local``, the ``exports.export_*`` layouts) are recreated as
views over the copied tables, so the snapshot computes them when read, for the rows read (an export of
one day reads one day), instead of storing another copy of every call per layout.

The calls table is large and changes by day: the new file starts as a copy of the previous snapshot, and
``marts.fct_calls`` gets only the days whose fingerprint (``intermediate.int_daily__fingerprints``, an
exact hash sum of the day's rows) differs from the one the previous snapshot recorded; every other table
is copied whole. Without a usable previous snapshot, everything is copied.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.settings import memory_limit
from orchestration.spark import SPARK_TABLE_COMMENT

SERVED_SCHEMAS = ("marts", "exports", "landing", "reference", "rerating")
DAY_TABLES = {"marts.fct_calls": "intermediate.int_daily__fingerprints"}
"""Tables refreshed by UTC day (``call_date``), with the warehouse relation of each day's fingerprint."""
_DAYS_TABLE = "main.snapshot_days"
"""In a snapshot: the fingerprint of each day of each day table, as published."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    tables: dict[str, int]
    """``schema.table`` -> row count."""
    published_at: datetime
    views: list[str] = field(default_factory=list)
    """``schema.view``: recreated over the snapshot's tables."""
    days_copied: dict[str, int] = field(default_factory=dict)
    """Per day table: the days copied into it (all of them when it was copied whole)."""
    incremental: bool = False
    """Whether the snapshot started from the previous one."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _name(qualified: str) -> str:
    schema, table = qualified.split(".")
    return f"{_quote(schema)}.{_quote(table)}"


def publish_snapshot(
    warehouse: Path,
    serving: Path,
    schemas: tuple[str, ...] = SERVED_SCHEMAS,
    day_tables: dict[str, str] | None = None,
) -> Snapshot:
    """Publish ``schemas`` of the warehouse as a new ``serving`` file, atomically replacing the old one."""
    day_tables = DAY_TABLES if day_tables is None else day_tables
    temporary = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}.tmp")
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    tables: dict[str, int] = {}
    days_copied: dict[str, int] = {}
    try:
        incremental = _start_from_previous(serving, temporary, warehouse)
        with duckdb.connect(str(temporary), config={"memory_limit": memory_limit()}) as con:
            con.execute("set preserve_insertion_order = false")
            con.execute(f"attach {_literal(str(warehouse))} as warehouse (read_only)")
            wanted = [
                f"{s}.{t}"
                for s, t in con.execute(
                    """
                    select schema_name, table_name from duckdb_tables()
                    where database_name = 'warehouse' and schema_name in (select unnest(?))
                    union all
                    select schema_name, view_name from duckdb_views()
                    where database_name = 'warehouse' and schema_name in (select unnest(?))
                        and comment = ?
                    order by 1, 2
                    """,
                    [list(schemas), list(schemas), SPARK_TABLE_COMMENT],
                ).fetchall()
            ]
            views_to_create = con.execute(
                """
                select schema_name, view_name, sql from duckdb_views()
                where database_name = 'warehouse' and schema_name in (select unnest(?)) and not internal
                    and comment is distinct from ?
                order by 1, 2
                """,
                [list(schemas), SPARK_TABLE_COMMENT],
            ).fetchall()
            _drop_all_but(con, keep={t for t in wanted if t in day_tables} if incremental else set())
            published_days = _published_days(con) if incremental else {}
            con.execute(
                f"create or replace table {_DAYS_TABLE} (table_name varchar, call_date date, fingerprint decimal(38, 0))"
            )
            for table in wanted:
                schema = table.split(".")[0]
                con.execute(f"create schema if not exists {_quote(schema)}")
                fingerprints = day_tables.get(table)
                if fingerprints and _has_relation(con, "warehouse", fingerprints):
                    days_copied[table] = _copy_by_day(con, table, fingerprints, published_days.get(table))
                else:
                    con.execute(
                        f"create or replace table {_name(table)} as select * from warehouse.{_name(table)}"
                    )
                tables[table] = con.execute(f"select count(*) from {_name(table)}").fetchone()[0]
            views = _create_views(con, views_to_create)
            con.execute("detach warehouse")
            con.execute(
                "create or replace table main.snapshot_info as select ? as published_at, ? as source_warehouse",
                [published_at, str(warehouse)],
            )
            con.execute("checkpoint")
        os.replace(temporary, serving)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return Snapshot(serving, tables, published_at, views, days_copied, incremental)


def _start_from_previous(serving: Path, temporary: Path, warehouse: Path) -> bool:
    """Copy the previous snapshot to ``temporary`` when it was published from this warehouse with day
    fingerprints; else leave ``temporary`` to be created empty. Whether it was copied."""
    if not serving.exists():
        return False
    try:
        with duckdb.connect(str(serving), read_only=True) as previous:
            source = previous.execute(
                "select any_value(source_warehouse) from main.snapshot_info"
            ).fetchone()[0]
            has_days = _has_relation(previous, None, _DAYS_TABLE)
    except duckdb.Error:
        return False
    if not has_days or source != str(warehouse):
        return False
    shutil.copyfile(serving, temporary)
    return True


def _has_relation(con: duckdb.DuckDBPyConnection, database: str | None, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
            + (" and database_name = ?" if database else " and database_name = current_database()"),
            [schema, name, *([database] if database else [])],
        ).fetchone()[0]
    )


def _drop_all_but(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Empty the copied snapshot of everything but the day tables it keeps (views first)."""
    for schema, view in con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = current_database() and not internal"
    ).fetchall():
        con.execute(f"drop view {_quote(schema)}.{_quote(view)}")
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
    ).fetchall():
        if f"{schema}.{table}" not in keep and f"{schema}.{table}" != _DAYS_TABLE:
            con.execute(f"drop table {_quote(schema)}.{_quote(table)}")


def _published_days(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    published: dict[str, dict] = {}
    for table, day, fingerprint in con.execute(f"select * from {_DAYS_TABLE}").fetchall():
        published.setdefault(table, {})[day] = fingerprint
    return published


def _same_columns(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    query = (
        "select list(column_name || ' ' || data_type order by column_index) from duckdb_columns() "
        "where database_name = {db} and schema_name = ? and table_name = ?"
    )
    mine = con.execute(query.format(db="current_database()"), [schema, name]).fetchone()[0]
    theirs = con.execute(query.format(db="'warehouse'"), [schema, name]).fetchone()[0]
    return mine is not None and mine == theirs


def _copy_by_day(
    con: duckdb.DuckDBPyConnection, table: str, fingerprints: str, published: dict | None
) -> int:
    """Bring ``table`` up to date day by day; the number of days copied."""
    current = dict(
        con.execute(f"select call_date, fingerprint from warehouse.{_name(fingerprints)}").fetchall()
    )
    con.execute(
        f"insert into {_DAYS_TABLE} select ?, call_date, fingerprint from warehouse.{_name(fingerprints)}",
        [table],
    )
    if published is None or not _same_columns(con, table):
        con.execute(f"create or replace table {_name(table)} as select * from warehouse.{_name(table)}")
        return len(current)
    changed = sorted(
        day for day in current.keys() | published.keys() if current.get(day) != published.get(day)
    )
    if changed:
        con.execute(f"delete from {_name(table)} where call_date in (select unnest(?))", [changed])
        con.execute(
            f"insert into {_name(table)} select * from warehouse.{_name(table)} where call_date in (select unnest(?))",
            [changed],
        )
    return len(changed)


def _create_views(con: duckdb.DuckDBPyConnection, views: list[tuple[str, str, str]]) -> list[str]:
    """Recreate the warehouse's views in the snapshot from their stored SQL, which names relations
    without the database (``marts.fct_calls``), so they now read the snapshot's copies. A view over
    another view waits for it: each pass creates what it can, until a pass makes no progress."""
    pending, created = list(views), []
    while pending:
        failed, last_error = [], None
        for schema, name, sql in pending:
            con.execute(f"create schema if not exists {_quote(schema)}")
            try:
                con.execute(f"use {_quote(schema)}")
                con.execute(sql)
                created.append(f"{schema}.{name}")
            except duckdb.CatalogException as error:
                failed.append((schema, name, sql))
                last_error = error
            finally:
                con.execute("use main")
        if len(failed) == len(pending):
            names = ", ".join(f"{s}.{n}" for s, n, _ in failed)
            raise duckdb.CatalogException(f"cannot recreate the views {names} in the snapshot: {last_error}")
        pending = failed
    return sorted(created)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
