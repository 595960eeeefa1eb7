"""Readers: each parses one file into the same session scratch tables, in file order.

- ``temp._landing_batch``: one VARCHAR column ``c<i>`` per cell, ``rowid`` = the record's ordinal;
- ``temp._landing_reject_errors``: what DuckDB's reader could not take (its rejects-table layout).

A ``Batch`` says how to read those tables back: which cell holds which declared column, the line
number of the first record, and (for JSON) the raw text and the problem of records that parsed but
are not CDR objects. Rows never pass through Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.formats import FormatSpec, HeaderMatch
from orchestration.landing.values import sql_string

SCRATCH_TABLES = ("_landing_batch", "_landing_lines", "_landing_reject_errors", "_landing_reject_scans")
_REJECT_ERRORS_LAYOUT = """
    create temp table _landing_reject_errors (
        line bigint, csv_line varchar, error_type varchar, error_message varchar,
        column_name varchar, column_idx bigint
    )
"""


@dataclass(frozen=True)
class Batch:
    columns: dict[str, int]
    """Declared column -> index i of the batch cell ``c<i>`` that carries it."""
    labels: list[str]
    """What each cell is called in the file (for reasons), by index."""
    lines: str
    """SQL giving (ordinal, line) for every batch row: ordinal = the row's rowid, line = its line number."""
    raw_text: str | None = None
    """SQL for a record's text as received (JSON); None: the cells are written back as CSV."""
    problem: str | None = None
    """SQL for why a record the reader parsed is still not a row (JSON that is not an object)."""


def line_numbers(con: duckdb.DuckDBPyConnection, table: str, first_line: int) -> str:
    """SQL giving (ordinal, line) for the rows of ``table``: its records numbered from ``first_line``,
    skipping the lines the reader rejected (DuckDB numbers rejects by record, the header being line 1).
    """
    unreadable = con.execute("select count(distinct line) from temp._landing_reject_errors").fetchone()[0]
    if unreadable == 0:
        return f"select rowid as ordinal, rowid + {first_line} as line from temp.{table}"
    rows = con.execute(f"select count(*) from temp.{table}").fetchone()[0]
    return f"""
        select row_number() over (order by range) - 1 as ordinal, range as line
        from range({first_line}, {first_line + rows + unreadable})
        where range not in (select line from temp._landing_reject_errors)
    """


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    for table in SCRATCH_TABLES:
        con.execute(f"drop table if exists temp.{table}")


def read_csv_batch(con: duckdb.DuckDBPyConnection, path: Path, is_gzip: bool, match: HeaderMatch) -> Batch:
    """CSV by DuckDB's reader: header skipped, every cell VARCHAR, bad records into its rejects table."""
    _drop_scratch(con)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(match.header))) + "}"
    con.execute(
        f"""
        create temp table _landing_batch as
        select * from read_csv(
            {sql_string(str(path))},
            header = true, auto_detect = false, columns = {columns},
            delim = {sql_string(match.spec.delimiter)}, quote = '"', escape = '"',
            compression = '{"gzip" if is_gzip else "none"}',
            ignore_errors = true, store_rejects = true,
            rejects_table = '_landing_reject_errors', rejects_scan = '_landing_reject_scans'
        )
        """
    )
    labels = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(match.header)]
    return Batch(columns=dict(match.positions), labels=labels, lines=line_numbers(con, "_landing_batch", 2))


def is_ndjson(path: Path) -> bool:
    """NDJSON by name, or a .json file whose first non-blank character opens an object, not an array."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".ndjson"):
        return True
    from orchestration.landing.encoding import open_bytes

    with open_bytes(path) as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{")


def read_json_batch(con: duckdb.DuckDBPyConnection, path: Path, is_gzip: bool, spec: FormatSpec) -> Batch:
    """JSON objects: NDJSON line by line (a bad line is a reject with its number), or a JSON array.

    Each declared column is taken from the object by any of its spellings; nested values (arrays,
    objects) are kept as JSON text. A malformed JSON array cannot be split into records: DuckDB's
    error propagates and the file is rejected whole, with that error as the reason.
    """
    _drop_scratch(con)
    compression = "gzip" if is_gzip else "none"
    if is_ndjson(path):
        # One VARCHAR cell per line (no quoting, a separator that JSON text does not use); a blank
        # line comes back as null: no record, but it still counts as a line.
        con.execute(
            f"""
            create temp table _landing_lines as
            select j from read_csv(
                {sql_string(str(path))},
                header = false, auto_detect = false, columns = {{'j': 'VARCHAR'}},
                delim = chr(31), quote = '', escape = '', compression = '{compression}',
                ignore_errors = true, store_rejects = true,
                rejects_table = '_landing_reject_errors', rejects_scan = '_landing_reject_scans'
            )
            """
        )
    else:
        con.execute(_REJECT_ERRORS_LAYOUT)
        con.execute(
            f"""
            create temp table _landing_lines as
            select cast(json as varchar) as j
            from read_json_objects({sql_string(str(path))}, format = 'array', compression = '{compression}')
            """
        )
    # Every spelling of every column is taken in one parse of the object (json_extract_string with a
    # list of paths): a `->>` per spelling parsed each record ~100 times and made JSON landing 15x slower.
    paths: list[str] = []
    cells = []
    for index, column in enumerate(spec.columns):
        positions = []
        for key in dict.fromkeys((*column.headers, column.name)):
            paths.append(sql_string("$." + '"' + key.replace('"', '\\"') + '"'))
            positions.append(f"v[{len(paths)}]")
        cells.append(f"coalesce({', '.join(positions)}) as c{index}")
    # `case` evaluates its branch only for the rows it selects; `and` would parse malformed text too.
    con.execute(
        f"""
        create temp table _landing_batch as
        with objects as (
            select
                t.j,
                l.line,
                json_valid(t.j) as is_json,
                case when json_valid(t.j) then json_type(t.j) = 'OBJECT' else false end as is_object
            from temp._landing_lines as t
            join ({line_numbers(con, "_landing_lines", 1)}) as l on l.ordinal = t.rowid
            where t.j is not null and trim(t.j) <> ''
        ),
        extracted as (
            select *, case when is_object then json_extract_string(j, [{", ".join(paths)}]) end as v
            from objects
        )
        select {", ".join(cells)}, j as _raw, line as _line,
            case
                when not is_json then 'invalid JSON: ' || left(j, 200)
                when not is_object then 'not a JSON object: ' || left(j, 200)
            end as _problem
        from extracted
        order by line
        """
    )
    return Batch(
        columns={column.name: i for i, column in enumerate(spec.columns)},
        labels=[column.headers[0] if column.headers else column.name for column in spec.columns],
        lines="select rowid as ordinal, _line as line from temp._landing_batch",
        raw_text="b._raw",
        problem="b._problem",
    )
