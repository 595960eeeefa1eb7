"""The whole benchmark: data, full run, references, incremental run, one result dict."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.bench import cache, measure, reference

OUTSIDE_STEPS = "outside steps (process, definitions, Dagster)"
"""The stage row for the wall time no Dagster step accounts for."""


@dataclass
class BenchConfig:
    calls: int = 1_000_000
    days: int = 30
    seed: int = 7
    work: Path | None = None
    """Folder for the cached data and the bench's CDRWH_HOME (default: $CDRWH_HOME/bench)."""
    incremental: bool = True


def machine_info() -> dict[str, Any]:
    import duckdb

    memory = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu_count": os.cpu_count(),
        "memory_bytes": memory,
        "duckdb_version": duckdb.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "memory_sampler": measure.memory_sampler_name(),
    }


def _stages(
    runs: measure.DagsterRuns, wall: float, rows: int, memory: list[tuple[float, int]]
) -> list[dict[str, Any]]:
    """One row per Dagster step (in start order), then the wall time outside them; each with its share
    of the wall time, the landed rows per second and the peak RSS of the samples taken while it ran
    (``memory``: (epoch seconds, bytes) of the whole process tree; None when no sample fell in a step)."""
    rows_out = []
    for step in runs.steps:
        rows_out.append(
            {
                "stage": step.step_key,
                "job": step.job,
                "status": step.status,
                "seconds": step.seconds,
                "peak_rss_bytes": measure.peak_between(memory, step.started, step.ended),
            }
        )
    outside = max(0.0, wall - sum(r["seconds"] for r in rows_out))
    outside_samples = [
        rss for moment, rss in memory if not any(s.started <= moment <= s.ended for s in runs.steps)
    ]
    rows_out.append(
        {
            "stage": OUTSIDE_STEPS,
            "job": None,
            "status": None,
            "seconds": outside,
            "peak_rss_bytes": max(outside_samples, default=None),
        }
    )
    for row in rows_out:
        row["seconds"] = round(row["seconds"], 3)
        row["rows_per_second"] = round(rows / row["seconds"]) if row["seconds"] > 0 else None
        row["share"] = round(row["seconds"] / wall, 4) if wall > 0 else None
    return rows_out


def _measured_run(home: Path, label: str, work: Path, skip: set[str]) -> tuple[dict[str, Any], list[str]]:
    process = measure.cdrwh_run(home, work / label)
    runs = measure.read_dagster_runs(home / "dagster", skip=skip)
    landing = runs.materializations.get("landing/files", {})
    rows = int(landing.get("rows_loaded") or 0)
    result: dict[str, Any] = {
        "exit_code": process.exit_code,
        "wall_seconds": round(process.wall_seconds, 3),
        "peak_rss_bytes": process.peak_rss_bytes,
        "memory_samples": process.samples,
        "rows_landed": rows,
        "files_landed": int(landing.get("files_loaded") or 0),
        "rows_per_second": round(rows / process.wall_seconds) if process.wall_seconds > 0 else None,
        "run_ids": runs.run_ids,
        "jobs": [runs.jobs[r] for r in runs.run_ids],
        "run_seconds": {r: round(s, 3) for r, s in runs.run_seconds.items()},
        "stages": _stages(runs, process.wall_seconds, rows, process.memory),
        "dbt_layers": measure.read_dbt_layers(home / "dbt" / "target", runs.run_ids),
        "output": process.stdout.strip().splitlines(),
        "log": str((work / label).with_suffix(".stdout")),
    }
    if process.exit_code != 0:
        result["stderr_tail"] = process.stderr.strip().splitlines()[-20:]
    warehouse = home / "warehouse.duckdb"
    if warehouse.exists():
        result["warehouse"] = measure.warehouse_counts(warehouse)
    return result, runs.run_ids


def run_bench(config: BenchConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the benchmark; the result is what ``--json`` writes (see ``report`` for the table)."""
    from orchestration.settings import paths

    say = progress or (lambda message: None)
    if config.calls < 1 or config.days < 1:
        raise ValueError("calls and days must be at least 1")
    work = (config.work or paths().home / "bench").resolve()
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "version": 1,
        "config": {
            "calls": config.calls,
            "days": config.days,
            "seed": config.seed,
            "calls_per_day": max(1, config.calls // config.days),
            "work": str(work),
        },
        "machine": machine_info(),
    }

    say(f"data: {config.calls:,} calls over {config.days} days (seed {config.seed}) ...")
    window, increment = cache.bench_data(work, seed=config.seed, calls=config.calls, days=config.days)
    result["data"] = {
        "cache": str(window.folder.parent),
        "reused": window.reused,
        "generate_seconds": round(window.generate_seconds, 3),
        "files": window.marker["files"],
        "calls": window.calls,
        "rows_by_format": window.marker["rows_by_format"],
        "first_day": window.marker["first_day"],
        "last_day": window.marker["last_day"],
        "increment": {
            "reused": increment.reused,
            "day": increment.marker["first_day"],
            "files": increment.marker["files"],
            "calls": increment.calls,
        },
    }

    home = work / "run"
    shutil.rmtree(home, ignore_errors=True)
    (home / "landing").mkdir(parents=True)
    cache.link_files(window.files_dir, home / "landing")
    say(f"full run: cdrwh run on {home} ...")
    result["full"], seen = _measured_run(home, "full", work, skip=set())

    say("references: DuckDB scan floor, hand-written script ...")
    floor = reference.scan_floor(window.files_dir)
    handwritten = reference.handwritten_reference(window.files_dir, work / "reference.duckdb")
    pipeline_calls = result["full"].get("warehouse", {}).get("fct_calls")
    handwritten["pipeline_calls"] = pipeline_calls
    handwritten["matches_pipeline"] = pipeline_calls == handwritten["summary_calls"]
    handwritten["share_of_rows"] = (
        round(handwritten["rows_loaded"] / window.calls, 4) if window.calls else None
    )
    result["references"] = {"scan_floor": floor, "handwritten": handwritten}

    if config.incremental:
        cache.link_files(increment.files_dir, home / "landing")
        say(f"incremental run: one more day ({increment.marker['first_day']}) ...")
        result["incremental"], _ = _measured_run(home, "incremental", work, skip=set(seen))
        full_wall = result["full"]["wall_seconds"]
        result["incremental"]["ratio_to_full"] = (
            round(result["incremental"]["wall_seconds"] / full_wall, 4) if full_wall else None
        )

    full_wall = result["full"]["wall_seconds"]
    result["targets"] = {
        # The reference does every format's rows: no scaling.
        "full_over_handwritten": round(full_wall / handwritten["seconds"], 2)
        if handwritten["seconds"]
        else None,
        "full_over_scan_floor": round(full_wall / floor["seconds"], 2) if floor["seconds"] else None,
        "incremental_over_full": result.get("incremental", {}).get("ratio_to_full"),
        "peak_rss_bytes": max(
            result["full"]["peak_rss_bytes"], result.get("incremental", {}).get("peak_rss_bytes", 0)
        ),
    }
    result["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result["python"] = sys.executable
    return result
