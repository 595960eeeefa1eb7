"""Readers: each parses one file, in one statement, into the same session scratch tables, in file order.

- ``temp._landing_batch``: one VARCHAR column ``c<i>`` per cell, ``rowid`` = the record's ordinal,
  and ``_problem``: why the record cannot land (its values checked against their kinds), null if it can;
- ``temp._landing_reject_errors``: what DuckDB's reader could not take (its rejects-table layout).

A ``Batch`` says how to read those tables back: which cell holds which declared column, how to number
the lines, and (for JSON) the raw text of a record and which rows are records. Rows never pass
through Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.formats import FormatSpec, HeaderMatch
from orchestration.landing.encoding import open_bytes
from orchestration.landing.values import json_text_sql, row_problem_sql, sql_string

SCRATCH_TABLES = ("_landing_batch", "_landing_reject_errors", "_landing_reject_scans")
_REJECT_ERRORS_LAYOUT = """
    create temp table _landing_reject_errors (
        line bigint, csv_line varchar, error_type varchar, error_message varchar,
        column_name varchar, column_idx bigint
    )
"""
_REJECTS = "ignore_errors = true, store_rejects = true, rejects_table = '_landing_reject_errors', rejects_scan = '_landing_reject_scans'"


@dataclass(frozen=True)
class Batch:
    columns: dict[str, int]
    """Declared column -> index i of the batch cell ``c<i>`` that carries it."""
    labels: list[str]
    """What each cell is called in the file (for reasons), by index."""
    first_line: int
    """The line number of the batch's first row."""
    unreadable: int
    """How many lines the reader rejected (they are in ``temp._landing_reject_errors``)."""
    lines: str | None = None
    """SQL giving (ordinal, line) for every batch row when the reader skipped lines it rejected; None
    when it skipped none, and a row's line is ``rowid + first_line``."""
    raw_text: str | None = None
    """SQL for a record's text as received (JSON); None: the cells are written back as CSV."""
    is_record: str | None = None
    """SQL telling the rows that are records from those that are nothing (a blank NDJSON line); None:
    every row is a record."""


def _unreadable(con: duckdb.DuckDBPyConnection) -> int:
    """How many lines the reader rejected (DuckDB reports a line once per problem in it)."""
    return con.execute("select count(distinct line) from temp._landing_reject_errors").fetchone()[0]


def line_numbers(con: duckdb.DuckDBPyConnection, first_line: int, unreadable: int) -> str | None:
    """SQL giving (ordinal, line) for the rows of the batch: its records numbered from ``first_line``,
    skipping the ``unreadable`` lines the reader rejected (DuckDB numbers rejects by record, the header
    being line 1). None when the reader rejected nothing: the line is the ordinal plus ``first_line``.
    """
    if unreadable == 0:
        return None
    rows = con.execute("select count(*) from temp._landing_batch").fetchone()[0]
    return f"""
        select row_number() over (order by range) - 1 as ordinal, range as line
        from range({first_line}, {first_line + rows + unreadable})
        where range not in (select line from temp._landing_reject_errors)
    """


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    for table in SCRATCH_TABLES:
        con.execute(f"drop table if exists temp.{table}")


def read_csv_batch(con: duckdb.DuckDBPyConnection, path: Path, is_gzip: bool, match: HeaderMatch) -> Batch:
    """CSV by DuckDB's reader: header skipped, every cell VARCHAR, bad records into its rejects table,
    each record's values checked as it is read."""
    _drop_scratch(con)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(match.header))) + "}"
    labels = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(match.header)]
    problem = row_problem_sql(match.spec, dict(match.positions), labels, lambda i: f"c{i}")
    con.execute(
        f"""
        create temp table _landing_batch as
        select *, {problem} as _problem
        from read_csv(
            {sql_string(str(path))},
            header = true, auto_detect = false, columns = {columns},
            delim = {sql_string(match.spec.delimiter)}, quote = '"', escape = '"',
            compression = '{"gzip" if is_gzip else "none"}', {_REJECTS}
        )
        """
    )
    unreadable = _unreadable(con)
    return Batch(
        columns=dict(match.positions),
        labels=labels,
        first_line=2,
        unreadable=unreadable,
        lines=line_numbers(con, 2, unreadable),
    )


def is_ndjson(path: Path) -> bool:
    """NDJSON by name, or a .json file whose first non-blank character opens an object, not an array."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".ndjson"):
        return True
    with open_bytes(path) as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{")


def _json_records_sql(path: Path, is_gzip: bool) -> str:
    """SQL giving one row per NDJSON line or JSON array element, in file order: ``j``, its text."""
    compression = "gzip" if is_gzip else "none"
    if is_ndjson(path):
        # One VARCHAR cell per line (no quoting, a separator that JSON text does not use); a blank
        # line comes back as null: no record, but it still counts as a line.
        return f"""
            select j from read_csv(
                {sql_string(str(path))},
                header = false, auto_detect = false, columns = {{'j': 'VARCHAR'}},
                delim = chr(31), quote = '', escape = '', compression = '{compression}', {_REJECTS}
            )
        """
    return f"""
        select cast(json as varchar) as j
        from read_json_objects({sql_string(str(path))}, format = 'array', compression = '{compression}')
    """


def read_json_batch(con: duckdb.DuckDBPyConnection, path: Path, is_gzip: bool, spec: FormatSpec) -> Batch:
    """JSON objects: NDJSON line by line (a bad line is a reject with its number), or a JSON array.

    Each declared column is taken from the object by any of its spellings; nested values (arrays,
    objects) are kept as JSON text. A malformed JSON array cannot be split into records: DuckDB's
    error propagates and the file is rejected whole, with that error as the reason.
    """
    _drop_scratch(con)
    if not is_ndjson(path):
        con.execute(_REJECT_ERRORS_LAYOUT)
    # One parse of each object takes every spelling of every column (``from_json`` into a struct of
    # JSON values: a `->>` per spelling parsed each record ~100 times). Taken as JSON, not VARCHAR,
    # so that numbers keep the text json_extract_string gives them (VARCHAR reformats 1.5e-7).
    spellings = [list(dict.fromkeys((*column.headers, column.name))) for column in spec.columns]
    groups = _key_groups([key for keys in spellings for key in keys])
    group_of = {key: g for g, group in enumerate(groups) for key in group}
    structs = [
        f"case when is_object then from_json(_raw, {sql_string(json.dumps(dict.fromkeys(group, 'JSON')))}) end"
        f" as s{g}"
        for g, group in enumerate(groups)
    ]
    values = [
        f"cast(coalesce({', '.join(f's{group_of[key]}.{_identifier(key)}' for key in keys)}) as varchar) as v{i}"
        for i, keys in enumerate(spellings)
    ]
    texts = [f"{json_text_sql(f'v{i}')} as c{i}" for i in range(len(spec.columns))]
    columns = {column.name: index for index, column in enumerate(spec.columns)}
    labels = [column.headers[0] if column.headers else column.name for column in spec.columns]
    problem = row_problem_sql(spec, columns, labels, lambda i: f"c{i}", first="_json_problem")
    # `case` evaluates its branch only for the rows it selects; `and` would parse malformed text too.
    con.execute(
        f"""
        create temp table _landing_batch as
        with records as (select j, json_valid(j) as is_json from ({_json_records_sql(path, is_gzip)})),
        checked as (
            -- A blank line is not valid JSON: only those are trimmed. Valid JSON text that starts
            -- with a brace is an object; only the rest (leading blanks) is parsed to tell.
            select
                case when is_json or trim(j) <> '' then j end as _raw,
                is_json,
                case
                    when not is_json then false
                    when starts_with(j, '{{') then true
                    else json_type(j) = 'OBJECT'
                end as is_object
            from records
        ),
        parsed as (
            select
                _raw,
                {", ".join(structs)},
                case
                    when _raw is null then null
                    when not is_json then 'invalid JSON: ' || left(_raw, 200)
                    when not is_object then 'not a JSON object: ' || left(_raw, 200)
                end as _json_problem
            from checked
        ),
        extracted as (select _raw, _json_problem, {", ".join(values)} from parsed),
        texts as (select _raw, _json_problem, {", ".join(texts)} from extracted),
        checked_values as (select *, {problem} as _problem from texts)
        -- The text is kept for the rejects only.
        select
            {", ".join(f"c{index}" for index in range(len(spec.columns)))},
            _problem,
            case when _problem is not null then _raw end as _raw,
            _raw is not null as _is_record
        from checked_values
        """
    )
    unreadable = _unreadable(con)
    return Batch(
        columns=columns,
        labels=labels,
        first_line=1,
        unreadable=unreadable,
        lines=line_numbers(con, 1, unreadable),
        raw_text="b._raw",
        is_record="b._is_record",
    )


def _key_groups(keys: list[str]) -> list[list[str]]:
    """``keys`` split into as few groups as keep apart two keys that differ only by case: JSON keys
    match case-sensitively, but a DuckDB struct (one per group) cannot hold both."""
    groups: list[list[str]] = []
    for key in keys:
        group = next((g for g in groups if key.lower() not in {k.lower() for k in g}), None)
        if group is None:
            group = []
            groups.append(group)
        group.append(key)
    return groups


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
