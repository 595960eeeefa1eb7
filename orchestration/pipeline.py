"""Run the Dagster pipeline job in this process and summarise what it did (``cdrwh run``)."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.settings import configure_environment

_KEEP_DBT_RUN_FOLDERS = 5


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


def run_pipeline(instance: dg.DagsterInstance | None = None) -> PipelineResult:
    """Execute the ``cdr_pipeline`` job (land, dbt build, publish) in process."""
    from orchestration.defs.jobs import PIPELINE_JOB_NAME

    return run_job(PIPELINE_JOB_NAME, instance=instance)


def run_job(
    job_name: str, ops_config: dict[str, Any] | None = None, instance: dg.DagsterInstance | None = None
) -> PipelineResult:
    """Execute one of the definitions' jobs in process, with ``ops_config`` as its ``ops`` run config."""
    paths = configure_environment()
    from orchestration.definitions import defs

    job = defs().resolve_job_def(job_name)
    instance = instance or dg.DagsterInstance.get()
    # dbt's own log (re-emitted by dagster-dbt on stdout) goes to a file; the caller prints a summary.
    log_path = paths.dbt_logs / "last_run.log"
    with log_path.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                **({"ops": ops_config} if ops_config else {}),
            },
        )
    summary = PipelineResult(success=result.success, run_id=result.run_id, log_path=log_path)
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
