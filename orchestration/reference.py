"""Reference seeds generated from the ``phonenumbers`` metadata.

Run ``python -m orchestration.reference`` to rewrite ``seeds/country_calling_codes.csv`` and
``seeds/nanp_area_codes.csv`` after upgrading phonenumbers.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder

from orchestration.settings import PROJECT_DIR

# Subscriber parts tried against each area code: enough exchanges that one valid number is found.
_SAMPLE_SUBSCRIBERS = [
    f"{nxx}{line}"
    for nxx in (
        "234",
        "345",
        "456",
        "567",
        "678",
        "789",
        "212",
        "312",
        "410",
        "520",
        "610",
        "720",
        "830",
        "940",
    )
    for line in ("1234", "5678")
]

_NANP_TYPES = {
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "non_geographic",
}


def country_calling_codes() -> list[dict[str, str]]:
    """One row per country (ISO 3166-1 alpha-2) with its calling code.

    Where countries share a code, ``is_main_country`` marks the one a bare code resolves to; the
    NANP (+1) is split further by area code in ``nanp_area_codes``.
    """
    rows = []
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        geographic = [r for r in regions if r != "001"]
        for position, region in enumerate(geographic):
            rows.append(
                {
                    "iso_country": region,
                    "country_name": geocoder._region_display_name(region, "en") or region,
                    "calling_code": str(code),
                    "is_main_country": "true" if position == 0 else "false",
                }
            )
    return sorted(rows, key=lambda r: r["iso_country"])


def nanp_area_codes() -> list[dict[str, str]]:
    """Every NANP area code that phonenumbers knows, with its country (US, CA, the Caribbean) and type."""
    rows = []
    for npa in range(200, 1000):
        regions: Counter[str] = Counter()
        types: Counter[str] = Counter()
        for subscriber in _SAMPLE_SUBSCRIBERS:
            number = phonenumbers.parse(f"+1{npa}{subscriber}")
            region = phonenumbers.region_code_for_number(number)
            if region:
                regions[region] += 1
                types[_NANP_TYPES.get(phonenumbers.number_type(number), "geographic")] += 1
        if regions:
            rows.append(
                {
                    "area_code": str(npa),
                    "iso_country": regions.most_common(1)[0][0],
                    "number_type": types.most_common(1)[0][0],
                }
            )
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    seeds = PROJECT_DIR / "seeds"
    _write(seeds / "country_calling_codes.csv", country_calling_codes())
    _write(seeds / "nanp_area_codes.csv", nanp_area_codes())
    print(f"wrote {seeds / 'country_calling_codes.csv'} and {seeds / 'nanp_area_codes.csv'}")


if __name__ == "__main__":
    main()
