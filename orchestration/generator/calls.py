"""Vendor-neutral calls: when they start, how they end, how long they ring and talk, how they bill.

The vendor modules turn a :class:`Call` into a row of their export; everything that makes the
traffic realistic regardless of vendor (busy hours, status mix, skewed durations) lives here.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

MAX_TALK_S = 2 * 60 * 60
MEDIAN_TALK_S = 80
MAX_RING_S = 40

# A day's traffic with enough calls gets one call that starts in its last minutes and talks past
# midnight UTC, so every generated day exercises "the call belongs to the day it started".
LATE_CALL_MIN_CALLS = 20
LATE_CALL_WINDOW_S = 240
LATE_CALL_MIN_TALK_S = 300


class Outcome(Enum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CANCELLED = "cancelled"
    FAILED = "failed"


OUTCOME_MIX: dict[Outcome, float] = {
    Outcome.ANSWERED: 65,
    Outcome.NO_ANSWER: 10,
    Outcome.BUSY: 6,
    Outcome.CANCELLED: 9,
    Outcome.FAILED: 10,
}

# Share of a day's calls starting in each UTC hour (index = hour).
US_BUSINESS_HOURS: tuple[float, ...] = (
    3,
    2,
    1,
    1,
    1,
    1,
    1,
    1,
    2,
    3,
    4,
    6,
    8,
    10,
    12,
    12,
    12,
    12,
    11,
    10,
    9,
    8,
    6,
    4,
)
EUROPE_BUSINESS_HOURS: tuple[float, ...] = (
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    8,
    11,
    12,
    12,
    10,
    9,
    11,
    12,
    11,
    9,
    6,
    4,
    3,
    2,
    2,
    1,
    1,
)


@dataclass(frozen=True)
class Call:
    """One call attempt; times are naive UTC datetimes."""

    start: datetime
    outcome: Outcome
    ring_s: int
    """Seconds from dialling to answer (or to giving up)."""
    talk_s: int
    """Connected seconds; 0 unless answered."""

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED

    @property
    def answer(self) -> datetime | None:
        return self.start + timedelta(seconds=self.ring_s) if self.answered else None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.ring_s + self.talk_s)

    @property
    def total_s(self) -> int:
        return self.ring_s + self.talk_s


ZERO = Decimal(0)


@dataclass(frozen=True)
class Tariff:
    """A vendor's price for a destination: per minute in its currency, increments, fee per answered call."""

    rate: Decimal
    first_increment: int
    subsequent_increment: int
    connect_fee: Decimal = ZERO


def billed_seconds(duration_s: int, first_increment: int, subsequent_increment: int) -> int:
    """Seconds billed for a connected duration: nothing if not connected, else whole increments.

    60/6 bills 10 s as 60 and 61 s as 66; 1/1 bills the duration itself.
    """
    if duration_s <= 0:
        return 0
    if duration_s <= first_increment:
        return first_increment
    rest = duration_s - first_increment
    return first_increment + math.ceil(rest / subsequent_increment) * subsequent_increment


def call_starts(
    rng: random.Random, day: date, count: int, hourly_weights: Sequence[float]
) -> Iterator[tuple[datetime, bool]]:
    """``count`` start times on a UTC day, in order, busier in the heavy hours; True marks the late call.

    Only one hour's start times are held at a time.
    """
    late = count >= LATE_CALL_MIN_CALLS
    per_hour = Counter(rng.choices(range(24), weights=hourly_weights, k=count - 1 if late else count))
    midnight = datetime.combine(day, time())
    for hour in range(24):
        seconds = [(rng.randrange(3600), False) for _ in range(per_hour[hour])]
        if hour == 23 and late:
            seconds.append((3600 - 1 - rng.randrange(LATE_CALL_WINDOW_S), True))
        for second, is_late in sorted(seconds):
            yield midnight + timedelta(hours=hour, seconds=second), is_late


def draw_outcome(rng: random.Random) -> Outcome:
    return rng.choices(list(OUTCOME_MIX), weights=list(OUTCOME_MIX.values()))[0]


def draw_talk_s(rng: random.Random) -> int:
    """Connected seconds of an answered call: log-normal (many short calls, a long tail), capped."""
    seconds = round(rng.lognormvariate(math.log(MEDIAN_TALK_S), 1.1))
    return min(max(seconds, 1), MAX_TALK_S)


def draw_ring_s(rng: random.Random, outcome: Outcome) -> int:
    if outcome is Outcome.NO_ANSWER:
        return rng.randint(20, MAX_RING_S)  # the network gives up after a ring timeout
    if outcome is Outcome.CANCELLED:
        return rng.randint(2, 35)
    if outcome is Outcome.BUSY:
        return rng.randint(0, 4)
    if outcome is Outcome.FAILED:
        return rng.randint(0, 3)
    return min(int(rng.gammavariate(2.0, 4.0)) + 1, MAX_RING_S)


def draw_call(rng: random.Random, start: datetime, late: bool = False) -> Call:
    """A call starting at ``start``; a late call is answered and talks past midnight."""
    outcome = Outcome.ANSWERED if late else draw_outcome(rng)
    ring_s = draw_ring_s(rng, outcome)
    talk_s = draw_talk_s(rng) if outcome is Outcome.ANSWERED else 0
    if late:
        talk_s = max(talk_s, LATE_CALL_MIN_TALK_S + rng.randrange(1200))
    return Call(start=start, outcome=outcome, ring_s=ring_s, talk_s=talk_s)
