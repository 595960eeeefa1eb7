"""CALLR CDR exports: per UTC day one outbound and one inbound file, as the console exports them."""

from __future__ import annotations

import random
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME, FormatSpec
from orchestration.generator.calls import (
    EUROPE_BUSINESS_HOURS,
    Call,
    Outcome,
    billed_seconds,
    call_starts,
    draw_call,
)
from orchestration.generator.numbering import Destination, LineType, NumberBook, PhoneNumber
from orchestration.generator.writers import RowSink, csv_file

FORMAT: FormatSpec = FORMATS_BY_NAME["callr_cdr"]
FOLDER = "callr"
OUTBOUND, INBOUND = "outbound", "inbound"
OUTBOUND_SHARE = 0.6

# Columns only one traffic type's export carries: an outbound row has the called number, an
# inbound row the DID it came in on.
DIRECTION_ONLY_COLUMNS = {
    OUTBOUND: ("number", "number_country_code", "number_type", "invalid_number"),
    INBOUND: ("did_intl_number", "did_hash"),
}
# Some exports also say the traffic type in a column of its own.
TYPE_COLUMN = "type"
TYPE_VALUES = {OUTBOUND: "OUT", INBOUND: "IN"}

NO_DATETIME = "0000-00-00 00:00:00"
CENTS = Decimal("0.01")
WITHHELD_SHARE = 0.06
REFUND_SHARE = 0.01
MISSING_DIGIT = "MISSING DIGIT"

_NUMBER_TYPES = {LineType.FIXED: "FIXED", LineType.MOBILE: "MOBILE", LineType.TOLL_FREE: "TOLLFREE"}
_LINE_LABELS = {LineType.FIXED: "Fixed", LineType.MOBILE: "Mobile", LineType.TOLL_FREE: "Toll-free"}

# Outbound rates in EUR per minute; other destinations fall back on the line type's rate.
_RATES: dict[tuple[str, LineType], Decimal] = {
    ("FR", LineType.FIXED): Decimal("0.0100"),
    ("FR", LineType.MOBILE): Decimal("0.0250"),
    ("FR", LineType.TOLL_FREE): Decimal(0),
    ("GB", LineType.FIXED): Decimal("0.0120"),
    ("GB", LineType.MOBILE): Decimal("0.0300"),
    ("DE", LineType.FIXED): Decimal("0.0150"),
    ("DE", LineType.MOBILE): Decimal("0.0500"),
    ("ES", LineType.FIXED): Decimal("0.0130"),
    ("ES", LineType.MOBILE): Decimal("0.0350"),
    ("US", LineType.FIXED): Decimal("0.0100"),
    ("US", LineType.MOBILE): Decimal("0.0100"),
    ("CA", LineType.FIXED): Decimal("0.0100"),
    ("CA", LineType.MOBILE): Decimal("0.0100"),
    ("JM", LineType.FIXED): Decimal("0.1800"),
    ("JM", LineType.MOBILE): Decimal("0.2200"),
    ("MX", LineType.FIXED): Decimal("0.0250"),
    ("MX", LineType.MOBILE): Decimal("0.0250"),
}
_FALLBACK_RATES = {
    LineType.FIXED: Decimal("0.0300"),
    LineType.MOBILE: Decimal("0.0800"),
    LineType.TOLL_FREE: Decimal("0.0500"),
}
_INBOUND_TOLL_FREE_RATE = Decimal("0.0350")

_INTERNATIONAL_MIX = (
    Destination("GB", LineType.FIXED, 2),
    Destination("GB", LineType.MOBILE, 2),
    Destination("DE", LineType.FIXED, 2),
    Destination("DE", LineType.MOBILE, 2),
    Destination("ES", LineType.FIXED, 1.5),
    Destination("ES", LineType.MOBILE, 1.5),
    Destination("FR", LineType.FIXED, 2),
    Destination("FR", LineType.MOBILE, 2),
    Destination("US", LineType.FIXED, 2),
    Destination("US", LineType.MOBILE, 1),
    Destination("US", LineType.TOLL_FREE, 1),
    Destination("CA", LineType.FIXED, 1),
    Destination("JM", LineType.FIXED, 0.5),
    Destination("JM", LineType.MOBILE, 0.5),
    Destination("MX", LineType.MOBILE, 1),
    Destination("BR", LineType.MOBILE, 0.5),
    Destination("AU", LineType.MOBILE, 0.5),
    Destination("IN", LineType.MOBILE, 0.5),
    Destination("PH", LineType.MOBILE, 0.5),
)

# dialstatus, hangupcause (Q.850), sip_response_code, hangupsource, weight within the outcome
_STATUSES: dict[Outcome, tuple[tuple[str, str, str, str, float], ...]] = {
    Outcome.ANSWERED: (
        ("ANSWER", "16", "200", "CALLER", 50),
        ("ANSWER", "16", "200", "CALLEE", 48),
        ("ANSWER", "16", "200", "GATEWAY", 2),
    ),
    Outcome.NO_ANSWER: (("NOANSWER", "19", "480", "GATEWAY", 8), ("NOANSWER", "18", "408", "GATEWAY", 2)),
    Outcome.BUSY: (("BUSY", "17", "486", "CALLEE", 1),),
    Outcome.CANCELLED: (("CANCEL", "16", "487", "CALLER", 7), ("CANCEL", "31", "487", "CALLER", 3)),
    Outcome.FAILED: (
        ("CHANUNAVAIL", "34", "503", "GATEWAY", 3),
        ("CHANUNAVAIL", "38", "404", "GATEWAY", 1),
        ("CONGESTION", "42", "503", "GATEWAY", 3),
        ("NODIAL", "28", "484", "GATEWAY", 2),
        ("NODIAL", "1", "404", "GATEWAY", 1),
    ),
}
_CALLER_NAMES = ("MARTIN SOPHIE", "DUBOIS PAUL", "SMITH J", "MULLER ANNA", "GARCIA L", "BERNARD C")


@dataclass(frozen=True)
class AccountProfile:
    code: str
    company: str
    home: str
    """ISO country of the account's numbers and most of its traffic."""
    increments: tuple[int, int]
    weight: float
    package: str
    scenario: str


ACCOUNT_PROFILES = (
    AccountProfile("ACME-001", "ACME SARL", "FR", (60, 60), 30, "REALTIME10", "Acme standard"),
    AccountProfile("GLOBEX-002", "GLOBEX SAS", "FR", (1, 1), 25, "CALLTRACKING10", "Globex call tracking"),
    AccountProfile("INITECH-003", "INITECH LTD", "GB", (1, 1), 15, "IVR10", "Initech IVR"),
    AccountProfile("UMBRELLA-004", "UMBRELLA GMBH", "DE", (60, 60), 15, "REALTIME10", "Umbrella routing"),
    AccountProfile("HOOLI-005", "HOOLI INC", "US", (1, 1), 15, "CLICKTOCALL10", "Hooli click-to-call"),
)


@dataclass(frozen=True)
class CallrDid:
    number: PhoneNumber
    hash: str


@dataclass(frozen=True)
class Account:
    profile: AccountProfile
    dids: tuple[CallrDid, ...]
    scenario_hash: str
    outbound_mix: tuple[Destination, ...]
    caller_mix: tuple[Destination, ...]

    @property
    def caller_ids(self) -> tuple[CallrDid, ...]:
        return tuple(d for d in self.dids if d.number.line_type is not LineType.TOLL_FREE)


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def _domestic_mix(home: str, fixed: float, mobile: float) -> tuple[Destination, ...]:
    return (Destination(home, LineType.FIXED, fixed), Destination(home, LineType.MOBILE, mobile))


def customer_accounts(rng: random.Random, book: NumberBook) -> tuple[Account, ...]:
    accounts = []
    for profile in ACCOUNT_PROFILES:
        kinds = [LineType.FIXED, LineType.FIXED, LineType.TOLL_FREE]
        dids = tuple(CallrDid(book.pick(rng, profile.home, kind), _hex(rng, 8)) for kind in kinds)
        accounts.append(
            Account(
                profile=profile,
                dids=dids,
                scenario_hash=_hex(rng, 8),
                outbound_mix=_domestic_mix(profile.home, 35, 40) + _INTERNATIONAL_MIX,
                caller_mix=_domestic_mix(profile.home, 40, 45) + _INTERNATIONAL_MIX,
            )
        )
    return tuple(accounts)


def header(direction: str, with_type: bool) -> tuple[str, ...]:
    """The declared columns in declared order, less the other traffic type's (and maybe ``type``)."""
    other = OUTBOUND if direction == INBOUND else INBOUND
    dropped = set(DIRECTION_ONLY_COLUMNS[other]) | (set() if with_type else {TYPE_COLUMN})
    return tuple(c for c in FORMAT.column_names if c not in dropped)


def file_name(day: date, direction: str) -> str:
    return f"{FOLDER}/cdrs_{direction}_{day.isoformat()}.csv"


def datetime_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else NO_DATETIME


def cents(amount_eur: Decimal) -> str:
    return f"{(amount_eur * 100).quantize(CENTS, rounding=ROUND_HALF_UP):f}"


def rate_for(direction: str, called: PhoneNumber) -> Decimal:
    if direction == INBOUND:
        return _INBOUND_TOLL_FREE_RATE if called.line_type is LineType.TOLL_FREE else Decimal(0)
    key = (called.country.iso, called.line_type)
    return _RATES.get(key, _FALLBACK_RATES[called.line_type])


def cost_label(direction: str, called: PhoneNumber) -> str:
    if direction == INBOUND:
        kind = " toll-free" if called.line_type is LineType.TOLL_FREE else ""
        return f"Inbound{kind} - {called.country.name}"
    return f"{called.country.name} - {_LINE_LABELS[called.line_type]}"


class CallrRows:
    """Turns calls into CALLR export rows of the customer accounts."""

    def __init__(self, book: NumberBook, accounts: tuple[Account, ...]):
        self.book = book
        self.accounts = accounts
        self.weights = [a.profile.weight for a in accounts]

    def row(self, rng: random.Random, call: Call, last_inbound: dict[str, str]) -> tuple[str, dict[str, str]]:
        """The traffic type and the row; ``last_inbound`` (account -> callid) links forwarded legs."""
        account = rng.choices(self.accounts, weights=self.weights)[0]
        direction = OUTBOUND if rng.random() < OUTBOUND_SHARE else INBOUND
        status, cause, sip_code, source = self._status(rng, call.outcome)
        if status == "NODIAL":
            call = replace(call, ring_s=0)
        callid = _hex(rng, 32)
        row = {
            "callid": callid,
            "callid_in": "",
            TYPE_COLUMN: TYPE_VALUES[direction],
            "start": datetime_text(call.start),
            "answer": datetime_text(call.answer),
            "hangup": datetime_text(call.end),
            "duration": str(call.total_s),
            "duration_answered": str(call.talk_s),
            "dialstatus": status,
            "hangupcause": cause,
            "hangupsource": source,
            "sip_response_code": sip_code,
            "customer_field": account.profile.code,
            "billing_customer_credit_eur": "0.00",
            "package_name": account.profile.package,
            "scenario_hash": account.scenario_hash,
            "scenario_name": account.profile.scenario,
        }
        if direction == OUTBOUND:
            row.update(self._outbound_parties(rng, account))
            called = self.book.pick_destination(rng, account.outbound_mix)
            row.update(self._outbound_number(rng, called, status))
            if self._forwards(account) and account.profile.code in last_inbound and rng.random() < 0.3:
                row["callid_in"] = last_inbound[account.profile.code]
        else:
            row.update(self._inbound_parties(rng, account))
            did = rng.choice(account.dids)
            called = did.number
            row.update({"did_intl_number": did.number.e164, "did_hash": did.hash})
            last_inbound[account.profile.code] = callid
        billed = billed_seconds(call.talk_s, *account.profile.increments)
        debit = rate_for(direction, called) * billed / 60
        row.update(
            {
                "duration_billed": str(billed),
                "billing_customer_cost_label": cost_label(direction, called),
                "billing_customer_debit_eur": cents(debit),
            }
        )
        if billed and rng.random() < REFUND_SHARE:
            row["billing_customer_credit_eur"] = row["billing_customer_debit_eur"]
        return direction, row

    @staticmethod
    def _forwards(account: Account) -> bool:
        """Realtime apps bridge inbound calls to an outbound leg, which names the inbound call."""
        return account.profile.package == "REALTIME10"

    @staticmethod
    def _status(rng: random.Random, outcome: Outcome) -> tuple[str, str, str, str]:
        options = _STATUSES[outcome]
        return rng.choices(options, weights=[o[4] for o in options])[0][:4]

    @staticmethod
    def _outbound_parties(rng: random.Random, account: Account) -> dict[str, str]:
        caller = rng.choice(account.caller_ids).number
        return {
            "cli_number": caller.e164,
            "cli_name": account.profile.company if rng.random() < 0.3 else "",
            "cli_country_code": caller.country.iso,
            "cli_number_type": _NUMBER_TYPES[caller.line_type],
            "cli_pres": "prohib_passed_screen" if rng.random() < 0.08 else "allowed_passed_screen",
        }

    def _inbound_parties(self, rng: random.Random, account: Account) -> dict[str, str]:
        if rng.random() < WITHHELD_SHARE:
            return {
                "cli_number": "",
                "cli_name": "",
                "cli_country_code": "",
                "cli_number_type": "",
                "cli_pres": "prohib_passed_screen",
            }
        caller = self.book.pick_destination(rng, account.caller_mix)
        return {
            "cli_number": caller.e164,
            "cli_name": rng.choice(_CALLER_NAMES) if rng.random() < 0.2 else "",
            "cli_country_code": caller.country.iso,
            "cli_number_type": _NUMBER_TYPES[caller.line_type],
            "cli_pres": "allowed_passed_screen",
        }

    @staticmethod
    def _outbound_number(rng: random.Random, called: PhoneNumber, status: str) -> dict[str, str]:
        number, invalid = called.e164, ""
        if status == "NODIAL" and rng.random() < 0.5:
            number, invalid = number[:-2], MISSING_DIGIT  # the caller dialled too few digits
        return {
            "number": number,
            "number_country_code": called.country.iso,
            "number_type": _NUMBER_TYPES[called.line_type],
            "invalid_number": invalid,
        }


def day_has_type_column(index: int) -> bool:
    """Every other day's exports also carry the traffic type column."""
    return index % 2 == 1


def write_day(
    out_dir: Path,
    day: date,
    index: int,
    rng: random.Random,
    count: int,
    rows: CallrRows,
) -> dict[Path, int]:
    """Write the day's outbound and inbound exports; returns rows per path."""
    with_type = day_has_type_column(index)
    paths = {direction: out_dir / file_name(day, direction) for direction in (OUTBOUND, INBOUND)}
    last_inbound: dict[str, str] = {}
    with ExitStack() as files:
        sinks: dict[str, RowSink] = {
            direction: files.enter_context(csv_file(path, header(direction, with_type)))
            for direction, path in paths.items()
        }
        for start, late in call_starts(rng, day, count, EUROPE_BUSINESS_HOURS):
            direction, row = rows.row(rng, draw_call(rng, start, late), last_inbound)
            sinks[direction].write(row)
    return {paths[direction]: sink.rows for direction, sink in sinks.items()}
