"""The ConnexCS query builder, as JSON, compiled to a parameterised condition on marts.fct_calls (DESIGN §8).

A query is a group: ``{"match": "all" | "any", "rules": [rule | group, ...]}`` (``match`` defaults to
``all``); a rule is ``{"field": <a marts.fct_calls column>, "op": <op>, "value": ...}``; groups nest. Ops:

- ``= != < <= > >=``: a single value (``!=`` and ``<`` ... do not match a null field, as in SQL; use
  ``is_null``);
- ``in`` / ``not_in``: a non-empty list of values;
- ``between``: a two-element list ``[low, high]``, both included;
- ``starts_with`` / ``contains``: text, compared with the field as text;
- ``is_null`` / ``is_not_null``: no value.

Values are converted to the field's type (a timestamp with an offset to UTC; a number for a numeric field)
and always bound as parameters (``?``); only field names from the snapshot's column list of marts.fct_calls
reach the SQL, quoted. Anything else is refused with the rule's JSON path (``rules[2].rules[0]``) and what
is allowed.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.exports.errors import ExportError
from orchestration.exports.window import to_utc

OPS = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not_in",
    "starts_with",
    "contains",
    "is_null",
    "is_not_null",
    "between",
)
MATCHES = ("all", "any")
MAX_DEPTH = 16
MAX_LIST = 10_000
_COMPARE = ("=", "!=", "<", "<=", ">", ">=")
_INTEGER_TYPES = re.compile(r"(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))|INT\d*|UHUGEINT")
_NUMERIC_TYPES = re.compile(r"DECIMAL(\(\d+,\s*\d+\))?|DOUBLE|FLOAT|REAL|NUMERIC.*")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def load_query(path: Path) -> dict:
    """The query builder JSON of ``--query FILE`` (numbers read exactly, as decimals)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ExportError(f"--query {str(path)!r}: cannot read it ({error.strerror or error})") from None
    try:
        query = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ExportError(
            f"--query {str(path)!r}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(query, dict):
        raise ExportError(f'--query {str(path)!r}: expected an object {{"match": "all", "rules": [...]}}')
    return query


class _Compiler:
    def __init__(self, columns: dict[str, str], alias: str) -> None:
        self.columns = columns
        self.alias = alias
        self.params: list[object] = []

    def fail(self, path: str, message: str) -> ExportError:
        return ExportError(f"query {path}: {message}")

    def group(self, node: object, path: str, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise self.fail(path, f"groups nest more than {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            raise self.fail(path, 'a group is an object {"match": "all" | "any", "rules": [...]}')
        unknown = sorted(set(node) - {"match", "rules"})
        if unknown:
            raise self.fail(
                path, f"unknown key(s) {', '.join(unknown)} in a group; a group has match and rules"
            )
        match = node.get("match", "all")
        if match not in MATCHES:
            raise self.fail(path, f"match {match!r} is neither 'all' nor 'any'")
        rules = node.get("rules")
        if not isinstance(rules, list) or not rules:
            raise self.fail(path, "a group needs a non-empty list of rules")
        prefix = "" if path == "(top)" else path + "."
        parts = []
        for index, item in enumerate(rules):
            item_path = f"{prefix}rules[{index}]"
            if isinstance(item, dict) and "rules" in item:
                parts.append(self.group(item, item_path, depth + 1))
            else:
                parts.append(self.rule(item, item_path))
        return "(" + (" and " if match == "all" else " or ").join(parts) + ")"

    def rule(self, node: object, path: str) -> str:
        if not isinstance(node, dict):
            raise self.fail(path, 'a rule is an object {"field": ..., "op": ..., "value": ...} (or a group)')
        unknown = sorted(set(node) - {"field", "op", "value"})
        if unknown:
            raise self.fail(
                path, f"unknown key(s) {', '.join(unknown)} in a rule; a rule has field, op, value"
            )
        field = node.get("field")
        if not isinstance(field, str) or field not in self.columns:
            raise self.fail(
                path, f"unknown field {field!r}; the fields of marts.fct_calls: {', '.join(self.columns)}"
            )
        op = node.get("op")
        if op not in OPS:
            raise self.fail(path, f"unknown op {op!r}; ops: {' '.join(OPS)}")
        column = f"{self.alias}.{quote(field)}"
        data_type = self.columns[field]
        where = f"{path} ({field} {op})"

        if op in ("is_null", "is_not_null"):
            if node.get("value") is not None:
                raise self.fail(where, f"{op} takes no value (got {node['value']!r})")
            return f"{column} is {'not ' if op == 'is_not_null' else ''}null"
        if "value" not in node:
            raise self.fail(where, "a value is required")
        value = node["value"]
        if op in ("starts_with", "contains"):
            if not isinstance(value, str) or not value:
                raise self.fail(where, f"the value is non-empty text (got {value!r})")
            self.params.append(value)
            return f"{op}(cast({column} as varchar), ?)"
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                raise self.fail(where, f"the value is a list of 1 to {MAX_LIST:,} values (got {value!r})")
            converted = [self.convert(v, data_type, f"{where} value[{i}]") for i, v in enumerate(value)]
            self.params.extend(converted)
            return f"{column} {'not in' if op == 'not_in' else 'in'} ({', '.join('?' * len(converted))})"
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise self.fail(where, f"the value is a list of two values [low, high] (got {value!r})")
            self.params.extend(self.convert(v, data_type, f"{where} value[{i}]") for i, v in enumerate(value))
            return f"{column} between ? and ?"
        self.params.append(self.convert(value, data_type, where))
        return f"{column} {op} ?"

    def convert(self, value: object, data_type: str, where: str) -> object:
        """The value as the field's type, so it binds and compares exactly (refused when it cannot be)."""
        kind = data_type.upper()
        if value is None or isinstance(value, (list, dict)):
            raise self.fail(where, f"a single value is expected (got {value!r}); for null use is_null")
        if isinstance(value, float):
            value = Decimal(str(value))
        if kind in ("VARCHAR", "TEXT", "STRING") or kind.startswith("VARCHAR"):
            if isinstance(value, bool):
                raise self.fail(where, f"{value!r} is not text")
            return str(value)
        if kind == "BOOLEAN":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise self.fail(where, f"{value!r} is not true or false")
        if _INTEGER_TYPES.fullmatch(kind) or _NUMERIC_TYPES.fullmatch(kind):
            if isinstance(value, bool):
                raise self.fail(where, f"{value!r} is not a number")
            if isinstance(value, (int, Decimal)):
                return value
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                raise self.fail(where, f"{value!r} is not a number ({data_type})") from None
            if not number.is_finite():
                raise self.fail(where, f"{value!r} is not a number ({data_type})")
            return number
        if kind.startswith("TIMESTAMP") or kind == "DATE":
            if not isinstance(value, str):
                raise self.fail(
                    where, f"{value!r} is not a date or timestamp text (e.g. 2026-11-20T08:00:00)"
                )
            text = value.strip()
            try:
                if kind == "DATE":
                    return date.fromisoformat(text)
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(
                    where, f"{value!r} is not a {'date' if kind == 'DATE' else 'timestamp'} ({data_type})"
                ) from None
            if "TIME ZONE" in kind or kind == "TIMESTAMPTZ":
                return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            return to_utc(moment)
        raise self.fail(
            where, f"the field's type {data_type} takes only is_null, is_not_null, starts_with, contains"
        )


def compile_query(query: dict, columns: dict[str, str], *, alias: str = "f") -> tuple[str, list[object]]:
    """``query`` as a SQL condition on ``alias`` and its parameters.

    ``columns`` maps each allowed field (marts.fct_calls's columns, from the snapshot) to its DuckDB type.
    """
    compiler = _Compiler(columns, alias)
    sql = compiler.group(query, "(top)", 0)
    return sql, compiler.params
