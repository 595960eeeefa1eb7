"""Start the pipeline when files appear or change under $CDRWH_HOME/landing."""

import hashlib

import dagster as dg

from orchestration.defs.jobs import PIPELINE_JOB_NAME, cdr_pipeline_job
from orchestration.landing.discovery import discover
from orchestration.settings import paths

_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def landing_fingerprint() -> tuple[str, int]:
    """A digest of every landing file's path, size and mtime, and how many files there are."""
    files = discover(paths().landing)
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.relative_path}\0{f.size_bytes}\0{f.modified_at.isoformat()}\n".encode())
    return digest.hexdigest(), len(files)


@dg.sensor(
    name="new_landing_files",
    job=cdr_pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the pipeline when the landing folder changes (new, replaced or removed files).",
)
def new_landing_files(context: dg.SensorEvaluationContext):
    fingerprint, count = landing_fingerprint()
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no change in {count} landing files")
    active = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=PIPELINE_JOB_NAME, statuses=_ACTIVE), limit=1
    )
    if active:
        # Leave the cursor as it is: the change is picked up once the running job has finished.
        return dg.SkipReason(f"run {active[0].run_id} is in progress")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"cdrwh/landing_files": str(count)})
