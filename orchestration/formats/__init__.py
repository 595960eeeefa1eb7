"""The registry of formats and header detection.

Two families: ``FORMATS`` are the vendor CDR exports landed from ``$CDRWH_HOME/landing`` (everything
that iterates ``FORMATS`` - staging sources, the generator, the natural keys - may assume CDR vendors);
``RATE_FORMATS`` are the rate decks and rating plans landed from ``$CDRWH_HOME/rates``. A file is only
compared with the formats of its folder's family.
"""

from __future__ import annotations

from orchestration.formats.callr import CALLR_CDR
from orchestration.formats.connexcs import CONNEXCS_CDR
from orchestration.formats.demandflow import DEMANDFLOW_CDR
from orchestration.formats.didww import DIDWW_INBOUND, DIDWW_OUTBOUND
from orchestration.formats.flowroute import FLOWROUTE_CDR
from orchestration.formats.rates import RATE_DECK, RATING_PLAN, SWITCH_RATE_DECK
from orchestration.formats.spec import Column, FormatSpec, HeaderMatch, normalize_header

FORMATS: tuple[FormatSpec, ...] = (
    FLOWROUTE_CDR,
    CALLR_CDR,
    DIDWW_INBOUND,
    DIDWW_OUTBOUND,
    CONNEXCS_CDR,
    DEMANDFLOW_CDR,
)
FORMATS_BY_NAME: dict[str, FormatSpec] = {f.name: f for f in FORMATS}
"""The CDR formats by name."""

RATE_FORMATS: tuple[FormatSpec, ...] = (RATE_DECK, SWITCH_RATE_DECK, RATING_PLAN)
ALL_FORMATS: tuple[FormatSpec, ...] = FORMATS + RATE_FORMATS
ALL_FORMATS_BY_NAME: dict[str, FormatSpec] = {f.name: f for f in ALL_FORMATS}

FAMILIES: dict[str, tuple[FormatSpec, ...]] = {"cdr": FORMATS, "rates": RATE_FORMATS}
FAMILY_FOLDERS: dict[str, str] = {"cdr": "landing", "rates": "rates"}
"""The folder under $CDRWH_HOME each family lands from (``landing.files.folder``)."""
_FAMILY_NOUNS = {"cdr": "a CDR export", "rates": "a rate deck or rating plan"}

__all__ = [
    "ALL_FORMATS",
    "ALL_FORMATS_BY_NAME",
    "FAMILIES",
    "FAMILY_FOLDERS",
    "FORMATS",
    "FORMATS_BY_NAME",
    "RATE_FORMATS",
    "Column",
    "DetectionError",
    "FormatSpec",
    "HeaderMatch",
    "detect",
    "normalize_header",
]


class DetectionError(ValueError):
    """The header matches no declared format (or more than one equally well)."""


def detect(
    header: list[str], pinned: str | None = None, reader: str = "csv", family: str = "cdr"
) -> HeaderMatch:
    """Choose the format of a file from its header cells (a JSON file: its first object's keys), among
    the formats of ``family`` read by ``reader``; ``pinned`` is a format named by the folder.

    A file of the other family (a CDR export among rate files, a rate deck among CDR exports) is not
    guessed at either: the reason says what it is and where it belongs.
    """
    formats = FAMILIES[family]
    pinned_spec = ALL_FORMATS_BY_NAME[pinned] if pinned else None
    if pinned_spec and pinned_spec.family != family:
        raise DetectionError(
            f"{_not_of(family)}: the folder pins {pinned}, {_FAMILY_NOUNS[pinned_spec.family]} format, "
            f"which lands from {FAMILY_FOLDERS[pinned_spec.family]}/, not {FAMILY_FOLDERS[family]}/"
        )
    if pinned_spec and pinned_spec.reader != reader:
        raise DetectionError(f"the folder pins {pinned}, which is read as {pinned_spec.reader}, not {reader}")
    candidates = [pinned_spec] if pinned_spec else [f for f in formats if f.reader == reader]
    matches = [spec.match_header(header) for spec in candidates]
    good = sorted((m for m in matches if m.ok), key=lambda m: len(m.positions), reverse=True)
    if good and (len(good) == 1 or len(good[0].positions) > len(good[1].positions)):
        return good[0]
    if good:
        names = ", ".join(m.spec.name for m in good if len(m.positions) == len(good[0].positions))
        raise DetectionError(f"header matches several formats equally well ({names}); pin one by folder")
    elsewhere = _other_family_match(header, reader, family)
    if elsewhere is not None:
        raise DetectionError(
            f"{_not_of(family)}: the header is that of {elsewhere.spec.name}, "
            f"{_FAMILY_NOUNS[elsewhere.spec.family]} format, which lands from "
            f"{FAMILY_FOLDERS[elsewhere.spec.family]}/, not {FAMILY_FOLDERS[family]}/"
        )
    if not matches:
        readers = sorted({f.reader for f in formats})
        raise DetectionError(
            f"{_not_of(family)}: these files are read as {' or '.join(readers)}, not {reader}"
        )
    closest = max(matches, key=lambda m: len(m.positions))
    expected = "; ".join(
        f"{m.spec.name} needs {', '.join(m.spec.label(c) for c in m.spec.required_columns)}"
        + "".join(f" and one of {' / '.join(m.spec.label(c) for c in group)}" for group in m.spec.one_of)
        for m in matches
    )
    found = ", ".join(cell.strip() for cell in header[:8]) + (", ..." if len(header) > 8 else "")
    if pinned:
        verdict = f"the folder pins {pinned}, but the header is {closest.shortfall()}"
    elif closest.positions:
        verdict = f"no declared format matches; closest is {closest.spec.name} ({closest.shortfall()})"
    else:
        verdict = "no declared format matches; the header has none of their columns"
    if family != "cdr":
        verdict = f"{_not_of(family)}: {verdict}"
    raise DetectionError(f"{verdict}. Header found: {found}. Expected: {expected}.")


def _not_of(family: str) -> str:
    return f"not {_FAMILY_NOUNS[family]}"


def _other_family_match(header: list[str], reader: str, family: str) -> HeaderMatch | None:
    """The format of another family the header matches (the best one), if any."""
    others = [
        m
        for spec in ALL_FORMATS
        if spec.family != family and spec.reader == reader
        for m in [spec.match_header(header)]
        if m.ok
    ]
    return max(others, key=lambda m: len(m.positions)) if others else None
