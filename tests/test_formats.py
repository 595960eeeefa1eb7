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
        assert (spec.name in message) == (spec.reader == "csv")
    assert "flowroute_cdr needs direction, start_time" in message


def test_json_objects_are_compared_with_json_formats_only() -> None:
    keys = [
        "name",
        "callType",
        "direction",
        "callStatus",
        "callingNumber",
        "calledNumber",
        "startTime",
        "endTime",
    ]
    assert detect(keys, reader="json").spec.name == "demandflow_cdr"
    with pytest.raises(DetectionError) as error:
        detect(["direction", "callerid"], reader="json")
    assert "demandflow_cdr needs callType, direction, callStatus" in str(error.value)
    assert "flowroute_cdr" not in str(error.value)
    with pytest.raises(DetectionError, match="read as json, not csv"):
        detect(keys, pinned="demandflow_cdr", reader="csv")


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


# -- DIDWW and ConnexCS ---------------------------------------------------------------------------
# The header generations as the vendor documents and exports spell them (seed 002, seed 004, DESIGN §3).

DIDWW_PORTAL_TIMES = ["Date/Time Start (UTC)", "Date/Time Connect (UTC)", "Date/Time End (UTC)"]
DIDWW_RENAMED_TIMES = ["Start Time (UTC)", "Connect Time (UTC)", "End Time (UTC)"]
DIDWW_API_TRAILER = ["TollFree Amount (USD)", "Customer ID", "Sell Amount (Points)"]
DIDWW_INBOUND_MIDDLE = [
    "Source",
    "DID",
    "Destination",
    "Duration (secs)",
    "Disconnect Initiator",
    "Disconnect Code",
]
DIDWW_OUTBOUND_MIDDLE = [
    "Source",
    "CLI",
    "Destination",
    "Duration (secs)",
    "Billing Duration",
    "Disconnect Code",
]
DIDWW_OUTBOUND_TAIL = [
    "Rate (USD per minute)",
    "Charged (USD)",
    "CDR Type",
    "Country Name",
    "Network Name",
    "Trunk Name",
]
INBOUND_AMOUNTS = ["Toll-free Amount (USD)", "Termination Amount (USD)", "Metered Channels Amount (USD)"]

DIDWW_GENERATIONS: dict[str, dict[str, list[str]]] = {
    "didww_inbound": {
        "portal": [*DIDWW_PORTAL_TIMES, *DIDWW_INBOUND_MIDDLE, "Disconnect Response", *INBOUND_AMOUNTS],
        "api legacy": ["Date/Time (UTC)", *DIDWW_INBOUND_MIDDLE, "Response", *DIDWW_API_TRAILER],
        "api three timestamps": [*DIDWW_PORTAL_TIMES, *DIDWW_INBOUND_MIDDLE, "Response", *DIDWW_API_TRAILER],
        "api renamed": [
            "Call ID",
            *DIDWW_RENAMED_TIMES,
            "Source Number",
            "Destination DID",
            "Destination",
            "Duration (sec)",
            "Disconnect Initiator",
            "Disconnect Code",
            "Disconnect Reason",
            *INBOUND_AMOUNTS,
            "Customer ID",
        ],
    },
    "didww_outbound": {
        "portal": [*DIDWW_PORTAL_TIMES, *DIDWW_OUTBOUND_MIDDLE, "Disconnect Reason", *DIDWW_OUTBOUND_TAIL],
        "api legacy": [
            "Date/Time (UTC)",
            *DIDWW_OUTBOUND_MIDDLE,
            "Response",
            *DIDWW_OUTBOUND_TAIL,
            *DIDWW_API_TRAILER,
        ],
        "api three timestamps": [
            *DIDWW_PORTAL_TIMES,
            *DIDWW_OUTBOUND_MIDDLE,
            "Response",
            *DIDWW_OUTBOUND_TAIL,
            *DIDWW_API_TRAILER,
        ],
        "api renamed": [
            "Call ID",
            *DIDWW_RENAMED_TIMES,
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
        ],
    },
}
CONNEXCS_PORTAL = [
    "Call ID",
    "Switch",
    "Call Time",
    "Source Number",
    "Card ID",
    "Tech Prefix",
    "Destination",
    "LRN Number",
    "Duration",
    "Recording",
    "Release Reason",
    "PDD In",
    "Ring Duration",
    "SIP Code",
    "SIP Reason",
    "DTMF",
    "Direction",
    "Source IP",
    "Destination Code",
    "Destination Name",
    "Billed Duration",
    "Rate",
    "Connect Cost",
    "PDD",
    "Charge",
]
CONNEXCS_ESSENTIALS = ["Call Time", "Destination", "Duration"]

CALLR_HEADERS = [
    [c for c in CALLR.column_names if c != "did_intl_number"],
    [c for c in CALLR.column_names if c != "number"],
]
EVERY_HEADER: list[tuple[str, list[str]]] = [
    *(("flowroute_cdr", h) for h in (FLOWROUTE, FLOWROUTE[:25], [*FLOWROUTE, "trunk_group"])),
    *(("callr_cdr", h) for h in CALLR_HEADERS),
    *((name, h) for name, generations in DIDWW_GENERATIONS.items() for h in generations.values()),
    ("connexcs_cdr", CONNEXCS_PORTAL),
    ("connexcs_cdr", CONNEXCS_ESSENTIALS),
]
DIDWW_CASES = [
    pytest.param(name, header, id=f"{name} {generation}")
    for name, generations in DIDWW_GENERATIONS.items()
    for generation, header in generations.items()
]


@pytest.mark.parametrize("order", ["as exported", "reversed"])
@pytest.mark.parametrize(("format_name", "header"), DIDWW_CASES)
def test_didww_generations_detected_by_name(format_name: str, header: list[str], order: str) -> None:
    cells = header if order == "as exported" else list(reversed(header))
    match = detect(cells)
    assert match.spec.name == format_name
    assert match.ignored == (), "every header cell of every generation is a declared spelling"
    assert len(match.positions) == len(header)
    assert cells[match.positions["start_time"]] in {
        "Date/Time Start (UTC)",
        "Date/Time (UTC)",
        "Start Time (UTC)",
    }
    assert ("call_id" in match.positions) == ("Call ID" in header)


@pytest.mark.parametrize(("format_name", "header"), DIDWW_CASES)
def test_didww_natural_key_is_in_every_generation(format_name: str, header: list[str]) -> None:
    """An older and a newer export of one call must give one key: no generation may lack a key column."""
    spec = FORMATS_BY_NAME[format_name]
    assert set(spec.natural_key) <= set(detect(header).positions)
    assert "call_id" not in spec.natural_key, "the older generations carry no call id"


@pytest.mark.parametrize(("format_name", "header"), EVERY_HEADER)
def test_no_header_generation_is_mistaken_for_another_format(format_name: str, header: list[str]) -> None:
    assert detect(header).spec.name == format_name
    others = [spec.name for spec in FORMATS if spec.name != format_name and spec.match_header(header).ok]
    assert others == [], f"{format_name} header also satisfies {others}"


@pytest.mark.parametrize(
    ("header", "format_name"),
    [
        (["Date/Time (UTC)", "Source", "DID", "Duration (secs)"], "didww_inbound"),
        (["Start Time (UTC)", "Source Number", "Destination DID", "Duration (sec)"], "didww_inbound"),
        (["Date/Time (UTC)", "Source", "Destination", "Duration (secs)", "Charged (USD)"], "didww_outbound"),
        (["Source", "Destination", "Duration (sec)", "Rate (USD)", "Start Time (UTC)"], "didww_outbound"),
        ([" date/time start (utc) ", '"SOURCE"', "destination", "duration (secs)", "CLI*"], "didww_outbound"),
    ],
)
def test_didww_required_columns_alone_are_enough(header: list[str], format_name: str) -> None:
    assert detect(header).spec.name == format_name


def test_didww_outbound_needs_an_outbound_column() -> None:
    """Source, Destination and Duration are in inbound exports too: outbound needs CLI or its billing."""
    header = ["Date/Time Start (UTC)", "Source", "Destination", "Duration (secs)", "Disconnect Code"]
    with pytest.raises(DetectionError) as error:
        detect(header)
    assert "one of CLI / Billing Duration / Rate (USD per minute) / Charged (USD)" in str(error.value)
    assert "didww_inbound needs Date/Time Start (UTC), Source, DID, Duration (secs)" in str(error.value)


def test_didww_folder_pins_the_direction() -> None:
    inbound = DIDWW_GENERATIONS["didww_inbound"]["portal"]
    with pytest.raises(DetectionError, match="the folder pins didww_outbound"):
        detect(inbound, pinned="didww_outbound")
    assert detect(inbound, pinned="didww_inbound").spec.name == "didww_inbound"


@pytest.mark.parametrize(
    "header",
    [
        CONNEXCS_PORTAL,
        list(reversed(CONNEXCS_PORTAL)),
        CONNEXCS_ESSENTIALS,
        ["Duration", "Destination", "Call Time"],
        *(
            [*CONNEXCS_ESSENTIALS, optional]
            for optional in CONNEXCS_PORTAL
            if optional not in CONNEXCS_ESSENTIALS
        ),
        [
            "Call Time",
            "Call ID",
            "Card ID",
            "Direction",
            "Source Number",
            "Destination",
            "Duration",
            "Charge",
        ],
    ],
    ids=lambda header: ",".join(header) if len(header) < 6 else f"{header[0]}..({len(header)} columns)",
)
def test_connexcs_any_column_choice_with_the_essentials(header: list[str]) -> None:
    match = detect(header)
    assert match.spec.name == "connexcs_cdr"
    assert match.ignored == ()
    assert set(match.spec.natural_key) <= set(match.positions), "the key is in every column choice"


def test_connexcs_declares_every_portal_column_in_portal_order() -> None:
    spec = FORMATS_BY_NAME["connexcs_cdr"]
    assert [spec.label(c) for c in spec.column_names] == CONNEXCS_PORTAL
    assert [spec.label(c) for c in spec.required_columns] == CONNEXCS_ESSENTIALS


@pytest.mark.parametrize("missing", CONNEXCS_ESSENTIALS)
def test_connexcs_without_an_essential_is_not_guessed_at(missing: str) -> None:
    with pytest.raises(DetectionError, match=f"missing {missing}"):
        detect([h for h in CONNEXCS_PORTAL if h != missing])
