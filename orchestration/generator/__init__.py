"""Realistic synthetic vendor CDR files, shaped by the format declarations in ``orchestration.formats``.

``generate`` writes, per UTC day, one Flowroute export (rotating through its header variants, every
third one gzipped), a CALLR outbound and inbound export, a DIDWW inbound and outbound export (rotating
through the portal and API header generations, mostly gzipped) and a ConnexCS download (rotating
through user-chosen column sets). A day's calls are split between the vendors by ``CALL_SHARES``.
Output is deterministic: the same arguments give byte-identical files. Each day's calls depend only
on the seed and the date, so two overlapping windows generate the same calls for the days they share
(as overlapping real exports do).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from orchestration.generator import callr, connexcs, didww, flowroute
from orchestration.generator.numbering import NumberBook

__all__ = ["CALL_SHARES", "GenerationSummary", "generate"]

CALL_SHARES: dict[str, float] = {"flowroute": 0.30, "callr": 0.25, "didww": 0.25, "connexcs": 0.20}
"""Share of a day's calls each vendor carries."""


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


def split_calls(rng: random.Random, total: int) -> dict[str, int]:
    """How many of ``total`` independent calls each vendor carries (by ``CALL_SHARES``)."""
    vendors = list(CALL_SHARES)
    drawn = Counter(rng.choices(vendors, weights=list(CALL_SHARES.values()), k=total))
    return {vendor: drawn[vendor] for vendor in vendors}


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
    didww_rows = didww.DidwwRows(book, didww.customers(random.Random(f"{seed}:customers:didww"), book))
    connexcs_rows = connexcs.ConnexcsRows(
        book, connexcs.cards(random.Random(f"{seed}:customers:connexcs"), book)
    )

    calendar = _days(start, days)
    formats = (flowroute.FORMAT, callr.FORMAT, *didww.FORMATS.values(), connexcs.FORMAT)
    summary = GenerationSummary(
        first_day=calendar[0],
        last_day=calendar[-1],
        rows_by_format={spec.name: 0 for spec in formats},
    )

    def record(path: Path, format_name: str, rows: int) -> None:
        summary.add(path, format_name, rows)
        if progress:
            progress(path)

    for index, day in enumerate(calendar):
        calls = split_calls(_day_rng(seed, day, "split"), calls_per_day)
        path, rows = flowroute.write_day(
            out_dir, day, index, _day_rng(seed, day, "flowroute"), calls["flowroute"], flowroute_rows
        )
        record(path, flowroute.FORMAT.name, rows)
        callr_files = callr.write_day(
            out_dir, day, index, _day_rng(seed, day, "callr"), calls["callr"], callr_rows
        )
        for path, rows in callr_files.items():
            record(path, callr.FORMAT.name, rows)
        didww_files = didww.write_day(
            out_dir, day, index, _day_rng(seed, day, "didww"), calls["didww"], didww_rows
        )
        for direction, (path, rows) in didww_files.items():
            record(path, didww.FORMATS[direction].name, rows)
        path, rows = connexcs.write_day(
            out_dir, day, index, _day_rng(seed, day, "connexcs"), calls["connexcs"], connexcs_rows
        )
        record(path, connexcs.FORMAT.name, rows)
    return summary
