"""The daily summaries as Dagster partitions: which UTC days a run rebuilds, and the figures of those days.

A build of the call models ends by listing the days whose summaries are stale
(``intermediate.int_daily__days_to_refresh``); the ``daily_summaries`` job then rebuilds exactly those
days, as one run over the partition range they span. A backfill from the UI or ``cdrwh run --from --to``
is the same job over the range asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import dagster as dg
import duckdb

STALE_DAYS_VIEW = "intermediate.int_daily__days_to_refresh"
DEFAULT_FIRST_DAY = "2000-01-01"
"""The first partition; calls before it are still summarised, in a run over the first partition."""

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def first_partition_day() -> date:
    return date.fromisoformat(os.environ.get("CDRWH_FIRST_DAY", DEFAULT_FIRST_DAY))


DAILY_PARTITIONS = dg.DailyPartitionsDefinition(
    start_date=first_partition_day().isoformat(), timezone="UTC", end_offset=1
)
"""UTC days from CDRWH_FIRST_DAY to today (end_offset=1: today's partial day is a partition too)."""


@dataclass(frozen=True)
class SummaryRun:
    """What a ``daily_summaries`` run rebuilds: ``days``, within partitions ``first_key``..``last_key``."""

    days: tuple[date, ...]
    first_key: str
    last_key: str
    full_refresh: bool = False

    @property
    def tags(self) -> dict[str, str]:
        return {RANGE_START_TAG: self.first_key, RANGE_END_TAG: self.last_key}

    def run_config(self, op_name: str) -> dict:
        config: dict = {"days": [d.isoformat() for d in self.days]}
        if self.full_refresh:
            config["full_refresh"] = True
        return {"ops": {op_name: {"config": config}}}


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def summary_run(
    days: Iterable[date], *, full_refresh: bool = False, today: date | None = None
) -> SummaryRun | None:
    """The run that rebuilds ``days``: the partition range they span, clamped to the partitions that
    exist (a call dated before the first partition or after today is rebuilt all the same)."""
    days = tuple(sorted(set(days)))
    if not days:
        return None
    first_key_day = first_partition_day()
    last_key_day = today or datetime.now(timezone.utc).date()
    first = min(max(days[0], first_key_day), last_key_day)
    last = max(min(days[-1], last_key_day), first)
    return SummaryRun(
        days=days, first_key=first.isoformat(), last_key=last.isoformat(), full_refresh=full_refresh
    )


def days_of_window(window: dg.TimeWindow) -> list[date]:
    """The UTC days of a partition time window (its end is exclusive)."""
    return days_between(window.start.date(), (window.end - timedelta(days=1)).date())


SUMMARY_DAYS_ENV = "CDRWH_SUMMARY_DAYS"
"""How cdrwh tells the daily dbt models which days to rebuild. An environment variable, not ``--vars``:
dbt parses the whole project again whenever the vars differ from the last parse (~10 s a build)."""


def summary_days_env(days: Sequence[date]) -> str:
    """The value of ``CDRWH_SUMMARY_DAYS`` that makes the daily dbt models rebuild exactly ``days``
    (ISO days, comma-separated; ``none`` for no day)."""
    return ",".join(d.isoformat() for d in sorted(set(days))) or "none"


def stale_days(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The days whose summaries no longer match fct_calls (none before the first build of the view)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'intermediate' and table_name = 'int_daily__days_to_refresh'"
    ).fetchone()[0]
    if not exists:
        return []
    return [row[0] for row in con.execute(f"select call_date from {STALE_DAYS_VIEW} order by 1").fetchall()]


def summaries_built(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the daily summaries were ever built by this version (they record what they summarised)."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'intermediate' and table_name = 'int_daily__summarised'"
        ).fetchone()[0]
    )


DAY_FIGURES_COLUMNS = (
    ("call_date", "string"),
    ("calls", "int"),
    ("answered", "int"),
    ("asr_pct", "float"),
    ("acd_s", "float"),
    ("billed_minutes", "float"),
    ("charge", "float"),
    ("vendor_charge", "float"),
    ("margin", "float"),
)

_DAY_FIGURES_SQL = """
select
    strftime(call_date, '%Y-%m-%d') as call_date,
    sum(calls) as calls,
    sum(answered_calls) as answered,
    round(100.0 * sum(answered_calls) / nullif(sum(calls), 0), 2) as asr_pct,
    round(1.0 * sum(answered_duration_s) / nullif(sum(answered_calls), 0), 2) as acd_s,
    round(sum(billed_minutes), 2) as billed_minutes,
    round(sum(charge_amount), 2) as charge,
    round(sum(vendor_charge), 2) as vendor_charge,
    round(sum(margin), 2) as margin
from marts.daily_traffic
where call_date between ? and ?
group by call_date
order by call_date
"""


def day_figures(con: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dg.TableMetadataValue:
    """The headline figures of ``days`` from marts.daily_traffic, as a Dagster table."""
    wanted = {d.isoformat() for d in days}
    rows = con.execute(_DAY_FIGURES_SQL, [min(days), max(days)]).fetchall() if days else []
    records = [
        dg.TableRecord(
            {
                name: (float(value) if kind == "float" and value is not None else value)
                for (name, kind), value in zip(DAY_FIGURES_COLUMNS, row, strict=True)
            }
        )
        for row in rows
        if row[0] in wanted
    ]
    schema = dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in DAY_FIGURES_COLUMNS])
    return dg.MetadataValue.table(records=records, schema=schema)
