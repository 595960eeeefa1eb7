"""The call models are incremental by UTC day (macros/call_days.sql): a run rebuilds only the days whose
calls changed and the days whose fraud figures those feed, and the result equals a full rebuild."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_project import call_models_version
from orchestration.generator import generate
from tests.conftest import cdrwh, write_csv
from tests.test_pipeline_e2e import CALLR_HEADER, callr

START = date(2026, 10, 1)
DAYS = 10
LATE_DAY = START + timedelta(days=2)  # 2026-10-03
NEW_DAY = START + timedelta(days=DAYS)  # 2026-10-11
MOVED_FROM, MOVED_TO = date(2026, 10, 2), date(2026, 10, 6)

COMPARED = (
    "intermediate.int_calls__deduplicated",
    "intermediate.int_calls__enriched",
    "intermediate.int_calls__rated",
    "intermediate.int_calls__quality",
    "intermediate.int_calls__fraud",
    "intermediate.int_daily__fingerprints",
    "marts.fct_calls",
    "marts.daily_traffic",
    "marts.fraud_alerts",
)
BUILD_TIMES = ("built_at", "summarised_at")


def _moving_call(day: date) -> list[str]:
    """A CALLR call whose newer export moves it to another day (its key is the call id alone)."""
    start = f"{day} 09:00:00"
    return callr(
        callid="moving-call",
        number="+447700900123",
        start=start,
        answer=f"{day} 09:00:05",
        hangup=f"{day} 09:01:05",
    )


def _tables(home: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = {}
        for table in COMPARED:
            schema, name = table.split(".")
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if c not in BUILD_TIMES
            ]
            tables[table] = con.execute(f"select {', '.join(columns)} from {table} order by all").fetchall()
        return tables


def _call_model_nodes(home: Path) -> set[str]:
    """The dbt nodes the newest call-model build ran (its run_results.json)."""
    builds = sorted((home / "dbt" / "target").glob("cdr_dbt_models-*"), key=lambda p: p.stat().st_mtime)
    return {r["unique_id"] for r in json.loads((builds[-1] / "run_results.json").read_text())["results"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("cdrwh")
    landing = home / "landing"
    generate(landing / "window", days=DAYS, calls_per_day=50, seed=5, start=START)
    write_csv(landing / "moves" / "callr_v1.csv", CALLR_HEADER, [_moving_call(MOVED_FROM)])
    first = cdrwh(home, "run")
    assert first.returncode == 0, first.stdout + first.stderr
    nodes = {"first": _call_model_nodes(home)}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        built_before = dict(
            con.execute("select call_date, built_at from intermediate.int_calls__built_days").fetchall()
        )

    # A late file for an earlier day, a new day, and a newer export moving a call to another day.
    generate(landing / "late", days=1, calls_per_day=30, seed=6, start=LATE_DAY)
    generate(landing / "new", days=1, calls_per_day=30, seed=7, start=NEW_DAY)
    write_csv(landing / "moves" / "callr_v2.csv", CALLR_HEADER, [_moving_call(MOVED_TO)])
    second = cdrwh(home, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    nodes["second"] = _call_model_nodes(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        days = con.execute(
            "select call_date, is_changed from intermediate.int_calls__days_to_build order by call_date"
        ).fetchall()
        built_after = dict(
            con.execute("select call_date, built_at from intermediate.int_calls__built_days").fetchall()
        )
        moved = con.execute("select call_date from marts.fct_calls where call_id = 'moving-call'").fetchall()
    incremental = _tables(home)

    full = cdrwh(home, "run", "--full-refresh")
    assert full.returncode == 0, full.stdout + full.stderr
    nodes["full"] = _call_model_nodes(home)
    full_tables = _tables(home)

    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("update intermediate.int_calls__built_days set call_models_version = 'older'")
        all_days = con.execute("select call_date from marts.fct_calls group by all order by all").fetchall()
    upgraded = cdrwh(home, "run")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        after_upgrade = con.execute(
            "select call_date from intermediate.int_calls__days_to_build where is_changed order by all"
        ).fetchall()
    return {
        "days": days,
        "built_before": built_before,
        "built_after": built_after,
        "moved": moved,
        "incremental": incremental,
        "full": full_tables,
        "all_days": all_days,
        "after_upgrade": after_upgrade,
        "nodes": nodes,
        "manifest": json.loads((home / "dbt" / "target" / "manifest.json").read_text()),
    }


def test_a_run_rebuilds_the_changed_days_and_the_days_their_fraud_figures_feed(runs: dict) -> None:
    changed = {day for day, is_changed in runs["days"] if is_changed}
    assert changed == {LATE_DAY, NEW_DAY, MOVED_FROM, MOVED_TO}
    # Each changed day feeds the spike baselines of the next 7 days (and bursts past midnight): 10-02 .. 10-11.
    listed = {day for day, _ in runs["days"]}
    expected = {MOVED_FROM + timedelta(days=n) for n in range((NEW_DAY - MOVED_FROM).days + 1)}
    assert listed == expected


def test_days_not_listed_are_left_as_they_were(runs: dict) -> None:
    untouched = [START]
    for day in untouched:
        assert runs["built_after"][day] == runs["built_before"][day]
    assert runs["built_after"][LATE_DAY] > runs["built_before"][LATE_DAY]
    assert NEW_DAY in runs["built_after"] and NEW_DAY not in runs["built_before"]


def test_a_call_moved_to_another_day_by_a_newer_export_is_kept_once_on_its_new_day(runs: dict) -> None:
    assert runs["moved"] == [(MOVED_TO,)]


@pytest.mark.parametrize("table", COMPARED)
def test_the_incremental_build_equals_a_full_rebuild(runs: dict, table: str) -> None:
    incremental, full = runs["incremental"][table], runs["full"][table]
    assert len(incremental) == len(full) > 0
    assert incremental == full


def test_a_warehouse_built_by_other_models_is_rebuilt_whole(runs: dict) -> None:
    """What the models compute from changed (var call_models_version): every day is rebuilt."""
    assert runs["after_upgrade"] == runs["all_days"]


def test_a_run_leaves_out_the_seeds_that_hold_their_current_file_and_their_tests(runs: dict) -> None:
    manifest, nodes = runs["manifest"]["nodes"], runs["nodes"]
    seeds = {uid for uid, node in manifest.items() if node["resource_type"] == "seed"}
    tests = {
        uid: set(node["depends_on"]["nodes"])
        for uid, node in manifest.items()
        if node["resource_type"] == "test"
    }
    of_seeds_only = {uid for uid, parents in tests.items() if parents <= seeds}
    of_a_seed_and_a_model = {
        uid
        for uid, parents in tests.items()
        if parents & seeds and any(p.startswith("model.") for p in parents)
    }
    of_sources = {
        uid for uid, node in manifest.items() if node["resource_type"] == "test" and ".source_" in uid
    }
    assert seeds and of_seeds_only and of_a_seed_and_a_model and of_sources
    # The first build loads every seed (the warehouse is new), and so does a full refresh.
    assert seeds | of_seeds_only <= nodes["first"]
    assert seeds | of_seeds_only <= nodes["full"]
    # The second finds each seed table holding its current file: seeds and their own tests are left out,
    # the tests reading a seed beside a model and the sources' tests still run.
    assert not (seeds | of_seeds_only) & nodes["second"]
    assert of_a_seed_and_a_model | of_sources <= nodes["second"]


def test_the_models_version_follows_the_sql_macros_and_seeds_not_the_docs(tmp_path: Path) -> None:
    for folder in ("models", "macros", "seeds"):
        (tmp_path / folder).mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "models" / "m.sql").write_text("select 1 as x\n")
    (tmp_path / "models" / "_m.yml").write_text("models: [{name: m}]\n")
    (tmp_path / "seeds" / "s.csv").write_text("a\n1\n")
    version = call_models_version(tmp_path)
    (tmp_path / "models" / "_m.yml").write_text("models: [{name: m, description: documented}]\n")
    assert call_models_version(tmp_path) == version
    (tmp_path / "seeds" / "s.csv").write_text("a\n2\n")
    assert call_models_version(tmp_path) != version
    version = call_models_version(tmp_path)
    (tmp_path / "models" / "m.sql").write_text("select 2 as x\n")
    assert call_models_version(tmp_path) != version


def test_the_recorded_models_version_of_a_warehouse(tmp_path: Path) -> None:
    from orchestration.defs.dbt.assets import recorded_call_models_version

    warehouse = tmp_path / "warehouse.duckdb"
    assert recorded_call_models_version(warehouse) is None
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
    assert recorded_call_models_version(warehouse) is None
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table intermediate.int_calls__built_days (call_date date, call_models_version varchar)"
        )
    assert recorded_call_models_version(warehouse) is None
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into intermediate.int_calls__built_days values ('2026-10-01', 'a'), ('2026-10-02', 'a')"
        )
    assert recorded_call_models_version(warehouse) == "a"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into intermediate.int_calls__built_days values ('2026-10-03', 'b')")
    # Days built by two versions: neither is the current one, so everything is rebuilt.
    assert recorded_call_models_version(warehouse) == "mixed"
