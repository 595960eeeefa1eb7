"""Re-rating: requests, the run bookkeeping around a build, and ``cdrwh rerate`` end to end.

The arithmetic of a re-rated call (which run wins, duration rules, a deck's clock) is a dbt unit test of
``int_calls__rated``; here: what is recorded, what the warehouse shows after each command, and that a
later ``cdrwh run`` keeps a run while ``--undo`` takes it back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.rerating.assets import RerateConfig, request_from_config
from orchestration.generator import generate
from orchestration.rerating import (
    RerateError,
    RerateRequest,
    finalize_pending,
    list_runs,
    parse_window_bound,
    record_rerate,
    record_undo,
)
from tests.conftest import cdrwh, write_csv

# -- requests ---------------------------------------------------------------------------------------


def test_a_date_alone_is_its_whole_day_and_timestamps_are_utc() -> None:
    assert parse_window_bound("2026-10-01", end=False) == datetime(2026, 10, 1)
    assert parse_window_bound("2026-10-31", end=True) == datetime(2026, 11, 1)
    assert parse_window_bound("2026-10-01T08:30:00", end=True) == datetime(2026, 10, 1, 8, 30)
    assert parse_window_bound("2026-10-01T10:30:00+02:00", end=False) == datetime(2026, 10, 1, 8, 30)
    assert parse_window_bound("2026-10-01T08:30:00Z", end=False) == datetime(2026, 10, 1, 8, 30)
    with pytest.raises(RerateError, match="not a date or timestamp: 'yesterday'"):
        parse_window_bound("yesterday", end=False)


def _request(**changes: object) -> RerateRequest:
    values: dict = {
        "window_from": datetime(2026, 10, 1),
        "window_to": datetime(2026, 10, 2),
        "reason": "supplier credit note 42",
        "deck": "premium",
    }
    values.update(changes)
    return RerateRequest(**values)


def test_request_operation_and_problems() -> None:
    assert _request().operation == "rerate"
    assert _request(deck=None, min_duration_s=3600, new_duration_s=60).operation == "adjust_duration"
    assert _request(min_duration_s=3600, new_duration_s=60).operation == "rerate_and_adjust_duration"
    assert _request().problems() == []
    assert _request(reason=" ").problems() == ["--reason is required: say why the calls are re-rated"]
    assert "must be before --to" in _request(window_to=datetime(2026, 10, 1)).problems()[0]
    assert _request(min_duration_s=60).problems() == ["--min-duration and --new-duration go together"]
    assert "nothing to do" in _request(deck=None).problems()[0]
    assert "--new-duration must be 0 or more" in _request(min_duration_s=1, new_duration_s=-1).problems()[0]


def test_run_config_maps_to_a_request() -> None:
    assert request_from_config(RerateConfig()) is None
    request = request_from_config(
        RerateConfig(window_from="2026-10-01", window_to="2026-10-01", deck="premium", reason="why")
    )
    assert request == _request(reason="why")
    with pytest.raises(RerateError, match="needs window_from and window_to"):
        request_from_config(RerateConfig(deck="premium", reason="why"))
    with pytest.raises(RerateError, match="a reason but no run"):
        request_from_config(RerateConfig(reason="why"))
    undo = RerateConfig(undo_run_id=3, reason="settled")
    assert request_from_config(undo.model_copy(update={"reason": None})) is None


# -- bookkeeping around a build (the build simulated by updating marts.fct_calls) ----------------------


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema intermediate")
    con.execute(
        "create table intermediate.int_rates__decks as select 'default' as deck_id union all select 'premium'"
    )
    con.execute(
        """
        create table marts.fct_calls as
        select * from (values
            ('a', timestamp '2026-10-01 10:00:00', 'flowroute', 'default', 60, 0.010000, 'USD', 'rated', null, null),
            ('b', timestamp '2026-10-01 23:59:59', 'callr', 'default', 120, 0.020000, 'USD', 'rated', null, null),
            ('c', timestamp '2026-10-02 00:00:00', 'callr', 'default', 60, 0.010000, 'USD', 'rated', null, null)
        ) as t(cdr_id, start_time, source_vendor, rate_deck_id, rated_duration_s, charge_amount, currency,
               rating_status, rerate_deck_run_id, rerate_duration_run_id)
        """
    )
    con.execute("alter table marts.fct_calls alter rerate_deck_run_id type bigint")
    con.execute("alter table marts.fct_calls alter rerate_duration_run_id type bigint")
    con.execute("alter table marts.fct_calls add column call_date date")
    con.execute("update marts.fct_calls set call_date = cast(start_time as date)")
    return con


def _build(con: duckdb.DuckDBPyConnection, deck_run: int | None, charges: dict[str, str]) -> None:
    """What the dbt build does to the calls a run takes: another deck, another charge."""
    for cdr_id, charge in charges.items():
        con.execute(
            "update marts.fct_calls set rate_deck_id = ?, charge_amount = ?, rerate_deck_run_id = ? where cdr_id = ?",
            ["premium" if deck_run else "default", Decimal(charge), deck_run, cdr_id],
        )


def test_a_run_is_pending_until_built_then_recorded_per_call(warehouse: duckdb.DuckDBPyConnection) -> None:
    run_id = record_rerate(warehouse, _request())
    assert run_id == 1
    assert warehouse.execute("select status, operation from rerating.runs").fetchall() == [
        ("pending", "rerate")
    ]
    # The window's calls are kept as they were; c starts at the window's (exclusive) end.
    assert warehouse.execute("select cdr_id from rerating.pending_before order by 1").fetchall() == [
        ("a",),
        ("b",),
    ]
    with pytest.raises(RerateError, match="run 1 has not been built yet"):
        record_rerate(warehouse, _request())

    _build(warehouse, run_id, {"a": "0.500000", "b": "1.000000"})
    (done,) = finalize_pending(warehouse)
    assert (done.run_id, done.action, done.calls_touched) == (1, "apply", 2)
    assert (done.charge_before, done.charge_after) == (Decimal("0.030000"), Decimal("1.500000"))
    assert warehouse.execute(
        "select cdr_id, deck_before, deck_after, charge_before, charge_after from rerating.call_changes order by 1"
    ).fetchall() == [
        ("a", "default", "premium", Decimal("0.010000"), Decimal("0.500000")),
        ("b", "default", "premium", Decimal("0.020000"), Decimal("1.000000")),
    ]
    assert warehouse.execute("select status, calls_touched from rerating.runs").fetchall() == [("applied", 2)]
    assert not warehouse.execute(
        "select count(*) from information_schema.tables where table_name = 'pending_before'"
    ).fetchone()[0]
    assert finalize_pending(warehouse) == []  # nothing pending: a normal build records nothing

    record_undo(warehouse, run_id, "credit note withdrawn")
    _build(warehouse, None, {"a": "0.010000", "b": "0.020000"})
    (undone,) = finalize_pending(warehouse)
    assert (undone.action, undone.calls_touched, undone.charge_after) == ("undo", 2, Decimal("0.030000"))
    assert warehouse.execute("select status, undo_reason from rerating.runs").fetchall() == [
        ("undone", "credit note withdrawn")
    ]
    (listed,) = list_runs(warehouse)
    assert listed[0] == 1 and listed[6] == "undone" and "credit note withdrawn" in listed[5]
    assert listed[4] == "deck premium"
    with pytest.raises(RerateError, match="run 1 is already undone"):
        record_undo(warehouse, run_id)


def test_requests_the_warehouse_cannot_take_are_refused(warehouse: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(RerateError, match="unknown deck 'gold'; decks: default, premium"):
        record_rerate(warehouse, _request(deck="gold"))
    with pytest.raises(RerateError, match="unknown vendor 'acme'; vendors: callr, flowroute"):
        record_rerate(warehouse, _request(vendor="acme"))
    with pytest.raises(RerateError, match="no re-rating run 7"):
        record_undo(warehouse, 7)
    assert warehouse.execute("select count(*) from rerating.runs").fetchone()[0] == 0
    empty = duckdb.connect()
    with pytest.raises(RerateError, match="run `cdrwh run` first"):
        record_rerate(empty, _request())


# -- end to end: cdrwh run, rerate, run again, list, undo -----------------------------------------------

DAY = date(2026, 10, 5)
PREMIUM_RATE = Decimal("1.000000")


def query(home: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def charges(home: Path) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in query(
            home,
            "select cdr_id, rate_deck_id, rated_duration_s, charge_amount, rating_status from marts.fct_calls",
        )
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("rerate") / "cdrwh"
    generate(home / "landing", days=3, calls_per_day=40, seed=11, start=DAY - timedelta(days=1))
    # A second deck, as an operator would drop it in: every destination at one flat price, 60/60.
    write_csv(
        home / "rates" / "premium_deck.csv",
        [
            "deck_id",
            "prefix",
            "destination",
            "rate_per_minute",
            "currency",
            "first_increment",
            "subsequent_increment",
            "connect_fee",
            "rate_type",
            "effective_from",
            "effective_to",
        ],
        [
            [
                "premium",
                str(d),
                "Everywhere",
                str(PREMIUM_RATE),
                "USD",
                "60",
                "60",
                "0",
                "flat",
                "2020-01-01",
                "",
            ]
            for d in range(1, 10)
        ],
    )
    result = cdrwh(home, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return home


def test_rerate_list_run_again_and_undo(built: Path) -> None:
    home = built
    before = charges(home)
    on_day = {
        cdr_id
        for (cdr_id,) in query(
            home, "select cdr_id from marts.fct_calls where call_date = ? and rating_status = 'rated'", DAY
        )
    }
    assert on_day

    result = cdrwh(
        home,
        "rerate",
        "--from",
        DAY.isoformat(),
        "--to",
        DAY.isoformat(),
        "--deck",
        "premium",
        "--reason",
        "move to premium",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Run 1 applied: {len(on_day):,} calls" in result.stdout
    after = charges(home)
    for cdr_id, (deck, rated_s, charge, status) in after.items():
        if cdr_id in on_day:
            assert (deck, status) == ("premium", "rated")
            assert charge == PREMIUM_RATE * rated_s / 60
        else:
            assert (deck, rated_s, charge, status) == before[cdr_id]
    # Recorded per call, with the summaries following the calls.
    assert query(home, "select status, calls_touched, reason from rerating.runs") == [
        ("applied", len(on_day), "move to premium")
    ]
    changes = query(
        home, "select cdr_id, charge_before, charge_after from rerating.call_changes where run_id = 1"
    )
    assert {c[0]: c[1:] for c in changes} == {c: (before[c][2], after[c][2]) for c in on_day}
    assert query(
        home,
        """
        select sum(charge_amount) = (select sum(charge_amount) from marts.fct_calls where call_date = ?)
        from marts.daily_traffic where call_date = ?
        """,
        DAY,
        DAY,
    ) == [(True,)]

    # A duration rule for one vendor, on top: calls of 30 s or more rated as 1 s (60/60 still bills 60).
    result = cdrwh(
        home,
        "rerate",
        "--from",
        "2026-10-04",
        "--to",
        "2026-10-06",
        "--vendor",
        "callr",
        "--min-duration",
        "30",
        "--new-duration",
        "1",
        "--reason",
        "short-call dispute",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    adjusted = query(
        home,
        "select count(*), count(*) filter (where rerate_duration_run_id = 2) from marts.fct_calls where source_vendor = 'callr' and duration_s >= 30 and call_status = 'answered'",
    )
    assert adjusted[0][0] > 0 and adjusted[0][0] == adjusted[0][1]
    after_both = charges(home)
    assert after_both != after

    # A plain build keeps both runs: they are inputs, not edits.
    result = cdrwh(home, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert charges(home) == after_both

    listing = cdrwh(home, "rerate", "--list")
    assert listing.returncode == 0, listing.stderr
    assert "move to premium" in listing.stdout and "short-call dispute" in listing.stdout
    assert listing.stdout.index("short-call dispute") < listing.stdout.index(
        "move to premium"
    )  # newest first

    result = cdrwh(home, "rerate", "--undo", "2", "--reason", "dispute settled")
    assert result.returncode == 0, result.stdout + result.stderr
    result = cdrwh(home, "rerate", "--undo", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Run 1 undone" in result.stdout
    assert charges(home) == before
    assert query(home, "select run_id, status from rerating.runs order by 1") == [
        (1, "undone"),
        (2, "undone"),
    ]
    assert query(home, "select count(*) from rerating.call_changes where run_id = 1 and action = 'undo'") == [
        (len(on_day),)
    ]


def test_rerate_refusals_say_why(built: Path) -> None:
    result = cdrwh(built, "rerate", "--from", "2026-10-05", "--to", "2026-10-05", "--deck", "premium")
    assert result.returncode == 2 and "--reason is required" in result.stderr
    result = cdrwh(
        built, "rerate", "--from", "2026-10-05", "--to", "2026-10-05", "--deck", "gold", "--reason", "x"
    )
    assert result.returncode == 1 and "unknown deck 'gold'" in result.stdout
    result = cdrwh(built, "rerate", "--undo", "99")
    assert result.returncode == 1 and "no re-rating run 99" in result.stdout
