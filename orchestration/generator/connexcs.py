"""ConnexCS CDR downloads: one file per UTC day, each with the columns a user chose to show.

The portal lets the user pick the CDR columns and their order, so the downloads rotate through a few
"views": everything in the portal's order, a billing view, a network view and the bare essentials
(``Call Time``, ``Destination``, ``Duration``). Times are UTC; money is in the account's currency.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME, FormatSpec, normalize_header
from orchestration.generator.calls import (
    US_BUSINESS_HOURS,
    ZERO,
    Call,
    Outcome,
    Tariff,
    billed_seconds,
    call_starts,
    draw_call,
)
from orchestration.generator.numbering import Destination, LineType, NumberBook, PhoneNumber
from orchestration.generator.writers import csv_file

FORMAT: FormatSpec = FORMATS_BY_NAME["connexcs_cdr"]
FOLDER = "connexcs"
ORIGINATION_SHARE = 0.2

MONEY = Decimal("0.000001")
PORTED_SHARE = 0.1
PLUS_SHARE = 0.5
"""Share of source numbers that arrive with a '+'."""

# The portal's columns, in its order (seed 004 lists them as the Columns panel shows them).
PORTAL_COLUMNS = (
    "Call ID",
    "Switch",
    "Call Time",
    "Source Number",
    "Card ID",
    "Tech Prefix",
    "Destination",
    "LRN Number",
    "Duration",
    "Recording",
    "Release Reason",
    "PDD In",
    "Ring Duration",
    "SIP Code",
    "SIP Reason",
    "DTMF",
    "Direction",
    "Source IP",
    "Destination Code",
    "Destination Name",
    "Billed Duration",
    "Rate",
    "Connect Cost",
    "PDD",
    "Charge",
)
ESSENTIALS = ("Call Time", "Destination", "Duration")


@dataclass(frozen=True)
class View:
    """A user's column choice: which columns, in which order, and how Direction is worded."""

    name: str
    columns: tuple[str, ...]
    directions: tuple[str, str] = ("Origination", "Termination")
    """How this download words (inbound, outbound)."""


VIEWS = (
    View("full", PORTAL_COLUMNS),
    View(
        "billing",
        (
            "Call Time",
            "Call ID",
            "Card ID",
            "Direction",
            "Source Number",
            "Destination",
            "Destination Code",
            "Destination Name",
            "Duration",
            "Billed Duration",
            "Release Reason",
            "Rate",
            "Connect Cost",
            "Charge",
        ),
        directions=("inbound", "outbound"),
    ),
    View(
        "network",
        (
            "Switch",
            "Call ID",
            "Call Time",
            "Source IP",
            "Source Number",
            "Tech Prefix",
            "Destination",
            "LRN Number",
            "Ring Duration",
            "Duration",
            "PDD In",
            "PDD",
            "SIP Code",
            "SIP Reason",
            "Release Reason",
            "DTMF",
            "Direction",
        ),
    ),
    View("essentials", ESSENTIALS),
)

# SIP code, SIP reason, release reason, weight within the outcome
_ENDINGS: dict[Outcome, tuple[tuple[str, str, str, float], ...]] = {
    Outcome.ANSWERED: (("200", "OK", "Normal Clearing", 1),),
    Outcome.NO_ANSWER: (
        ("480", "Temporarily Unavailable", "No Answer", 6),
        ("408", "Request Timeout", "Recovery On Timer Expire", 3),
        ("480", "Temporarily Unavailable", "No User Response", 1),
    ),
    Outcome.BUSY: (("486", "Busy Here", "User Busy", 9), ("600", "Busy Everywhere", "User Busy", 1)),
    Outcome.CANCELLED: (("487", "Request Terminated", "Originator Cancel", 1),),
    Outcome.FAILED: (
        ("503", "Service Unavailable", "Normal Circuit Congestion", 4),
        ("404", "Not Found", "Unallocated Number", 2),
        ("403", "Forbidden", "Call Rejected", 2),
        ("502", "Bad Gateway", "Service Unavailable", 1),
        ("402", "Payment Required", "Insufficient Balance", 1),
    ),
}
_SWITCHES = ("lon1.connexcs.net", "nyc1.connexcs.net", "fra1.connexcs.net")
_CUSTOMER_IPS = ("198.51.100.20", "198.51.100.21", "203.0.113.80")
_LINE_LABELS = {LineType.FIXED: "Fixed", LineType.MOBILE: "Mobile", LineType.TOLL_FREE: "Toll Free"}

_TERMINATION_MIX = (
    Destination("US", LineType.FIXED, 30),
    Destination("US", LineType.MOBILE, 25),
    Destination("CA", LineType.FIXED, 5),
    Destination("GB", LineType.MOBILE, 8),
    Destination("GB", LineType.FIXED, 4),
    Destination("MX", LineType.MOBILE, 6),
    Destination("IN", LineType.MOBILE, 6),
    Destination("PH", LineType.MOBILE, 5),
    Destination("DE", LineType.MOBILE, 3),
    Destination("FR", LineType.MOBILE, 3),
    Destination("BR", LineType.MOBILE, 3),
    Destination("JM", LineType.MOBILE, 2),
)
_CALLER_MIX = (
    Destination("US", LineType.FIXED, 45),
    Destination("US", LineType.MOBILE, 40),
    Destination("CA", LineType.MOBILE, 8),
    Destination("GB", LineType.MOBILE, 4),
    Destination("MX", LineType.MOBILE, 3),
)


_DEFAULT_TARIFF = Tariff(Decimal("0.0045"), 6, 6)
_ORIGINATION_TARIFF = Tariff(Decimal("0.0009"), 6, 6)
_TARIFFS: dict[tuple[str, LineType], Tariff] = {
    ("GB", LineType.FIXED): Tariff(Decimal("0.0085"), 1, 1),
    ("GB", LineType.MOBILE): Tariff(Decimal("0.0260"), 1, 1),
    ("MX", LineType.MOBILE): Tariff(Decimal("0.0195"), 60, 60, Decimal("0.0050")),
    ("IN", LineType.MOBILE): Tariff(Decimal("0.0150"), 60, 60),
    ("PH", LineType.MOBILE): Tariff(Decimal("0.1380"), 60, 6, Decimal("0.0100")),
    ("DE", LineType.MOBILE): Tariff(Decimal("0.0510"), 1, 1),
    ("FR", LineType.MOBILE): Tariff(Decimal("0.0330"), 1, 1),
    ("BR", LineType.MOBILE): Tariff(Decimal("0.0580"), 60, 6),
    ("JM", LineType.MOBILE): Tariff(Decimal("0.1990"), 60, 6, Decimal("0.0050")),
}


@dataclass(frozen=True)
class Card:
    """A ConnexCS customer card (account): its id, tech prefix, DIDs and the IP its switch sends from."""

    card_id: str
    tech_prefix: str
    dids: tuple[PhoneNumber, ...]
    source_ip: str
    weight: float


def cards(rng: random.Random, book: NumberBook) -> tuple[Card, ...]:
    accounts = []
    for card_id, tech_prefix, weight in (("10452", "4401#", 50), ("10617", "7702#", 30), ("11003", "", 20)):
        dids = tuple(book.pick(rng, "US", LineType.FIXED) for _ in range(3))
        ip = rng.choice(_CUSTOMER_IPS)
        source_ip = f"{ip}:5060" if rng.random() < 0.5 else ip
        accounts.append(Card(card_id, tech_prefix, dids, source_ip, weight))
    return tuple(accounts)


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def money(amount: Decimal) -> str:
    return f"{amount.quantize(MONEY, rounding=ROUND_HALF_UP):f}"


def destination_code(called: PhoneNumber) -> str:
    """The rate deck prefix a destination matches: calling code plus the first national digits."""
    return called.digits[
        : len(called.country.calling_code) + (3 if called.country.calling_code == "1" else 2)
    ]


def destination_name(called: PhoneNumber) -> str:
    return f"{called.country.name} - {_LINE_LABELS[called.line_type]}"


class ConnexcsRows:
    """Turns calls into ConnexCS CDR rows (every portal column, by header) of the customer cards."""

    def __init__(self, book: NumberBook, accounts: tuple[Card, ...]):
        self.book = book
        self.accounts = accounts
        self.weights = [a.weight for a in accounts]

    def row(self, rng: random.Random, call: Call, view: View) -> dict[str, str]:
        card = rng.choices(self.accounts, weights=self.weights)[0]
        inbound = rng.random() < ORIGINATION_SHARE
        if inbound:
            caller = self.book.pick_destination(rng, _CALLER_MIX)
            called = rng.choice(card.dids)
            tariff = _ORIGINATION_TARIFF
        else:
            caller = rng.choice(card.dids)
            called = self.book.pick_destination(rng, _TERMINATION_MIX)
            tariff = _TARIFFS.get((called.country.iso, called.line_type), _DEFAULT_TARIFF)
        sip_code, sip_reason, release_reason = self._ending(rng, call.outcome)
        billed = billed_seconds(call.talk_s, tariff.first_increment, tariff.subsequent_increment)
        connect_cost = tariff.connect_fee if call.answered else ZERO
        charge = connect_cost + tariff.rate * billed / 60
        pdd = Decimal(rng.randint(800, 4500)) / 1000
        return {
            "Call ID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "Switch": rng.choice(_SWITCHES),
            "Call Time": timestamp(call.start),
            "Source Number": ("+" if rng.random() < PLUS_SHARE else "") + caller.digits,
            "Card ID": card.card_id,
            "Tech Prefix": "" if inbound else card.tech_prefix,
            "Destination": called.digits,
            "LRN Number": self._lrn(rng, called),
            "Duration": str(call.talk_s),
            "Recording": f"rec/{uuid.UUID(int=rng.getrandbits(128), version=4)}.mp3"
            if call.answered and rng.random() < 0.1
            else "",
            "Release Reason": release_reason,
            "PDD In": f"{(pdd * Decimal('0.4')).quantize(Decimal('0.001'))}",
            "Ring Duration": str(call.ring_s),
            "SIP Code": sip_code,
            "SIP Reason": sip_reason,
            "DTMF": rng.choice(("1", "2#", "0")) if call.answered and rng.random() < 0.05 else "",
            "Direction": view.directions[0] if inbound else view.directions[1],
            "Source IP": "" if inbound else card.source_ip,
            "Destination Code": destination_code(called),
            "Destination Name": destination_name(called),
            "Billed Duration": str(billed),
            "Rate": money(tariff.rate),
            "Connect Cost": money(connect_cost),
            "PDD": f"{pdd:.3f}",
            "Charge": money(charge),
        }

    def _lrn(self, rng: random.Random, called: PhoneNumber) -> str:
        """The LRN of a US number: its own 10 digits, or another switch's when it was ported."""
        if called.country.iso != "US" or called.line_type is LineType.TOLL_FREE:
            return ""
        if rng.random() < PORTED_SHARE:
            return self.book.pick(rng, "US", LineType.FIXED).digits[1:]
        return called.digits[1:]

    @staticmethod
    def _ending(rng: random.Random, outcome: Outcome) -> tuple[str, str, str]:
        options = _ENDINGS[outcome]
        return rng.choices(options, weights=[o[3] for o in options])[0][:3]


def label_of(column: str) -> str:
    """The portal header that carries a declared column."""
    spellings = next(c.spellings() for c in FORMAT.columns if c.name == column)
    return next(label for label in PORTAL_COLUMNS if normalize_header(label) in spellings)


def natural_key(row: dict[str, str]) -> tuple[str, ...]:
    """The declared natural key's values (its columns are among the essentials, in every view)."""
    return tuple(row[label_of(column)] for column in FORMAT.natural_key)


def day_layout(index: int) -> tuple[View, bool]:
    """The view and compression of the ``index``-th generated day's download (every other one gzipped,
    shifting so that every view also comes both ways within eight days)."""
    return VIEWS[index % len(VIEWS)], (index + index // len(VIEWS)) % 2 == 1


def file_name(day: date, compressed: bool) -> str:
    return f"{FOLDER}/cdr_download_{day.isoformat()}.csv" + (".gz" if compressed else "")


def write_day(
    out_dir: Path, day: date, index: int, rng: random.Random, count: int, rows: ConnexcsRows
) -> tuple[Path, int]:
    """Write the day's download with ``count`` calls placed that day; returns the path and its rows."""
    view, compressed = day_layout(index)
    path = out_dir / file_name(day, compressed)
    seen: set[tuple[str, ...]] = set()
    with csv_file(path, view.columns) as sink:
        for start, late in call_starts(rng, day, count, US_BUSINESS_HOURS):
            call = draw_call(rng, start, late)
            row = rows.row(rng, call, view)
            while natural_key(row) in seen:  # two rows with one key would be one call downstream
                row = rows.row(rng, call, view)
            seen.add(natural_key(row))
            sink.write(row)
    return path, sink.rows
