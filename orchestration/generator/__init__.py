"""Realistic synthetic vendor CDR files, shaped by the format declarations in ``orchestration.formats``.

``generate`` writes, per UTC day, one Flowroute export (rotating through its header variants, every
third one gzipped), a CALLR outbound and inbound export, a DIDWW inbound and outbound export (rotating
through the portal and API header generations, mostly gzipped), a ConnexCS download (rotating
through user-chosen column sets) and a DemandFlow API export (JSON array or NDJSON, some gzipped; none
on a day without DemandFlow calls). A day's calls are split between the vendors by ``CALL_SHARES``. With at
least ``fraud.MIN_DAYS`` days, the last day also gets a Flowroute export of fraudulent calls, a few of each
pattern the fraud rules look for (see ``fraud``). Output is deterministic: the same arguments give
byte-identical files. Each day's calls depend only on the seed and the date, so two overlapping
windows generate the same calls for the days they share (as overlapping real exports do; the fraud
export comes with the last day of each).

``defects`` (0 to 1) damages the delivery the way real feeds are damaged (see ``defects``): bad rows,
rule-breaking rows, BOMs, CRLF, a Windows-1252 file, duplicate, overlapping and late files. The
summary's ``expected`` ledger says exactly what the warehouse must hold afterwards.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME
from orchestration.generator import callr, connexcs, demandflow, didww, flowroute, fraud
from orchestration.generator.defects import Expected, FileExpectation, Injector
from orchestration.generator.numbering import NumberBook

__all__ = ["CALL_SHARES", "Expected", "FileExpectation", "GenerationSummary", "generate"]

CALL_SHARES: dict[str, float] = {
    "flowroute": 0.25,
    "callr": 0.20,
    "didww": 0.20,
    "connexcs": 0.15,
    "demandflow": 0.20,
}
"""Share of a day's calls each vendor carries."""


@dataclass
class GenerationSummary:
    first_day: date
    last_day: date
    files: list[Path] = field(default_factory=list)
    """Every file written, in the order written."""
    rows_by_format: dict[str, int] = field(default_factory=dict)
    """Data rows written per format name (duplicate and overlapping deliveries included)."""
    defects: Counter[str] = field(default_factory=Counter)
    """What was injected, by kind (see ``defects``): empty unless ``defects`` > 0."""
    expected: Expected = field(default_factory=Expected)
    """The ledger: per file and in total, what landing and the models must make of the files."""

    @property
    def calls(self) -> int:
        """Data rows written, in every file."""
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
    defects: float = 0.0,
) -> GenerationSummary:
    """Write ``days`` UTC days of vendor CDR files under ``out_dir``, ``calls_per_day`` calls a day (and,
    with ``fraud.MIN_DAYS`` days or more, the fraud export's calls on the last one).

    ``start`` is the first day (default: ``days`` days before today, UTC); ``progress`` is called
    with each file's path once it is complete; ``defects`` is the rate of injected defects (0: none).
    """
    if days < 1:
        raise ValueError(f"days must be at least 1 (got {days})")
    if calls_per_day < 0:
        raise ValueError(f"calls_per_day must not be negative (got {calls_per_day})")
    if not 0 <= defects <= 1:
        raise ValueError(f"defects must be a rate between 0 and 1 (got {defects})")
    out_dir = Path(out_dir)
    book = NumberBook(seed)
    customers = random.Random(f"{seed}:customers")
    flowroute_rows = flowroute.FlowrouteRows(book, flowroute.customer_dids(customers, book))
    callr_rows = callr.CallrRows(book, callr.customer_accounts(customers, book))
    didww_rows = didww.DidwwRows(book, didww.customers(random.Random(f"{seed}:customers:didww"), book))
    connexcs_rows = connexcs.ConnexcsRows(
        book, connexcs.cards(random.Random(f"{seed}:customers:connexcs"), book)
    )
    demandflow_rows = demandflow.DemandflowRows(
        book, demandflow.accounts(random.Random(f"{seed}:customers:demandflow"), book)
    )

    calendar = _days(start, days)
    formats = (
        flowroute.FORMAT,
        callr.FORMAT,
        *didww.FORMATS.values(),
        connexcs.FORMAT,
        demandflow.FORMAT,
    )
    summary = GenerationSummary(
        first_day=calendar[0],
        last_day=calendar[-1],
        rows_by_format={spec.name: 0 for spec in formats},
    )
    injector = Injector(out_dir, seed, defects, calendar)

    def record(path: Path, format_name: str, rows: int, index: int, slot: str) -> None:
        entry = injector.add_base(path, FORMATS_BY_NAME[format_name], rows, index, slot)
        summary.add(entry.path, format_name, entry.rows)
        if progress:
            progress(path)

    for index, day in enumerate(calendar):
        calls = split_calls(_day_rng(seed, day, "split"), calls_per_day)
        path, rows = flowroute.write_day(
            out_dir, day, index, _day_rng(seed, day, "flowroute"), calls["flowroute"], flowroute_rows
        )
        record(path, flowroute.FORMAT.name, rows, index, "flowroute")
        callr_files = callr.write_day(
            out_dir, day, index, _day_rng(seed, day, "callr"), calls["callr"], callr_rows
        )
        for direction in (callr.OUTBOUND, callr.INBOUND):
            path = out_dir / callr.file_name(day, direction)
            record(path, callr.FORMAT.name, callr_files[path], index, f"callr_{direction}")
        didww_files = didww.write_day(
            out_dir, day, index, _day_rng(seed, day, "didww"), calls["didww"], didww_rows
        )
        for direction, (path, rows) in didww_files.items():
            record(path, didww.FORMATS[direction].name, rows, index, f"didww_{direction}")
        path, rows = connexcs.write_day(
            out_dir, day, index, _day_rng(seed, day, "connexcs"), calls["connexcs"], connexcs_rows
        )
        record(path, connexcs.FORMAT.name, rows, index, "connexcs")
        written = demandflow.write_day(
            out_dir, day, index, _day_rng(seed, day, "demandflow"), calls["demandflow"], demandflow_rows
        )
        if written:
            path, rows = written
            record(path, demandflow.FORMAT.name, rows, index, "demandflow")
        if index == len(calendar) - 1 and days >= fraud.MIN_DAYS:
            path, rows = fraud.write_day(out_dir, day, _day_rng(seed, day, "fraud"), flowroute_rows)
            record(path, flowroute.FORMAT.name, rows, index, "fraud")

    for entry in injector.finish():
        summary.add(entry.path, entry.format, entry.rows)
        if progress:
            progress(entry.path)
    summary.defects = injector.injected
    summary.expected = injector.expected
    return summary
