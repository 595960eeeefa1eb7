"""The registry of vendor formats and header detection."""

from __future__ import annotations

from orchestration.formats.callr import CALLR_CDR
from orchestration.formats.connexcs import CONNEXCS_CDR
from orchestration.formats.demandflow import DEMANDFLOW_CDR
from orchestration.formats.didww import DIDWW_INBOUND, DIDWW_OUTBOUND
from orchestration.formats.flowroute import FLOWROUTE_CDR
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

__all__ = [
    "FORMATS",
    "FORMATS_BY_NAME",
    "Column",
    "DetectionError",
    "FormatSpec",
    "HeaderMatch",
    "detect",
    "normalize_header",
]


class DetectionError(ValueError):
    """The header matches no declared format (or more than one equally well)."""


def detect(header: list[str], pinned: str | None = None, reader: str = "csv") -> HeaderMatch:
    """Choose the format of a file from its header cells (a JSON file: its first object's keys), among
    the formats read by ``reader``; ``pinned`` is a format named by the folder."""
    if pinned and FORMATS_BY_NAME[pinned].reader != reader:
        raise DetectionError(
            f"the folder pins {pinned}, which is read as {FORMATS_BY_NAME[pinned].reader}, not {reader}"
        )
    candidates = [FORMATS_BY_NAME[pinned]] if pinned else [f for f in FORMATS if f.reader == reader]
    matches = [spec.match_header(header) for spec in candidates]
    good = sorted((m for m in matches if m.ok), key=lambda m: len(m.positions), reverse=True)
    if good and (len(good) == 1 or len(good[0].positions) > len(good[1].positions)):
        return good[0]
    if good:
        names = ", ".join(m.spec.name for m in good if len(m.positions) == len(good[0].positions))
        raise DetectionError(f"header matches several formats equally well ({names}); pin one by folder")
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
    raise DetectionError(f"{verdict}. Header found: {found}. Expected: {expected}.")
