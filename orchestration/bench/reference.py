"""The two references the pipeline is measured against, on the same files in the same bench run.

``scan_floor``: what DuckDB needs just to read every file (``count(*)`` over ``read_csv`` /
``read_json``), per format group: no pipeline can land the files faster.

``handwritten_reference``: the pipeline's core work for every CDR format written as one script
without the framework (no Dagster, no dbt, no per-file transactions, no tests): per format one read of
all its files and a typed load into one canonical table of a DuckDB file (each format's start, called
number, answered flag, duration and charge read as its staging model reads them: ``FORMAT_SQL``), then
one deduplication on the vendors' natural keys, longest-prefix rating against
``seeds/rate_deck_default.csv`` by a prefix-expansion equi-join, and a daily UTC summary. On data
without defects its summary counts the pipeline's ``fct_calls``.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from orchestration.formats.spec import FormatSpec, normalize_header
from orchestration.settings import PROJECT_DIR

CSV_SUFFIXES = (".csv", ".csv.gz")
JSON_SUFFIXES = (".json", ".ndjson", ".json.gz", ".ndjson.gz")
DECK = PROJECT_DIR / "seeds" / "rate_deck_default.csv"
MAX_PREFIX_LENGTH = 15
"""E.164 numbers have at most 15 digits: the longest prefix a deck can usefully hold."""


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    return None


def format_groups(root: Path) -> dict[tuple[str, str], list[Path]]:
    """The files under ``root`` by (top folder, csv or json): the generator writes a folder per vendor."""
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for path in sorted(root.rglob("*")):
        kind = _kind(path) if path.is_file() else None
        if kind:
            relative = path.relative_to(root)
            group = relative.parts[0] if len(relative.parts) > 1 else "(top)"
            groups[(group, kind)].append(path)
    return dict(groups)


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def scan_floor(root: Path) -> dict[str, Any]:
    """Time ``count(*)`` over every file under ``root``, one query per format group."""
    import duckdb

    groups = []
    total_rows, total_seconds = 0, 0.0
    with duckdb.connect() as con:
        for (group, kind), paths in format_groups(root).items():
            if kind == "csv":
                query = (
                    f"select count(*) from read_csv({_sql_list(paths)}, union_by_name = true, "
                    "all_varchar = true, header = true)"
                )
            else:
                query = f"select count(*) from read_json({_sql_list(paths)}, union_by_name = true)"
            started = time.perf_counter()
            rows = con.execute(query).fetchone()[0]
            seconds = time.perf_counter() - started
            total_rows += rows
            total_seconds += seconds
            groups.append(
                {
                    "group": group,
                    "kind": kind,
                    "files": len(paths),
                    "rows": rows,
                    "seconds": round(seconds, 3),
                }
            )
    return {"seconds": round(total_seconds, 3), "rows": total_rows, "groups": groups}


def _header(path: Path) -> list[str]:
    """The first record of a CSV file (gzip or plain), BOM dropped."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv.reader(handle), [])


def format_files(root: Path) -> tuple[dict[str, list[Path]], dict[str, list[list[str]]], list[Path]]:
    """The files under ``root`` by format name, each CSV file's header, and the files no format takes.

    A folder names its vendor (``format_groups``); a vendor with one format of the file's kind takes the
    file as it is, anything else (DIDWW's inbound and outbound exports share a folder; a re-sent copy
    sits under ``resent/<vendor>/``) is told by its header, as landing does."""
    from orchestration.formats import FORMATS, DetectionError, detect

    files: dict[str, list[Path]] = defaultdict(list)
    headers: dict[str, list[list[str]]] = defaultdict(list)
    unknown: list[Path] = []
    for (group, kind), paths in format_groups(root).items():
        candidates = [f for f in FORMATS if f.reader == kind and f.vendor == group]
        for path in paths:
            header = _header(path) if kind == "csv" else []
            spec = candidates[0] if len(candidates) == 1 else None
            if spec is None and kind == "csv":
                with contextlib.suppress(DetectionError):
                    spec = detect(header, reader="csv").spec
            elif spec is None:
                json_formats = [f for f in FORMATS if f.reader == "json"]
                spec = json_formats[0] if len(json_formats) == 1 else None
            if spec is None:
                unknown.append(path)
                continue
            files[spec.name].append(path)
            if header:
                headers[spec.name].append(header)
    return dict(files), dict(headers), unknown


MACROS = """
    create or replace temp macro txt(x) as nullif(trim(x), '');
    create or replace temp macro utc(x) as try_cast(txt(x) as timestamp);
    create or replace temp macro utc_offset(x) as try_cast(txt(x) as timestamptz) at time zone 'UTC';
    create or replace temp macro int_s(x) as try_cast(txt(x) as integer);
    create or replace temp macro money(x) as try_cast(txt(x) as decimal(18, 8));
    create or replace temp macro user_digits(x) as
        regexp_replace(regexp_extract(trim(x), '^(?:sips?:|tel:)?([^@;]*)', 1), '[^0-9]', '', 'g');
    create or replace temp macro e164_digits(x) as case
        when starts_with(trim(regexp_extract(trim(x), '^(?:sips?:|tel:)?([^@;]*)', 1)), '+') then user_digits(x)
        when starts_with(user_digits(x), '00') then substr(user_digits(x), 3)
        when starts_with(user_digits(x), '011') then substr(user_digits(x), 4)
        when length(user_digits(x)) = 10 and left(user_digits(x), 1) between '2' and '9' then '1' || user_digits(x)
        else user_digits(x)
    end;
"""
"""SQL helpers every format's expressions use: parse a UTC or an offset timestamp, an integer, an amount;
the called number's E.164 digits (user part of a SIP URI, '00' / '011' dropped, NANP 10 digits get '1'),
as the staging models' macros do."""

FORMAT_SQL: dict[str, dict[str, str]] = {
    "flowroute_cdr": {
        "start_time": "utc_offset(start_time)",
        "called": "destination",
        "answered": "lower(trim(result)) in ('completed', 'answered')",
        "duration_s": "int_s(duration)",
        "vendor_charge": "money(total_cost)",
    },
    "callr_cdr": {
        "start_time": "utc(start)",
        "called": "coalesce(txt(did_intl_number), number)",
        "answered": "lower(trim(dialstatus)) = 'answer'",
        "duration_s": "coalesce(int_s(duration_answered), 0)",
        "vendor_charge": "(coalesce(money(billing_customer_debit_eur), 0)"
        " - coalesce(money(billing_customer_credit_eur), 0)) * 0.01",  # euro cents
    },
    "didww_inbound": {
        "start_time": "utc(start_time)",
        "called": "did",
        "answered": "int_s(disconnect_code) in (200, 202)",
        "duration_s": "coalesce(int_s(duration), 0)",
        "vendor_charge": "coalesce(money(tollfree_amount), 0) + coalesce(money(termination_amount), 0)"
        " + coalesce(money(metered_channels_amount), 0)",
    },
    "didww_outbound": {
        "start_time": "utc(start_time)",
        "called": "destination",
        "answered": "int_s(disconnect_code) in (200, 202)",
        "duration_s": "coalesce(int_s(duration), 0)",
        "vendor_charge": "coalesce(money(charged), 0) + coalesce(money(tollfree_amount), 0)",
    },
    "connexcs_cdr": {
        "start_time": "utc(call_time)",
        "called": "destination",
        "answered": "case when int_s(sip_code) is not null then int_s(sip_code) in (200, 202)"
        " when txt(release_reason) is not null then lower(trim(release_reason)) in ('normal clearing', 'answered')"
        " else coalesce(int_s(duration), 0) > 0 end",
        "duration_s": "coalesce(int_s(duration), 0)",
        "vendor_charge": "money(charge)",
    },
    "demandflow_cdr": {
        "start_time": "utc_offset(start_time)",
        "called": "called_number",
        "answered": "trim(call_status) = '1'",
        "duration_s": "cast(round(money(duration)) as integer)",
        "vendor_charge": "money(charge_amount)",
    },
}
"""Per format, over its declared column names: the call's start (UTC), the called number as received,
whether it was answered, the connected seconds and what the vendor charged (its currency), read the way
the format's staging model reads them."""

CANONICAL = """
    create table loaded (
        vendor varchar, format varchar, natural_key ubigint, source_file varchar, start_time timestamp,
        called_digits varchar, answered boolean, duration_s integer, vendor_charge decimal(18, 8)
    )
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_sql(spec: FormatSpec, paths: list[Path], headers: list[list[str]]) -> str:
    """One insert of every file of ``spec`` (one read), its declared columns taken by any spelling."""
    expressions = FORMAT_SQL[spec.name]
    text = " ".join(expressions.values())
    used = [
        c for c in spec.columns if c.name in spec.natural_key or re.search(rf"\b{re.escape(c.name)}\b", text)
    ]
    if spec.reader == "json":
        keys = dict.fromkeys(k for c in used for k in (*c.headers, c.name))
        columns = "{" + ", ".join(f"'{k}': 'VARCHAR'" for k in keys) + "}"
        source = f"read_json({_sql_list(paths)}, columns = {columns}, union_by_name = true, filename = true)"
        present = set(keys)
    else:
        source = (
            f"read_csv({_sql_list(paths)}, union_by_name = true, all_varchar = true, header = true, "
            f"delim = '{spec.delimiter}', filename = true)"
        )
        present = {cell for header in headers for cell in header}
    mapped = []
    for column in used:
        cells = [_quote(cell) for cell in sorted(present) if normalize_header(cell) in column.spellings()]
        value = f"coalesce({', '.join(cells)})" if cells else "null::varchar"
        mapped.append(f"{value} as {column.name}")
    key = " || '|' || ".join(f"coalesce(lower(trim({c})), '')" for c in spec.natural_key)
    empty = "|" * (len(spec.natural_key) - 1)
    return f"""
        insert into loaded
        select
            '{spec.vendor}', '{spec.name}',
            -- A row without any key value is a call of its own, as in the pipeline.
            hash('{spec.name}|' || case when {key} = '{empty}' then uuid()::varchar else {key} end),
            filename,
            {expressions["start_time"]},
            e164_digits({expressions["called"]}),
            coalesce({expressions["answered"]}, false),
            {expressions["duration_s"]},
            {expressions["vendor_charge"]}
        from (select filename, {", ".join(mapped)} from {source})
    """


def handwritten_reference(root: Path, database: Path, deck: Path = DECK) -> dict[str, Any]:
    """Load, deduplicate, rate and summarise every CDR file under ``root`` in one DuckDB script; timed
    per phase.

    0. Detect: the files by format (``format_files``: folder, then header where a folder holds more).
    1. Typed load, per format: every file of the format in one ``read_csv`` / ``read_json`` (all columns
       text, by name across header generations), the declared columns taken by any spelling, cast by the
       format's ``FORMAT_SQL`` into one canonical table of a DuckDB file (``database``, replaced): vendor,
       natural key (the format's ``natural_key`` columns trimmed and lower-cased, as the pipeline keys
       them), source file, start (UTC), called digits, answered, connected seconds, vendor charge.
    2. Dedupe, once over all formats: one row per vendor and natural key, the newest file's row winning.
    3. Rate: each call's called digits expanded to its prefixes (1..15 digits), equi-joined with the deck,
       the longest match wins; charge = connect fee + rate x billed minutes (first increment, then
       subsequent increments) for answered calls.
    4. Summarise: per UTC day of the start, calls, answered calls, minutes, our charge, the vendors'.
    """
    import duckdb

    from orchestration.formats import FORMATS_BY_NAME

    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    phases: dict[str, float] = {}
    started_all = time.perf_counter()
    files, headers, unknown = format_files(root)
    covered = [name for name in FORMATS_BY_NAME if name in files]
    phases["detect"] = round(time.perf_counter() - started_all, 3)

    def timed(name: str, sql: str) -> None:
        started = time.perf_counter()
        con.execute(sql)
        phases[name] = round(time.perf_counter() - started, 3)

    with duckdb.connect(str(database)) as con:
        con.execute(
            "set TimeZone = 'UTC'; set preserve_insertion_order = false; set enable_progress_bar = false"
        )
        con.execute(MACROS)
        con.execute(CANONICAL)
        for name in covered:
            timed(f"load {name}", _load_sql(FORMATS_BY_NAME[name], files[name], headers.get(name, [])))
        phases["load"] = round(sum(v for k, v in phases.items() if k.startswith("load ")), 3)
        timed(
            "dedupe",
            """
            create table calls as
            select row_number() over () as call_no, * exclude (version_rank)
            from (
                select
                    *,
                    row_number() over (partition by vendor, natural_key order by source_file desc) as version_rank
                from loaded
            )
            where version_rank = 1
            """,
        )
        timed(
            "rate",
            f"""
            create table rated as
            with deck as (
                select
                    cast(prefix as varchar) as prefix,
                    cast(rate_per_minute as decimal(12, 6)) as rate_per_minute,
                    cast(coalesce(nullif(trim(connect_fee), ''), '0') as decimal(12, 6)) as connect_fee,
                    cast(first_increment as integer) as first_increment,
                    cast(subsequent_increment as integer) as subsequent_increment
                from read_csv('{deck}', all_varchar = true, header = true)
                where effective_to is null or effective_to = ''
            ),
            expanded as (
                select calls.call_no, lengths.n as prefix_length, left(calls.called_digits, lengths.n) as prefix
                from calls
                cross join range(1, {MAX_PREFIX_LENGTH + 1}) as lengths(n)
                where lengths.n <= length(calls.called_digits)
            ),
            matched as (
                select expanded.call_no, arg_max(deck, expanded.prefix_length) as rate
                from expanded
                inner join deck on deck.prefix = expanded.prefix
                group by expanded.call_no
            )
            select
                calls.*,
                matched.rate.prefix as rate_prefix,
                case
                    when not calls.answered or coalesce(calls.duration_s, 0) <= 0 then 0
                    else matched.rate.connect_fee + matched.rate.rate_per_minute / 60 * (
                        case
                            when calls.duration_s <= matched.rate.first_increment then matched.rate.first_increment
                            else matched.rate.first_increment + ceil(
                                (calls.duration_s - matched.rate.first_increment)
                                / matched.rate.subsequent_increment
                            ) * matched.rate.subsequent_increment
                        end
                    )
                end as charge
            from calls
            left join matched using (call_no)
            """,
        )
        timed(
            "summarise",
            """
            create table daily_summary as
            select
                cast(start_time as date) as call_date,
                count(*) as calls,
                count(*) filter (where answered) as answered,
                sum(coalesce(duration_s, 0)) / 60.0 as minutes,
                sum(charge) as charge,
                sum(vendor_charge) as vendor_charge
            from rated
            group by 1
            """,
        )
        by_format = dict(con.execute("select format, count(*) from loaded group by 1").fetchall())
        deduplicated, rated, answered_rated = con.execute(
            "select (select count(*) from calls), count(rate_prefix),"
            " count(rate_prefix) filter (where answered) from rated"
        ).fetchone()
        days, summary_calls, summary_answered = con.execute(
            "select count(*), coalesce(sum(calls), 0), coalesce(sum(answered), 0) from daily_summary"
        ).fetchone()
    return {
        "covers": covered,
        "seconds": round(time.perf_counter() - started_all, 3),
        "phases": phases,
        "files": sum(len(paths) for paths in files.values()),
        "files_by_format": {name: len(files[name]) for name in covered},
        "unrecognised_files": [str(p) for p in unknown],
        "rows_loaded": sum(by_format.values()),
        "rows_by_format": {name: by_format.get(name, 0) for name in covered},
        "rows_deduplicated": deduplicated,
        "calls_rated": rated,
        "answered_rated": answered_rated,
        "summary_days": days,
        "summary_calls": summary_calls,
        "summary_answered": summary_answered,
    }
