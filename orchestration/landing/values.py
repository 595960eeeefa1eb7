"""SQL for checking landed text against a column's declared kind, and for quoting a record back."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.formats import Column, FormatSpec

# What each kind must parse as. Timestamps may carry an offset; the session time zone is UTC.
_PARSE_TYPES = {"integer": "bigint", "decimal": "decimal(38, 10)", "timestamp": "timestamptz"}
_KIND_WORDS = {"integer": "an integer", "decimal": "a number", "timestamp": "a date and time"}


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def problem_sql(column: Column, cell: str, header: str) -> str | None:
    """An expression giving the reason ``cell`` cannot be ``column``'s kind, or null when it can.

    Empty values and the column's declared null spellings are fine: whether a value may be missing
    is a field rule, checked (and quarantined) in the models, not a parsing problem.
    """
    parse_type = _PARSE_TYPES.get(column.kind)
    if parse_type is None:
        return None
    blanks = ", ".join(sql_string(v) for v in ("", *column.null_values))
    prefix = sql_string('column "' + header.strip() + '": ')
    suffix = sql_string(" is not " + _KIND_WORDS[column.kind])
    # The trimmed value is what must parse. The value as it is is tried first: a cast that takes it
    # takes it trimmed too (casts skip surrounding blanks), and it spares trimming the good values,
    # nearly all of them (half the cost of the check).
    return (
        f"case when {cell} is null or try_cast({cell} as {parse_type}) is not null"
        f" or trim({cell}) in ({blanks}) or try_cast(trim({cell}) as {parse_type}) is not null then null"
        f" else {prefix} || {sql_string(chr(39))} || {cell} || {sql_string(chr(39))} || {suffix} end"
    )


def row_problem_sql(
    spec: FormatSpec,
    columns: dict[str, int],
    labels: list[str],
    cell: Callable[[int], str],
    first: str | None = None,
) -> str:
    """An expression giving every reason a row is not landable, joined by '; ', or null when it is.

    ``columns`` maps a declared column to the index of its cell, ``cell(i)`` is the SQL for that cell
    and ``labels[i]`` how the file names it; ``first`` is a reason found before the values are read.
    """
    reasons = [first] if first else []
    for column in spec.columns:
        if column.name in columns:
            index = columns[column.name]
            reasons.append(problem_sql(column, cell(index), labels[index]))
    present = [r for r in reasons if r]
    if not present:
        return "cast(null as varchar)"
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


def record_text_sql(cells: list[str], delimiter: str) -> str:
    """The record written back as CSV text (for rejects found after parsing)."""
    quoted = [
        f"case when {c} is null then '' "
        f"when {c} like '%{delimiter}%' or {c} like '%\"%' or {c} like '%' || chr(10) || '%' "
        f"then '\"' || replace({c}, '\"', '\"\"') || '\"' else {c} end"
        for c in cells
    ]
    return f" || {sql_string(delimiter)} || ".join(quoted) if quoted else "''"
