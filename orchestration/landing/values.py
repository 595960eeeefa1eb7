"""SQL for checking landed text against a column's declared kind, and for quoting a record back."""

from __future__ import annotations

from orchestration.formats import Column

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
    return (
        f"case when {cell} is not null and trim({cell}) not in ({blanks})"
        f" and try_cast(trim({cell}) as {parse_type}) is null"
        f" then {prefix} || {sql_string(chr(39))} || {cell} || {sql_string(chr(39))} || {suffix} end"
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
