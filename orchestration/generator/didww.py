"""DIDWW call logs: per UTC day one inbound and one outbound export, rotating through the header generations.

Generations (see ``orchestration.formats.didww``): the portal's Call Logs export, the legacy API export
(one ``Date/Time (UTC)``, ``Response``, trailing ``TollFree Amount (USD)``, ``Customer ID``,
``Sell Amount (Points)``), the API export with three timestamps, and the newer renamed headers with a
``Call ID``. API exports quote every value, so their empty values come as ``""``; the others leave
them bare. Connect and End are empty on calls that did not connect. Numbers carry no ``+``; some
destinations are SIP URIs.
"""

from __future__ import annotations

import csv
import random
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME, FormatSpec, normalize_header
from orchestration.generator.calls import (
    EUROPE_BUSINESS_HOURS,
    ZERO,
    Call,
    Outcome,
    Tariff,
    billed_seconds,
    call_starts,
    draw_call,
)
from orchestration.generator.numbering import Destination, LineType, NumberBook, PhoneNumber
from orchestration.generator.writers import RowSink, csv_file

INBOUND_FORMAT: FormatSpec = FORMATS_BY_NAME["didww_inbound"]
OUTBOUND_FORMAT: FormatSpec = FORMATS_BY_NAME["didww_outbound"]
FOLDER = "didww"
INBOUND, OUTBOUND = "inbound", "outbound"
FORMATS = {INBOUND: INBOUND_FORMAT, OUTBOUND: OUTBOUND_FORMAT}
INBOUND_SHARE = 0.55

MONEY = Decimal("0.0001")
POINTS = Decimal("0.01")
POINTS_PER_USD = Decimal(100)
WITHHELD_SHARE = 0.05
SIP_URI_SHARE = 0.15
REPLACE_CLI_SHARE = 0.15
EMPTY_AMOUNT_SHARE = 0.3
"""Share of unconnected calls whose amounts are left empty rather than 0."""


class Generation(str, Enum):
    PORTAL = "portal"
    LEGACY = "api_legacy"
    API = "api"
    RENAMED = "api_renamed"


GENERATIONS = tuple(Generation)
QUOTED_GENERATIONS = frozenset({Generation.LEGACY, Generation.API})
"""API exports quote every value: their empty values come as ``""``."""

_PORTAL_TIMES = ("Date/Time Start (UTC)", "Date/Time Connect (UTC)", "Date/Time End (UTC)")
_RENAMED_TIMES = ("Start Time (UTC)", "Connect Time (UTC)", "End Time (UTC)")
_API_TRAILER = ("TollFree Amount (USD)", "Customer ID", "Sell Amount (Points)")

# The API exports' inbound columns after the time(s): the same in the legacy and three-timestamp variants.
_API_INBOUND_COLUMNS = (
    "Source",
    "DID",
    "Destination",
    "Duration (secs)",
    "Disconnect Initiator",
    "Disconnect Code",
    "Response",
    "Termination Amount (USD)",
    "Metered Channels Amount (USD)",
    *_API_TRAILER,
)

# The API exports' outbound columns after the time(s): the same in the legacy and three-timestamp variants.
_API_OUTBOUND_COLUMNS = (
    "Source",
    "CLI",
    "Destination",
    "Duration (secs)",
    "Billing Duration",
    "Disconnect Code",
    "Response",
    "Rate (USD per minute)",
    "Charged (USD)",
    "CDR Type",
    "Country Name",
    "Network Name",
    "Trunk Name",
    *_API_TRAILER,
)

HEADERS: dict[str, dict[Generation, tuple[str, ...]]] = {
    INBOUND: {
        Generation.PORTAL: (
            *_PORTAL_TIMES,
            "Source",
            "DID",
            "Destination",
            "Duration (secs)",
            "Disconnect Initiator",
            "Disconnect Code",
            "Disconnect Response",
            "Toll-free Amount (USD)",
            "Termination Amount (USD)",
            "Metered Channels Amount (USD)",
        ),
        Generation.LEGACY: (
            "Date/Time (UTC)",
            *_API_INBOUND_COLUMNS,
        ),
        Generation.API: (
            *_PORTAL_TIMES,
            *_API_INBOUND_COLUMNS,
        ),
        Generation.RENAMED: (
            "Call ID",
            *_RENAMED_TIMES,
            "Source Number",
            "Destination DID",
            "Destination",
            "Duration (sec)",
            "Disconnect Initiator",
            "Disconnect Code",
            "Disconnect Reason",
            "Toll-free Amount (USD)",
            "Termination Amount (USD)",
            "Metered Channels Amount (USD)",
            "Customer ID",
        ),
    },
    OUTBOUND: {
        Generation.PORTAL: (
            *_PORTAL_TIMES,
            "Source",
            "CLI",
            "Destination",
            "Duration (secs)",
            "Billing Duration",
            "Disconnect Code",
            "Disconnect Reason",
            "Rate (USD per minute)",
            "Charged (USD)",
            "CDR Type",
            "Country Name",
            "Network Name",
            "Trunk Name",
        ),
        Generation.LEGACY: (
            "Date/Time (UTC)",
            *_API_OUTBOUND_COLUMNS,
        ),
        Generation.API: (
            *_PORTAL_TIMES,
            *_API_OUTBOUND_COLUMNS,
        ),
        Generation.RENAMED: (
            "Call ID",
            *_RENAMED_TIMES,
            "Source Number",
            "CLI",
            "Destination",
            "Duration (sec)",
            "Billing Duration (sec)",
            "Disconnect Code",
            "Disconnect Reason",
            "Rate (USD)",
            "Charged (USD)",
            "Call Type",
            "Destination Country",
            "Network",
            "Voice OUT Trunk",
            "Customer ID",
        ),
    },
}

# disconnect code, response, weight within the outcome
_DISCONNECTS: dict[Outcome, tuple[tuple[str, str, float], ...]] = {
    Outcome.ANSWERED: (("200", "OK", 1),),
    Outcome.NO_ANSWER: (("480", "Temporarily Unavailable", 7), ("408", "Request Timeout", 3)),
    Outcome.BUSY: (("486", "Busy Here", 8), ("600", "Busy Everywhere", 2)),
    Outcome.CANCELLED: (("487", "Request Terminated", 1),),
    Outcome.FAILED: (
        ("503", "Service Unavailable", 4),
        ("404", "Not Found", 2),
        ("403", "Forbidden", 1),
        ("484", "Address Incomplete", 1),
        ("502", "Bad Gateway", 1),
        ("603", "Decline", 1),
    ),
}
_NETWORKS = {LineType.FIXED: "Fixed", LineType.MOBILE: "Mobile", LineType.TOLL_FREE: "Toll-free"}
_EEA = frozenset({"DE", "FR", "ES"})
_PBX_HOSTS = ("pbx.acme-voice.example", "sip.globex.example", "10.20.0.15")
_OUTBOUND_URI_HOSTS = ("sip.didww.com", "out.didww.com")

_CALLER_MIX = (
    Destination("US", LineType.FIXED, 25),
    Destination("US", LineType.MOBILE, 25),
    Destination("GB", LineType.MOBILE, 12),
    Destination("GB", LineType.FIXED, 6),
    Destination("DE", LineType.MOBILE, 8),
    Destination("DE", LineType.FIXED, 4),
    Destination("FR", LineType.MOBILE, 6),
    Destination("ES", LineType.MOBILE, 3),
    Destination("CA", LineType.MOBILE, 3),
    Destination("MX", LineType.MOBILE, 2),
    Destination("IN", LineType.MOBILE, 2),
    Destination("AU", LineType.MOBILE, 1),
)
_OUTBOUND_MIX = (
    Destination("US", LineType.FIXED, 18),
    Destination("US", LineType.MOBILE, 14),
    Destination("US", LineType.TOLL_FREE, 2),
    Destination("GB", LineType.FIXED, 8),
    Destination("GB", LineType.MOBILE, 10),
    Destination("DE", LineType.FIXED, 8),
    Destination("DE", LineType.MOBILE, 9),
    Destination("FR", LineType.FIXED, 5),
    Destination("FR", LineType.MOBILE, 6),
    Destination("ES", LineType.MOBILE, 4),
    Destination("CA", LineType.FIXED, 3),
    Destination("MX", LineType.MOBILE, 3),
    Destination("BR", LineType.MOBILE, 2),
    Destination("PH", LineType.MOBILE, 2),
    Destination("IN", LineType.MOBILE, 3),
    Destination("AU", LineType.MOBILE, 2),
    Destination("JM", LineType.MOBILE, 1),
)


_LOCAL_TARIFF = Tariff(Decimal("0.0065"), 6, 6)
_INTERNATIONAL_TARIFF = Tariff(Decimal("0.0150"), 1, 1)
_TARIFFS: dict[tuple[str, LineType], Tariff] = {
    ("US", LineType.TOLL_FREE): Tariff(ZERO, 6, 6),
    ("GB", LineType.FIXED): Tariff(Decimal("0.0098"), 1, 1),
    ("GB", LineType.MOBILE): Tariff(Decimal("0.0310"), 1, 1),
    ("DE", LineType.FIXED): Tariff(Decimal("0.0105"), 1, 1),
    ("DE", LineType.MOBILE): Tariff(Decimal("0.0540"), 1, 1),
    ("FR", LineType.FIXED): Tariff(Decimal("0.0112"), 1, 1),
    ("FR", LineType.MOBILE): Tariff(Decimal("0.0360"), 1, 1),
    ("ES", LineType.MOBILE): Tariff(Decimal("0.0290"), 1, 1),
    ("MX", LineType.MOBILE): Tariff(Decimal("0.0230"), 60, 60),
    ("BR", LineType.MOBILE): Tariff(Decimal("0.0610"), 60, 6),
    ("PH", LineType.MOBILE): Tariff(Decimal("0.1420"), 60, 60),
    ("IN", LineType.MOBILE): Tariff(Decimal("0.0175"), 60, 60),
    ("AU", LineType.MOBILE): Tariff(Decimal("0.0420"), 1, 1),
    ("JM", LineType.MOBILE): Tariff(Decimal("0.2050"), 60, 60),
}
_TOLL_FREE_RATE = Decimal("0.0280")
"""What a toll-free DID costs per minute of an inbound call."""
_METERED_RATE = Decimal("0.0040")
"""Per minute of a call on a DID with metered channels."""
_FORWARD_RATE = Decimal("0.0120")
"""Per minute of an inbound call DIDWW forwards to a PSTN number (termination)."""


@dataclass(frozen=True)
class Did:
    number: PhoneNumber
    metered: bool
    """Calls to it are billed per minute of metered channel capacity."""
    route: str
    """Where DIDWW delivers its calls: a SIP URI, or a PSTN number (forwarding, billed as termination)."""

    @property
    def forwarded(self) -> bool:
        return not self.route.startswith("sip:")


@dataclass(frozen=True)
class Profile:
    customer_id: str
    home: str
    """ISO country of the customer's outbound trunks (decides Local / International / Origin based)."""
    did_kinds: tuple[tuple[str, LineType], ...]
    weight: float


PROFILES = (
    Profile("184201", "US", (("US", LineType.FIXED), ("US", LineType.FIXED), ("US", LineType.TOLL_FREE)), 45),
    Profile("207733", "DE", (("DE", LineType.FIXED), ("FR", LineType.FIXED), ("ES", LineType.FIXED)), 30),
    Profile("311068", "GB", (("GB", LineType.FIXED), ("GB", LineType.TOLL_FREE), ("US", LineType.FIXED)), 25),
)


@dataclass(frozen=True)
class Customer:
    profile: Profile
    dids: tuple[Did, ...]
    trunks: tuple[str, ...]

    @property
    def caller_ids(self) -> tuple[Did, ...]:
        return tuple(d for d in self.dids if d.number.line_type is not LineType.TOLL_FREE)


def customers(rng: random.Random, book: NumberBook) -> tuple[Customer, ...]:
    accounts = []
    for profile in PROFILES:
        dids = []
        for iso, line_type in profile.did_kinds:
            number = book.pick(rng, iso, line_type)
            if rng.random() < 0.2:
                route = book.pick(rng, profile.home, LineType.MOBILE).digits
            else:
                plus = "+" if rng.random() < 0.5 else ""
                route = f"sip:{plus}{number.digits}@{rng.choice(_PBX_HOSTS)}"
            dids.append(Did(number, metered=rng.random() < 0.4, route=route))
        trunks = tuple(f"{profile.home} Outbound Trunk {n}" for n in (1, 2))
        accounts.append(Customer(profile, tuple(dids), trunks))
    return tuple(accounts)


def timestamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def money(amount: Decimal) -> str:
    return f"{amount.quantize(MONEY, rounding=ROUND_HALF_UP):f}"


def points(amount: Decimal) -> str:
    return f"{(amount * POINTS_PER_USD).quantize(POINTS, rounding=ROUND_HALF_UP):f}"


def cdr_type(home: str, called: PhoneNumber) -> str:
    """International / Local / Origin based (calls within the EEA), by the called country."""
    iso = called.country.iso
    if iso == home:
        return "Local"
    if iso in _EEA and home in _EEA:
        return "Origin based"
    return "International"


class DidwwRows:
    """Turns calls into DIDWW call log rows (every declared column, by column name) of the customers."""

    def __init__(self, book: NumberBook, accounts: tuple[Customer, ...]):
        self.book = book
        self.accounts = accounts
        self.weights = [a.profile.weight for a in accounts]

    def row(self, rng: random.Random, call: Call) -> tuple[str, dict[str, str]]:
        customer = rng.choices(self.accounts, weights=self.weights)[0]
        direction = INBOUND if rng.random() < INBOUND_SHARE else OUTBOUND
        code, reason = self._disconnect(rng, call.outcome)
        row = {
            "call_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "start_time": timestamp(call.start),
            # Connect and End are empty on calls that did not connect.
            "connect_time": timestamp(call.answer),
            "end_time": timestamp(call.end) if call.answered else "",
            "duration": str(call.talk_s),
            "disconnect_code": code,
            "disconnect_reason": reason,
            "customer_id": customer.profile.customer_id,
        }
        if direction == INBOUND:
            row.update(self._inbound(rng, call, customer))
        else:
            row.update(self._outbound(rng, call, customer))
        return direction, row

    def _inbound(self, rng: random.Random, call: Call, customer: Customer) -> dict[str, str]:
        did = rng.choice(customer.dids)
        if rng.random() < WITHHELD_SHARE:
            source = rng.choice(("", "anonymous"))
        else:
            source = self.book.pick_destination(rng, _CALLER_MIX).digits
        minutes = Decimal(call.talk_s) / 60
        toll_free = did.number.line_type is LineType.TOLL_FREE
        amounts = {
            "tollfree_amount": _TOLL_FREE_RATE * minutes if toll_free else ZERO,
            "termination_amount": _FORWARD_RATE * minutes if did.forwarded else ZERO,
            "metered_channels_amount": _METERED_RATE * minutes if did.metered else ZERO,
        }
        if call.outcome is Outcome.CANCELLED:
            initiator = "Origination"
        elif call.answered:
            initiator = rng.choice(("Origination", "Destination"))
        else:
            initiator = "Destination"
        row = {
            "source": source,
            "did": did.number.digits,
            "destination": did.route,
            "disconnect_initiator": initiator,
            "sell_amount_points": points(sum(amounts.values(), ZERO)),
        }
        empty = not call.answered and rng.random() < EMPTY_AMOUNT_SHARE
        row.update({column: "" if empty else money(amount) for column, amount in amounts.items()})
        return row

    def _outbound(self, rng: random.Random, call: Call, customer: Customer) -> dict[str, str]:
        caller = rng.choice(customer.caller_ids).number
        cli = caller
        if rng.random() < REPLACE_CLI_SHARE:
            cli = rng.choice(customer.caller_ids).number
        called = self.book.pick_destination(rng, _OUTBOUND_MIX)
        destination = called.digits
        if rng.random() < SIP_URI_SHARE:
            plus = "+" if rng.random() < 0.5 else ""
            destination = f"sip:{plus}{called.digits}@{rng.choice(_OUTBOUND_URI_HOSTS)}"
        key = (called.country.iso, called.line_type)
        local = called.country.iso == customer.profile.home
        tariff = _TARIFFS.get(key, _LOCAL_TARIFF if local else _INTERNATIONAL_TARIFF)
        billed = billed_seconds(call.talk_s, tariff.first_increment, tariff.subsequent_increment)
        charged = (tariff.rate * billed / 60).quantize(MONEY, rounding=ROUND_HALF_UP)
        empty = not call.answered and rng.random() < EMPTY_AMOUNT_SHARE
        return {
            "source": caller.digits,
            "cli": cli.digits,
            "destination": destination,
            "billing_duration": str(billed),
            "rate": money(tariff.rate),
            "charged": "" if empty else money(charged),
            "cdr_type": cdr_type(customer.profile.home, called),
            "country_name": called.country.name,
            "network_name": _NETWORKS[called.line_type],
            "trunk_name": rng.choice(customer.trunks),
            "tollfree_amount": "" if empty else money(ZERO),
            "sell_amount_points": points(charged),
        }

    @staticmethod
    def _disconnect(rng: random.Random, outcome: Outcome) -> tuple[str, str]:
        options = _DISCONNECTS[outcome]
        code, reason, _ = rng.choices(options, weights=[w for _, _, w in options])[0]
        return code, reason


def natural_key(direction: str, row: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(row[column] for column in FORMATS[direction].natural_key)


def column_of(spec: FormatSpec, label: str) -> str:
    """The declared column a header label is a spelling of."""
    spelling = normalize_header(label)
    return next(c.name for c in spec.columns if spelling in c.spellings())


def day_layout(index: int) -> tuple[Generation, bool]:
    """Header generation and compression of the ``index``-th generated day's exports.

    Generations rotate day by day; two days in three are gzipped, so that over twelve days every
    generation also comes both compressed and plain.
    """
    return GENERATIONS[index % len(GENERATIONS)], index % 3 != 1


def file_name(day: date, direction: str, compressed: bool) -> str:
    return f"{FOLDER}/{direction}_calls_{day.isoformat()}.csv" + (".gz" if compressed else "")


def write_day(
    out_dir: Path, day: date, index: int, rng: random.Random, count: int, rows: DidwwRows
) -> dict[str, tuple[Path, int]]:
    """Write the day's inbound and outbound exports with ``count`` calls; returns (path, rows) per direction."""
    generation, compressed = day_layout(index)
    quoting = csv.QUOTE_ALL if generation in QUOTED_GENERATIONS else csv.QUOTE_MINIMAL
    paths = {d: out_dir / file_name(day, d, compressed) for d in (INBOUND, OUTBOUND)}
    headers = {d: HEADERS[d][generation] for d in (INBOUND, OUTBOUND)}
    columns = {d: [column_of(FORMATS[d], label) for label in headers[d]] for d in (INBOUND, OUTBOUND)}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    with ExitStack() as files:
        sinks: dict[str, RowSink] = {
            d: files.enter_context(csv_file(path, headers[d], quoting)) for d, path in paths.items()
        }
        for start, late in call_starts(rng, day, count, EUROPE_BUSINESS_HOURS):
            call = draw_call(rng, start, late)
            direction, row = rows.row(rng, call)
            while (direction, natural_key(direction, row)) in seen:  # one key would be one call downstream
                direction, row = rows.row(rng, call)
            seen.add((direction, natural_key(direction, row)))
            labelled = dict(zip(headers[direction], (row[c] for c in columns[direction]), strict=True))
            sinks[direction].write(labelled)
    return {d: (paths[d], sink.rows) for d, sink in sinks.items()}
