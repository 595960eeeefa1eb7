"""Flowroute CDR exports: one file per UTC day, in the header variants real exports come with."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME, FormatSpec
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

FORMAT: FormatSpec = FORMATS_BY_NAME["flowroute_cdr"]
FOLDER = "flowroute"
OUTBOUND_SHARE = 0.78

# Columns some exports carry after the declared ones; landing must ignore them.
EXTRA_COLUMNS = ("trunk_group", "carrier_ref")
# Older exports stop before this column.
NEWER_COLUMN = "sip_callid"

MONEY = Decimal("0.00000001")
USF_FACTOR = Decimal("0.342")
CCRF_PER_CALL = Decimal("0.00050000")
CNAM_LOOKUP_FEE = Decimal("0.00390000")
NOT_AVAILABLE_COUNTRY_SHARE = 0.05

OUTBOUND_MIX = (
    Destination("US", LineType.FIXED, 40),
    Destination("US", LineType.MOBILE, 30),
    Destination("CA", LineType.FIXED, 4),
    Destination("CA", LineType.MOBILE, 3),
    Destination("US", LineType.TOLL_FREE, 5),
    Destination("PR", LineType.FIXED, 0.5),
    Destination("JM", LineType.FIXED, 1),
    Destination("JM", LineType.MOBILE, 1),
    Destination("GB", LineType.FIXED, 2),
    Destination("GB", LineType.MOBILE, 2),
    Destination("MX", LineType.FIXED, 1.5),
    Destination("MX", LineType.MOBILE, 2.5),
    Destination("FR", LineType.FIXED, 1),
    Destination("FR", LineType.MOBILE, 1),
    Destination("DE", LineType.FIXED, 0.7),
    Destination("DE", LineType.MOBILE, 0.8),
    Destination("IN", LineType.MOBILE, 1),
    Destination("PH", LineType.MOBILE, 1),
    Destination("BR", LineType.MOBILE, 0.5),
    Destination("AU", LineType.MOBILE, 0.5),
    Destination("ES", LineType.MOBILE, 0.5),
)
INBOUND_CALLER_MIX = (
    Destination("US", LineType.FIXED, 50),
    Destination("US", LineType.MOBILE, 35),
    Destination("CA", LineType.FIXED, 4),
    Destination("CA", LineType.MOBILE, 3),
    Destination("GB", LineType.MOBILE, 1.5),
    Destination("MX", LineType.MOBILE, 2),
    Destination("JM", LineType.MOBILE, 0.5),
    Destination("PH", LineType.MOBILE, 0.5),
    Destination("IN", LineType.MOBILE, 0.5),
    Destination("DE", LineType.FIXED, 0.5),
)


_DOMESTIC = Tariff(Decimal("0.0055"), 6, 6)
_INBOUND_DID = Tariff(Decimal("0.0012"), 6, 6)
_INBOUND_TOLL_FREE = Tariff(Decimal("0.0250"), 6, 6)
_OUTBOUND_TARIFFS: dict[tuple[str, LineType], Tariff] = {
    ("US", LineType.TOLL_FREE): Tariff(ZERO, 6, 6),
    ("JM", LineType.FIXED): Tariff(Decimal("0.1350"), 60, 6, Decimal("0.0050")),
    ("JM", LineType.MOBILE): Tariff(Decimal("0.2150"), 60, 6, Decimal("0.0050")),
    ("GB", LineType.FIXED): Tariff(Decimal("0.0095"), 1, 1),
    ("GB", LineType.MOBILE): Tariff(Decimal("0.0280"), 1, 1),
    ("FR", LineType.FIXED): Tariff(Decimal("0.0110"), 1, 1),
    ("FR", LineType.MOBILE): Tariff(Decimal("0.0350"), 1, 1),
    ("DE", LineType.FIXED): Tariff(Decimal("0.0120"), 1, 1),
    ("DE", LineType.MOBILE): Tariff(Decimal("0.0550"), 1, 1),
    ("ES", LineType.MOBILE): Tariff(Decimal("0.0300"), 1, 1),
    ("MX", LineType.FIXED): Tariff(Decimal("0.0190"), 60, 6),
    ("MX", LineType.MOBILE): Tariff(Decimal("0.0210"), 60, 6, Decimal("0.0100")),
    ("BR", LineType.MOBILE): Tariff(Decimal("0.0650"), 60, 6),
    ("AU", LineType.MOBILE): Tariff(Decimal("0.0450"), 1, 1),
    ("PH", LineType.MOBILE): Tariff(Decimal("0.1500"), 60, 6),
    ("IN", LineType.MOBILE): Tariff(Decimal("0.0160"), 60, 6),
}

# result, call_fail_sip_code, call_fail_reason (weights within the outcome)
_FAILURES: dict[Outcome, tuple[tuple[str, str, float], ...]] = {
    Outcome.NO_ANSWER: (("480", "Temporarily Unavailable", 8), ("408", "Request Timeout", 2)),
    Outcome.BUSY: (("486", "Busy Here", 9), ("600", "Busy Everywhere", 1)),
    Outcome.CANCELLED: (("487", "Request Terminated", 1),),
    Outcome.FAILED: (
        ("503", "Service Unavailable", 5),
        ("404", "Not Found", 2),
        ("403", "Forbidden", 1),
        ("484", "Address Incomplete", 1),
        ("488", "Not Acceptable Here", 1),
        ("502", "Bad Gateway", 1),
    ),
}
_RESULTS = {
    Outcome.ANSWERED: "Completed",
    Outcome.NO_ANSWER: "No Answer",
    Outcome.BUSY: "Busy",
    Outcome.CANCELLED: "Cancelled",
    Outcome.FAILED: "Failed",
}
_PBX_HOSTS = ("203.0.113.7", "203.0.113.45", "198.51.100.23", "192.0.2.10")
_PBX_PORTS = ("5060", "5080")
_X_TAGS = ("crm-click2call", "campaign-q4", "support-callback", "billing-ivr", "sales-dialer")
_TRUNK_GROUPS = ("TG-ASH-01", "TG-SEA-02", "TG-LAX-01")
_ALIASES = ("Main Line", "Support", "Sales", "Front Desk", "After Hours", "Billing")


def header_variants() -> tuple[tuple[str, ...], ...]:
    """Current (declared order), older (without the newest column) and wider (extra trailing columns)."""
    declared = FORMAT.column_names
    return (
        declared,
        tuple(c for c in declared if c != NEWER_COLUMN),
        declared + EXTRA_COLUMNS,
    )


def file_name(day: date, compressed: bool) -> str:
    return f"{FOLDER}/cdr_export_{day.isoformat()}.csv" + (".gz" if compressed else "")


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") + "+00"


def money(amount: Decimal) -> str:
    return f"{amount.quantize(MONEY, rounding=ROUND_HALF_UP):f}"


@dataclass(frozen=True)
class Did:
    """A number the Flowroute customer owns: the caller ID of outbound calls, the target of inbound ones."""

    number: PhoneNumber
    alias: str
    cnam: bool
    """CNAM lookups are enabled on inbound calls to it."""


def customer_dids(rng: random.Random, book: NumberBook) -> tuple[Did, ...]:
    kinds = [("US", LineType.FIXED)] * 8 + [("CA", LineType.FIXED)] + [("US", LineType.TOLL_FREE)] * 2
    return tuple(
        Did(
            number=book.pick(rng, iso, line_type),
            alias=rng.choice(_ALIASES) if rng.random() < 0.5 else "",
            cnam=rng.random() < 0.4,
        )
        for iso, line_type in kinds
    )


def line_information(number: PhoneNumber) -> str:
    if number.line_type is LineType.TOLL_FREE:
        return "Toll-Free"
    kind = "Mobile" if number.line_type is LineType.MOBILE else "Landline"
    return f"{kind} - {number.country.name}"


def tariff_for(direction: str, called: PhoneNumber) -> Tariff:
    if direction == "Inbound":
        return _INBOUND_TOLL_FREE if called.line_type is LineType.TOLL_FREE else _INBOUND_DID
    return _OUTBOUND_TARIFFS.get((called.country.iso, called.line_type), _DOMESTIC)


@dataclass(frozen=True)
class Charges:
    billed_s: int
    subtotal: Decimal
    connect_fee: Decimal
    usf_fee: Decimal
    ccrf: Decimal
    cnam_lookup_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.connect_fee + self.usf_fee + self.ccrf + self.cnam_lookup_fee


def charges(call: Call, direction: str, tariff: Tariff, did: Did) -> Charges:
    """What Flowroute bills: the rated minutes plus fees, each rounded to 8 decimals, summed exactly."""
    billed_s = billed_seconds(call.talk_s, tariff.first_increment, tariff.subsequent_increment)
    subtotal = (tariff.rate * billed_s / 60).quantize(MONEY, rounding=ROUND_HALF_UP)
    outbound_answered = direction == "Outbound" and call.answered
    lookup = direction == "Inbound" and did.cnam and call.outcome is not Outcome.FAILED
    usf_fee = (subtotal * USF_FACTOR).quantize(MONEY, rounding=ROUND_HALF_UP)
    return Charges(
        billed_s=billed_s,
        subtotal=subtotal,
        connect_fee=tariff.connect_fee if call.answered else ZERO,
        usf_fee=usf_fee if outbound_answered else ZERO,
        ccrf=CCRF_PER_CALL if outbound_answered else ZERO,
        cnam_lookup_fee=CNAM_LOOKUP_FEE if lookup else ZERO,
    )


class FlowrouteRows:
    """Turns calls into Flowroute export rows for one customer account."""

    def __init__(self, book: NumberBook, dids: tuple[Did, ...]):
        self.book = book
        self.dids = dids
        # Toll-free numbers take calls; they are not presented as caller ID.
        self.caller_ids = tuple(d for d in dids if d.number.line_type is not LineType.TOLL_FREE)

    def row(self, rng: random.Random, call: Call) -> dict[str, str]:
        """Every declared column and the extra ones; the file's header decides which are written."""
        direction = "Outbound" if rng.random() < OUTBOUND_SHARE else "Inbound"
        if direction == "Outbound":
            did = rng.choice(self.caller_ids)
            caller, called = did.number, self.book.pick_destination(rng, OUTBOUND_MIX)
        else:
            did = rng.choice(self.dids)
            caller, called = self.book.pick_destination(rng, INBOUND_CALLER_MIX), did.number
        tariff = tariff_for(direction, called)
        bill = charges(call, direction, tariff, did)
        sip_code, fail_reason = self._failure(rng, call.outcome)
        return {
            "direction": direction,
            "start_time": timestamp(call.start),
            "end_time": timestamp(call.end),
            "destination": called.digits,
            "number_alias": did.alias,
            "callerid": caller.e164,
            "total_cost": money(bill.total),
            "destination_name": called.country.name,
            "callerid_country": "N/A" if rng.random() < NOT_AVAILABLE_COUNTRY_SHARE else caller.country.iso,
            "line_information": line_information(called),
            "result": _RESULTS[call.outcome],
            "call_fail_sip_code": sip_code,
            "call_fail_reason": fail_reason,
            "duration": str(call.talk_s),
            "billed_duration": str(bill.billed_s),
            "rate": money(tariff.rate),
            "first_increment": str(tariff.first_increment),
            "subsequent_increment": str(tariff.subsequent_increment),
            "cost_subtotal": money(bill.subtotal),
            "connect_fee": money(bill.connect_fee),
            "usf_fee": money(bill.usf_fee),
            "ccrf": money(bill.ccrf),
            "cnam_lookup_fee": money(bill.cnam_lookup_fee),
            "custom_x_tag": rng.choice(_X_TAGS) if direction == "Outbound" and rng.random() < 0.3 else "",
            "customer_ip": self._customer_ip(rng),
            "sip_callid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "trunk_group": rng.choice(_TRUNK_GROUPS),
            "carrier_ref": f"CR{rng.randrange(10**8):08d}",
        }

    @staticmethod
    def _failure(rng: random.Random, outcome: Outcome) -> tuple[str, str]:
        if outcome is Outcome.ANSWERED:
            return "", ""
        options = _FAILURES[outcome]
        code, reason, _ = rng.choices(options, weights=[w for _, _, w in options])[0]
        return code, reason

    @staticmethod
    def _customer_ip(rng: random.Random) -> str:
        host = rng.choice(_PBX_HOSTS)
        return f"{host}:{rng.choice(_PBX_PORTS)}" if rng.random() < 0.5 else host


def natural_key(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[column] for column in FORMAT.natural_key)


def day_layout(index: int) -> tuple[tuple[str, ...], bool]:
    """Header and compression of the export of the ``index``-th generated day.

    Headers rotate day by day; every third file is gzipped, at a position that moves each
    three days so that, over nine days, every header variant also comes compressed.
    """
    header = header_variants()[index % 3]
    return header, index % 3 == (index // 3) % 3


def write_day(
    out_dir: Path, day: date, index: int, rng: random.Random, count: int, rows: FlowrouteRows
) -> tuple[Path, int]:
    """Write the day's export with ``count`` calls started that day; returns the path and its rows."""
    header, compressed = day_layout(index)
    path = out_dir / file_name(day, compressed)
    seen: set[tuple[str, ...]] = set()
    with csv_file(path, header) as sink:
        for start, late in call_starts(rng, day, count, US_BUSINESS_HOURS):
            call = draw_call(rng, start, late)
            row = rows.row(rng, call)
            while natural_key(row) in seen:  # two rows with one key would be one call downstream
                row = rows.row(rng, call)
            seen.add(natural_key(row))
            sink.write(row)
    return path, sink.rows
