"""The serving snapshot: a read-only copy of the analyst-facing schemas, published by atomic replace.

Analysts and BI tools open ``serving.duckdb`` and never hold the pipeline's write lock on
``warehouse.duckdb``. The new file is built beside the old one and ``os.replace``-d over it, so a
reader sees either the previous snapshot or the new one, never a half-written file.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

SERVED_SCHEMAS = ("marts", "exports", "landing", "reference", "rerating")


@dataclass(frozen=True)
class Snapshot:
    path: Path
    tables: dict[str, int]
    """``schema.table`` -> row count."""
    published_at: datetime


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_snapshot(warehouse: Path, serving: Path, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> Snapshot:
    """Copy ``schemas`` of the warehouse into a new file and atomically replace ``serving`` with it."""
    temporary = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}.tmp")
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    tables: dict[str, int] = {}
    try:
        with duckdb.connect(str(temporary)) as con:
            con.execute(f"attach {_literal(str(warehouse))} as warehouse (read_only)")
            relations = con.execute(
                """
                select schema_name, table_name from duckdb_tables()
                where database_name = 'warehouse' and schema_name in (select unnest(?))
                union all
                select schema_name, view_name from duckdb_views()
                where database_name = 'warehouse' and schema_name in (select unnest(?)) and not internal
                order by 1, 2
                """,
                [list(schemas), list(schemas)],
            ).fetchall()
            for schema, table in relations:
                con.execute(f"create schema if not exists {_quote(schema)}")
                con.execute(
                    f"create table {_quote(schema)}.{_quote(table)} as "
                    f"select * from warehouse.{_quote(schema)}.{_quote(table)}"
                )
                tables[f"{schema}.{table}"] = con.execute(
                    f"select count(*) from {_quote(schema)}.{_quote(table)}"
                ).fetchone()[0]
            con.execute("detach warehouse")
            con.execute(
                "create table main.snapshot_info as select ? as published_at, ? as source_warehouse",
                [published_at, str(warehouse)],
            )
            con.execute("checkpoint")
        os.replace(temporary, serving)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return Snapshot(serving, tables, published_at)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
