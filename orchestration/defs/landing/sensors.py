"""Start the pipeline when files that have not landed yet appear under $CDRWH_HOME/landing or /rates."""

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


def files_not_landed(landing: Path, serving: Path, rates: Path | None = None) -> list[LandingFile]:
    """Files under ``landing`` (and ``rates``, rate decks and plans) that the last published snapshot
    does not record (by folder, path, size and mtime).

    The snapshot is read, not the warehouse, so the sensor never waits on a running pipeline's lock.
    """
    files = discover(landing) + (discover(rates, "rates") if rates is not None else [])
    if not serving.exists():
        return files
    with duckdb.connect(str(serving), read_only=True) as con:
        has_folder = con.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = 'landing' and table_name = 'files' and column_name = 'folder'"
        ).fetchone()[0]
        folder = "coalesce(folder, 'landing')" if has_folder else "'landing'"
        known = set(
            con.execute(f"select {folder}, path, size_bytes, modified_at from landing.files").fetchall()
        )
    return [f for f in files if (f.folder, f.relative_path, f.size_bytes, f.modified_at) not in known]


def fingerprint(files: list[LandingFile]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.display_path}\0{f.size_bytes}\0{f.modified_at.isoformat()}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    name="new_landing_files",
    job=cdr_pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Runs the pipeline when files that have not landed yet appear under the landing folder (CDR exports) "
        "or the rates folder (rate decks and rating plans)."
    ),
)
def new_landing_files(context: dg.SensorEvaluationContext):
    p = paths()
    pending = files_not_landed(p.landing, p.serving, p.rates)
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
