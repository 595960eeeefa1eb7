"""Start the pipeline when files that have not landed yet appear under $CDRWH_HOME/landing."""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.jobs import PIPELINE_JOB_NAME, cdr_pipeline_job
from orchestration.landing.discovery import LandingFile, discover
from orchestration.settings import paths

_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def files_not_landed(landing: Path, serving: Path) -> list[LandingFile]:
    """Landing files that the last published snapshot does not record (by path, size and mtime).

    The snapshot is read, not the warehouse, so the sensor never waits on a running pipeline's lock.
    """
    files = discover(landing)
    if not serving.exists():
        return files
    with duckdb.connect(str(serving), read_only=True) as con:
        known = set(con.execute("select path, size_bytes, modified_at from landing.files").fetchall())
    return [f for f in files if (f.relative_path, f.size_bytes, f.modified_at) not in known]


def fingerprint(files: list[LandingFile]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.relative_path}\0{f.size_bytes}\0{f.modified_at.isoformat()}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    name="new_landing_files",
    job=cdr_pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the pipeline when files that have not landed yet appear under the landing folder.",
)
def new_landing_files(context: dg.SensorEvaluationContext):
    p = paths()
    pending = files_not_landed(p.landing, p.serving)
    if not pending:
        return dg.SkipReason("every landing file has landed")
    key = fingerprint(pending)
    if key == context.cursor:
        return dg.SkipReason(f"{len(pending)} files not landed yet; a run was already requested for them")
    active = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=PIPELINE_JOB_NAME, statuses=_ACTIVE), limit=1
    )
    if active:
        # Leave the cursor as it is: the files are picked up once the running job has finished.
        return dg.SkipReason(f"run {active[0].run_id} is in progress")
    context.update_cursor(key)
    return dg.RunRequest(run_key=key, tags={"cdrwh/new_files": str(len(pending))})
