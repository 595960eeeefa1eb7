"""Fraud in the demo data: one more Flowroute export on the last generated day, with calls of each pattern
``intermediate.int_calls__fraud`` looks for, so that ``marts.fraud_alerts`` shows alerts of every rule.

The patterns and the rules they trip (at the default thresholds of ``_int_calls__fraud.yml``):

- Wangiri: ``WANGIRI_CALLS`` calls into the customer's DIDs from Tunisian mobiles (+216 98 12..), each
  cancelled after one ring (2 s): ``wangiri`` (inbound, international, abandoned, ring <= 5 s).
- A dialler test: one DID places ``BURST_CALLS`` answered 3-second calls 20 s apart: ``short_call_burst``
  (>= 10 short answered calls from one number within 300 s).
- Stolen SIP credentials: at night another DID places ``PARALLEL_CALLS`` 10-minute calls at once to
  London numbers (+44 20 7183 ....): ``over_concurrency`` (> 30 calls in progress) and ``traffic_spike``
  (35 calls to one country against its quiet week; judged only with ``BASELINE_DAYS`` days of history
  before the day, hence ``MIN_DAYS``); and two 15-minute calls to Cuba and an Iridium satellite phone:
  ``high_risk_destination``.

Negative margins need no help: the regular traffic has plenty. Outbound rows carry the dialled string (a
10-digit NANP number, or 011 and the international number: Flowroute reads 10 digits as a US number),
never the regular export's E.164 digits, so no fraud row shares a natural key with a regular one.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from orchestration.generator import flowroute
from orchestration.generator.calls import Call, Outcome, Tariff
from orchestration.generator.flowroute import Did, FlowrouteRows
from orchestration.generator.numbering import COUNTRIES, Country, LineType, PhoneNumber
from orchestration.generator.writers import csv_file

BASELINE_DAYS = 7
"""``fraud_spike_baseline_days``: the spike is judged only on a day with this many days of data before it."""
MIN_DAYS = BASELINE_DAYS + 1
"""Generated days needed for the fraud export (written for the last of them)."""

WANGIRI_CALLS = 12
BURST_CALLS = 12
PARALLEL_CALLS = 35
HIGH_RISK_CALLS = 2

_TUNISIA = Country("TN", "Tunisia", "216", {})
_CUBA = Country("CU", "Cuba", "53", {})
_IRIDIUM = Country("", "Iridium (satellite)", "881", {})
_CUBA_TARIFF = Tariff(Decimal("0.9500"), 60, 60)
_IRIDIUM_TARIFF = Tariff(Decimal("7.5000"), 60, 60)
_INTRUDER_IP = "192.0.2.66:5062"
"""Where the fraudster's and the dialler's calls come from (not one of the customer's PBX addresses)."""


@dataclass(frozen=True)
class _FraudCall:
    call: Call
    direction: str
    did: Did
    caller: PhoneNumber
    called: PhoneNumber
    dialled: str
    """The destination column as written."""
    tariff: Tariff


def file_name(day: date) -> str:
    return f"{flowroute.FOLDER}/cdr_export_{day.isoformat()}_fraud.csv"


def _dialled(number: PhoneNumber) -> str:
    national = number.country.calling_code == "1"
    return number.digits[1:] if national else "011" + number.digits


def _outbound(call: Call, did: Did, called: PhoneNumber, tariff: Tariff | None = None) -> _FraudCall:
    tariff = tariff or flowroute.tariff_for("Outbound", called)
    return _FraudCall(call, "Outbound", did, did.number, called, _dialled(called), tariff)


def _draw_suffixes(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct 4-digit endings."""
    return [f"{n:04d}" for n in rng.sample(range(10_000), count)]


def fraud_calls(rng: random.Random, day: date, rows: FlowrouteRows) -> list[_FraudCall]:
    """The day's fraudulent calls, in start order."""
    midnight = datetime.combine(day, time())
    stolen, dialler = rng.sample(rows.caller_ids, 2)
    calls: list[_FraudCall] = []

    start = midnight + timedelta(hours=1, seconds=rng.randrange(3600))
    for suffix in _draw_suffixes(rng, WANGIRI_CALLS):
        did = rng.choice(rows.dids)
        caller = PhoneNumber("2169812" + suffix, _TUNISIA, LineType.MOBILE)
        tariff = flowroute.tariff_for("Inbound", did.number)
        call = Call(start, Outcome.CANCELLED, ring_s=2, talk_s=0)
        calls.append(_FraudCall(call, "Inbound", did, caller, did.number, did.number.digits, tariff))
        start += timedelta(seconds=rng.randint(20, 90))

    start = midnight + timedelta(hours=14, seconds=rng.randrange(3600))
    for called in rng.sample(rows.book.numbers("US", LineType.MOBILE), BURST_CALLS):
        call = Call(start, Outcome.ANSWERED, ring_s=rng.randint(1, 3), talk_s=3)
        calls.append(_outbound(call, dialler, called))
        start += timedelta(seconds=20)

    start = midnight + timedelta(hours=3, seconds=rng.randrange(1800))
    for suffix in _draw_suffixes(rng, PARALLEL_CALLS):
        called = PhoneNumber("44207183" + suffix, COUNTRIES["GB"], LineType.FIXED)
        call = Call(start, Outcome.ANSWERED, ring_s=rng.randint(2, 8), talk_s=600)
        calls.append(_outbound(call, stolen, called))
        start += timedelta(seconds=rng.randint(2, 6))

    high_risk = (
        (PhoneNumber("535234" + _draw_suffixes(rng, 1)[0], _CUBA, LineType.MOBILE), _CUBA_TARIFF),
        (PhoneNumber("88163123" + _draw_suffixes(rng, 1)[0], _IRIDIUM, LineType.MOBILE), _IRIDIUM_TARIFF),
    )
    for called, tariff in high_risk:
        call = Call(start, Outcome.ANSWERED, ring_s=rng.randint(3, 10), talk_s=900)
        calls.append(_outbound(call, stolen, called, tariff))
        start += timedelta(seconds=rng.randint(30, 120))

    return sorted(calls, key=lambda fraud: fraud.call.start)


def _row(rng: random.Random, fraud: _FraudCall) -> dict[str, str]:
    call, did, caller, called = fraud.call, fraud.did, fraud.caller, fraud.called
    bill = flowroute.charges(call, fraud.direction, fraud.tariff, did)
    failed = call.outcome is Outcome.CANCELLED
    return {
        "direction": fraud.direction,
        "start_time": flowroute.timestamp(call.start),
        "end_time": flowroute.timestamp(call.end),
        "destination": fraud.dialled,
        "number_alias": did.alias,
        "callerid": caller.e164,
        "total_cost": flowroute.money(bill.total),
        "destination_name": called.country.name,
        "callerid_country": caller.country.iso,
        "line_information": flowroute.line_information(called),
        "result": "Cancelled" if failed else "Completed",
        "call_fail_sip_code": "487" if failed else "",
        "call_fail_reason": "Request Terminated" if failed else "",
        "duration": str(call.talk_s),
        "billed_duration": str(bill.billed_s),
        "rate": flowroute.money(fraud.tariff.rate),
        "first_increment": str(fraud.tariff.first_increment),
        "subsequent_increment": str(fraud.tariff.subsequent_increment),
        "cost_subtotal": flowroute.money(bill.subtotal),
        "connect_fee": flowroute.money(bill.connect_fee),
        "usf_fee": flowroute.money(bill.usf_fee),
        "ccrf": flowroute.money(bill.ccrf),
        "cnam_lookup_fee": flowroute.money(bill.cnam_lookup_fee),
        "custom_x_tag": "",
        # Inbound calls reach the customer's PBX; the fraudulent outbound ones come from elsewhere.
        "customer_ip": FlowrouteRows._customer_ip(rng) if fraud.direction == "Inbound" else _INTRUDER_IP,
        "sip_callid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }


def write_day(out_dir: Path, day: date, rng: random.Random, rows: FlowrouteRows) -> tuple[Path, int]:
    """Write the day's fraud export (current Flowroute header, plain CSV); returns the path and its rows."""
    path = out_dir / file_name(day)
    with csv_file(path, flowroute.FORMAT.column_names) as sink:
        for fraud in fraud_calls(rng, day, rows):
            sink.write(_row(rng, fraud))
    return path, sink.rows
