"""The landing schema: ``landing.files``, ``landing.rejects`` and one ``raw.<format>`` table per format
(CDR formats and rate formats alike)."""

from __future__ import annotations

import duckdb

from orchestration.formats import ALL_FORMATS, FormatSpec

_DDL = """
create schema if not exists landing;
create schema if not exists raw;
create sequence if not exists landing.file_id_seq start 1;
create table if not exists landing.files (
    file_id bigint primary key,
    path varchar not null,
    format varchar,
    sha256 varchar not null,
    size_bytes bigint not null,
    modified_at timestamp not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    status varchar not null check (status in ('loaded', 'rejected', 'duplicate')),
    reason varchar,
    ignored_columns varchar,
    landed_at timestamp not null,
    check (rows_read = rows_loaded + rows_rejected)
);
alter table landing.files add column if not exists encoding varchar;
-- Which folder under $CDRWH_HOME the file was landed from: 'landing' (CDR exports) or 'rates' (rate
-- decks and rating plans); path is relative to that folder. Rows from before the column are 'landing'.
alter table landing.files add column if not exists folder varchar default 'landing';
create table if not exists landing.rejects (
    file_id bigint not null,
    line bigint not null,
    raw_text varchar,
    reason varchar not null
);
"""


def ensure_raw_table(con: duckdb.DuckDBPyConnection, spec: FormatSpec) -> None:
    """Create ``raw.<format>``, or add the columns a newer declaration brought."""
    con.execute(
        f'create table if not exists raw."{spec.raw_table}" (_file_id bigint not null, _line bigint not null)'
    )
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
            [spec.raw_table],
        ).fetchall()
    }
    for column in spec.column_names:
        if column not in existing:
            con.execute(f'alter table raw."{spec.raw_table}" add column "{column}" varchar')


def ensure_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing tables and every declared raw table (idempotent)."""
    con.execute(_DDL)
    for spec in ALL_FORMATS:
        ensure_raw_table(con, spec)
