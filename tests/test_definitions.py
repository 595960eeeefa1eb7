"""The Dagster definitions load and hold the assets, checks, job, schedule and sensor."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import write_csv


@pytest.fixture
def definitions(cdrwh_home: Path) -> dg.Definitions:
    from orchestration.definitions import defs

    return defs()


def test_assets_cover_landing_every_dbt_layer_and_serving(definitions: dg.Definitions) -> None:
    keys = {key.to_user_string() for key in definitions.resolve_all_asset_keys()}
    assert {"landing/files", "landing/rejects", "raw/flowroute_cdr", "raw/callr_cdr"} <= keys
    assert {"staging/stg_flowroute__cdrs", "staging/stg_callr__cdrs"} <= keys
    assert {
        "intermediate/int_calls__unioned",
        "intermediate/int_calls__deduplicated",
        "intermediate/int_calls__enriched",
    } <= keys
    assert {
        "marts/fct_calls",
        "marts/daily_traffic",
        "marts/daily_vendor_summary",
        "serving/snapshot",
    } <= keys
    assert {"reference/country_calling_codes", "reference/status_map_callr"} <= keys


def test_dbt_sources_are_the_landing_assets(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_flowroute__cdrs"]))
    assert dg.AssetKey(["raw", "flowroute_cdr"]) in staging.parent_keys
    serving = graph.get(dg.AssetKey(["serving", "snapshot"]))
    assert dg.AssetKey(["marts", "fct_calls"]) in serving.parent_keys


def test_dbt_tests_and_landing_accounting_are_asset_checks(definitions: dg.Definitions) -> None:
    checks = {
        (k.asset_key.to_user_string(), k.name) for k in definitions.resolve_asset_graph().asset_check_keys
    }
    assert ("landing/files", "landing_accounting") in checks
    assert any(
        asset == "marts/fct_calls" and name.startswith("unique_fct_calls_cdr_id") for asset, name in checks
    )


def _executable(definitions: dg.Definitions, job_name: str) -> set[str]:
    job = definitions.resolve_job_def(job_name)
    return {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def test_job_schedule_and_sensor(definitions: dg.Definitions) -> None:
    pipeline = _executable(definitions, "cdr_pipeline")
    assert {"landing/files", "marts/fct_calls", "summaries/stale_days"} <= pipeline
    # The summaries and the publication run after it, over the days it changed.
    assert not {"marts/daily_traffic", "reports/daily", "serving/snapshot"} & pipeline
    schedule = definitions.resolve_schedule_def("daily_cdr_pipeline")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    sensor = definitions.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "cdr_pipeline"


def test_rerate_job_rebuilds_rating_and_what_follows_but_lands_nothing(definitions: dg.Definitions) -> None:
    job = definitions.resolve_job_def("rerate_calls")
    selected = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {
        "rerating/runs",
        "staging/stg_rerating__runs",
        "intermediate/int_calls__rated",
        "marts/fct_calls",
        "rerating/call_changes",
        "summaries/stale_days",
        # The call models are rebuilt by day: the days of the re-rating window (int_calls__days_to_build).
        "intermediate/int_calls__days_to_build",
        "intermediate/int_calls__enriched",
    } <= selected
    assert (
        not {
            "landing/files",
            "intermediate/int_calls__validated",
            "staging/stg_flowroute__cdrs",
            "marts/daily_traffic",
            "serving/snapshot",
        }
        & selected
    )
    graph = definitions.resolve_asset_graph()
    assert (
        dg.AssetKey(["rerating", "runs"])
        in graph.get(dg.AssetKey(["staging", "stg_rerating__runs"])).parent_keys
    )
    assert (
        dg.AssetKey(["rerating", "call_changes"])
        in graph.get(dg.AssetKey(["serving", "snapshot"])).parent_keys
    )


def test_daily_summaries_are_partitioned_by_utc_day(definitions: dg.Definitions) -> None:
    job = definitions.resolve_job_def("daily_summaries")
    assert isinstance(job.partitions_def, dg.DailyPartitionsDefinition)
    assert job.partitions_def.timezone == "UTC"
    daily = _executable(definitions, "daily_summaries")
    assert {
        "marts/daily_traffic",
        "marts/daily_vendor_summary",
        "marts/daily_destination",
        "marts/daily_quality",
        "marts/fraud_alerts",
        "intermediate/int_daily__summarised",
        "reports/daily",
        "serving/snapshot",
        "lake/parquet",
    } <= daily
    assert not {"marts/fct_calls", "landing/files", "summaries/stale_days"} & daily
    graph = definitions.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["marts", "daily_traffic"])).partitions_def == job.partitions_def
    assert graph.get(dg.AssetKey(["marts", "fct_calls"])).partitions_def is None
    assert _executable(definitions, "publish_snapshot") == {
        "reports/daily",
        "serving/snapshot",
        "lake/parquet",
    }
    sensor = definitions.resolve_sensor_def("summarise_stale_days")
    assert {target.job_name for target in sensor.targets} == {"daily_summaries", "publish_snapshot"}


def test_sensor_requests_a_run_only_for_files_not_landed(
    definitions: dg.Definitions, cdrwh_home: Path
) -> None:
    from orchestration.landing.loader import land
    from orchestration.serving import publish_snapshot

    sensor = definitions.resolve_sensor_def("new_landing_files")
    landing = cdrwh_home / "landing"
    with dg.instance_for_test() as instance:

        def tick(cursor: str | None = None):
            return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))

        assert tick().run_requests == []  # nothing to land
        write_csv(landing / "a.csv", ["a"], [["1"]])
        first = tick()
        assert len(first.run_requests) == 1
        again = tick(first.cursor)
        assert again.run_requests == [] and "already requested" in again.skip_message
        write_csv(landing / "b.csv", ["b"], [["2"]])
        assert len(tick(first.cursor).run_requests) == 1
        # Once landed and published, the same files request nothing, even with no cursor (a new daemon).
        land(cdrwh_home / "warehouse.duckdb", landing)
        publish_snapshot(cdrwh_home / "warehouse.duckdb", cdrwh_home / "serving.duckdb")
        landed = tick()
        assert landed.run_requests == [] and "every landing file has landed" in landed.skip_message


def test_cdrwh_run_leaves_out_the_seeds_holding_their_current_file(
    definitions: dg.Definitions, cdrwh_home: Path
) -> None:
    import duckdb

    from orchestration.dbt_project import DBT_PROJECT
    from orchestration.defs.jobs import pipeline_selection
    from orchestration.seeds import seed_fingerprint

    warehouse = cdrwh_home / "warehouse.duckdb"
    graph = definitions.resolve_asset_graph()
    assert pipeline_selection(graph, warehouse) is None  # no warehouse yet: the whole job
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    seeds = [node for node in manifest["nodes"].values() if node["resource_type"] == "seed"]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema reference")
        for node in seeds:
            con.execute(f"create table reference.{node['name']} (x integer)")
            con.execute(f"comment on table reference.{node['name']} is '{seed_fingerprint(node)}'")
    selected = {key.to_user_string() for key in pipeline_selection(graph, warehouse)}
    seed_keys = {f"reference/{node['name']}" for node in seeds}
    assert {"landing/files", "marts/fct_calls", "summaries/stale_days"} <= selected
    assert selected == _executable(definitions, "cdr_pipeline") - seed_keys
    # The daemon's runs take the whole job: it does not open the warehouse beside a run (DuckDB).
    schedule = definitions.resolve_schedule_def("daily_cdr_pipeline")
    with dg.instance_for_test() as instance:
        (request,) = schedule.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
    assert request.asset_selection is None
