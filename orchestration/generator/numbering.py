"""Telephone numbers of several countries, drawn at random but shaped like real allocations.

NANP (+1) numbers take their area code from the ``nanp_area_codes`` seed, so the US, Canada and
the Caribbean are told apart the same way the warehouse tells them apart. Other countries use a
few national number templates per line type ('X' any digit, 'N' 2-9, anything else literal).
Every draw is checked against the ``phonenumbers`` metadata (the source of the seeds) and redrawn
until it is a valid number of the country and line type.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from enum import Enum
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberType

from orchestration.settings import PROJECT_DIR

NANP_AREA_CODES_SEED = PROJECT_DIR / "seeds" / "nanp_area_codes.csv"


class LineType(str, Enum):
    FIXED = "fixed"
    MOBILE = "mobile"
    TOLL_FREE = "toll_free"


@dataclass(frozen=True)
class Country:
    iso: str
    name: str
    calling_code: str
    templates: dict[LineType, tuple[str, ...]]
    """National significant number templates per line type (NANP countries get theirs from the seed)."""


@dataclass(frozen=True)
class PhoneNumber:
    digits: str
    """E.164 digits without the '+': calling code and national significant number."""
    country: Country
    line_type: LineType

    @property
    def e164(self) -> str:
        return "+" + self.digits


_MAX_DRAWS = 200

# NANP toll-free numbers are not tied to one country; phonenumbers files them under the US.
_NANP_TOLL_FREE = ("800NXXXXXX", "888NXXXXXX", "877NXXXXXX", "866NXXXXXX")

_ACCEPTED_TYPES = {
    LineType.FIXED: {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    LineType.MOBILE: {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    LineType.TOLL_FREE: {PhoneNumberType.TOLL_FREE},
}

COUNTRIES: dict[str, Country] = {
    c.iso: c
    for c in (
        Country("US", "United States", "1", {LineType.TOLL_FREE: _NANP_TOLL_FREE}),
        Country("CA", "Canada", "1", {}),
        Country("JM", "Jamaica", "1", {}),
        Country("PR", "Puerto Rico", "1", {}),
        Country(
            "GB",
            "United Kingdom",
            "44",
            {
                LineType.FIXED: ("207NXXXXXX", "208NXXXXXX", "1612NXXXXX", "1214NXXXXX", "1315NXXXXX"),
                LineType.MOBILE: ("77NXXXXXXX", "78NXXXXXXX", "79NXXXXXXX", "74NXXXXXXX"),
                LineType.TOLL_FREE: ("800NXXXXXX", "808NXXXXXX"),
            },
        ),
        Country(
            "FR",
            "France",
            "33",
            {
                LineType.FIXED: ("1NXXXXXXX", "2NXXXXXXX", "4NXXXXXXX", "5NXXXXXXX"),
                LineType.MOBILE: ("6NXXXXXXX", "75XXXXXXX", "78XXXXXXX"),
                LineType.TOLL_FREE: ("800NXXXXX", "805NXXXXX"),
            },
        ),
        Country(
            "DE",
            "Germany",
            "49",
            {
                LineType.FIXED: ("30NXXXXXXX", "40NXXXXXXX", "89NXXXXXXX", "69NXXXXXXX"),
                LineType.MOBILE: ("151NXXXXXXX", "160NXXXXXX", "170NXXXXXXX", "176NXXXXXXX"),
                LineType.TOLL_FREE: ("800NXXXXXXX",),
            },
        ),
        Country(
            "ES",
            "Spain",
            "34",
            {
                LineType.FIXED: ("91NXXXXXX", "93NXXXXXX"),
                LineType.MOBILE: ("6NXXXXXXX",),
            },
        ),
        Country(
            "MX",
            "Mexico",
            "52",
            {
                LineType.FIXED: ("55NXXXXXXX", "33NXXXXXXX", "81NXXXXXXX"),
                LineType.MOBILE: ("55NXXXXXXX", "33NXXXXXXX", "81NXXXXXXX"),
            },
        ),
        Country(
            "BR",
            "Brazil",
            "55",
            {
                LineType.FIXED: ("113NXXXXXX", "213NXXXXXX"),
                LineType.MOBILE: ("119NXXXXXXX", "219NXXXXXXX"),
            },
        ),
        Country(
            "AU",
            "Australia",
            "61",
            {
                LineType.FIXED: ("29NXXXXXX", "38NXXXXXX"),
                LineType.MOBILE: ("41NXXXXXX", "42NXXXXXX"),
            },
        ),
        Country(
            "PH",
            "Philippines",
            "63",
            {
                LineType.FIXED: ("28NXXXXXX",),
                LineType.MOBILE: ("917NXXXXXX", "918NXXXXXX"),
            },
        ),
        Country(
            "IN",
            "India",
            "91",
            {
                LineType.MOBILE: ("98NXXXXXXX", "99NXXXXXXX"),
            },
        ),
    )
}


@cache
def nanp_area_codes(iso: str) -> tuple[str, ...]:
    """Geographic area codes of a NANP country, in seed order (so draws are reproducible)."""
    with NANP_AREA_CODES_SEED.open(newline="") as handle:
        return tuple(
            row["area_code"]
            for row in csv.DictReader(handle)
            if row["iso_country"] == iso and row["number_type"] == "geographic"
        )


def _fill(template: str, rng: random.Random) -> str:
    digits = []
    for char in template:
        if char == "X":
            digits.append(str(rng.randrange(10)))
        elif char == "N":
            digits.append(str(rng.randrange(2, 10)))
        else:
            digits.append(char)
    return "".join(digits)


def _nanp_subscriber(rng: random.Random) -> str:
    # Exchange codes never end in '11' (N11 service codes) nor are 555 (reserved for fiction/directory).
    while True:
        exchange = _fill("NXX", rng)
        if exchange[1:] != "11" and exchange != "555":
            return exchange + _fill("XXXX", rng)


def _draw_national(rng: random.Random, country: Country, line_type: LineType) -> str:
    templates = country.templates.get(line_type)
    if templates:
        return _fill(rng.choice(templates), rng)
    if country.calling_code == "1" and line_type is not LineType.TOLL_FREE:
        return rng.choice(nanp_area_codes(country.iso)) + _nanp_subscriber(rng)
    raise ValueError(f"no {line_type.value} numbers for {country.iso}")


def is_valid_for(digits: str, iso: str, line_type: LineType) -> bool:
    """Whether ``phonenumbers`` agrees that the E.164 digits are a number of this country and line type."""
    parsed = phonenumbers.parse("+" + digits)
    return (
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) == iso
        and phonenumbers.number_type(parsed) in _ACCEPTED_TYPES[line_type]
    )


def draw_number(rng: random.Random, iso: str, line_type: LineType = LineType.FIXED) -> PhoneNumber:
    """A valid number of the country and line type (NANP mobiles share the geographic area codes)."""
    country = COUNTRIES[iso]
    for _ in range(_MAX_DRAWS):
        digits = country.calling_code + _draw_national(rng, country, line_type)
        if is_valid_for(digits, iso, line_type):
            return PhoneNumber(digits, country, line_type)
    raise ValueError(f"no valid {line_type.value} number for {iso} in {_MAX_DRAWS} draws (see its templates)")


def has_line_type(iso: str, line_type: LineType) -> bool:
    country = COUNTRIES[iso]
    if line_type in country.templates:
        return True
    return country.calling_code == "1" and line_type is not LineType.TOLL_FREE


class NumberBook:
    """The numbers the parties of generated calls have: a fixed set per country and line type.

    Real traffic dials the same numbers again and again, and drawing from a set is much cheaper
    than validating every new number. Each set has its own generator seeded by (seed, country, type),
    so its numbers do not depend on the order in which the calls ask for them.
    """

    def __init__(self, seed: int, size: int = 300):
        self.seed = seed
        self.size = size

    def numbers(self, iso: str, line_type: LineType) -> tuple[PhoneNumber, ...]:
        return _number_set(self.seed, iso, line_type, self.size)

    def pick(self, rng: random.Random, iso: str, line_type: LineType) -> PhoneNumber:
        return rng.choice(self.numbers(iso, line_type))

    def pick_destination(self, rng: random.Random, mix: tuple[Destination, ...]) -> PhoneNumber:
        choice = rng.choices(mix, weights=[d.weight for d in mix])[0]
        return self.pick(rng, choice.iso, choice.line_type)


@cache
def _number_set(seed: int, iso: str, line_type: LineType, size: int) -> tuple[PhoneNumber, ...]:
    rng = random.Random(f"{seed}:{iso}:{line_type.value}")
    drawn = {number.digits: number for number in (draw_number(rng, iso, line_type) for _ in range(size))}
    return tuple(drawn.values())


@dataclass(frozen=True)
class Destination:
    """A kind of called number and how often it is dialled."""

    iso: str
    line_type: LineType
    weight: float
