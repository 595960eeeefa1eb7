"""The Flowroute export filters (DESIGN §8, after Flowroute's CDR export form), on marts.fct_calls.

Every filter is a condition on the canonical call (alias ``f``, ``marts.fct_calls``); all given filters
must hold. Values are validated and normalised here (an ``ExportError`` names the flag and the value) and
are always bound as parameters, never pasted into the SQL.

=====================  ================================================================================
flag                   condition
=====================  ================================================================================
--vendor V             source_vendor is one of the given (repeatable)
--caller-ip IP         caller_ip = the address (IPv4 or IPv6, written canonically)
--duration OPVALUE     duration_s (connected seconds, answer to hangup; 0 unanswered) OP VALUE
--cost OPVALUE         vendor_charge (what the vendor charged, fees included, in its currency) OP VALUE
--direction D          direction = D (inbound, outbound, internal, transit, forwarded)
--destination-prefix   the digits of called_number (its E.164 digits, no '+') start with one of them
--callerid-prefix      the digits of calling_number start with it
--number-alias A       number_alias = A, exactly (repeatable: any of them)
--destination-number   the digits of called_number equal the number's digits (repeatable: any of them)
--custom-tag T         tags contains T (repeatable: any of them)
--country CC           called_country is one of them (ISO 3166-1 alpha-2; repeatable)
--exclude-country CC   called_country is none of them (a call whose country is unknown is kept)
--tollfree-only        billing_class = 'toll_free'
--no-tollfree          billing_class is not 'toll_free' (unclassified calls are kept)
--exclude-cancelled    call_status not in (abandoned, no_answer): attempted but not connected, the
                       caller hung up or nobody answered (Flowroute's "Cancelled"); busy is kept
--e911-only            call_type = 'emergency', or the called number is 911 / +1 911
--exclude-failed       call_status not in (failed, blocked): reached the network, did not cross it
=====================  ================================================================================

OP is one of ``< <= = >= >`` written before the value (``--duration '>=60'``, ``--cost '<0.05'``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, fields
from decimal import Decimal

from orchestration.exports.errors import ExportError

COMPARATORS = ("<", "<=", "=", ">=", ">")
DIRECTIONS = ("inbound", "outbound", "internal", "transit", "forwarded")
CANCELLED_STATUSES = ("abandoned", "no_answer")
FAILED_STATUSES = ("failed", "blocked")
EMERGENCY_NUMBERS = ("911", "1911")

_COMPARISON = re.compile(r"\s*(<=|>=|<|>|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*")
_PHONE = re.compile(r"\+?[0-9][0-9 ().-]*")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_VENDOR = re.compile(r"[a-z][a-z0-9_]*")
_MAX_E164_DIGITS = 15


def _digits_sql(column: str) -> str:
    return f"regexp_replace({column}, '[^0-9]', '', 'g')"


@dataclass(frozen=True)
class Comparison:
    """``OP VALUE`` of ``--duration`` and ``--cost``."""

    op: str
    value: Decimal

    @classmethod
    def parse(cls, text: str, flag: str) -> Comparison:
        match = _COMPARISON.fullmatch(text)
        if not match:
            raise ExportError(
                f"{flag} {text!r}: not a comparison; write OP VALUE with OP one of {' '.join(COMPARATORS)} "
                f"(e.g. {flag} '>=60')"
            )
        return cls(match.group(1), Decimal(match.group(2)))

    def __str__(self) -> str:
        return f"{self.op}{self.value}"


def _strings(value: object, flag: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    try:
        items = tuple(value)  # type: ignore[arg-type]
    except TypeError:
        raise ExportError(f"{flag} {value!r}: expected text or a list of texts") from None
    for item in items:
        if not isinstance(item, str):
            raise ExportError(f"{flag} {item!r}: expected text")
    return items


def _digits(text: str, flag: str, *, what: str) -> str:
    value = text.strip()
    if not _PHONE.fullmatch(value):
        raise ExportError(f"{flag} {text!r}: {what} must be digits (a leading '+' is allowed), e.g. +44207")
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) > _MAX_E164_DIGITS:
        raise ExportError(
            f"{flag} {text!r}: more than {_MAX_E164_DIGITS} digits, longer than any E.164 number"
        )
    return digits


def _comparison(value: object, flag: str) -> Comparison | None:
    if value is None or isinstance(value, Comparison):
        return value
    if isinstance(value, str):
        return Comparison.parse(value, flag)
    raise ExportError(f"{flag} {value!r}: expected OP VALUE text such as '>=60'")


@dataclass(frozen=True)
class ExportFilters:
    """The Flowroute filters; every one optional. Built from plain values (as given on the command line or
    in a Dagster config) and normalised on construction: ``ExportFilters(duration=">=60", country=["gb"])``.
    """

    caller_ip: str | None = None
    duration: Comparison | str | None = None
    cost: Comparison | str | None = None
    direction: str | None = None
    destination_prefix: tuple[str, ...] = ()
    callerid_prefix: str | None = None
    number_alias: tuple[str, ...] = ()
    destination_number: tuple[str, ...] = ()
    custom_tag: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    exclude_country: tuple[str, ...] = ()
    tollfree_only: bool = False
    no_tollfree: bool = False
    exclude_cancelled: bool = False
    e911_only: bool = False
    exclude_failed: bool = False

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if self.caller_ip is not None:
            try:
                put("caller_ip", str(ipaddress.ip_address(self.caller_ip.strip())))
            except ValueError:
                raise ExportError(
                    f"--caller-ip {self.caller_ip!r}: not an IPv4 or IPv6 address (e.g. 203.0.113.7)"
                ) from None
        put("duration", _comparison(self.duration, "--duration"))
        if self.duration is not None and self.duration.value < 0:
            raise ExportError(f"--duration {str(self.duration)!r}: a duration is 0 seconds or more")
        put("cost", _comparison(self.cost, "--cost"))
        if self.direction is not None:
            direction = self.direction.strip().lower()
            if direction not in DIRECTIONS:
                raise ExportError(f"--direction {self.direction!r}: use one of {', '.join(DIRECTIONS)}")
            put("direction", direction)
        put(
            "destination_prefix",
            tuple(
                _digits(p, "--destination-prefix", what="a prefix")
                for p in _strings(self.destination_prefix, "--destination-prefix")
            ),
        )
        if self.callerid_prefix is not None:
            put("callerid_prefix", _digits(self.callerid_prefix, "--callerid-prefix", what="a prefix"))
        put("number_alias", _strings(self.number_alias, "--number-alias"))
        put(
            "destination_number",
            tuple(
                _digits(n, "--destination-number", what="a number")
                for n in _strings(self.destination_number, "--destination-number")
            ),
        )
        tags = _strings(self.custom_tag, "--custom-tag")
        for tag in tags:
            if not tag:
                raise ExportError("--custom-tag '': give the tag text to look for")
        put("custom_tag", tags)
        for name in ("country", "exclude_country"):
            flag = "--" + name.replace("_", "-")
            codes = _strings(getattr(self, name), flag)
            for code in codes:
                if not _COUNTRY.fullmatch(code.strip()):
                    raise ExportError(
                        f"{flag} {code!r}: not an ISO 3166-1 alpha-2 country code (e.g. US, GB)"
                    )
            put(name, tuple(code.strip().upper() for code in codes))
        if self.tollfree_only and self.no_tollfree:
            raise ExportError("--tollfree-only and --no-tollfree exclude each other: give one")

    def describe(self) -> str:
        """The filters given, as command-line flags."""
        parts = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            flag = "--" + spec.name.replace("_", "-")
            if value is True:
                parts.append(flag)
            elif isinstance(value, tuple):
                parts.extend(f"{flag} {v}" for v in value)
            elif value not in (None, False):
                parts.append(f"{flag} {value}")
        return " ".join(parts)


def check_vendors(vendors: object) -> tuple[str, ...]:
    names = tuple(v.strip().lower() for v in _strings(vendors, "--vendor"))
    for name in names:
        if not _VENDOR.fullmatch(name):
            raise ExportError(f"--vendor {name!r}: not a vendor name (flowroute, callr, didww, ...)")
    return names


def filters_sql(filters: ExportFilters, vendors: tuple[str, ...] = ()) -> tuple[list[str], list[object]]:
    """The conditions (on alias ``f``, marts.fct_calls) and their parameters, in order."""
    conditions: list[str] = []
    params: list[object] = []

    def add(sql: str, *values: object) -> None:
        conditions.append(sql)
        params.extend(values)

    def any_of(template: str, values: tuple[str, ...]) -> None:
        add("(" + " or ".join([template] * len(values)) + ")", *values)

    def placeholders(values: tuple[object, ...]) -> str:
        return ", ".join("?" * len(values))

    if vendors:
        add(f"f.source_vendor in ({placeholders(vendors)})", *vendors)
    if filters.caller_ip is not None:
        add("f.caller_ip = ?", filters.caller_ip)
    if isinstance(filters.duration, Comparison):
        add(f"f.duration_s {filters.duration.op} ?", filters.duration.value)
    if isinstance(filters.cost, Comparison):
        add(f"f.vendor_charge {filters.cost.op} ?", filters.cost.value)
    if filters.direction is not None:
        add("f.direction = ?", filters.direction)
    if filters.destination_prefix:
        any_of(f"starts_with({_digits_sql('f.called_number')}, ?)", filters.destination_prefix)
    if filters.callerid_prefix is not None:
        add(f"starts_with({_digits_sql('f.calling_number')}, ?)", filters.callerid_prefix)
    if filters.number_alias:
        add(f"f.number_alias in ({placeholders(filters.number_alias)})", *filters.number_alias)
    if filters.destination_number:
        add(
            f"{_digits_sql('f.called_number')} in ({placeholders(filters.destination_number)})",
            *filters.destination_number,
        )
    if filters.custom_tag:
        any_of("contains(f.tags, ?)", filters.custom_tag)
    if filters.country:
        add(f"f.called_country in ({placeholders(filters.country)})", *filters.country)
    if filters.exclude_country:
        add(
            f"coalesce(f.called_country not in ({placeholders(filters.exclude_country)}), true)",
            *filters.exclude_country,
        )
    if filters.tollfree_only:
        add("f.billing_class = 'toll_free'")
    if filters.no_tollfree:
        add("f.billing_class is distinct from 'toll_free'")
    if filters.exclude_cancelled:
        add(f"f.call_status not in ({placeholders(CANCELLED_STATUSES)})", *CANCELLED_STATUSES)
    if filters.e911_only:
        add(
            f"(f.call_type = 'emergency' or {_digits_sql('f.called_number')} "
            f"in ({placeholders(EMERGENCY_NUMBERS)}))",
            *EMERGENCY_NUMBERS,
        )
    if filters.exclude_failed:
        add(f"f.call_status not in ({placeholders(FAILED_STATUSES)})", *FAILED_STATUSES)
    return conditions, params
