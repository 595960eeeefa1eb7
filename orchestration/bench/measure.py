"""Measure one ``cdrwh run``: wall time and peak memory of its process tree, then per-step times from
the run's Dagster event log and per-model times from dbt's ``run_results.json``."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.settings import PROJECT_DIR

SAMPLE_SECONDS = 0.2


# ---------------------------------------------------------------------------------------------------
# Memory: the resident set of a process and all its descendants, sampled.


def _tree_rss_psutil(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def _tree_rss_proc(pid: int) -> int:
    """The same from /proc (Linux), when psutil is not installed."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read().decode(errors="replace")
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: the fields after the last ')'.
        fields = text[text.rfind(")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    page = os.sysconf("SC_PAGE_SIZE")
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        pending.extend(parents.get(current, []))
        try:
            with open(f"/proc/{current}/statm") as statm:
                total += int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and its descendants (0 when it is gone)."""
    try:
        import psutil  # noqa: F401
    except ImportError:
        return _tree_rss_proc(pid) if os.path.isdir("/proc") else 0
    return _tree_rss_psutil(pid)


def memory_sampler_name() -> str:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return "/proc" if os.path.isdir("/proc") else "none"
    return "psutil"


@dataclass
class ProcessRun:
    exit_code: int
    wall_seconds: float
    peak_rss_bytes: int
    samples: int
    stdout: str
    stderr: str
    memory: list[tuple[float, int]] = field(default_factory=list)
    """The samples: (epoch seconds, bytes resident), in time order, to find each step's peak."""


def run_measured(command: list[str], env: dict[str, str], log_prefix: Path) -> ProcessRun:
    """Run ``command``, sampling its process tree's RSS every ``SAMPLE_SECONDS``; its output goes to
    ``<log_prefix>.stdout`` / ``.stderr`` (and is returned)."""
    stdout_path = log_prefix.with_suffix(".stdout")
    stderr_path = log_prefix.with_suffix(".stderr")
    series: list[tuple[float, int]] = []
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=out, stderr=err)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                series.append((time.time(), tree_rss(process.pid)))
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        exit_code = process.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    return ProcessRun(
        exit_code=exit_code,
        wall_seconds=wall,
        peak_rss_bytes=max((rss for _, rss in series), default=0),
        samples=len(series),
        stdout=stdout_path.read_text(),
        stderr=stderr_path.read_text(),
        memory=series,
    )


def peak_between(memory: list[tuple[float, int]], started: float, ended: float) -> int | None:
    """The largest sample taken from ``started`` to ``ended`` (epoch seconds); None when none was."""
    inside = [rss for moment, rss in memory if started <= moment <= ended]
    return max(inside) if inside else None


def cdrwh_run(home: Path, log_prefix: Path) -> ProcessRun:
    """``cdrwh run`` on ``home`` in a process of its own."""
    env = {**os.environ, "CDRWH_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    return run_measured([sys.executable, "-m", "orchestration.cli", "run"], env, log_prefix)


# ---------------------------------------------------------------------------------------------------
# Dagster: the steps of each run, from the event log.


@dataclass
class Step:
    run_id: str
    job: str
    step_key: str
    started: float
    ended: float
    status: str

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended - self.started)


@dataclass
class DagsterRuns:
    run_ids: list[str] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    run_seconds: dict[str, float] = field(default_factory=dict)
    """Each run's RUN_START to RUN_SUCCESS / RUN_FAILURE."""
    materializations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Metadata of the assets materialized, by asset key (the later run wins)."""


def read_dagster_runs(dagster_home: Path, skip: set[str] | frozenset[str] = frozenset()) -> DagsterRuns:
    """Every run recorded in ``dagster_home`` except ``skip``, oldest first."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    wanted = {
        DagsterEventType.STEP_START,
        DagsterEventType.STEP_SUCCESS,
        DagsterEventType.STEP_FAILURE,
        DagsterEventType.RUN_START,
        DagsterEventType.RUN_SUCCESS,
        DagsterEventType.RUN_FAILURE,
        DagsterEventType.ASSET_MATERIALIZATION,
    }
    result = DagsterRuns()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = [run for run in instance.get_runs() if run.run_id not in skip]
        for run in reversed(runs):  # get_runs is newest first
            result.run_ids.append(run.run_id)
            result.jobs[run.run_id] = run.job_name
            starts: dict[str, float] = {}
            run_start = run_end = None
            for entry in instance.all_logs(run.run_id, of_type=wanted):
                event = entry.dagster_event
                if event is None:
                    continue
                kind = event.event_type
                if kind == DagsterEventType.RUN_START:
                    run_start = entry.timestamp
                elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
                    run_end = entry.timestamp
                elif kind == DagsterEventType.STEP_START:
                    starts[entry.step_key] = entry.timestamp
                elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                    status = "success" if kind == DagsterEventType.STEP_SUCCESS else "failure"
                    started = starts.pop(entry.step_key, entry.timestamp)
                    result.steps.append(
                        Step(run.run_id, run.job_name, entry.step_key, started, entry.timestamp, status)
                    )
                elif kind == DagsterEventType.ASSET_MATERIALIZATION:
                    materialization = event.step_materialization_data.materialization
                    result.materializations[materialization.asset_key.to_user_string()] = {
                        key: value.value for key, value in materialization.metadata.items()
                    }
            if run_start is not None and run_end is not None:
                result.run_seconds[run.run_id] = run_end - run_start
    result.steps.sort(key=lambda step: step.started)
    return result


# ---------------------------------------------------------------------------------------------------
# dbt: each node's time, by layer.

LAYERS = (
    "seeds",
    "staging",
    "intermediate",
    "rating",
    "marts",
    "daily summaries",
    "exports",
    "tests",
    "hooks",
)


def node_layer(unique_id: str, fqn: list[str] | None) -> str:
    """The layer a dbt node belongs to: tests (data and unit tests), hooks, seeds, staging, intermediate
    (rating: ``int_calls__rated`` and the deck models it reads, ``int_rates__*``), marts, daily summaries (``models/marts/daily``), exports."""
    resource_type, *_, name = unique_id.split(".")
    if resource_type in ("test", "unit_test"):
        return "tests"
    if resource_type == "operation":  # the project's on-run-end hook (seed fingerprints)
        return "hooks"
    if resource_type == "seed":
        return "seeds"
    if name == "int_calls__rated" or name.startswith("int_rates__"):
        return "rating"
    parts = fqn[1:-1] if fqn else []
    if "daily" in parts or name.startswith("daily_") or name == "fraud_alerts":
        return "daily summaries"
    if "exports" in parts or name.startswith("export_"):
        return "exports"
    if "staging" in parts or name.startswith("stg_"):
        return "staging"
    if "intermediate" in parts or name.startswith("int_"):
        return "intermediate"
    return "marts"


def _manifest_fqns(folder: Path, target: Path) -> dict[str, list[str]]:
    for manifest in (folder / "manifest.json", target / "manifest.json"):
        if manifest.is_file():
            nodes = json.loads(manifest.read_text())
            found = {**nodes.get("nodes", {}), **nodes.get("unit_tests", {})}
            return {uid: node.get("fqn", []) for uid, node in found.items()}
    return {}


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def _timestamp(text: str | None) -> float | None:
    from datetime import datetime, timezone

    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def read_dbt_layers(target: Path, run_ids: list[str]) -> list[dict[str, Any]]:
    """Per dbt invocation of these runs (``<step>-<runid7>-*``) and layer: the nodes, their summed
    execution time (``busy_seconds``: dbt runs models on several threads, so these overlap) and the
    wall time the layer's nodes were running (``seconds``: the union of their intervals)."""
    rows: list[dict[str, Any]] = []
    for run_id in run_ids:
        for run_results in sorted(target.glob(f"*-{run_id[:7]}-*/run_results.json")):
            folder = run_results.parent
            step = folder.name.split(f"-{run_id[:7]}-")[0]
            fqns = _manifest_fqns(folder, target)
            layers: dict[str, dict[str, Any]] = {}
            for node in json.loads(run_results.read_text())["results"]:
                layer = node_layer(node["unique_id"], fqns.get(node["unique_id"]))
                entry = layers.setdefault(layer, {"nodes": 0, "busy": 0.0, "intervals": [], "failed": 0})
                entry["nodes"] += 1
                entry["busy"] += float(node.get("execution_time") or 0.0)
                entry["failed"] += node.get("status") in ("fail", "error")
                starts = [_timestamp(t.get("started_at")) for t in node.get("timing", [])]
                ends = [_timestamp(t.get("completed_at")) for t in node.get("timing", [])]
                starts = [s for s in starts if s is not None]
                ends = [e for e in ends if e is not None]
                if starts and ends:
                    entry["intervals"].append((min(starts), max(ends)))
            for layer in LAYERS:
                if layer in layers:
                    entry = layers[layer]
                    rows.append(
                        {
                            "run_id": run_id,
                            "step": step,
                            "layer": layer,
                            "nodes": entry["nodes"],
                            "failed": entry["failed"],
                            "seconds": round(_union_seconds(entry["intervals"]), 3),
                            "busy_seconds": round(entry["busy"], 3),
                        }
                    )
    return rows


def warehouse_counts(warehouse: Path) -> dict[str, int]:
    """fct_calls rows, in all and per vendor, from the run's warehouse (read-only)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_vendor = dict(
            con.execute(
                "select source_vendor, count(*) from marts.fct_calls group by 1 order by 1"
            ).fetchall()
        )
    return {"fct_calls": sum(per_vendor.values()), **{f"fct_calls_{k}": v for k, v in per_vendor.items()}}
