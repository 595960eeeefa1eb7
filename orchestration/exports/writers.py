"""Writing an export: one DuckDB ``COPY (query) TO`` into a temporary file beside the destination, renamed
over it when complete (DESIGN §8).

Formats, by the destination's extension: ``.csv``, ``.csv.gz`` (gzip), ``.parquet``, ``.ndjson`` (one JSON
object a line). On any failure the temporary file is removed: no partial file is left, and a file already
at the destination is untouched.

CSV injection (OWASP): in ``.csv`` and ``.csv.gz`` a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return and is not a plain number gets a leading ``'``, so a spreadsheet shows it as text
instead of running it as a formula: ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``. A number is left
alone, signs included: ``-5`` and ``+12065550100`` (an E.164 phone number) are numbers to a spreadsheet, not
formulas. This is done in the SELECT over the text columns, so the export stays one pass. Parquet and NDJSON
are written as they are: they are typed formats that programs read, a string cell is a string there and
nothing evaluates it, and changing it would corrupt the data for those programs.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from orchestration.exports.errors import ExportError

FORMATS = {".csv.gz": "csv.gz", ".csv": "csv", ".parquet": "parquet", ".ndjson": "ndjson"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_PATTERN = r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
_COPY_OPTIONS = {
    "csv": "format csv, header true, compression 'none'",
    "csv.gz": "format csv, header true, compression 'gzip'",
    "parquet": "format parquet, compression 'zstd'",
    "ndjson": "format json, array false, compression 'none'",
}


def output_format(out: Path) -> str:
    """``csv``, ``csv.gz``, ``parquet`` or ``ndjson``, from the file's extension."""
    name = out.name.lower()
    for extension, kind in FORMATS.items():
        if name.endswith(extension) and len(name) > len(extension):
            return kind
    raise ExportError(f"--out {str(out)!r}: end the file name with {', '.join(FORMATS)} to choose the format")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def neutralised(expression: str) -> str:
    """``expression`` (text) with a leading ``'`` when a spreadsheet would run it as a formula."""
    starts = ", ".join(_literal(c) for c in FORMULA_STARTS)
    return (
        f"case when left({expression}, 1) in ({starts}) "
        f"and not regexp_full_match({expression}, {_literal(NUMBER_PATTERN)}) "
        f"then '''' || {expression} else {expression} end"
    )


def select_list(columns: list[tuple[str, str]], kind: str, alias: str) -> str:
    """The written columns of ``alias`` (those not starting with ``_``), neutralised for CSV."""
    items = []
    for name, data_type in columns:
        if name.startswith("_"):
            continue
        expression = f"{alias}.{_quote(name)}"
        if kind.startswith("csv") and data_type.upper() == "VARCHAR":
            expression = neutralised(expression)
        items.append(f"{expression} as {_quote(name)}")
    if not items:
        raise ExportError("the export mart has no columns to write (every column starts with '_')")
    return ",\n    ".join(items)


def check_destination(out: Path) -> Path:
    out = Path(out)
    output_format(out)
    if out.is_dir():
        raise ExportError(f"--out {str(out)!r}: is a folder; give a file name")
    if not out.parent.is_dir():
        raise ExportError(f"--out {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    return out


def copy_atomically(
    con: duckdb.DuckDBPyConnection, query: str, params: list[object], out: Path, kind: str
) -> int:
    """Write ``query``'s rows to ``out`` in one COPY, via a temporary file renamed when complete.

    Returns the rows written. Raises whatever DuckDB or the file system raised; nothing is left behind.
    """
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        rows = con.execute(
            f"copy ({query}) to {_literal(str(temporary))} ({_COPY_OPTIONS[kind]})", params
        ).fetchone()[0]
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    return int(rows)
