"""Re-rating runs (DESIGN §7, after ConnexCS Recalc, but reversible).

A run is a row of ``rerating.runs``: a window on call start (UTC), optional account and vendor filters, and
an operation (another deck, and/or calls of at least ``min_duration_s`` billed as ``new_duration_s``). The
dbt model ``int_calls__rated`` applies every active run, so a run survives any later build or full refresh;
undoing a run marks it undone and the next build drops its effect.

Each change is recorded per call in ``rerating.call_changes`` (before and after), in two steps around the
dbt build: ``record_*`` keeps the affected calls' current charges in ``rerating.pending_before``, and
``finalize_pending`` (after the build) compares them with the new ``marts.fct_calls``. At most one run or
undo is pending at a time; a pending one left by a failed build is completed by the next successful build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import duckdb

RERATING_DDL = """
create schema if not exists rerating;
create sequence if not exists rerating.run_id_seq start 1;
create table if not exists rerating.runs (
    run_id bigint primary key,
    created_at timestamp not null,
    operation varchar not null check (operation in ('rerate', 'adjust_duration', 'rerate_and_adjust_duration')),
    window_from timestamp not null,
    window_to timestamp not null,
    account_number varchar,
    vendor varchar,
    deck_id varchar,
    min_duration_s integer,
    new_duration_s integer,
    reason varchar not null,
    status varchar not null check (status in ('pending', 'applied', 'undo_pending', 'undone')),
    applied_at timestamp,
    undone_at timestamp,
    undo_reason varchar,
    calls_touched bigint,
    charge_before decimal(18, 6),
    charge_after decimal(18, 6),
    check (window_from < window_to),
    check ((min_duration_s is null) = (new_duration_s is null)),
    check (deck_id is not null or min_duration_s is not null)
);
create table if not exists rerating.call_changes (
    run_id bigint not null,
    action varchar not null check (action in ('apply', 'undo')),
    cdr_id varchar not null,
    call_date date,
    deck_before varchar,
    deck_after varchar,
    rated_duration_before integer,
    rated_duration_after integer,
    charge_before decimal(18, 6),
    charge_after decimal(18, 6),
    currency_before varchar,
    currency_after varchar,
    rating_status_before varchar,
    rating_status_after varchar,
    recorded_at timestamp not null
);
"""

_SNAPSHOT_COLUMNS = (
    "cdr_id, call_date, rate_deck_id, rated_duration_s, charge_amount, currency, rating_status"
)


class RerateError(ValueError):
    """A re-rating request that cannot be carried out, with the reason."""


@dataclass(frozen=True)
class RerateRequest:
    window_from: datetime
    window_to: datetime
    reason: str
    account: str | None = None
    vendor: str | None = None
    deck: str | None = None
    min_duration_s: int | None = None
    new_duration_s: int | None = None

    @property
    def operation(self) -> str:
        if self.deck and self.min_duration_s is not None:
            return "rerate_and_adjust_duration"
        return "rerate" if self.deck else "adjust_duration"

    def problems(self) -> list[str]:
        problems = []
        if not self.reason.strip():
            problems.append("--reason is required: say why the calls are re-rated")
        if self.window_from >= self.window_to:
            problems.append(f"--from ({self.window_from}) must be before --to ({self.window_to})")
        if (self.min_duration_s is None) != (self.new_duration_s is None):
            problems.append("--min-duration and --new-duration go together")
        if self.deck is None and self.min_duration_s is None:
            problems.append("nothing to do: give --deck, or --min-duration with --new-duration, or both")
        for flag, value in (("--min-duration", self.min_duration_s), ("--new-duration", self.new_duration_s)):
            if value is not None and value < 0:
                problems.append(f"{flag} must be 0 or more seconds (got {value})")
        return problems


def parse_window_bound(text: str, *, end: bool) -> datetime:
    """A UTC date or timestamp; a date alone is its whole day (``--to 2026-10-31`` ends at 11-01 00:00)."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime.combine(day + timedelta(days=1) if end else day, time())
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RerateError(
            f"not a date or timestamp: {text!r} (use 2026-10-01 or 2026-10-01T08:00:00)"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RERATING_DDL)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _check_ready(con: duckdb.DuckDBPyConnection) -> None:
    if not _relation_exists(con, "marts", "fct_calls"):
        raise RerateError("nothing to re-rate yet: run `cdrwh run` first to build marts.fct_calls")
    pending = con.execute(
        "select run_id, status from rerating.runs where status in ('pending', 'undo_pending')"
    ).fetchone()
    if pending:
        what = "re-rating run" if pending[1] == "pending" else "undo of run"
        raise RerateError(
            f"the {what} {pending[0]} has not been built yet; run `cdrwh run` to complete it first"
        )


def record_rerate(con: duckdb.DuckDBPyConnection, request: RerateRequest) -> int:
    """Validate ``request`` against the warehouse, record it as pending and keep the calls' current charges."""
    ensure_schema(con)
    problems = request.problems()
    if problems:
        raise RerateError("; ".join(problems))
    _check_ready(con)
    if request.deck is not None:
        decks = [
            row[0]
            for row in con.execute("select distinct deck_id from intermediate.int_rates__decks").fetchall()
        ]
        if request.deck not in decks:
            raise RerateError(f"unknown deck {request.deck!r}; decks: {', '.join(sorted(decks)) or 'none'}")
    if request.vendor is not None:
        vendors = [
            row[0] for row in con.execute("select distinct source_vendor from marts.fct_calls").fetchall()
        ]
        if request.vendor not in vendors:
            raise RerateError(f"unknown vendor {request.vendor!r}; vendors: {', '.join(sorted(vendors))}")
    con.execute("begin transaction")
    try:
        run_id = con.execute("select nextval('rerating.run_id_seq')").fetchone()[0]
        con.execute(
            """
            insert into rerating.runs (
                run_id, created_at, operation, window_from, window_to, account_number, vendor, deck_id,
                min_duration_s, new_duration_s, reason, status
            ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
            """,
            [
                run_id,
                _utcnow(),
                request.operation,
                request.window_from,
                request.window_to,
                request.account,
                request.vendor,
                request.deck,
                request.min_duration_s,
                request.new_duration_s,
                request.reason.strip(),
            ],
        )
        # Every call the run can touch starts in its window; the build decides which it does touch.
        con.execute(
            f"""
            create or replace table rerating.pending_before as
            select {_SNAPSHOT_COLUMNS} from marts.fct_calls where start_time >= ? and start_time < ?
            """,
            [request.window_from, request.window_to],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return run_id


def record_undo(con: duckdb.DuckDBPyConnection, run_id: int, reason: str | None = None) -> None:
    """Mark an applied run to be undone by the next build, keeping the charges it gave."""
    ensure_schema(con)
    _check_ready(con)
    row = con.execute("select status from rerating.runs where run_id = ?", [run_id]).fetchone()
    if row is None:
        raise RerateError(f"no re-rating run {run_id}; `cdrwh rerate --list` shows them")
    if row[0] == "undone":
        raise RerateError(f"run {run_id} is already undone")
    con.execute("begin transaction")
    try:
        con.execute(
            "update rerating.runs set status = 'undo_pending', undo_reason = ? where run_id = ?",
            [reason, run_id],
        )
        con.execute(
            f"""
            create or replace table rerating.pending_before as
            select {_SNAPSHOT_COLUMNS} from marts.fct_calls
            where rerate_deck_run_id = ? or rerate_duration_run_id = ?
            """,
            [run_id, run_id],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


@dataclass(frozen=True)
class Finalized:
    run_id: int
    action: str
    calls_touched: int
    charge_before: Decimal
    charge_after: Decimal


def finalize_pending(con: duckdb.DuckDBPyConnection) -> list[Finalized]:
    """After a build: record per call what the pending run (or undo) changed, and mark it done."""
    ensure_schema(con)
    pending = con.execute(
        "select run_id, status from rerating.runs where status in ('pending', 'undo_pending') order by run_id"
    ).fetchall()
    if not pending:
        return []
    has_snapshot = _relation_exists(con, "rerating", "pending_before")
    done = []
    con.execute("begin transaction")
    try:
        now = _utcnow()
        for run_id, status in pending:
            action = "apply" if status == "pending" else "undo"
            before = (
                "rerating.pending_before"
                if has_snapshot
                else f"(select {_SNAPSHOT_COLUMNS} from marts.fct_calls where false)"
            )
            if action == "apply":
                # The calls the build applied the run to, against what they were before.
                touched = f"""
                    from marts.fct_calls as after
                    left join {before} as before on after.cdr_id = before.cdr_id
                    where after.rerate_deck_run_id = {run_id} or after.rerate_duration_run_id = {run_id}
                """
            else:
                touched = f"""
                    from {before} as before
                    left join marts.fct_calls as after on after.cdr_id = before.cdr_id
                """
            con.execute(
                f"""
                insert into rerating.call_changes
                select
                    {run_id}, '{action}', coalesce(after.cdr_id, before.cdr_id),
                    coalesce(after.call_date, before.call_date),
                    before.rate_deck_id, after.rate_deck_id,
                    before.rated_duration_s, after.rated_duration_s,
                    before.charge_amount, after.charge_amount,
                    before.currency, after.currency,
                    before.rating_status, after.rating_status,
                    ?
                {touched}
                """,
                [now],
            )
            calls, charge_before, charge_after = con.execute(
                """
                select count(*), coalesce(sum(charge_before), 0), coalesce(sum(charge_after), 0)
                from rerating.call_changes where run_id = ? and action = ?
                """,
                [run_id, action],
            ).fetchone()
            if action == "apply":
                con.execute(
                    """
                    update rerating.runs
                    set status = 'applied', applied_at = ?, calls_touched = ?, charge_before = ?, charge_after = ?
                    where run_id = ?
                    """,
                    [now, calls, charge_before, charge_after, run_id],
                )
            else:
                con.execute(
                    "update rerating.runs set status = 'undone', undone_at = ? where run_id = ?",
                    [now, run_id],
                )
            done.append(Finalized(run_id, action, calls, charge_before, charge_after))
        con.execute("drop table if exists rerating.pending_before")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return done


RUN_LIST_COLUMNS = (
    "run_id",
    "created_at",
    "operation",
    "window",
    "filters",
    "reason",
    "status",
    "calls",
    "charge_before",
    "charge_after",
)


def list_runs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every run, newest first, as rows of ``RUN_LIST_COLUMNS``."""
    return con.execute(
        """
        select
            run_id,
            strftime(created_at, '%Y-%m-%d %H:%M:%S'),
            operation,
            strftime(window_from, '%Y-%m-%d %H:%M') || ' .. ' || strftime(window_to, '%Y-%m-%d %H:%M'),
            concat_ws(', ',
                'account ' || account_number,
                'vendor ' || vendor,
                'deck ' || deck_id,
                'calls >= ' || min_duration_s || ' s billed as ' || new_duration_s || ' s'),
            reason || coalesce(' (undone: ' || undo_reason || ')', ''),
            status,
            calls_touched,
            charge_before,
            charge_after
        from rerating.runs
        order by run_id desc
        """
    ).fetchall()
