"""After a pipeline or re-rating run: rebuild the days it made stale, or just publish."""

from datetime import date

import dagster as dg

from orchestration.daily import summary_run
from orchestration.defs.jobs import (
    PUBLISH_JOB_NAME,
    SUMMARIES_JOB_NAME,
    SUMMARIES_OP_NAME,
    cdr_pipeline_job,
    daily_summaries_job,
    publish_snapshot_job,
    rerate_calls_job,
)
from orchestration.defs.summaries.assets import STALE_DAYS_KEY


def follow_up_request(
    days: list[date], *, full_refresh: bool = False, run_key: str | None = None
) -> dg.RunRequest:
    """``daily_summaries`` over the partition range of ``days`` (rebuilding exactly those days), or
    ``publish_snapshot`` when there are none."""
    run = summary_run(days, full_refresh=full_refresh)
    if run is None:
        return dg.RunRequest(job_name=PUBLISH_JOB_NAME, run_key=run_key)
    return dg.RunRequest(
        job_name=SUMMARIES_JOB_NAME,
        run_key=run_key,
        tags=run.tags,
        run_config=run.run_config(SUMMARIES_OP_NAME),
    )


def stale_days_of_run(instance: dg.DagsterInstance, run_id: str) -> tuple[list[date], bool] | None:
    """The days ``summaries/stale_days`` recorded in run ``run_id`` and whether the summaries need a full
    refresh; None if it did not materialize."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None and materialization.asset_key == STALE_DAYS_KEY:
            metadata = materialization.metadata
            days = [date.fromisoformat(day) for day in metadata["days"].value]
            return days, bool(metadata["full_refresh"].value) if "full_refresh" in metadata else False
    return None


@dg.run_status_sensor(
    name="summarise_stale_days",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[cdr_pipeline_job, rerate_calls_job],
    request_jobs=[daily_summaries_job, publish_snapshot_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "When the pipeline or a re-rating succeeds: rebuild the daily summaries of exactly the UTC days it "
        "changed (one run over their partition range), or publish serving.duckdb if no day changed."
    ),
)
def summarise_stale_days(context: dg.RunStatusSensorContext):
    run_id = context.dagster_run.run_id
    recorded = stale_days_of_run(context.instance, run_id)
    if recorded is None:
        return dg.SkipReason(f"run {run_id} did not list stale days")
    days, full_refresh = recorded
    return follow_up_request(days, full_refresh=full_refresh, run_key=f"after-{run_id}")
