"""SQL for checking landed text against a column's declared kind, and for quoting a record back.

Written for DuckDB (the default ``dialect``) or Spark SQL (``dialect="spark"``, the Spark landing in
``spark_loader``): the same checks give the same verdicts and the same reasons on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from orchestration.formats import Column, FormatSpec

Dialect = Literal["duckdb", "spark"]

# What each kind must parse as. Timestamps may carry an offset; the session time zone is UTC.
_PARSE_TYPES = {"integer": "bigint", "decimal": "decimal(38, 10)", "timestamp": "timestamptz"}
_KIND_WORDS = {"integer": "an integer", "decimal": "a number", "timestamp": "a date and time"}

# Spark's casts are narrower or wider than DuckDB's in places; these bring its verdicts to DuckDB's.
# DuckDB takes a number with a fraction or an exponent as an integer (rounded): Spark only digits.
_SPARK_INTEGER = (
    "(try_cast({v} as bigint) is not null or abs(try_cast({v} as decimal(38, 10))) <= 9223372036854775807)"
)
# Spark takes '2026', '2026-10', '2026-10-01 10' and a bare time of day as timestamps, DuckDB does not:
# a full date is required, and a time after it has minutes. DuckDB takes 'infinity' and 'epoch'.
_SPARK_TIMESTAMP_SHAPE = r"^\s*[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}([T ]\s*[0-9]{1,2}:[0-9]{1,2}|\s*$)"
_SPARK_TIMESTAMP_WORDS = ("infinity", "+infinity", "-infinity", "inf", "+inf", "-inf", "epoch")


def sql_string(text: str, dialect: Dialect = "duckdb") -> str:
    """``text`` as a string literal. Spark SQL reads backslash escapes in literals; DuckDB does not."""
    if dialect == "spark":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


def _parses_sql(value: str, kind: str, dialect: Dialect) -> str:
    """A condition true when the SQL ``value`` parses as ``kind``."""
    if dialect == "duckdb":
        return f"try_cast({value} as {_PARSE_TYPES[kind]}) is not null"
    if kind == "integer":
        return _SPARK_INTEGER.format(v=value)
    if kind == "decimal":
        return f"try_cast({value} as decimal(38, 10)) is not null"
    shape = sql_string(_SPARK_TIMESTAMP_SHAPE, dialect)
    words = ", ".join(sql_string(word, dialect) for word in _SPARK_TIMESTAMP_WORDS)
    return f"(try_cast({value} as timestamp) is not null and {value} rlike {shape} or lower({value}) in ({words}))"


def problem_sql(column: Column, cell: str, header: str, dialect: Dialect = "duckdb") -> str | None:
    """An expression giving the reason ``cell`` cannot be ``column``'s kind, or null when it can.

    Empty values and the column's declared null spellings are fine: whether a value may be missing
    is a field rule, checked (and quarantined) in the models, not a parsing problem.
    """
    if column.kind not in _PARSE_TYPES:
        return None
    blanks = ", ".join(sql_string(v, dialect) for v in ("", *column.null_values))
    prefix = sql_string('column "' + header.strip() + '": ', dialect)
    suffix = sql_string(" is not " + _KIND_WORDS[column.kind], dialect)
    quote = sql_string(chr(39), dialect)
    # The trimmed value is what must parse. The value as it is is tried first: a cast that takes it
    # takes it trimmed too (casts skip surrounding blanks), and it spares trimming the good values,
    # nearly all of them (half the cost of the check). Spark gets one check of the trimmed value: its
    # checks are longer than a cast, and the SQL of a row's checks must stay small enough to compile.
    otherwise = f"{prefix} || {quote} || {cell} || {quote} || {suffix}"
    if dialect == "spark":
        trimmed = f"trim({cell})"
        return (
            f"case when {cell} is null or {trimmed} in ({blanks}) or {_parses_sql(trimmed, column.kind, dialect)}"
            f" then null else {otherwise} end"
        )
    return (
        f"case when {cell} is null or {_parses_sql(cell, column.kind, dialect)}"
        f" or trim({cell}) in ({blanks}) or {_parses_sql(f'trim({cell})', column.kind, dialect)} then null"
        f" else {otherwise} end"
    )


def row_problem_sql(
    spec: FormatSpec,
    columns: dict[str, int],
    labels: list[str],
    cell: Callable[[int], str],
    first: str | None = None,
    dialect: Dialect = "duckdb",
) -> str:
    """An expression giving every reason a row is not landable, joined by '; ', or null when it is.

    ``columns`` maps a declared column to the index of its cell, ``cell(i)`` is the SQL for that cell
    and ``labels[i]`` how the file names it; ``first`` is a reason found before the values are read.
    """
    reasons = [first] if first else []
    for column in spec.columns:
        if column.name in columns:
            index = columns[column.name]
            reasons.append(problem_sql(column, cell(index), labels[index], dialect))
    present = [r for r in reasons if r]
    if not present:
        return "cast(null as varchar)" if dialect == "duckdb" else "cast(null as string)"
    return f"nullif(concat_ws('; ', {', '.join(present)}), '')"


def json_text_sql(value: str) -> str:
    """The text ``json_extract_string`` gives for ``value``, a JSON value as VARCHAR: a string unquoted
    and unescaped, anything else (number, boolean, array, object) as its JSON text.

    A JSON string without a backslash has no escapes and no quote inside: dropping its two quotes is
    the text, with no second parse.
    """
    return (
        f"case when starts_with({value}, '\"') then"
        f" case when contains({value}, '\\') then json_extract_string({value}, '$')"
        f" else replace({value}, '\"', '') end"
        f" else {value} end"
    )


def record_text_sql(cells: list[str], delimiter: str, dialect: Dialect = "duckdb") -> str:
    """The record written back as CSV text (for rejects found after parsing): a cell holding the
    delimiter, a quote or a line feed is quoted."""
    if dialect == "spark":
        # One quoting expression for all cells, applied to each: the SQL stays small for wide rows.
        special = sql_string(f'[{re.escape(delimiter)}"\n]', dialect)
        quote = (
            f"c -> case when c is null then '' when c rlike {special}"
            " then concat('\"', replace(c, '\"', '\"\"'), '\"') else c end"
        )
        return f"array_join(transform(array({', '.join(cells)}), {quote}), {sql_string(delimiter, dialect)})"
    quoted = [
        f"case when {c} is null then '' "
        f"when {c} like '%{delimiter}%' or {c} like '%\"%' or {c} like '%' || chr(10) || '%' "
        f"then '\"' || replace({c}, '\"', '\"\"') || '\"' else {c} end"
        for c in cells
    ]
    return f" || {sql_string(delimiter, dialect)} || ".join(quoted) if quoted else "''"
