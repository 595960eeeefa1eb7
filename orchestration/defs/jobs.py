"""The one pipeline job (land, dbt build, publish) and its daily schedule."""

import dagster as dg

PIPELINE_JOB_NAME = "cdr_pipeline"

cdr_pipeline_job = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Land new vendor files, build and test the dbt models, publish serving.duckdb.",
)

daily_cdr_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_cdr_pipeline",
    job=cdr_pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Every day at 02:00 UTC, after vendors' overnight exports have arrived.",
)
