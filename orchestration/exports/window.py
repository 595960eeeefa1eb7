"""The export window: calls whose start time is in ``[from, to)``, UTC (DESIGN §8).

- A date alone is its whole UTC day: ``--from 2026-11-01`` starts at 00:00:00, ``--to 2026-11-20`` ends at
  2026-11-21 00:00:00, so the 20th is included up to 23:59:59.999999.
- A timestamp ``--from`` is inclusive, a timestamp ``--to`` exclusive. Without an offset it is UTC; with one
  (``+02:00``, ``Z``) it is converted to UTC.
- At most 92 days (Flowroute's limit): a longer window is refused with the exact ``--from/--to`` pairs that
  split it.

Windows are naive ``datetime`` values in UTC, like every timestamp in the warehouse.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

from orchestration.exports.errors import ExportError

MAX_WINDOW_DAYS = 92
RELATIVE_WINDOWS = ("yesterday", "today", "last_7_days", "last_month", "month_to_date")
_SPLITS_SHOWN = 6


def parse_bound(text: str, *, end: bool, flag: str) -> datetime:
    """One bound of the window as a naive UTC datetime (a date alone: its day's start, or the next day's)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1) if end else day, time())
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(
            f"{flag} {text!r}: not a date or timestamp (use 2026-11-20, 2026-11-20T08:00:00 (UTC) or "
            "2026-11-20T10:00:00+02:00)"
        ) from None
    return to_utc(moment)


def to_utc(moment: datetime) -> datetime:
    """A naive UTC datetime: an aware one converted, a naive one taken as UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def parse_window(from_text: str, to_text: str) -> tuple[datetime, datetime]:
    """``--from`` and ``--to`` as a checked ``[from, to)`` window in naive UTC."""
    window = parse_bound(from_text, end=False, flag="--from"), parse_bound(to_text, end=True, flag="--to")
    check_window(*window)
    return window


def relative_window(name: str, today: date) -> tuple[datetime, datetime]:
    """A named window relative to ``today`` (a UTC day), as ``[from, to)`` in naive UTC.

    ``yesterday``, ``today`` (the whole day, calls so far), ``last_7_days`` (the 7 whole days before today),
    ``last_month`` (the calendar month before today's), ``month_to_date`` (the 1st of this month to the end
    of today).
    """
    start = datetime.combine(today, time())
    if name == "yesterday":
        return start - timedelta(days=1), start
    if name == "today":
        return start, start + timedelta(days=1)
    if name == "last_7_days":
        return start - timedelta(days=7), start
    if name == "month_to_date":
        return start.replace(day=1), start + timedelta(days=1)
    if name == "last_month":
        first_of_this = start.replace(day=1)
        last_month_end = first_of_this - timedelta(days=1)
        return last_month_end.replace(day=1), first_of_this
    raise ExportError(f"--window {name!r}: not a known window; use one of {', '.join(RELATIVE_WINDOWS)}")


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds")


def check_window(window_from: datetime, window_to: datetime) -> None:
    """Refuse an empty, reversed or longer-than-92-days window, saying how to split a long one."""
    window_from, window_to = to_utc(window_from), to_utc(window_to)
    if window_from >= window_to:
        raise ExportError(
            f"--from {_text(window_from)} is not before --to {_text(window_to)} (UTC): the window is empty "
            "(a date alone as --to includes that whole day)"
        )
    span = window_to - window_from
    limit = timedelta(days=MAX_WINDOW_DAYS)
    if span <= limit:
        return
    bounds = [window_from]
    while bounds[-1] + limit < window_to:
        bounds.append(bounds[-1] + limit)
    bounds.append(window_to)
    pairs = [f"--from {_text(a)} --to {_text(b)}" for a, b in itertools.pairwise(bounds)]
    shown = ", then ".join(pairs[:_SPLITS_SHOWN])
    if len(pairs) > _SPLITS_SHOWN:
        shown += f", ... ({len(pairs)} exports in all)"
    days = span / timedelta(days=1)
    raise ExportError(
        f"the window --from {_text(window_from)} --to {_text(window_to)} (UTC) is {days:g} days; one export "
        f"covers at most {MAX_WINDOW_DAYS} days: split it into {len(pairs)} exports "
        f"(at most {MAX_WINDOW_DAYS} days each, --to exclusive): {shown}"
    )
