"""Daily summaries by UTC day: which days a run rebuilds, late data, full refresh, backfill by range."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.daily import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    day_figures,
    days_between,
    days_of_window,
    stale_days,
    summary_days_env,
    summary_run,
)
from orchestration.generator import generate
from tests.conftest import cdrwh, write_csv
from tests.test_pipeline_e2e import FLOWROUTE, flowroute

# --- which days, as plain functions ----------------------------------------------------------------


def test_a_run_spans_its_days_and_stays_inside_the_partitions() -> None:
    run = summary_run([date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 3)], today=date(2026, 11, 22))
    assert run is not None
    assert run.days == (date(2026, 11, 1), date(2026, 11, 3))
    assert run.tags == {RANGE_START_TAG: "2026-11-01", RANGE_END_TAG: "2026-11-03"}
    # Only the stale days are rebuilt, though the partition range spans 2026-11-02 too.
    assert run.run_config("op") == {"ops": {"op": {"config": {"days": ["2026-11-01", "2026-11-03"]}}}}

    # A call before the first partition (2000-01-01) or dated in the future is still summarised.
    run = summary_run([date(1999, 12, 31), date(2026, 12, 25)], today=date(2026, 11, 22))
    assert run is not None
    assert (run.first_key, run.last_key) == ("2000-01-01", "2026-11-22")
    assert run.days == (date(1999, 12, 31), date(2026, 12, 25))
    assert summary_run([]) is None


def test_days_of_a_range_and_of_a_partition_window() -> None:
    assert days_between(date(2026, 2, 27), date(2026, 3, 1)) == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]
    with pytest.raises(ValueError, match="ends"):
        days_between(date(2026, 3, 2), date(2026, 3, 1))
    window = dg.TimeWindow(
        datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 3, tzinfo=timezone.utc)
    )
    assert days_of_window(window) == [date(2026, 11, 1), date(2026, 11, 2)]
    assert (
        summary_days_env([date(2026, 11, 2), date(2026, 11, 1), date(2026, 11, 2)]) == "2026-11-01,2026-11-02"
    )
    assert summary_days_env([]) == "none"


def test_stale_days_come_from_the_view_and_none_before_it_exists(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert stale_days(con) == []
        con.execute("create schema intermediate")
        con.execute("create table intermediate.days (call_date date)")
        con.execute("insert into intermediate.days values ('2026-11-03'), ('2026-11-01')")
        con.execute("create view intermediate.int_daily__days_to_refresh as select * from intermediate.days")
        assert stale_days(con) == [date(2026, 11, 1), date(2026, 11, 3)]


def test_day_figures_add_up_the_groups_of_each_day(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.daily_traffic (call_date date, calls bigint, answered_calls bigint, "
            "answered_duration_s bigint, billed_minutes double, charge_amount decimal(18, 6), "
            "vendor_charge decimal(18, 8), margin decimal(18, 6))"
        )
        con.execute(
            "insert into marts.daily_traffic values "
            "('2026-11-01', 10, 4, 400, 7.5, 1.25, 1.00, 0.25), "
            "('2026-11-01', 6, 2, 20, 1.0, 0.75, 0.50, 0.25), "
            "('2026-11-02', 3, 0, 0, 0, 0, 0, 0), "
            "('2026-11-03', 99, 99, 99, 99, 99, 99, 99)"
        )
        table = day_figures(con, [date(2026, 11, 1), date(2026, 11, 2)])
    rows = [record.data for record in table.records]
    assert rows == [
        {
            "call_date": "2026-11-01",
            "calls": 16,
            "answered": 6,
            "asr_pct": 37.5,
            "acd_s": 70.0,  # 420 s over the 6 answered calls, never over the 16 attempts
            "billed_minutes": 8.5,
            "charge": 2.0,
            "vendor_charge": 1.5,
            "margin": 0.5,
        },
        {
            "call_date": "2026-11-02",
            "calls": 3,
            "answered": 0,
            "asr_pct": 0.0,
            "acd_s": None,
            "billed_minutes": 0.0,
            "charge": 0.0,
            "vendor_charge": 0.0,
            "margin": 0.0,
        },
    ]


def test_after_a_build_the_sensor_rebuilds_the_stale_days_or_only_publishes() -> None:
    from orchestration.defs.summaries.sensors import follow_up_request

    publish = follow_up_request([], run_key="after-1")
    assert publish.job_name == "publish_snapshot" and publish.run_key == "after-1"
    rebuild = follow_up_request([date(2026, 11, 20), date(2026, 11, 18)])
    assert rebuild.job_name == "daily_summaries"
    assert rebuild.tags[RANGE_START_TAG] == "2026-11-18" and rebuild.tags[RANGE_END_TAG] == "2026-11-20"
    assert rebuild.run_config == {
        "ops": {"daily_summary_models": {"config": {"days": ["2026-11-18", "2026-11-20"]}}}
    }
    whole = follow_up_request([date(2026, 11, 20)], full_refresh=True)
    assert whole.run_config == {
        "ops": {"daily_summary_models": {"config": {"days": ["2026-11-20"], "full_refresh": True}}}
    }


def test_the_sensor_reads_the_days_a_run_recorded(cdrwh_home: Path) -> None:
    from orchestration.defs.summaries.assets import summaries_stale_days
    from orchestration.defs.summaries.sensors import stale_days_of_run

    with duckdb.connect(str(cdrwh_home / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create view intermediate.int_daily__days_to_refresh as "
            "select * from (values (date '2026-11-20'), (date '2026-11-21')) as t(call_date)"
        )
    instance = dg.DagsterInstance.ephemeral()
    days = [date(2026, 11, 20), date(2026, 11, 21)]
    # Summary tables never built with their bookkeeping (an older warehouse): rebuild them whole.
    result = dg.materialize([summaries_stale_days], instance=instance)
    assert stale_days_of_run(instance, result.run_id) == (days, True)
    with duckdb.connect(str(cdrwh_home / "warehouse.duckdb")) as con:
        con.execute("create table intermediate.int_daily__summarised (call_date date)")
    result = dg.materialize([summaries_stale_days], instance=instance)
    assert stale_days_of_run(instance, result.run_id) == (days, False)

    # The sensor itself, on that run's success: one daily_summaries run over the two days.
    from orchestration.defs.summaries.sensors import summarise_stale_days

    success = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="summarise_stale_days",
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=success,
    )
    request = summarise_stale_days(context)
    assert request.job_name == "daily_summaries" and request.run_key == f"after-{result.run_id}"
    assert request.tags[RANGE_START_TAG] == "2026-11-20" and request.tags[RANGE_END_TAG] == "2026-11-21"

    @dg.asset
    def unrelated() -> None:
        return None

    other = dg.materialize([unrelated], instance=instance)
    assert stale_days_of_run(instance, other.run_id) is None


# --- end to end: late data, full refresh, a backfill by range ------------------------------------

FIRST = date(2026, 10, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(3)]
SUMMARIES = ("daily_traffic", "daily_vendor_summary", "daily_destination", "daily_quality", "fraud_alerts")


def read(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def summaries(home: Path) -> dict[str, list[tuple]]:
    """Every row of every daily summary, sorted, by table."""
    return {name: sorted(read(home, f"select * from marts.{name}"), key=repr) for name in SUMMARIES}


def summarised_at(home: Path) -> dict[date, datetime]:
    return dict(read(home, "select call_date, summarised_at from intermediate.int_daily__summarised"))


def by_day(rows: list[tuple]) -> dict[date, list[tuple]]:
    days: dict[date, list[tuple]] = {}
    for row in rows:
        days.setdefault(row[0], []).append(row)
    return days


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("daily") / "cdrwh"
    generate(home / "landing", days=len(DAYS), calls_per_day=50, seed=5, start=FIRST)
    result = cdrwh(home, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Daily summaries: 3 UTC days rebuilt ({DAYS[0]} .. {DAYS[-1]})" in result.stdout
    return home


@pytest.fixture(scope="module")
def late_run(home: Path) -> dict:
    """A Flowroute file landed after the first run, with two calls of the first day."""
    before = {"summaries": summaries(home), "summarised_at": summarised_at(home)}
    write_csv(
        home / "landing" / "late" / "flowroute_late.csv",
        FLOWROUTE,
        [
            flowroute(sip_callid="late-1", start_time=f"{DAYS[0]} 23:59:59+00", total_cost="0.50"),
            flowroute(sip_callid="late-2", start_time=f"{DAYS[0]} 00:00:00+00", total_cost="0.25"),
        ],
    )
    result = cdrwh(home, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return {"before": before, "stdout": result.stdout}


def test_a_late_file_rebuilds_only_the_day_of_its_calls(home: Path, late_run: dict) -> None:
    assert f"Daily summaries: 1 UTC day rebuilt ({DAYS[0]})" in late_run["stdout"]
    before, after = late_run["before"], summaries(home)
    stamps = summarised_at(home)
    assert stamps[DAYS[0]] > late_run["before"]["summarised_at"][DAYS[0]]
    for day in DAYS[1:]:
        assert stamps[day] == late_run["before"]["summarised_at"][day]
    for name in ("daily_traffic", "daily_vendor_summary"):
        old, new = by_day(before["summaries"][name]), by_day(after[name])
        assert old[DAYS[0]] != new[DAYS[0]], name
        assert {day: old[day] for day in DAYS[1:]} == {day: new[day] for day in DAYS[1:]}, name
    flowroute_day = read(
        home,
        "select num_calls, total_cost from marts.daily_vendor_summary "
        f"where source_vendor = 'flowroute' and call_date = '{DAYS[0]}'",
    )[0]
    old_day = next(
        row
        for row in before["summaries"]["daily_vendor_summary"]
        if row[0] == DAYS[0] and row[1] == "flowroute"
    )
    assert flowroute_day[0] == old_day[3] + 2
    assert Decimal(flowroute_day[1]) == Decimal(old_day[5]) + Decimal("0.75")


def test_a_run_with_nothing_new_rebuilds_no_day(home: Path, late_run: dict) -> None:
    stamps = summarised_at(home)
    result = cdrwh(home, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Daily summaries: no day changed" in result.stdout
    assert summarised_at(home) == stamps
    assert (home / "reports" / "latest.html").exists()


def test_a_full_refresh_gives_the_incremental_numbers(home: Path, late_run: dict) -> None:
    incremental = summaries(home)
    result = cdrwh(home, "run", "--full-refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Daily summaries: 3 UTC days rebuilt ({DAYS[0]} .. {DAYS[-1]})" in result.stdout
    assert summaries(home) == incremental


def test_run_from_to_rebuilds_exactly_that_range(home: Path, late_run: dict) -> None:
    stamps, figures = summarised_at(home), summaries(home)
    result = cdrwh(home, "run", "--from", str(DAYS[1]), "--to", str(DAYS[1]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Daily summaries: 1 UTC day rebuilt ({DAYS[1]})" in result.stdout
    assert "Landing" not in result.stdout
    after = summarised_at(home)
    assert after[DAYS[1]] > stamps[DAYS[1]]
    assert {d: after[d] for d in (DAYS[0], DAYS[2])} == {d: stamps[d] for d in (DAYS[0], DAYS[2])}
    assert summaries(home) == figures
    refused = cdrwh(home, "run", "--from", str(DAYS[1]))
    assert refused.returncode == 2 and "both --from and --to" in refused.stderr


def test_the_report_and_the_day_figures(home: Path, late_run: dict) -> None:
    html = (home / "reports" / "latest.html").read_text()
    assert html.count("<svg") == 4 and str(DAYS[-1]) in html
    assert (home / "reports" / f"daily-{DAYS[-1]}.html").read_text() == html
