"""The two references the pipeline is measured against, on the same files in the same bench run.

``scan_floor``: what DuckDB needs just to read every file (``count(*)`` over ``read_csv`` /
``read_json``), per format group: no pipeline can land the files faster.

``handwritten_reference``: the pipeline's core work for the Flowroute files written as one script
without the framework (no Dagster, no dbt, no per-file transactions, no tests): a typed load into a
DuckDB file, deduplication on Flowroute's natural key, longest-prefix rating against
``seeds/rate_deck_default.csv`` by a prefix-expansion equi-join, and a daily UTC summary. It covers the
Flowroute format only (the largest share of the calls, and the one whose layout the exports follow); the
other formats' staging is not reproduced, so the bench compares it with the pipeline's Flowroute share.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

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


def handwritten_reference(flowroute_files: list[Path], database: Path, deck: Path = DECK) -> dict[str, Any]:
    """Load, deduplicate, rate and summarise the Flowroute files in one DuckDB script; timed per phase.

    1. Typed load: every file in one ``read_csv`` (25- and 26-column exports by name), cast to types,
       timestamps to UTC, into a table of a DuckDB file (``database``, replaced).
    2. Dedupe: one row per natural key (direction, start, end, caller, destination; trimmed, lower case,
       as the pipeline keys it), the newest file's row winning.
    3. Rate: each call's called digits expanded to its prefixes (1..15 digits), equi-joined with the deck,
       the longest match wins; charge = connect fee + rate x billed minutes (first increment, then
       subsequent increments) for completed calls.
    4. Summarise: per UTC day of the start, calls, completed calls, minutes, our charge, the vendor's.
    """
    import duckdb

    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    phases: dict[str, float] = {}
    if not flowroute_files:
        return {
            "covers": "flowroute_cdr",
            "seconds": 0.0,
            "phases": phases,
            "rows_loaded": 0,
            "summary_calls": 0,
        }

    def timed(name: str, sql: str) -> None:
        started = time.perf_counter()
        con.execute(sql)
        phases[name] = round(time.perf_counter() - started, 3)

    started_all = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        con.execute("set TimeZone = 'UTC'; set preserve_insertion_order = false")
        timed(
            "load",
            f"""
            create table flowroute as
            select
                hash(
                    coalesce(lower(trim(direction)), '') || '|' || coalesce(lower(trim(start_time)), '')
                    || '|' || coalesce(lower(trim(end_time)), '') || '|' || coalesce(lower(trim(callerid)), '')
                    || '|' || coalesce(lower(trim(destination)), '')
                ) as natural_key,
                filename as source_file,
                lower(trim(direction)) as direction,
                try_cast(nullif(trim(start_time), '') as timestamptz) at time zone 'UTC' as start_time,
                try_cast(nullif(trim(end_time), '') as timestamptz) at time zone 'UTC' as end_time,
                regexp_replace(destination, '[^0-9]', '', 'g') as called_digits,
                trim(callerid) as calling_number,
                lower(trim(result)) as result,
                try_cast(duration as integer) as duration_s,
                try_cast(billed_duration as integer) as billed_duration_s,
                try_cast(total_cost as decimal(18, 8)) as vendor_charge
            from read_csv({_sql_list(flowroute_files)}, union_by_name = true, all_varchar = true,
                          header = true, filename = true)
            """,
        )
        timed(
            "dedupe",
            """
            create table calls as
            select row_number() over () as call_no, * exclude (version_rank)
            from (
                select *, row_number() over (partition by natural_key order by source_file desc) as version_rank
                from flowroute
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
                    when calls.result <> 'completed' or coalesce(calls.duration_s, 0) <= 0 then 0
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
                count(*) filter (where result = 'completed') as completed,
                sum(coalesce(duration_s, 0)) / 60.0 as minutes,
                sum(charge) as charge,
                sum(vendor_charge) as vendor_charge
            from rated
            group by 1
            """,
        )
        loaded, deduplicated, rated = con.execute(
            "select (select count(*) from flowroute), (select count(*) from calls),"
            " (select count(*) from rated where rate_prefix is not null)"
        ).fetchone()
        days, summary_calls = con.execute(
            "select count(*), coalesce(sum(calls), 0) from daily_summary"
        ).fetchone()
    return {
        "covers": "flowroute_cdr",
        "seconds": round(time.perf_counter() - started_all, 3),
        "phases": phases,
        "files": len(flowroute_files),
        "rows_loaded": loaded,
        "rows_deduplicated": deduplicated,
        "calls_rated": rated,
        "summary_days": days,
        "summary_calls": summary_calls,
    }
