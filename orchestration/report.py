"""Figures read from the serving snapshot, for ``cdrwh demo`` and ``cdrwh status``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

DAY_FIGURES_SQL = """
select
    source_vendor,
    max(vendor_currency) as currency,
    sum(calls) as calls,
    sum(answered_calls) as answered,
    round(100.0 * sum(answered_calls) / nullif(sum(calls), 0), 1) as asr_pct,
    round(100.0 * (sum(answered_calls) + sum(busy_calls) + sum(no_answer_calls)) / nullif(sum(calls), 0), 1)
        as ner_pct,
    round(1.0 * sum(total_duration_s) / nullif(sum(answered_calls), 0), 1) as acd_s,
    round(sum(billed_minutes), 1) as billed_minutes,
    round(sum(vendor_charge), 2) as vendor_charge,
    round(sum(charge_amount), 2) as our_charge,
    round(sum(margin), 2) as margin
from marts.daily_traffic
where call_date = ?
group by source_vendor
order by source_vendor
"""


class NoSnapshot(RuntimeError):
    pass


def open_snapshot(serving: Path) -> duckdb.DuckDBPyConnection:
    if not serving.exists():
        raise NoSnapshot(f"no serving snapshot at {serving} yet: run `cdrwh run` (or `make demo`) first")
    return duckdb.connect(str(serving), read_only=True)


def latest_day(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.execute("select max(call_date) from marts.daily_traffic").fetchone()[0]


def day_figures(con: duckdb.DuckDBPyConnection, day: date) -> tuple[list[str], list[tuple]]:
    relation = con.execute(DAY_FIGURES_SQL, [day])
    return [d[0] for d in relation.description], relation.fetchall()


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether the snapshot's table has the column (a snapshot published by an older version may not)."""
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name = ?",
            [schema, name, column],
        ).fetchone()[0]
    )


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _file_path_sql(con: duckdb.DuckDBPyConnection, alias: str) -> str:
    """A file's path as people read it: relative to landing/, or 'rates/...' for a rate file."""
    if not _has_column(con, "landing.files", "folder"):
        return f"{alias}.path"
    return f"case when {alias}.folder = 'rates' then 'rates/' || {alias}.path else {alias}.path end"


def landing_summary(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    relation = con.execute(
        """
        select status, coalesce(format, '-') as format, count(*) as files, sum(rows_read) as rows_read,
               sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected, max(landed_at) as last_landed
        from landing.files group by all order by status, format
        """
    )
    return [d[0] for d in relation.description], relation.fetchall()


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    numeric = [
        bool(rows) and all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, Decimal)):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def file_accounting(con: duckdb.DuckDBPyConnection, limit: int | None = 20) -> tuple[list[str], list[tuple]]:
    """Per-file conservation (unbalanced files first, then the newest)."""
    with_rates = _has_column(con, "marts.file_reconciliation", "rates_used")
    path = (
        "case when r.folder = 'rates' then 'rates/' || r.path else r.path end"
        if _has_column(con, "marts.file_reconciliation", "folder")
        else "r.path"
    )
    relation = con.execute(
        f"""
        select file_id, {path} as path, coalesce(format, '-') as format, status, rows_read, calls,
               {"rates_used as rates, " if with_rates else ""}duplicates,
               rejects, quarantined, case when is_balanced then 'yes' else 'NO' end as balanced
        from marts.file_reconciliation as r
        order by is_balanced, file_id desc
        {f"limit {int(limit)}" if limit else ""}
        """
    )
    return [d[0] for d in relation.description], relation.fetchall()


# Values in reasons are quoted ('sixty'); masking them groups reasons by kind.
_MASK_QUOTED_VALUES = "regexp_replace(r.reason, '''[^'']*''', '''...''', 'g')"


def common_reject_reasons(con: duckdb.DuckDBPyConnection, limit: int = 10) -> tuple[list[str], list[tuple]]:
    """Reject reasons grouped with their values masked, most frequent first, with one example line."""
    relation = con.execute(
        f"""
        select
            {_MASK_QUOTED_VALUES} as reason,
            count(*) as rows,
            count(distinct r.file_id) as files,
            min({_file_path_sql(con, "f")} || ':' || r.line) as example
        from landing.rejects as r
        join landing.files as f using (file_id)
        group by 1
        order by rows desc, reason
        limit ?
        """,
        [limit],
    )
    return [d[0] for d in relation.description], relation.fetchall()


def rate_quarantine_by_rule(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """Rates and plans of rate files that break a field rule (``marts.quarantined_rates``), by rule."""
    if not _has_table(con, "marts.quarantined_rates"):
        return ["record_type", "broken_rules", "rows", "example"], []
    relation = con.execute(
        """
        select record_type, broken_rules, count(*) as rows,
               min(coalesce('rates/' || source_file || ':' || source_line, source_format)) as example
        from marts.quarantined_rates
        group by 1, 2
        order by rows desc, record_type, broken_rules
        """
    )
    return [d[0] for d in relation.description], relation.fetchall()


def quarantine_by_rule(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    relation = con.execute(
        """
        select broken_rules, count(*) as rows, min(source_file || ':' || source_line) as example
        from marts.quarantined_calls
        group by 1
        order by rows desc, broken_rules
        """
    )
    return [d[0] for d in relation.description], relation.fetchall()


def fraud_alert_counts(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    """Fraud alerts of ``day`` by severity (high, medium, low)."""
    rows = con.execute(
        "select severity, count(*) from marts.fraud_alerts where call_date = ? group by severity", [day]
    ).fetchall()
    return {severity: count for severity, count in rows}
