"""The Dagster definitions load and hold the assets, checks, job, schedule and sensor."""

from __future__ import annotations

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


def test_job_schedule_and_sensor(definitions: dg.Definitions) -> None:
    job = definitions.resolve_job_def("cdr_pipeline")
    assert dg.AssetKey(["serving", "snapshot"]) in job.asset_layer.asset_graph.get_all_asset_keys()
    schedule = definitions.resolve_schedule_def("daily_cdr_pipeline")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    sensor = definitions.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "cdr_pipeline"


def test_sensor_requests_a_run_only_when_landing_changes(
    definitions: dg.Definitions, cdrwh_home: Path
) -> None:
    sensor = definitions.resolve_sensor_def("new_landing_files")
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert len(first.run_requests) == 1  # an empty folder still has a first fingerprint
        cursor = first.cursor
        unchanged = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
        assert unchanged.run_requests == [] and "no change" in unchanged.skip_message
        write_csv(cdrwh_home / "landing" / "new.csv", ["a"], [["1"]])
        changed = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
        assert len(changed.run_requests) == 1
        assert changed.cursor != cursor
