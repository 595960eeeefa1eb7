"""DemandFlow CDR objects (seed 003): per UTC day one API export, a JSON array or NDJSON.

Objects carry the seed's camelCase fields; enums are numeric ids in strings (``"callType": "1"``),
times are ISO-8601 with the offset of whoever exported them (``Z``, ``+02:00``, ``-05:00``, ...),
``currency`` is a CURRENCY reference (a code, or an object carrying one) and the multiselects
(``tags``, ``fraudIndicators``) are JSON arrays. Most records are voice calls; some are VoLTE/VoWiFi,
a few video calls and SMS (which have no duration). Exports alternate between a JSON array (one
object a line) and NDJSON, and every other pair is gzipped.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

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
from orchestration.generator.writers import json_file

FORMAT: FormatSpec = FORMATS_BY_NAME["demandflow_cdr"]
FOLDER = "demandflow"

# Enum ids (seed 003).
CALL_TYPES = {"voice": "1", "video": "2", "sms": "3", "mms": "4", "data": "5", "volte": "6", "vowifi": "7"}
DIRECTIONS = {"inbound": "1", "outbound": "2", "internal": "3", "transit": "4", "forwarded": "5"}
CALL_STATUSES = {
    "answered": "1",
    "no_answer": "2",
    "busy": "3",
    "failed": "4",
    "abandoned": "5",
    "voicemail": "6",
    "transferred": "7",
    "blocked": "8",
}
CODECS = {"G.711": "1", "G.729": "2", "G.722": "3", "AMR": "4", "AMR-WB": "5", "EVS": "6", "Opus": "7"}
VIDEO_CODECS = {"H.264": "8", "H.265": "9"}
PROTOCOLS = {"sip": "1", "h323": "2", "ss7": "3", "isup": "4", "mgcp": "5", "ims": "6"}
RATE_TYPES = {"peak": "1", "off_peak": "2", "weekend": "3", "holiday": "4", "special": "5"}
BILLING_CLASSES = {
    "local": "1",
    "national": "2",
    "international": "3",
    "premium": "4",
    "toll_free": "5",
    "mobile": "6",
    "roaming": "7",
}
EXPERIENCES = {"excellent": "1", "good": "2", "fair": "3", "poor": "4"}

CALL_TYPE_MIX = {"voice": 78, "volte": 10, "vowifi": 3, "sms": 7, "video": 2}
DIRECTION_MIX = {"outbound": 55, "inbound": 38, "forwarded": 4, "internal": 3}
CURRENCY_OBJECT_SHARE = 0.35
"""Share of records whose CURRENCY reference comes as an object rather than a bare code."""
OTHER_OFFSET_SHARE = 0.15
"""Share of timestamps written with another offset than the rest of their record."""
SMS_FAILED_SHARE = 0.08
BLOCKED_SHARE = 0.1
"""Share of failed calls that DemandFlow reports as blocked (fraud rules, barring)."""
ROAMING_SHARE = 0.04

# (offset text, minutes east of UTC, weight): where the exporting systems sit.
OFFSETS = (("Z", 0, 40), ("+00:00", 0, 8), ("+02:00", 120, 20), ("+01:00", 60, 8), ("-05:00", -300, 18))
OFFSETS_WITH_HALF_HOURS = (*OFFSETS, ("+05:30", 330, 6))

MONEY = Decimal("0.0001")

# sip code, q850 cause, release cause, weight within the status
_ENDINGS: dict[str, tuple[tuple[str, int, str, float], ...]] = {
    "answered": (("200", 16, "Normal call clearing", 1),),
    "no_answer": (("480", 19, "No answer from user", 7), ("408", 18, "No user responding", 3)),
    "busy": (("486", 17, "User busy", 9), ("600", 17, "User busy", 1)),
    "abandoned": (("487", 16, "Originator cancel", 1),),
    "failed": (
        ("503", 34, "No circuit/channel available", 4),
        ("404", 1, "Unallocated number", 2),
        ("484", 28, "Invalid number format", 1),
        ("502", 38, "Network out of order", 1),
    ),
    "blocked": (("603", 21, "Call rejected", 1),),
}
_STATUS_OF_OUTCOME = {
    Outcome.ANSWERED: "answered",
    Outcome.NO_ANSWER: "no_answer",
    Outcome.BUSY: "busy",
    Outcome.CANCELLED: "abandoned",
    Outcome.FAILED: "failed",
}
_SWITCHES = {"US": ("MSS-NYC-01", "MSS-DAL-02"), "DE": ("MSS-FRA-01", "MSS-BER-01"), "GB": ("MSS-LON-01",)}
_SBCS = ("SBC-EDGE-01", "SBC-EDGE-02", "SBC-CORE-01")
_TRANSIT = ("STP-AMS-01", "STP-LHR-02", "TSW-NYC-03")
_TAGS = ("vip", "crm", "campaign-q4", "support", "after-hours", "callback", "trial")
_CALLER_NAMES = ("Anna Schmidt", "José García", "Zoë Martin", "Liam O'Brien", "Chloé Dubois", "Wei Zhang")
_TAC = ("35332510", "35391110", "86753203", "35465211")
"""Type allocation codes of a few handset models (the first 8 digits of an IMEI)."""
_MCC_MNC = {"US": "310260", "DE": "26201", "GB": "23415"}

_EXTERNAL_MIX = (
    Destination("US", LineType.FIXED, 20),
    Destination("US", LineType.MOBILE, 20),
    Destination("US", LineType.TOLL_FREE, 3),
    Destination("DE", LineType.FIXED, 8),
    Destination("DE", LineType.MOBILE, 10),
    Destination("GB", LineType.FIXED, 6),
    Destination("GB", LineType.MOBILE, 8),
    Destination("FR", LineType.MOBILE, 5),
    Destination("ES", LineType.MOBILE, 3),
    Destination("CA", LineType.MOBILE, 3),
    Destination("MX", LineType.MOBILE, 2),
    Destination("IN", LineType.MOBILE, 2),
    Destination("PH", LineType.MOBILE, 1),
    Destination("JM", LineType.MOBILE, 1),
)

# Per minute (per message for SMS), in the account's currency.
_RATES = {
    "local": Decimal("0.0050"),
    "national": Decimal("0.0100"),
    "mobile": Decimal("0.0250"),
    "international": Decimal("0.1200"),
    "toll_free": Decimal("0"),
    "roaming": Decimal("0.3500"),
}
_SMS_RATE = Decimal("0.0500")


@dataclass(frozen=True)
class Account:
    """A DemandFlow customer account: its subscriber numbers, how it is billed and coded."""

    number: str
    customer_code: str
    cost_center: str
    project_code: str
    home: str
    currency: str
    tax_rate: Decimal
    increments: tuple[int, int]
    subscribers: tuple[PhoneNumber, ...]
    weight: float


_ACCOUNT_PROFILES = (
    ("AC-100234", "ACME-US", "CC-OPS", "PRJ-ALPHA", "US", "USD", Decimal("7.5"), (60, 6), 40),
    ("AC-200871", "GLOBEX-DE", "CC-SALES", "PRJ-BETA", "DE", "EUR", Decimal("19"), (1, 1), 35),
    ("AC-310552", "INITECH-GB", "CC-NOC", "", "GB", "EUR", Decimal("20"), (60, 60), 25),
)


def accounts(rng: random.Random, book: NumberBook) -> tuple[Account, ...]:
    found = []
    for number, code, cost_center, project, home, currency, tax, increments, weight in _ACCOUNT_PROFILES:
        subscribers = tuple(
            book.pick(rng, home, line_type) for line_type in (LineType.MOBILE,) * 4 + (LineType.FIXED,) * 2
        )
        found.append(
            Account(number, code, cost_center, project, home, currency, tax, increments, subscribers, weight)
        )
    return tuple(found)


def file_name(day: date, ndjson: bool, compressed: bool) -> str:
    suffix = ".ndjson" if ndjson else ".json"
    return f"{FOLDER}/cdrs_{day.isoformat()}{suffix}" + (".gz" if compressed else "")


def day_layout(index: int) -> tuple[bool, bool]:
    """(NDJSON, gzipped) of the ``index``-th generated day: arrays and NDJSON alternate day by day,
    and every other pair of days is gzipped, so four days give every combination."""
    return index % 2 == 1, (index // 2) % 2 == 1


def iso_time(moment: datetime, offset: tuple[str, int, float]) -> str:
    """A naive UTC moment written in local time with its offset (``Z`` for UTC)."""
    text, minutes, _ = offset
    return f"{moment + timedelta(minutes=minutes):%Y-%m-%dT%H:%M:%S}{text}"


def _money(amount: Decimal) -> float:
    # Four decimals: a float that JSON writes in plain notation (never 1e-05).
    return float(amount.quantize(MONEY, rounding=ROUND_HALF_UP))


def _luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def _imei(rng: random.Random) -> str:
    body = rng.choice(_TAC) + f"{rng.randrange(10**6):06d}"
    return body + _luhn_digit(body)


def _imsi(rng: random.Random, iso: str) -> str:
    prefix = _MCC_MNC.get(iso, "310260")
    return prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))


def _choice(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def rate_type(start: datetime) -> str:
    if start.weekday() >= 5:
        return RATE_TYPES["weekend"]
    return RATE_TYPES["peak"] if 8 <= start.hour < 20 else RATE_TYPES["off_peak"]


def billing_class(calling: PhoneNumber, called: PhoneNumber, direction: str, roaming: bool) -> str:
    if roaming:
        return "roaming"
    if direction == "internal":
        return "local"
    if called.line_type is LineType.TOLL_FREE:
        return "toll_free"
    if calling.country.iso != called.country.iso:
        return "international"
    return "mobile" if called.line_type is LineType.MOBILE else "national"


class DemandflowRows:
    """Turns calls into DemandFlow CDR objects of the customer accounts."""

    def __init__(self, book: NumberBook, customers: tuple[Account, ...]):
        self.book = book
        self.accounts = customers
        self.weights = [a.weight for a in customers]

    def record(self, rng: random.Random, call: Call, day: date, sequence: int) -> dict[str, Any]:
        """The CDR object of ``call``, the ``sequence``-th record of its day."""
        account = rng.choices(self.accounts, weights=self.weights)[0]
        call_type = _choice(rng, CALL_TYPE_MIX)
        direction = _choice(rng, DIRECTION_MIX)
        if call_type == "sms" and direction not in ("inbound", "outbound"):
            direction = "outbound"
        subscriber = rng.choice(account.subscribers)
        if call_type in ("volte", "vowifi", "sms") and subscriber.line_type is not LineType.MOBILE:
            subscriber = next(n for n in account.subscribers if n.line_type is LineType.MOBILE)
        external = self.book.pick_destination(rng, _EXTERNAL_MIX)
        original = final = None
        if direction == "outbound":
            calling, called = subscriber, external
        elif direction == "internal":
            calling, called = subscriber, rng.choice([n for n in account.subscribers if n != subscriber])
        else:
            calling, called = external, subscriber
            if direction == "forwarded":
                original, final = subscriber, self.book.pick(rng, account.home, LineType.MOBILE)
        if calling.line_type is LineType.TOLL_FREE:  # toll-free numbers take calls, they do not make them
            calling = self.book.pick(rng, account.home, LineType.MOBILE)
        roaming = subscriber.line_type is LineType.MOBILE and rng.random() < ROAMING_SHARE

        if call_type == "sms":
            failed = rng.random() < SMS_FAILED_SHARE
            status = "failed" if failed else "answered"
            start, answer, end = call.start, (None if failed else call.start), call.start
            talk_s = ring_s = 0
        else:
            status = _STATUS_OF_OUTCOME[call.outcome]
            if status == "failed" and rng.random() < BLOCKED_SHARE:
                status = "blocked"
            start, answer, end = call.start, call.answer, call.end
            talk_s, ring_s = call.talk_s, call.ring_s

        offset = rng.choices(OFFSETS_WITH_HALF_HOURS, weights=[o[2] for o in OFFSETS_WITH_HALF_HOURS])[0]

        def stamp(moment: datetime) -> str:
            if rng.random() < OTHER_OFFSET_SHARE:
                return iso_time(moment, rng.choices(OFFSETS, weights=[o[2] for o in OFFSETS])[0])
            return iso_time(moment, offset)

        sip_code, q850, release_cause = self._ending(rng, status)
        klass = billing_class(calling, called, direction, roaming)
        if call_type == "sms":
            billable_s, rate = 0, _SMS_RATE
            charge = _SMS_RATE if status == "answered" else Decimal(0)
        else:
            billable_s = billed_seconds(talk_s, *account.increments)
            rate = _RATES[klass]
            charge = rate * billable_s / 60
        tax = charge * account.tax_rate / 100
        mobile_party = subscriber.line_type is LineType.MOBILE
        record: dict[str, Any] = {
            "name": f"CDR-{day:%Y%m%d}-{sequence:06d}",
            "callId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        }
        if call_type != "sms":
            record["sessionId"] = f"{rng.getrandbits(64):016x}@ims.demandflow.example"
        record.update(
            {
                "callType": CALL_TYPES[call_type],
                "direction": DIRECTIONS[direction],
                "callStatus": CALL_STATUSES[status],
                "callingNumber": calling.e164,
                "calledNumber": called.e164,
            }
        )
        if original and final:
            record["originalCalledNumber"] = original.e164
            record["finalCalledNumber"] = final.e164
        if direction in ("inbound", "forwarded") and rng.random() < 0.3:
            record["callingName"] = rng.choice(_CALLER_NAMES)
        if mobile_party:
            record["imsi"] = _imsi(rng, subscriber.country.iso)
            record["imei"] = _imei(rng)
        record["startTime"] = stamp(start)
        if answer is not None:
            record["answerTime"] = stamp(answer)
        record["endTime"] = stamp(end)
        record.update(
            {
                "duration": talk_s,
                "billableDuration": billable_s,
                "ringDuration": ring_s,
                "holdDuration": rng.randint(5, max(5, talk_s // 3))
                if talk_s > 60 and rng.random() < 0.1
                else 0,
                "originatingSwitch": rng.choice(_SWITCHES.get(calling.country.iso, _SBCS)),
                "terminatingSwitch": rng.choice(_SWITCHES.get(called.country.iso, _SBCS)),
                "originatingTrunk": f"TRK-{calling.country.iso}-{rng.randint(1, 4):02d}",
                "terminatingTrunk": f"TRK-{called.country.iso}-{rng.randint(1, 4):02d}",
            }
        )
        if called.country.iso == "US" and called.line_type is not LineType.TOLL_FREE and rng.random() < 0.5:
            record["routingNumber"] = called.digits[1:]
        if calling.country.iso != called.country.iso and rng.random() < 0.5:
            record["transitSwitches"] = "\n".join(rng.sample(_TRANSIT, 2))
        if mobile_party:
            record.update(
                {
                    "originatingCell": f"{rng.randrange(16**7):07X}",
                    "originatingLAC": str(rng.randint(1000, 65000)),
                    "originatingMSC": rng.choice(_SWITCHES.get(subscriber.country.iso, _SBCS)),
                }
            )
        record["roamingIndicator"] = roaming
        record["internationalCall"] = calling.country.iso != called.country.iso
        if call_type != "sms":
            codecs = VIDEO_CODECS if call_type == "video" else CODECS
            if call_type in ("volte", "vowifi"):
                codec = rng.choice(("AMR-WB", "EVS"))
            elif call_type == "video":
                codec = rng.choice(tuple(VIDEO_CODECS))
            else:
                codec = rng.choice(("G.711", "G.711", "G.729", "G.722", "Opus"))
            record["codec"] = codecs[codec]
        if status == "answered" and call_type != "sms":
            record.update(self._quality(rng, talk_s))
        record["protocol"] = PROTOCOLS["ims" if call_type in ("volte", "vowifi", "sms") else "sip"]
        record.update({"sipResponseCode": sip_code, "releaseCause": release_cause, "q850Cause": q850})
        currency: Any = account.currency
        if rng.random() < CURRENCY_OBJECT_SHARE:
            currency = {"code": account.currency}
        record.update(
            {
                "chargeAmount": _money(charge),
                "currency": currency,
                "rateApplied": _money(rate),
                "rateType": RATE_TYPES["special"] if call_type == "sms" else rate_type(start),
                "billingClass": BILLING_CLASSES[klass],
                "accountNumber": account.number,
                "customerCode": account.customer_code,
                "costCenter": account.cost_center,
            }
        )
        if account.project_code:
            record["projectCode"] = account.project_code
        record.update({"taxAmount": _money(tax), "taxRate": float(account.tax_rate)})
        fraud = rng.randint(0, 15)
        indicators: list[str] = []
        if klass == "international" and status != "answered" and ring_s < 5 and rng.random() < 0.3:
            fraud, indicators = rng.randint(60, 95), ["wangiri"]
        record.update(
            {
                "fraudScore": fraud,
                "fraudIndicators": indicators,
                "tags": sorted(rng.sample(_TAGS, rng.choice((0, 0, 1, 1, 2)))),
            }
        )
        return record

    @staticmethod
    def _ending(rng: random.Random, status: str) -> tuple[str, int, str]:
        options = _ENDINGS[status]
        return rng.choices(options, weights=[o[3] for o in options])[0][:3]

    @staticmethod
    def _quality(rng: random.Random, talk_s: int) -> dict[str, Any]:
        poor = rng.random() < 0.08
        mos = round(rng.uniform(2.1, 3.2) if poor else rng.uniform(3.4, 4.5), 2)
        loss = round(rng.uniform(1.5, 6.0) if poor else rng.uniform(0, 1.2), 2)
        sent = talk_s * 50 + rng.randint(0, 49)  # 20 ms packets
        experience = "excellent" if mos >= 4.0 else "good" if mos >= 3.6 else "fair" if mos >= 3.1 else "poor"
        return {
            "mos": mos,
            "jitter": round(rng.uniform(8, 45) if poor else rng.uniform(0.5, 12), 1),
            "packetLoss": loss,
            "latency": rng.randint(120, 320) if poor else rng.randint(15, 110),
            "rtpPacketsSent": sent,
            "rtpPacketsReceived": round(sent * (1 - loss / 100)),
            "qualityScore": round((mos - 1) / 4 * 100),
            "customerExperience": EXPERIENCES[experience],
        }


def write_day(
    out_dir: Path, day: date, index: int, rng: random.Random, count: int, rows: DemandflowRows
) -> tuple[Path, int] | None:
    """Write the day's export with ``count`` records; returns its path and records.

    A day without records gets no file: an empty export has no object to recognise the format by.
    """
    if count == 0:
        return None
    ndjson, compressed = day_layout(index)
    path = out_dir / file_name(day, ndjson, compressed)
    with json_file(path, ndjson=ndjson) as sink:
        for sequence, (start, late) in enumerate(call_starts(rng, day, count, EUROPE_BUSINESS_HOURS), 1):
            sink.write(rows.record(rng, draw_call(rng, start, late), day, sequence))
    return path, sink.rows
