"""Realistic synthetic vendor CDR files, shaped by the format declarations in ``orchestration.formats``.

``generate`` writes, per UTC day, one Flowroute export (rotating through its header variants, every
third one gzipped) and a CALLR outbound and inbound export. Output is deterministic: the same
arguments give byte-identical files. Each day's calls depend only on the seed and the date, so two
overlapping windows generate the same calls for the days they share (as overlapping real exports do).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from orchestration.generator import callr, flowroute
from orchestration.generator.calls import split_count
from orchestration.generator.numbering import NumberBook

__all__ = ["GenerationSummary", "generate"]


@dataclass
class GenerationSummary:
    first_day: date
    last_day: date
    files: list[Path] = field(default_factory=list)
    """Every file written, in the order written."""
    rows_by_format: dict[str, int] = field(default_factory=dict)
    """Data rows written per format name."""

    @property
    def calls(self) -> int:
        return sum(self.rows_by_format.values())

    def add(self, path: Path, format_name: str, rows: int) -> None:
        self.files.append(path)
        self.rows_by_format[format_name] = self.rows_by_format.get(format_name, 0) + rows


def _days(start: date | None, days: int) -> list[date]:
    first = start if start is not None else datetime.now(timezone.utc).date() - timedelta(days=days)
    return [first + timedelta(days=offset) for offset in range(days)]


def _day_rng(seed: int, day: date, stream: str) -> random.Random:
    """A generator that depends only on the seed, the day and what it is for."""
    return random.Random(f"{seed}:{day.isoformat()}:{stream}")


def generate(
    out_dir: Path,
    *,
    days: int = 30,
    calls_per_day: int = 200,
    seed: int = 7,
    start: date | None = None,
    progress: Callable[[Path], None] | None = None,
) -> GenerationSummary:
    """Write ``days`` UTC days of vendor CDR files under ``out_dir``, ``calls_per_day`` calls a day.

    ``start`` is the first day (default: ``days`` days before today, UTC); ``progress`` is called
    with each file's path once it is complete.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1 (got {days})")
    if calls_per_day < 0:
        raise ValueError(f"calls_per_day must not be negative (got {calls_per_day})")
    out_dir = Path(out_dir)
    book = NumberBook(seed)
    customers = random.Random(f"{seed}:customers")
    flowroute_rows = flowroute.FlowrouteRows(book, flowroute.customer_dids(customers, book))
    callr_rows = callr.CallrRows(book, callr.customer_accounts(customers, book))

    calendar = _days(start, days)
    summary = GenerationSummary(
        first_day=calendar[0],
        last_day=calendar[-1],
        rows_by_format={flowroute.FORMAT.name: 0, callr.FORMAT.name: 0},
    )

    def record(path: Path, format_name: str, rows: int) -> None:
        summary.add(path, format_name, rows)
        if progress:
            progress(path)

    for index, day in enumerate(calendar):
        flowroute_calls = split_count(_day_rng(seed, day, "split"), calls_per_day, flowroute.CALL_SHARE)
        path, rows = flowroute.write_day(
            out_dir, day, index, _day_rng(seed, day, "flowroute"), flowroute_calls, flowroute_rows
        )
        record(path, flowroute.FORMAT.name, rows)
        callr_calls = calls_per_day - flowroute_calls
        callr_files = callr.write_day(
            out_dir, day, index, _day_rng(seed, day, "callr"), callr_calls, callr_rows
        )
        for path, rows in callr_files.items():
            record(path, callr.FORMAT.name, rows)
    return summary
