"""The jobs: the pipeline (land, build the call models), the daily summaries (by UTC day partition) and
the publication of the snapshot; the daily schedule.

A pipeline or re-rating run ends with ``summaries/stale_days``; the ``summarise_stale_days`` sensor (and
``cdrwh run`` in process) then launches ``daily_summaries`` over those days, or ``publish_snapshot`` when
no day changed. Both end by publishing serving.duckdb.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.defs.dbt.assets import daily_summary_models, unchanged_seed_keys
from orchestration.defs.lake.assets import lake_parquet
from orchestration.defs.rerating.assets import RERATE_JOB_NAME, RERATING_RUNS_KEY
from orchestration.defs.serving.assets import serving_snapshot
from orchestration.defs.summaries.assets import daily_report

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph

PIPELINE_JOB_NAME = "cdr_pipeline"
SUMMARIES_JOB_NAME = "daily_summaries"
PUBLISH_JOB_NAME = "publish_snapshot"
SUMMARIES_OP_NAME = "daily_summary_models"

DAILY_SELECTION = dg.AssetSelection.assets(daily_summary_models)
PUBLISH_SELECTION = dg.AssetSelection.assets(daily_report, serving_snapshot, lake_parquet)
AFTER_BUILD_SELECTION = DAILY_SELECTION | PUBLISH_SELECTION
"""What runs after the call models are built, in a run of its own."""

cdr_pipeline_job = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all() - AFTER_BUILD_SELECTION,
    description=(
        "Land new vendor files, build and test the call models, list the UTC days whose summaries are "
        "stale; the summarise_stale_days sensor then rebuilds those days and publishes serving.duckdb."
    ),
)


def pipeline_selection(asset_graph: BaseAssetGraph, warehouse: Path) -> list[dg.AssetKey] | None:
    """What ``cdrwh run`` builds of ``cdr_pipeline``: every asset of the job but the seeds that hold their
    current file already (orchestration/seeds.py); ``None`` (the whole job) when there are none.

    Only ``cdrwh run`` reads the warehouse to decide, before it starts the job. The sensor and the schedule
    request the whole job: the daemon must not open the warehouse, even read-only, while a run may be about
    to write it (DuckDB refuses a writer beside a reader in another process)."""
    unchanged = unchanged_seed_keys(warehouse)
    if not unchanged:
        return None
    selection = cdr_pipeline_job.selection - dg.AssetSelection.assets(*unchanged)
    return sorted(selection.resolve(asset_graph))


daily_summaries_job = dg.define_asset_job(
    name=SUMMARIES_JOB_NAME,
    selection=AFTER_BUILD_SELECTION,
    partitions_def=daily_summary_models.partitions_def,
    description=(
        "Rebuild the daily summaries (traffic, vendor, destination, quality, fraud alerts) of a range of UTC "
        "days - one run per range, also for a backfill - then the 30-day report and serving.duckdb."
    ),
)

publish_snapshot_job = dg.define_asset_job(
    name=PUBLISH_JOB_NAME,
    selection=PUBLISH_SELECTION,
    description=(
        "Write the 30-day report, publish serving.duckdb and the Parquet lake (after a build that changed "
        "no day)."
    ),
)

rerate_calls_job = dg.define_asset_job(
    name=RERATE_JOB_NAME,
    selection=dg.AssetSelection.assets(RERATING_RUNS_KEY).downstream() - AFTER_BUILD_SELECTION,
    description=(
        "Re-rate calls (another deck, or a duration rule) or undo a run, from run config; rebuilds the "
        "rating and the call models downstream of it; the days it changed are then re-summarised and "
        "serving.duckdb published."
    ),
)

daily_cdr_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_cdr_pipeline",
    job=cdr_pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Every day at 02:00 UTC, after vendors' overnight exports have arrived.",
)
