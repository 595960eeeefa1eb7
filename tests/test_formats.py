"""Format declarations and detection by header."""

from __future__ import annotations

import pytest

from orchestration.formats import FORMATS, FORMATS_BY_NAME, DetectionError, detect
from orchestration.formats.spec import Column, FormatSpec

FLOWROUTE = list(FORMATS_BY_NAME["flowroute_cdr"].column_names)
CALLR = FORMATS_BY_NAME["callr_cdr"]


def test_flowroute_26_columns_is_the_seed_sequence() -> None:
    assert len(FLOWROUTE) == 26
    assert FLOWROUTE[:3] == ["direction", "start_time", "end_time"]
    assert FLOWROUTE[-1] == "sip_callid"


@pytest.mark.parametrize(
    "header",
    [FLOWROUTE, FLOWROUTE[:25], [*FLOWROUTE, "trunk_group", "carrier_ref"]],
    ids=["26 columns", "25 columns (no sip_callid)", "extra trailing columns"],
)
def test_flowroute_variants_detected(header: list[str]) -> None:
    match = detect(header)
    assert match.spec.name == "flowroute_cdr"
    assert match.positions["direction"] == 0
    assert ("sip_callid" in match.positions) == ("sip_callid" in header)
    assert match.ignored == tuple(h for h in header if h not in FLOWROUTE)


def test_detection_is_by_name_not_position() -> None:
    header = list(reversed(FLOWROUTE))
    match = detect(header)
    assert match.spec.name == "flowroute_cdr"
    assert match.positions["direction"] == len(header) - 1


def test_header_spelling_is_folded() -> None:
    header = ["\ufeff" + FLOWROUTE[0].upper(), *(f' "{h}" ' for h in FLOWROUTE[1:])]
    assert detect(header).spec.name == "flowroute_cdr"


@pytest.mark.parametrize("direction_column", ["did_intl_number", "number"])
def test_callr_inbound_and_outbound_exports(direction_column: str) -> None:
    header = ["callid", "start", "answer", "hangup", "duration", "dialstatus", "cli_number", direction_column]
    match = detect(header)
    assert match.spec.name == "callr_cdr"
    assert direction_column in match.positions


def test_callr_needs_a_direction_column() -> None:
    with pytest.raises(DetectionError, match="one of did_intl_number / number"):
        detect(["callid", "start", "answer", "hangup", "duration", "dialstatus", "cli_number"])


def test_callr_alternative_spelling_of_dial_status() -> None:
    match = detect(["callid", "start", "hangup", "duration", "dial_status", "number"])
    assert match.positions["dialstatus"] == 4


def test_unknown_header_reason_names_what_was_expected() -> None:
    with pytest.raises(DetectionError) as error:
        detect(["foo", "bar"])
    message = str(error.value)
    assert "Header found: foo, bar" in message
    for spec in FORMATS:
        assert spec.name in message
    assert "flowroute_cdr needs direction, start_time" in message


def test_closest_format_named_when_columns_are_missing() -> None:
    with pytest.raises(DetectionError, match=r"closest is flowroute_cdr \(missing total_cost\)"):
        detect([h for h in FLOWROUTE if h != "total_cost"])


def test_folder_pin_limits_detection_to_that_format() -> None:
    with pytest.raises(DetectionError, match="the folder pins callr_cdr"):
        detect(FLOWROUTE, pinned="callr_cdr")


def test_declarations_are_validated() -> None:
    with pytest.raises(ValueError, match="not a declared column"):
        FormatSpec(name="x", vendor="x", description="", columns=(Column("a", ""),), natural_key=("b",))


def test_every_format_declares_a_natural_key_of_its_own_columns() -> None:
    for spec in FORMATS:
        assert spec.natural_key
        assert set(spec.natural_key) <= set(spec.column_names)
