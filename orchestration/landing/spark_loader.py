"""Landing on Spark (``CDRWH_ENGINE=spark``): the same files, decisions and tables as ``loader`` on DuckDB,
written to the Spark catalog (Hive metastore) as Parquet tables.

Everything that decides about a file (new or already landed, duplicate content, unsupported, which
format, legacy encoding) is ``loader.FolderLander``'s, shared with DuckDB; this module reads the rows.

Tables: ``landing.files`` (one row per decision, as on DuckDB), ``landing.rejects`` partitioned by
``file_id`` and ``raw.<format>`` partitioned by ``_file_id`` (every declared column a string; Spark puts
the partition column last). Spark has no transactions, so a file is written in an order that a retry
repairs: its raw rows and rejects first, each into its own partition by dynamic partition overwrite,
and its ``landing.files`` row last. A file's id is one more than the largest in ``landing.files``, so a
landing interrupted before that row is landed again under the same id, overwriting its partitions;
partitions above the largest recorded id (written by an interrupted run) are dropped when a run starts.

Rows never reach Python: Spark reads the lines (``.gz`` too), numbers them by their position in the
file (``numbered_lines``: no single-partition window, no Python RDD) and parses each line with SQL
(``from_csv``, ``from_json``), every cell a string, cells taken by header name. Line numbers are DuckDB's:
a CSV header is line 1; NDJSON lines and JSON array elements are numbered from 1. Rejects carry DuckDB's
reasons ('missing columns: Expected Number of Columns: 26 Found: 4', 'too many columns: ...', 'unquoted
value at column "x": ...', 'invalid encoding at column "x": ...', 'invalid JSON: ...', 'not a JSON
object: ...') and its text of the record; values that do not parse as their kind get the reasons of
``values.problem_sql`` in its Spark dialect. A legacy-encoded CSV file is read from a UTF-8 copy in the
scratch folder, as on DuckDB.

Where results differ from DuckDB's landing (none of it occurs in the generator's files; the tests in
tests/test_spark_landing.py compare both engines on a varied delivery and pin these):

- line numbers are physical lines. DuckDB skips a blank CSV line but numbers the records after it by
  their ordinal, one lower than their line; the numbers agree while no blank line precedes a record;
- a quoted CSV value cannot span lines, on DuckDB either (it rejects each piece). Here a line whose
  quote is not closed is one reject ('unquoted value at column ...') and the next line is read on its
  own; DuckDB's reader takes the rest of the file into that reject and does not count those lines;
- a JSON array is one record to Spark's reader: one task parses the whole file (an array cannot be
  split), so very large exports are better delivered as NDJSON. A malformed array is refused whole, as
  on DuckDB, with a reason of its own ('not a well-formed JSON array'). An element's text (``raw_text``,
  'not a JSON object: ...') is compact JSON; DuckDB keeps the file's spacing;
- JSON numbers: Spark's parser reads a fraction as a double and writes it in Java's notation
  (``5.0E-4``); a top-level value is rewritten as DuckDB writes it (``0.0005``, ``1.5e-7``,
  ``100000000000000000000.0``), a number inside an array or object value keeps Java's notation. In an
  object with a key twice, Spark keeps the last value and DuckDB the first;
- value checks: Spark's casts are brought to DuckDB's verdicts (a fraction or an exponent in an integer
  column, a partial date, 'infinity'); exotic spellings still differ ('0x10', '1_000', '2026/10/01',
  '24:00:00', a space before an offset).

Files are read where they lie: on a cluster, the executors must see the landing folder and the scratch
folder at the same paths (as in local mode).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from orchestration.formats import ALL_FORMATS, FormatSpec, HeaderMatch
from orchestration.landing.discovery import LandingFile
from orchestration.landing.encoding import UTF8, transcode_to_utf8
from orchestration.landing.loader import FILES_COLUMNS, FileOutcome, FolderLander, LandingReport
from orchestration.landing.readers import _key_groups, is_ndjson
from orchestration.landing.values import problem_sql, record_text_sql, sql_string
from orchestration.settings import PROJECT_DIR, paths

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

MODULE = "orchestration.landing.spark_loader"
FILES_TABLE = "landing.`files`"
REJECTS_TABLE = "landing.rejects"
_FILES_DDL = f"""
create table if not exists {FILES_TABLE} (
    file_id bigint, path string, format string, sha256 string, size_bytes bigint, modified_at timestamp,
    rows_read bigint, rows_loaded bigint, rows_rejected bigint, status string, reason string,
    ignored_columns string, landed_at timestamp, encoding string, folder string
) using parquet
"""
_REJECTS_DDL = f"""
create table if not exists {REJECTS_TABLE} (line bigint, raw_text string, reason string, file_id bigint)
using parquet partitioned by (file_id)
"""
_SESSION_SETTINGS = {
    # Without it, an overwrite replaces the whole table instead of the file's partition.
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.session.timeZone": "UTC",
    # JSON array elements are split as variants: an object with a key twice must not refuse the file.
    "spark.sql.variant.allowDuplicateKeys": "true",
    # A row's checks make one large projection: whole-stage code for it exceeds Java's method size and
    # is compiled twice (the failure, then the fallback). Without it, Spark splits the code into methods.
    "spark.sql.codegen.wholeStage": "false",
}
_REPLACEMENT = "\ufffd"
_BAD_UNICODE = "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded."
_JSON_OPTIONS = "map('allowSingleQuotes', 'false')"
"""JSON as DuckDB reads it: Spark's parser takes single-quoted strings unless told not to."""
_JAVA_FLOAT = r"^-?[0-9]\.[0-9]+E-?[0-9]+$"
"""How Spark's JSON parser writes a fraction below 1e-3 or from 1e7 (Java's ``Double.toString``)."""
_SAFE_PATH = re.compile(r"[A-Za-z0-9/._+-]+")
"""Paths Spark reads as they are: no glob characters (``[]{}*?``), no colon, no blank."""


def _s(text: str) -> str:
    return sql_string(text, "spark")


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def raw_table(spec: FormatSpec) -> str:
    return f"raw.{_quoted(spec.raw_table)}"


# -- the catalog ----------------------------------------------------------------------------------


def ensure_spark_catalog(spark: SparkSession) -> dict[str, list[str]]:
    """Create the landing tables and every declared raw table, or add the columns a newer declaration
    brought (idempotent: dbt's sources read every raw table). Returns the partitioned tables' columns."""
    spark.sql("create database if not exists landing")
    spark.sql("create database if not exists raw")
    spark.sql(_FILES_DDL)
    spark.sql(_REJECTS_DDL)
    # One listing instead of a lookup per table: each metastore call costs.
    existing = {table.name.lower() for table in spark.catalog.listTables("raw")}
    columns = {REJECTS_TABLE: spark.table(REJECTS_TABLE).columns}
    for spec in ALL_FORMATS:
        columns[raw_table(spec)] = ensure_spark_raw_table(
            spark, spec, exists=spec.raw_table.lower() in existing
        )
    return columns


def ensure_spark_raw_table(spark: SparkSession, spec: FormatSpec, exists: bool = True) -> list[str]:
    """Create ``raw.<format>``, or add the columns a newer declaration brought; returns its columns."""
    table = raw_table(spec)
    if not exists:
        columns = ", ".join(f"{_quoted(c)} string" for c in spec.column_names)
        spark.sql(
            f"create table if not exists {table} (_line bigint, {columns}, _file_id bigint) "
            "using parquet partitioned by (_file_id)"
        )
        return ["_line", *spec.column_names, "_file_id"]
    existing = spark.table(table).columns
    missing = [c for c in spec.column_names if c not in existing]
    if missing:
        spark.sql(f"alter table {table} add columns ({', '.join(f'{_quoted(c)} string' for c in missing)})")
        existing = spark.table(table).columns
    return existing


def _partitioned_tables() -> list[tuple[str, str, str]]:
    """(table, its folder under the warehouse, partition column) of every table written a partition per
    file."""
    return [
        (REJECTS_TABLE, "landing.db/rejects", "file_id"),
        *((raw_table(spec), f"raw.db/{spec.raw_table.lower()}", "_file_id") for spec in ALL_FORMATS),
    ]


def last_file_id(spark: SparkSession) -> int:
    return spark.sql(f"select coalesce(max(file_id), 0) as id from {FILES_TABLE}").first()["id"]


def drop_unrecorded_partitions(spark: SparkSession) -> None:
    """Remove what an interrupted landing wrote for a file it did not record: partitions whose id is
    above the largest in ``landing.files``, in the metastore and on disk (a partition's folder is written
    before the metastore registers it: a run may die in between).

    The tables of a local warehouse (their databases made here, in its default place) are looked at on
    disk, with no metastore call unless there is something to drop; elsewhere (HDFS, S3) the metastore
    lists their partitions."""
    last = last_file_id(spark)
    warehouse = _local_path(spark.conf.get("spark.sql.warehouse.dir"))
    for table, folder, column in _partitioned_tables():
        location = warehouse / folder if warehouse else None
        if location is None:
            found = [int(row[0].split("=", 1)[1]) for row in spark.sql(f"show partitions {table}").collect()]
        else:
            found = [int(p.name.split("=", 1)[1]) for p in location.glob(f"{column}=*")]
        for file_id in sorted(i for i in found if i > last):
            log.warning(
                "dropping partition %s=%s of %s: its landing was not recorded", column, file_id, table
            )
            spark.sql(f"alter table {table} drop if exists partition ({column} = {file_id})")
            if location and (location / f"{column}={file_id}").exists():
                shutil.rmtree(location / f"{column}={file_id}")


def _local_path(location: str | None) -> Path | None:
    """A warehouse location as a local path; None when it is elsewhere (HDFS, S3)."""
    if not location or urlparse(location).scheme not in ("", "file"):
        return None
    return Path(unquote(urlparse(location).path))


# -- numbering and parsing lines ------------------------------------------------------------------


@contextmanager
def _cached(frame: DataFrame) -> Iterator[DataFrame]:
    frame = frame.persist()
    try:
        yield frame
    finally:
        frame.unpersist()


@contextmanager
def numbered_lines(spark: SparkSession, path: Path) -> Iterator[DataFrame]:
    """The lines of a text file (gzip too) as ``(ordinal, _value)``, ordinal 0 being the first line.

    ``monotonically_increasing_id`` counts a partition's lines from 0: a file read in one split (a small
    or gzipped one) needs nothing more. A file read in several splits is numbered like ``zipWithIndex``
    does, without Python: one small count of lines per split (collected), then a line's ordinal is the
    count of the splits before its own plus its place in its split. Its lines are cached meanwhile: the
    ids must not change between the count and the writes. A UTF-8 BOM is dropped from the first line.
    """
    from pyspark.sql import functions as F

    lines = spark.read.text(str(path)).select(
        F.col("value").alias("_value"),
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
    )
    if lines.rdd.getNumPartitions() <= 1:
        yield _without_bom(lines.selectExpr("_id as ordinal", "_value"))
        return
    with _cached(lines) as lines:
        splits = (
            lines.groupBy("_block")
            .agg(F.count(F.lit(1)).alias("lines"), F.min("_id").alias("first"))
            .orderBy("_block")
            .collect()
        )
        shifts, before = [], 0
        for split in splits:
            shifts.append((split["_block"], before - split["first"]))
            before += split["lines"]
        # Joined, not written into the SQL as literals: the code Spark generates for a format's parsing
        # is then the same for each of its files, compiled once.
        shift = spark.createDataFrame(shifts, "_block bigint, _shift bigint")
        yield _without_bom(
            lines.join(F.broadcast(shift), "_block").selectExpr("_id + _shift as ordinal", "_value")
        )


def _without_bom(lines: DataFrame) -> DataFrame:
    return lines.selectExpr(
        "ordinal",
        "case when ordinal = 0 then regexp_replace(_value, '^\ufeff', '') else _value end as _value",
    )


def _label_sql(index: str, labels: list[str]) -> str:
    """SQL for ' at column "<label>"' of the cell at ``index`` (0-based), '' past the header."""
    cases = " ".join(
        f"when {i} then {_s(f' at column {chr(34)}{label}{chr(34)}')}" for i, label in enumerate(labels)
    )
    return f"coalesce(case {index} {cases} end, '')"


def _question_marks(value: str) -> str:
    """The text of a line with invalid UTF-8, each bad byte a '?' (as DuckDB's rejects show it)."""
    return f"replace(make_valid_utf8({value}), {_s(_REPLACEMENT)}, '?')"


# -- CSV ------------------------------------------------------------------------------------------


class _CsvSyntax:
    """Java regular expressions for one CSV line as DuckDB's reader takes it: a cell is quoted whole
    (``"a ""b"", c"``) or unquoted (it may hold a quote, but not start with one); blanks around a quoted
    cell are dropped; a quote opened and not closed on the line breaks it."""

    def __init__(self, delimiter: str):
        d = f"\\x{{{ord(delimiter):X}}}"
        quoted = '"(?:[^"]++|"")*+"'
        cell = f'(?:{quoted}|[^"{d}][^{d}]*+|)'
        self.delimiter = d
        self.well_formed = f"^{cell}(?:{d}{cell})*+$"
        self.complete_cells = f"^(?:{cell}{d})*+"
        """The cells before the one that breaks the line, each with its delimiter."""
        self.quoted_cell = f"(^|{d}){quoted}"
        self.blanks_around_quoted = f"(^|{d}) *({quoted}) *(?={d}|$)"

    def count_sql(self, text: str) -> str:
        """How many cells the well-formed ``text`` has: its delimiters outside quoted cells, plus one."""
        unquoted = f"regexp_replace({text}, {_s(self.quoted_cell)}, '$1')"
        return f"size(split({unquoted}, {_s(self.delimiter)}, -1))"


def _csv_cells(lines: DataFrame, match: HeaderMatch, syntax: _CsvSyntax) -> DataFrame:
    """Each record line (header and blank lines skipped) with its cells ``_c<i>``, ``_n`` (how many cells
    a well-formed line has) and ``_broken`` (which cell breaks a line that is not)."""
    width = len(match.header)
    schema = ", ".join(f"_c{i} string" for i in range(width))
    delimiter = _s(match.spec.delimiter)
    options = f"map('sep', {delimiter}, 'quote', '\"', 'escape', '\"', 'mode', 'PERMISSIVE')"
    broken_prefix = f"regexp_extract(_text, {_s(syntax.complete_cells)}, 0)"
    return (
        lines.where("ordinal > 0 and _value <> ''")
        .selectExpr(
            "ordinal + 1 as _line",
            "_value",
            "is_valid_utf8(_value) as _utf8",
            f"case when contains(_value, '\"') then regexp_replace(_value, {_s(syntax.blanks_around_quoted)},"
            " '$1$2') else _value end as _text",
        )
        .selectExpr("*", f"not contains(_text, '\"') or _text rlike {_s(syntax.well_formed)} as _well_formed")
        .selectExpr(
            "_line",
            "_value",
            "_utf8",
            f"case when _well_formed then {syntax.count_sql('_text')} end as _n",
            f"case when not _well_formed then {syntax.count_sql(broken_prefix)} - 1 end as _broken",
            f"from_csv(_text, {_s(schema)}, {options}) as _cells",
        )
        .selectExpr("_line", "_value", "_utf8", "_n", "_broken", "_cells.*")
    )


def _csv_reader_problem(width: int, labels: list[str]) -> str:
    """SQL for what DuckDB's CSV reader says of a line it cannot take, null when it takes it."""
    bad_byte = " ".join(f"when contains(_c{i}, {_s(_REPLACEMENT)}) then {i}" for i in range(width))
    return f"""nullif(concat_ws('; ',
        case when not _utf8 then 'invalid encoding' || {_label_sql(f"case {bad_byte} end", labels)}
            || {_s(": " + _BAD_UNICODE)} end,
        case when _broken is not null then 'unquoted value' || {_label_sql("_broken", labels)}
            || ': Value with unterminated quote found.' end,
        case
            when _n < {width} then 'missing columns: Expected Number of Columns: {width} Found: ' || _n
            when _n > {width} then 'too many columns: Expected Number of Columns: {width} Found: {width + 1}'
        end
    ), '')"""


def _with_value_problems(
    frame: DataFrame, spec: FormatSpec, columns: dict[str, int], labels: list[str], cell: Callable[[int], str]
) -> DataFrame:
    """``frame`` with ``_values``: every reason a value does not parse as its column's kind, joined by
    '; ' (``values.problem_sql``), null when none. Checked column by column, then joined: one
    expression for the whole row is too big for Spark to compile."""
    checks = [
        f"{problem_sql(column, cell(columns[column.name]), labels[columns[column.name]], 'spark')} as _p{n}"
        for n, column in enumerate(c for c in spec.columns if c.name in columns and c.kind != "text")
    ]
    if not checks:
        return frame.selectExpr("*", "cast(null as string) as _values")
    joined = f"concat_ws('; ', {', '.join(f'_p{n}' for n in range(len(checks)))})"
    return (
        frame.selectExpr("*", *checks)
        .selectExpr("*", f"{joined} as _joined")
        .selectExpr("*", "nullif(_joined, '') as _values")
    )


def csv_records(lines: DataFrame, match: HeaderMatch) -> DataFrame:
    """A CSV file's records as ``_line``, the declared columns (by header name), ``_problem`` (null: it
    lands), ``_raw_text`` and ``_is_record``."""
    spec = match.spec
    width = len(match.header)
    labels = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(match.header)]
    cells = _csv_cells(lines, match, _CsvSyntax(spec.delimiter)).selectExpr(
        "*", f"{_csv_reader_problem(width, labels)} as _reader"
    )
    checked = _with_value_problems(cells, spec, dict(match.positions), labels, lambda i: f"_c{i}")
    record_text = record_text_sql([f"_c{i}" for i in range(width)], spec.delimiter, dialect="spark")
    declared = [
        f"_c{match.positions[c]} as {_quoted(c)}"
        if c in match.positions
        else f"cast(null as string) as {_quoted(c)}"
        for c in spec.column_names
    ]
    return checked.selectExpr(
        "_line",
        *declared,
        "coalesce(_reader, _values) as _problem",
        f"case when _reader is null then {record_text} when _utf8 then _value"
        f" else {_question_marks('_value')} end as _raw_text",
        "true as _is_record",
    )


# -- JSON -----------------------------------------------------------------------------------------

_DECIMAL_POINT_AT_END = r"\.$"
_POINT_ZERO_EXPONENT = r"\.0E"
_STARTS_AN_OBJECT = r"^[ \t\r\n]*\{"


def _duckdb_number_sql(text: str) -> str:
    """``text``, a number in Java's scientific notation, as DuckDB writes a double: plain from 1e-6 up to
    1e21 (``0.0005``, ``100000000000000000000.0``), else ``1.5e-7``. Exact: decimal casts of the text."""
    exponent = f"cast(substring_index({text}, 'E', -1) as int)"

    def plain(scale: int) -> str:
        digits = f"regexp_replace(cast(cast({text} as decimal(38, {scale})) as string), '0+$', '')"
        return f"regexp_replace({digits}, {_s(_DECIMAL_POINT_AT_END)}, '.0')"

    scientific = f"lower(regexp_replace({text}, {_s(_POINT_ZERO_EXPONENT)}, 'E'))"
    return (
        f"case when {exponent} not between -6 and 20 then {scientific}"
        f" when {exponent} >= 0 then {plain(16)} else {plain(23)} end"
    )


def _json_values(parsed: DataFrame, spellings: list[list[str]], groups: list[list[str]]) -> DataFrame:
    """``parsed`` (objects as the structs ``_s<g>`` of string fields, one per group of keys) with
    ``_v<i>``: each declared column's text, from the first of its spellings present.

    Spark's parser writes a fraction below 1e-3 or from 1e7 in Java's notation (``5.0E-4``); such text
    is rewritten as DuckDB writes it, if it was a number: a string spelled like one is kept. Only a row
    holding such text is parsed again (its keys as doubles) to tell.
    """
    group_of = {key: g for g, group in enumerate(groups) for key in group}
    fields = [[f"_s{group_of[key]}.{_quoted(key)}" for key in keys] for keys in spellings]
    texts = [f"coalesce({', '.join(column)}) as _t{i}" for i, column in enumerate(fields)]
    texts_array = f"array({', '.join(f'_t{i}' for i in range(len(spellings)))})"
    doubles = [
        f"case when _java_float then from_json(_raw, {_s(', '.join(f'{_quoted(k)} double' for k in group))},"
        f" {_JSON_OPTIONS}) end as _d{g}"
        for g, group in enumerate(groups)
    ]
    numbers = [
        "case "
        + " ".join(
            f"when {field} is not null then _d{group_of[key]}.{_quoted(key)} is not null"
            for key, field in zip(keys, column, strict=True)
        )
        + " end"
        for keys, column in zip(spellings, fields, strict=True)
    ]
    rewrite = (
        f"(t, i) -> case when t rlike {_s(_JAVA_FLOAT)} and element_at(_numbers, i + 1)"
        f" then {_duckdb_number_sql('t')} else t end"
    )
    return (
        parsed.selectExpr("*", *texts)
        .selectExpr("*", f"exists({texts_array}, t -> t rlike {_s(_JAVA_FLOAT)}) as _java_float")
        .selectExpr("*", *doubles)
        .selectExpr("*", f"case when _java_float then array({', '.join(numbers)}) end as _numbers")
        .selectExpr("*", f"case when _java_float then transform({texts_array}, {rewrite}) end as _texts")
        .selectExpr(
            "*",
            *(
                f"case when _java_float then _texts[{i}] else _t{i} end as _v{i}"
                for i in range(len(spellings))
            ),
        )
    )


def json_records(records: DataFrame, spec: FormatSpec) -> DataFrame:
    """JSON records (``_line``; ``_json``, the text of an NDJSON line or array element; ``_utf8``) as
    ``_line``, the declared columns, ``_problem``, ``_raw_text`` and ``_is_record``.

    Each declared column is taken from the object by any of its spellings (keys match case-sensitively):
    a string unquoted, anything else as its JSON text, as DuckDB's ``json_extract_string`` gives it. A
    blank line is no record; text that is not JSON, or JSON that is not an object, is a reject.
    """
    spellings = [list(dict.fromkeys((*column.headers, column.name))) for column in spec.columns]
    # A struct cannot hold two fields that differ only by case: one struct per group of keys.
    groups = _key_groups([key for keys in spellings for key in keys])
    # Valid JSON is one value: wrapped in brackets it parses as an array of one element.
    one_value = (
        f"coalesce(size(from_json(concat('[', _json, ']'), 'array<string>', {_JSON_OPTIONS})) = 1, false)"
    )
    structs = [
        f"case when _is_object then from_json(_raw, {_s(', '.join(f'{_quoted(k)} string' for k in group))},"
        f" {_JSON_OPTIONS}) end as _s{g}"
        for g, group in enumerate(groups)
    ]
    parsed = (
        records.selectExpr("*", f"_utf8 and {one_value} as _is_json")
        .selectExpr(
            "*",
            "case when _is_json or trim(_json) <> '' then _json end as _raw",
            f"_is_json and _json rlike {_s(_STARTS_AN_OBJECT)} as _is_object",
        )
        .selectExpr(
            "*",
            *structs,
            """case
                when _raw is null then null
                when not _is_json then 'invalid JSON: ' || left(_raw, 200)
                when not _is_object then 'not a JSON object: ' || left(_raw, 200)
            end as _json_problem""",
        )
    )
    columns = {column.name: index for index, column in enumerate(spec.columns)}
    labels = [spec.label(column.name) for column in spec.columns]
    valued = _with_value_problems(
        _json_values(parsed, spellings, groups), spec, columns, labels, lambda i: f"_v{i}"
    )
    return valued.selectExpr(
        "_line",
        *(f"_v{i} as {_quoted(column.name)}" for i, column in enumerate(spec.columns)),
        f"""case
            when not _utf8 then {_s("invalid encoding: " + _BAD_UNICODE)}
            when _json_problem is not null then _json_problem
            else _values
        end as _problem""",
        f"case when _utf8 then _raw else {_question_marks('_json')} end as _raw_text",
        "not _utf8 or _raw is not null as _is_record",
    )


def ndjson_lines(lines: DataFrame) -> DataFrame:
    """NDJSON lines as JSON records numbered from 1 (a blank line counts as a line, but is no record)."""
    return lines.selectExpr("ordinal + 1 as _line", "_value as _json", "is_valid_utf8(_value) as _utf8")


class UnreadableError(ValueError):
    """The file cannot be split into records: it is refused whole."""


@contextmanager
def json_array_elements(spark: SparkSession, path: Path) -> Iterator[DataFrame]:
    """The elements of a JSON array file as JSON records numbered from 1: each element's JSON text.

    The whole file is one row to Spark (an array cannot be split into lines). An element's text is as
    Spark's parser writes it back (compact; numbers as it writes doubles, 20.0 staying 20.0), except a
    string element, which that parser unquotes: it is told by a second parse into variants and written
    quoted, so it is no object. ``UnreadableError`` when the file is not one well-formed array of UTF-8.
    """
    text = "regexp_replace(value, '^\ufeff', '')"
    whole = spark.read.text(str(path), wholetext=True).selectExpr(
        "is_valid_utf8(value) as _utf8",
        f"from_json({text}, 'array<string>', {_JSON_OPTIONS}) as _texts",
        f"from_json({text}, 'array<variant>') as _variants",
    )
    with _cached(whole) as whole:
        checked = whole.selectExpr("_utf8", "_texts is null as _malformed").first()
        if checked is not None and not checked["_utf8"]:
            raise UnreadableError(_BAD_UNICODE)
        if checked is not None and checked["_malformed"]:
            raise UnreadableError("not a well-formed JSON array")
        # Without variants (a parse that only they refuse), strings are told from objects by nothing.
        elements = """case when _variants is null
            then transform(_texts, t -> named_struct('_texts', t, '_variants', cast(null as variant)))
            else arrays_zip(_texts, _variants) end"""
        yield whole.selectExpr(f"posexplode({elements}) as (_pos, _element)").selectExpr(
            "_pos + 1 as _line",
            """case
                when schema_of_variant(_element._variants) = 'STRING' then to_json(_element._variants)
                else coalesce(_element._texts, 'null')
            end as _json""",
            "true as _utf8",
        )


# -- the lander -----------------------------------------------------------------------------------


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"timestamp'{value.isoformat(sep=' ')}'"
    return _s(str(value))


def _spark_readable(file: LandingFile) -> bool:
    """Whether Spark reads the file by its own path: no glob or URI characters, not hidden from file
    listings by a leading '_' or '.', and a gzip file named '.gz' (Hadoop picks the codec by suffix)."""
    name = file.path.name
    return (
        _SAFE_PATH.fullmatch(str(file.path)) is not None
        and not name.startswith(("_", "."))
        and (not file.is_gzip or name.endswith(".gz"))
    )


class SparkLander(FolderLander):
    """Lands the files of one folder into the Spark catalog of one session (see the module docstring)."""

    def __init__(
        self,
        spark: SparkSession,
        landing_dir: Path,
        scratch_dir: Path,
        family: str = "cdr",
        columns: dict[str, list[str]] | None = None,
    ):
        super().__init__(landing_dir, scratch_dir, family)
        self.spark = spark
        self._last_file_id = last_file_id(spark)
        self._columns = (
            columns if columns is not None else {REJECTS_TABLE: spark.table(REJECTS_TABLE).columns}
        )
        """Each table's columns in table order, once checked against the declaration in this session."""

    # -- landing.files ----------------------------------------------------------------------------

    def _landed_files(self) -> list[tuple[str, int, datetime, str, str, str | None]]:
        # Timestamps as text: PySpark would turn them into the Python process's local time.
        rows = self.spark.sql(
            "select path, size_bytes, date_format(modified_at, 'yyyy-MM-dd HH:mm:ss.SSSSSS') as modified_at,"
            f" sha256, status, reason from {FILES_TABLE} where folder = {_s(self.folder)}"
        ).collect()
        return [
            (
                r["path"],
                r["size_bytes"],
                datetime.fromisoformat(r["modified_at"]),
                r["sha256"],
                r["status"],
                r["reason"],
            )
            for r in rows
        ]

    def _next_file_id(self) -> int:
        self._last_file_id += 1
        return self._last_file_id

    def _insert_file_row(self, row: dict[str, object]) -> None:
        values = ", ".join(_literal(row[column]) for column in FILES_COLUMNS)
        self.spark.sql(f"insert into {FILES_TABLE} values ({values})")

    # -- rows -------------------------------------------------------------------------------------

    def _load(self, file: LandingFile, sha: str, match: HeaderMatch, encoding: str) -> FileOutcome:
        spec = match.spec
        table = self._raw_table(spec)
        with self._records(file, match, encoding) as parsed:
            if isinstance(parsed, UnreadableError):
                return self._record(
                    file, sha, None, "rejected", reason=f"unreadable as {spec.name}: {parsed}"
                )
            # Parsed once: the counts fill the cache, the writes read it.
            with _cached(parsed) as records:
                counts = records.selectExpr(
                    "count_if(_problem is null and _is_record) as loaded",
                    "count_if(_problem is not null) as rejected",
                ).first()
                file_id = self._next_file_id()
                if counts["loaded"]:
                    good = records.where("_problem is null and _is_record")
                    self._overwrite(good.selectExpr("*", f"cast({file_id} as bigint) as _file_id"), table)
                if counts["rejected"]:
                    bad = records.where("_problem is not null").selectExpr(
                        "_line as line",
                        "_raw_text as raw_text",
                        "_problem as reason",
                        f"cast({file_id} as bigint) as file_id",
                    )
                    self._overwrite(bad, REJECTS_TABLE)
        return self._record(
            file,
            sha,
            spec,
            "loaded",
            rows_loaded=counts["loaded"],
            rows_rejected=counts["rejected"],
            ignored_columns=", ".join(match.ignored) or None,
            encoding=encoding,
            file_id=file_id,
        )

    @contextmanager
    def _records(
        self, file: LandingFile, match: HeaderMatch, encoding: str
    ) -> Iterator[DataFrame | UnreadableError]:
        """The file's records (see ``csv_records``), or why it cannot be split into records."""
        with self._source(file, encoding) as path:
            if match.spec.reader == "csv":
                with numbered_lines(self.spark, path) as lines:
                    yield csv_records(lines, match)
            elif is_ndjson(file.path):
                with numbered_lines(self.spark, path) as lines:
                    yield json_records(ndjson_lines(lines), match.spec)
            else:
                try:
                    with json_array_elements(self.spark, path) as elements:
                        yield json_records(elements, match.spec)
                except UnreadableError as error:
                    yield error

    @contextmanager
    def _source(self, file: LandingFile, encoding: str) -> Iterator[Path]:
        """The path Spark reads: the file itself, a UTF-8 copy of a legacy-encoded CSV file (as DuckDB's
        lander makes), or a link to a file whose path Spark would misread; copies are removed after."""
        if file.is_json or encoding == UTF8:
            if _spark_readable(file):
                yield file.path
                return
            target = self.scratch_dir / f"{uuid.uuid4().hex}{''.join(file.path.suffixes[-2:]).lower()}"
            _link_or_copy(file.path, target)
        else:
            target = transcode_to_utf8(file.path, self.scratch_dir / f"{uuid.uuid4().hex}.csv", encoding)
        try:
            yield target
        finally:
            target.unlink(missing_ok=True)

    def _raw_table(self, spec: FormatSpec) -> str:
        table = raw_table(spec)
        if table not in self._columns:
            self._columns[table] = ensure_spark_raw_table(self.spark, spec)
        return table

    def _overwrite(self, rows: DataFrame, table: str) -> None:
        """Write one file's rows as their partition of ``table`` (replacing what an interrupted landing of
        the same file id left there); columns by name, those the rows lack (no longer declared) null."""
        present = {column.lower() for column in rows.columns}
        columns = [
            _quoted(c) if c.lower() in present else f"cast(null as string) as {_quoted(c)}"
            for c in self._columns[table]
        ]
        rows.selectExpr(*columns).write.insertInto(table, overwrite=True)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def prepare_session(spark: SparkSession) -> None:
    for key, value in _SESSION_SETTINGS.items():
        spark.conf.set(key, value)


def land_spark(
    spark: SparkSession,
    landing_dir: Path,
    rates_dir: Path | None,
    scratch_dir: Path,
    progress: Callable[[LandingFile], None] | None = None,
) -> LandingReport:
    """Land every new file under ``landing_dir`` (CDR exports) and, when given, ``rates_dir`` (rate decks
    and rating plans) into the Spark catalog of ``spark``; one report for both (as ``loader.land``)."""
    scratch_dir.mkdir(parents=True, exist_ok=True)
    prepare_session(spark)
    columns = ensure_spark_catalog(spark)
    drop_unrecorded_partitions(spark)
    report = SparkLander(spark, landing_dir, scratch_dir, columns=columns).land_all(progress)
    if rates_dir is not None:
        rates = SparkLander(spark, rates_dir, scratch_dir, family="rates", columns=columns).land_all(progress)
        report.outcomes.extend(rates.outcomes)
        report.skipped += rates.skipped
    return report


# -- running it in a process of its own ----------------------------------------------------------


def report_to_json(report: LandingReport) -> str:
    return json.dumps({"outcomes": [asdict(o) for o in report.outcomes], "skipped": report.skipped})


def report_from_json(text: str) -> LandingReport:
    data = json.loads(text)
    return LandingReport([FileOutcome(**o) for o in data["outcomes"]], data["skipped"])


def main() -> int:
    """Land $CDRWH_HOME/landing and $CDRWH_HOME/rates with Spark; the report as JSON on stdout's last line."""
    from orchestration.rerating import RERATING_DDL
    from orchestration.spark import (
        refresh_spark_views,
        spark_session,
        spark_tables_ddl,
        spark_warehouse_dir,
        table_columns,
    )

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    home = paths()
    # profiles.yml places the warehouse and the metastore under CDRWH_HOME: an absolute one.
    os.environ["CDRWH_HOME"] = str(home.home)
    spark = spark_session()
    try:
        spark.sparkContext.setLogLevel("ERROR")
        report = land_spark(spark, home.landing, home.rates, home.home / ".scratch" / "spark")
        # The re-rating tables are sources of the models: empty on Spark (re-rating runs on DuckDB only).
        spark.sql("create database if not exists rerating")
        for statement in spark_tables_ddl(RERATING_DDL):
            spark.sql(statement)
        # The views the later steps read Spark's tables through; this session describes the empty ones.
        refresh_spark_views(
            home.warehouse, spark_warehouse_dir(), lambda tables: table_columns(spark, tables)
        )
    finally:
        spark.stop()
    print(report_to_json(report), flush=True)
    return 0


def land_with_spark(home: Path, timeout: float | None = None) -> LandingReport:
    """Run the Spark landing of ``home`` in a process of its own and return its report.

    A process of its own because the local metastore (Derby) admits one JVM at a time and dbt-spark opens
    its own session afterwards, and a JVM's metastore and warehouse are fixed by its first session.
    """
    # The engine is Spark whatever the caller's: paths().warehouse is then the Spark views catalog.
    env = {**os.environ, "CDRWH_HOME": str(home.resolve()), "CDRWH_ENGINE": "spark"}
    done = subprocess.run(
        [sys.executable, "-m", MODULE],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-30:])
        raise RuntimeError(f"Spark landing of {home} failed (exit {done.returncode}):\n{tail}")
    return report_from_json(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
