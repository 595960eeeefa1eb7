"""Run the Dagster pipeline job in this process and summarise what it did (``cdrwh run``)."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.settings import configure_environment

_KEEP_DBT_RUN_FOLDERS = 5
CALL_MODELS_OP_NAME = "cdr_dbt_models"


@dataclass
class PipelineResult:
    success: bool
    run_id: str
    landing: dict[str, Any] = field(default_factory=dict)
    nodes: Counter = field(default_factory=Counter)
    """dbt results by (resource type, status), e.g. ("test", "pass")."""
    failures: list[str] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)
    step_errors: list[str] = field(default_factory=list)
    log_path: Path | None = None
    """The run's dbt log."""
    failed_checks: list[str] = field(default_factory=list)
    """Asset checks of error severity that failed, other than dbt tests (those are in ``failures``)."""
    materialized: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Metadata of each asset materialized by the run, by asset key (``rerating/call_changes``)."""

    run_ids: list[str] = field(default_factory=list)
    """Every run this result covers (the build, then the summaries or the publication)."""
    summarised_days: list[date] = field(default_factory=list)
    """The UTC days whose daily summaries were rebuilt."""

    @property
    def stale_days(self) -> list[date] | None:
        """The UTC days the build made stale (``summaries/stale_days``); None if it did not get there."""
        recorded = self.materialized.get("summaries/stale_days")
        return None if recorded is None else [date.fromisoformat(d) for d in recorded["days"]]

    @property
    def summaries_need_full_refresh(self) -> bool:
        """The summary tables predate their bookkeeping (``summaries/stale_days``), so rebuild them whole."""
        return bool(self.materialized.get("summaries/stale_days", {}).get("full_refresh"))

    def merged(self, later: PipelineResult) -> PipelineResult:
        """This run followed by ``later``: one account of both."""
        return PipelineResult(
            success=self.success and later.success,
            run_id=later.run_id if not later.success else self.run_id,
            landing=self.landing or later.landing,
            nodes=self.nodes + later.nodes,
            failures=[*self.failures, *later.failures],
            snapshot=later.snapshot or self.snapshot,
            step_errors=[*self.step_errors, *later.step_errors],
            log_path=later.log_path if not later.success else self.log_path,
            failed_checks=[*self.failed_checks, *later.failed_checks],
            materialized={**self.materialized, **later.materialized},
            run_ids=[*self.run_ids, *later.run_ids],
            summarised_days=[*self.summarised_days, *later.summarised_days],
        )

    def count(self, resource_type: str, *statuses: str) -> int:
        return sum(
            n for (kind, status), n in self.nodes.items() if kind == resource_type and status in statuses
        )

    @property
    def tests_failed(self) -> int:
        return (
            self.count("test", "fail", "error")
            + self.count("unit_test", "fail", "error")
            + len(self.failed_checks)
        )


def run_pipeline(instance: dg.DagsterInstance | None = None, *, full_refresh: bool = False) -> PipelineResult:
    """Execute ``cdr_pipeline`` (land, build the call models) then, as the summarise_stale_days sensor
    does, the daily summaries of the days it changed (or the publication alone), in process.
    ``full_refresh`` rebuilds every day of the call models and of the summaries."""
    from orchestration.definitions import defs
    from orchestration.defs.jobs import PIPELINE_JOB_NAME, pipeline_selection

    ops = {CALL_MODELS_OP_NAME: {"config": {"full_refresh": True}}} if full_refresh else None
    # A full refresh reloads the seeds too; otherwise those holding their current file are left out.
    selection = (
        None
        if full_refresh
        else pipeline_selection(defs().resolve_asset_graph(), configure_environment().warehouse)
    )
    build = run_job(PIPELINE_JOB_NAME, ops, instance=instance, asset_selection=selection)
    return summarise_after(build, instance, full_refresh=full_refresh)


def summarise_after(
    build: PipelineResult, instance: dg.DagsterInstance | None = None, *, full_refresh: bool = False
) -> PipelineResult:
    """``build`` followed by the run the summarise_stale_days sensor would launch after it."""
    from orchestration.defs.jobs import PUBLISH_JOB_NAME

    if not build.success or build.stale_days is None:
        return build
    days = build.stale_days
    full_refresh = full_refresh or build.summaries_need_full_refresh
    if full_refresh:
        days = sorted(set(days) | set(_days_with_calls()))
    if not days:
        return build.merged(run_job(PUBLISH_JOB_NAME, instance=instance))
    return build.merged(run_summaries(days, instance=instance, full_refresh=full_refresh))


def run_summaries(
    days: list[date], instance: dg.DagsterInstance | None = None, *, full_refresh: bool = False
) -> PipelineResult:
    """Execute ``daily_summaries`` over the partition range of ``days``, rebuilding exactly those days."""
    from orchestration.daily import summary_run
    from orchestration.defs.jobs import SUMMARIES_JOB_NAME, SUMMARIES_OP_NAME

    run = summary_run(days, full_refresh=full_refresh)
    if run is None:
        raise ValueError("no days to summarise")
    result = run_job(
        SUMMARIES_JOB_NAME, run.run_config(SUMMARIES_OP_NAME)["ops"], instance=instance, tags=run.tags
    )
    result.summarised_days = list(run.days)
    return result


def _days_with_calls() -> list[date]:
    """Every day of fct_calls (a full refresh rebuilds them all, so its partition range covers them)."""
    import duckdb

    with duckdb.connect(str(configure_environment().warehouse), read_only=True) as con:
        return [
            row[0]
            for row in con.execute("select call_date from intermediate.int_daily__fingerprints").fetchall()
        ]


def run_job(
    job_name: str,
    ops_config: dict[str, Any] | None = None,
    instance: dg.DagsterInstance | None = None,
    tags: dict[str, str] | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
) -> PipelineResult:
    """Execute one of the definitions' jobs in process, with ``ops_config`` as its ``ops`` run config
    (on ``asset_selection`` only, if given)."""
    paths = configure_environment()
    from orchestration.definitions import defs

    job = defs().resolve_job_def(job_name)
    instance = instance or dg.DagsterInstance.get()
    # dbt's own log (re-emitted by dagster-dbt on stdout) goes to a file; the caller prints a summary.
    log_path = paths.dbt_logs / f"last_{job_name}.log"
    with log_path.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=tags,
            asset_selection=asset_selection,
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                **({"ops": ops_config} if ops_config else {}),
            },
        )
    summary = PipelineResult(
        success=result.success, run_id=result.run_id, log_path=log_path, run_ids=[result.run_id]
    )
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            summary.step_errors.append(f"{event.step_key}: {event.step_failure_data.error.message.strip()}")
        if event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            metadata = {k: v.value for k, v in materialization.metadata.items()}
            summary.materialized[materialization.asset_key.to_user_string()] = metadata
            if materialization.asset_key == dg.AssetKey(["landing", "files"]):
                summary.landing = metadata
            elif materialization.asset_key == dg.AssetKey(["serving", "snapshot"]):
                summary.snapshot = metadata
    _read_dbt_results(paths.dbt_target, result.run_id, summary)
    dbt_failures = " ".join(summary.failures)
    for evaluation in result.get_asset_check_evaluations():
        if (
            not evaluation.passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
            and f".{evaluation.check_name}" not in dbt_failures
        ):
            details = {k: v.value for k, v in evaluation.metadata.items()}
            summary.failed_checks.append(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name} {details}"
            )
    _prune_dbt_run_folders(paths.dbt_target)
    return summary


def _read_dbt_results(target: Path, run_id: str, summary: PipelineResult) -> None:
    for run_results in sorted(target.glob(f"*-{run_id[:7]}-*/run_results.json")):
        for node in json.loads(run_results.read_text())["results"]:
            resource_type = node["unique_id"].split(".")[0]
            summary.nodes[(resource_type, node["status"])] += 1
            if node["status"] in ("fail", "error"):
                summary.failures.append(f"{node['unique_id']}: {(node.get('message') or '').strip()}")


def _prune_dbt_run_folders(target: Path) -> None:
    """Each dbt invocation writes its own folder of artifacts; keep only the newest few."""
    runs = sorted((p for p in target.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[_KEEP_DBT_RUN_FOLDERS:]:
        shutil.rmtree(old, ignore_errors=True)
