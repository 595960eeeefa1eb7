"""The benchmark's input files, generated once per (seed, calls, days) and reused.

A cache folder holds ``files/`` and, written last (atomically), ``complete.json``: a folder without it is
an interrupted generation and is generated again from scratch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

MARKER = "complete.json"
BENCH_START = date(2025, 1, 1)
"""The first UTC day of the cached window: fixed, so the same key gives the same files on any day."""


@dataclass
class CachedData:
    folder: Path
    """The cache folder; the files are under ``folder / "files"``."""
    reused: bool
    generate_seconds: float
    marker: dict[str, Any]

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def files(self) -> list[Path]:
        return sorted(p for p in self.files_dir.rglob("*") if p.is_file())

    @property
    def calls(self) -> int:
        return int(self.marker["calls"])

    @property
    def last_day(self) -> date:
        return date.fromisoformat(self.marker["last_day"])


def cache_key(seed: int, calls: int, days: int) -> str:
    return f"seed{seed}-calls{calls}-days{days}"


def cached_generate(folder: Path, *, seed: int, days: int, calls_per_day: int, start: date) -> CachedData:
    """The files ``generate`` writes for these arguments, in ``folder / "files"``: reused when the
    folder's marker says a generation with the same arguments completed, else (re)generated."""
    from orchestration.generator import generate

    arguments = {"seed": seed, "days": days, "calls_per_day": calls_per_day, "start": start.isoformat()}
    marker_path = folder / MARKER
    if marker_path.is_file():
        marker = json.loads(marker_path.read_text())
        if marker.get("arguments") == arguments:
            return CachedData(folder, reused=True, generate_seconds=0.0, marker=marker)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "files").mkdir(parents=True)
    started = time.perf_counter()
    summary = generate(folder / "files", days=days, calls_per_day=calls_per_day, seed=seed, start=start)
    seconds = time.perf_counter() - started
    marker = {
        "arguments": arguments,
        "calls": summary.calls,
        "rows_by_format": summary.rows_by_format,
        "files": len(summary.files),
        "first_day": summary.first_day.isoformat(),
        "last_day": summary.last_day.isoformat(),
        "generate_seconds": round(seconds, 3),
    }
    temporary = folder / (MARKER + ".tmp")
    temporary.write_text(json.dumps(marker, indent=2))
    os.replace(temporary, marker_path)
    return CachedData(folder, reused=False, generate_seconds=seconds, marker=marker)


def bench_data(work: Path, *, seed: int, calls: int, days: int) -> tuple[CachedData, CachedData]:
    """The full window (``calls`` over ``days`` days from ``BENCH_START``) and the incremental day after
    it (``calls / days`` calls, seed + 1), both cached under ``work / "data" / <key>``."""
    calls_per_day = max(1, calls // days)
    root = work / "data" / cache_key(seed, calls, days)
    window = cached_generate(
        root / "window", seed=seed, days=days, calls_per_day=calls_per_day, start=BENCH_START
    )
    increment = cached_generate(
        root / "increment",
        seed=seed + 1,
        days=1,
        calls_per_day=calls_per_day,
        start=window.last_day + timedelta(days=1),
    )
    return window, increment


def link_files(source: Path, target: Path) -> int:
    """Hard-link (or copy, across file systems) every file under ``source`` to the same place under
    ``target``; the number of files."""
    count = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
        count += 1
    return count
