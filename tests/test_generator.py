"""The synthetic CDR generator: deterministic files shaped by the format declarations and field rules."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import phonenumbers
import pytest

from orchestration.formats import FORMATS_BY_NAME, detect
from orchestration.generator import CALL_SHARES, GenerationSummary, generate
from orchestration.generator import callr as callr_gen
from orchestration.generator import connexcs as connexcs_gen
from orchestration.generator import defects as defects_gen
from orchestration.generator import demandflow as demandflow_gen
from orchestration.generator import didww as didww_gen
from orchestration.generator import flowroute as flowroute_gen
from orchestration.generator import fraud as fraud_gen
from orchestration.generator.calls import Outcome, billed_seconds, call_starts, draw_call
from orchestration.generator.numbering import COUNTRIES, LineType, draw_number, has_line_type, is_valid_for
from orchestration.generator.writers import csv_file
from orchestration.landing.discovery import LandingFile, read_json_keys
from orchestration.settings import PROJECT_DIR

START = date(2026, 10, 1)
DAYS = 4
"""Days of the shared fixture: enough for every DIDWW header generation and every ConnexCS view."""
FLOWROUTE = FORMATS_BY_NAME["flowroute_cdr"]
CALLR = FORMATS_BY_NAME["callr_cdr"]
DIDWW = {"inbound": FORMATS_BY_NAME["didww_inbound"], "outbound": FORMATS_BY_NAME["didww_outbound"]}
CONNEXCS = FORMATS_BY_NAME["connexcs_cdr"]
DEMANDFLOW = FORMATS_BY_NAME["demandflow_cdr"]
FEES = ("connect_fee", "usf_fee", "ccrf", "cnam_lookup_fee")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, record, strict=True)) for record in reader]


def is_json(path: Path) -> bool:
    return path.name.removesuffix(".gz").endswith((".json", ".ndjson"))


def read_text(path: Path, encoding: str = "utf-8") -> str:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as handle:
        return handle.read()


def read_objects(path: Path) -> list[dict]:
    """A DemandFlow export parsed as a whole: a JSON array, or NDJSON line by line."""
    text = read_text(path)
    if path.name.removesuffix(".gz").endswith(".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    parsed = json.loads(text)
    assert isinstance(parsed, list)
    return parsed


def landing_file(path: Path) -> LandingFile:
    return LandingFile(path=path, relative_path=path.name, size_bytes=path.stat().st_size, modified_at=None)


def detected(path: Path):
    """The format landing detects for a generated file (JSON by its first object's keys)."""
    if is_json(path):
        return detect(read_json_keys(landing_file(path)), reader="json").spec
    return detect(read_csv(path)[0]).spec


def rows_in(path: Path) -> int:
    return len(read_objects(path)) if is_json(path) else len(read_csv(path)[1])


def status_map(vendor: str) -> dict[str, str]:
    with (PROJECT_DIR / "seeds" / f"status_map_{vendor}.csv").open(newline="") as handle:
        return {row["vendor_status"]: row["call_status"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary, list[Path]]:
    out = tmp_path_factory.mktemp("landing")
    announced: list[Path] = []
    summary = generate(out, days=DAYS, calls_per_day=240, seed=3, start=START, progress=announced.append)
    return out, summary, announced


def files_of(out: Path, vendor: str) -> list[Path]:
    return sorted(p for p in (out / vendor).iterdir() if p.is_file())


def rows_of(out: Path, vendor: str) -> list[dict[str, str]]:
    return [row for path in files_of(out, vendor) for row in read_csv(path)[1]]


# -- determinism ----------------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes_including_gzip(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", days=3, calls_per_day=60, seed=11, start=START)
    second = generate(tmp_path / "b", days=3, calls_per_day=60, seed=11, start=START)
    relative = [p.relative_to(tmp_path / "a") for p in first.files]
    assert relative == [p.relative_to(tmp_path / "b") for p in second.files]
    assert any(p.name.endswith(".csv.gz") for p in relative)
    assert {p.name.split(".", 1)[1] for p in relative if p.parts[0] == "demandflow"} == {
        "json",
        "ndjson",
        "json.gz",
    }
    for name in relative:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_another_seed_gives_other_calls(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", days=1, calls_per_day=60, seed=11, start=START)
    other = generate(tmp_path / "b", days=1, calls_per_day=60, seed=12, start=START)
    assert first.files[0].read_bytes() != other.files[0].read_bytes()


def test_gzip_files_carry_no_timestamp_or_name(generated) -> None:
    _, summary, _ = generated
    packed = [p for p in summary.files if p.name.endswith(".gz")]
    assert packed
    for path in packed:
        head = path.read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b"
        assert head[4:8] == b"\x00\x00\x00\x00"  # MTIME
        assert head[3] & 0x08 == 0  # no FNAME


def test_overlapping_windows_generate_the_same_calls(tmp_path: Path) -> None:
    generate(tmp_path / "a", days=3, calls_per_day=80, seed=5, start=START)
    generate(tmp_path / "b", days=2, calls_per_day=80, seed=5, start=START + timedelta(days=1))
    day = (START + timedelta(days=1)).isoformat()
    for direction in ("inbound", "outbound"):
        name = f"callr/cdrs_{direction}_{day}.csv"
        ids_a = [r["callid"] for r in read_csv(tmp_path / "a" / name)[1]]
        ids_b = [r["callid"] for r in read_csv(tmp_path / "b" / name)[1]]
        assert ids_a and ids_a == ids_b


# -- summary and files ----------------------------------------------------------------------------


def test_summary_counts_match_the_files(generated) -> None:
    out, summary, announced = generated
    on_disk = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(summary.files) == on_disk
    assert announced == summary.files
    counted: Counter[str] = Counter()
    for path in summary.files:
        counted[detected(path).name] += rows_in(path)
    assert dict(counted) == summary.rows_by_format
    assert summary.calls == sum(counted.values()) == DAYS * 240
    assert set(summary.rows_by_format) == {
        "flowroute_cdr",
        "callr_cdr",
        "didww_inbound",
        "didww_outbound",
        "connexcs_cdr",
        "demandflow_cdr",
    }
    assert all(summary.rows_by_format.values()), "every format is written"
    assert (summary.first_day, summary.last_day) == (START, START + timedelta(days=DAYS - 1))


def test_file_layout_per_day(generated) -> None:
    out, _, _ = generated
    days = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
    flowroute_names = {p.name.removesuffix(".gz") for p in files_of(out, "flowroute")}
    assert flowroute_names == {f"cdr_export_{d}.csv" for d in days}
    assert {p.name for p in files_of(out, "callr")} == {
        f"cdrs_{direction}_{d}.csv" for d in days for direction in ("inbound", "outbound")
    }
    assert {p.name.removesuffix(".gz") for p in files_of(out, "didww")} == {
        f"{direction}_calls_{d}.csv" for d in days for direction in ("inbound", "outbound")
    }
    connexcs_names = {p.name.removesuffix(".gz") for p in files_of(out, "connexcs")}
    assert connexcs_names == {f"cdr_download_{d}.csv" for d in days}
    assert [p.name for p in files_of(out, "demandflow")] == [
        "cdrs_2026-10-01.json",
        "cdrs_2026-10-02.ndjson",
        "cdrs_2026-10-03.json.gz",
        "cdrs_2026-10-04.ndjson.gz",
    ]
    assert not list(out.rglob("*.part"))


def test_every_file_is_detected_as_its_format(generated) -> None:
    out, _, _ = generated
    for vendor, spec in (("flowroute", FLOWROUTE), ("callr", CALLR), ("connexcs", CONNEXCS)):
        for path in files_of(out, vendor):
            assert detect(read_csv(path)[0]).spec is spec, path
    for path in files_of(out, "didww"):
        direction = path.name.split("_")[0]
        assert detect(read_csv(path)[0]).spec is FORMATS_BY_NAME[f"didww_{direction}"], path
    for path in files_of(out, "demandflow"):
        match = detect(read_json_keys(landing_file(path)), reader="json")
        assert match.spec is DEMANDFLOW and match.ok, path


def test_vendor_split_follows_the_call_shares(tmp_path: Path) -> None:
    summary = generate(tmp_path, days=2, calls_per_day=1000, seed=8, start=START)
    by_vendor: Counter[str] = Counter()
    for name, rows in summary.rows_by_format.items():
        by_vendor[FORMATS_BY_NAME[name].vendor] += rows
    assert set(by_vendor) == set(CALL_SHARES)
    assert sum(CALL_SHARES.values()) == pytest.approx(1)
    for vendor, share in CALL_SHARES.items():
        assert abs(by_vendor[vendor] / summary.calls - share) < 0.04, vendor


def test_default_start_ends_yesterday_utc(tmp_path: Path) -> None:
    summary = generate(tmp_path, days=2, calls_per_day=5)
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    assert (summary.first_day, summary.last_day) == (yesterday - timedelta(days=1), yesterday)


@pytest.mark.parametrize("arguments", [{"days": 0}, {"calls_per_day": -1}])
def test_rejects_impossible_arguments(tmp_path: Path, arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, start=START, **arguments)


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "x" / "file.csv.gz"
    with pytest.raises(KeyError), csv_file(target, ("a", "b")) as sink:
        sink.write({"a": "1", "b": "2"})
        sink.write({"a": "1"})
    assert not target.exists()
    assert list((tmp_path / "x").iterdir()) == []


# -- headers --------------------------------------------------------------------------------------


def test_flowroute_header_variants_follow_the_declaration(generated) -> None:
    out, _, _ = generated
    declared = list(FLOWROUTE.column_names)
    headers = [read_csv(p)[0] for p in files_of(out, "flowroute")]
    assert sorted({len(h) for h in headers}) == [len(declared) - 1, len(declared), len(declared) + 2]
    for header in headers:
        width = min(len(header), len(declared))
        assert header[:width] == declared[:width]
    older = min(headers, key=len)
    assert "sip_callid" not in older and len(older) == 25
    wider = max(headers, key=len)
    assert not set(wider[len(declared) :]) & set(declared)


def test_every_flowroute_variant_also_comes_gzipped_within_nine_days() -> None:
    layouts = {flowroute_gen.day_layout(index) for index in range(9)}
    assert {(header, True) for header in flowroute_gen.header_variants()} <= layouts
    assert sum(compressed for _, compressed in (flowroute_gen.day_layout(i) for i in range(9))) == 3


def test_callr_files_carry_only_their_traffic_types_columns(generated) -> None:
    out, _, _ = generated
    declared = list(CALLR.column_names)
    for path in files_of(out, "callr"):
        header, rows = read_csv(path)
        assert header == [c for c in declared if c in header], "declared order"
        if "inbound" in path.name:
            assert "did_intl_number" in header and "did_hash" in header
            assert not {"number", "number_country_code", "number_type"} & set(header)
            assert all(r["did_intl_number"].startswith("+") for r in rows)
        else:
            assert {"number", "number_country_code"} <= set(header)
            assert not {c for c in header if c.startswith("did_")}
            assert all(r["number"].startswith("+") for r in rows)
    with_type = [read_csv(p) for p in files_of(out, "callr") if "type" in read_csv(p)[0]]
    assert with_type, "some exports carry the traffic type column"
    for _, rows in with_type:
        assert {r["type"] for r in rows} <= {"IN", "OUT"}


def test_generator_columns_are_declared() -> None:
    declared = set(CALLR.column_names)
    for columns in callr_gen.DIRECTION_ONLY_COLUMNS.values():
        assert set(columns) <= declared
    assert callr_gen.TYPE_COLUMN in declared
    assert FLOWROUTE.column_names[-1] == flowroute_gen.NEWER_COLUMN
    assert not set(flowroute_gen.EXTRA_COLUMNS) & set(FLOWROUTE.column_names)
    for direction, generations in didww_gen.HEADERS.items():
        spec = didww_gen.FORMATS[direction]
        assert set(generations) == set(didww_gen.Generation)
        for header in generations.values():
            match = spec.match_header(list(header))
            assert match.ok and match.ignored == (), (direction, header)
    for view in connexcs_gen.VIEWS:
        assert set(connexcs_gen.ESSENTIALS) <= set(view.columns), view.name
        assert set(view.columns) <= set(connexcs_gen.PORTAL_COLUMNS), view.name
    assert CONNEXCS.match_header(list(connexcs_gen.PORTAL_COLUMNS)).ignored == ()


# -- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "first", "subsequent", "billed"),
    [
        (0, 60, 6, 0),
        (10, 60, 6, 60),
        (60, 60, 6, 60),
        (61, 60, 6, 66),
        (66, 60, 6, 66),
        (67, 60, 6, 72),
        (7, 6, 6, 12),
        (6, 6, 6, 6),
        (1, 1, 1, 1),
        (125, 1, 1, 125),
        (61, 60, 60, 120),
        (120, 60, 60, 120),
    ],
)
def test_billed_seconds_follow_the_increment_rule(
    duration: int, first: int, subsequent: int, billed: int
) -> None:
    assert billed_seconds(duration, first, subsequent) == billed


def flowroute_time(text: str) -> datetime:
    assert text.endswith("+00")
    return datetime.strptime(text[:-3], "%Y-%m-%d %H:%M:%S")


def test_flowroute_money_adds_up_exactly(generated) -> None:
    out, _, _ = generated
    rows = rows_of(out, "flowroute")
    assert rows
    for row in rows:
        money = {k: Decimal(row[k]) for k in ("total_cost", "cost_subtotal", "rate", *FEES)}
        assert money["total_cost"] == money["cost_subtotal"] + sum(money[f] for f in FEES)
        expected = money["rate"] * int(row["billed_duration"]) / 60
        assert money["cost_subtotal"] == expected.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
        assert all(len(row[k].split(".")[1]) == 8 for k in money)
        assert all(v >= 0 for v in money.values())
        increments = int(row["first_increment"]), int(row["subsequent_increment"])
        assert int(row["billed_duration"]) == billed_seconds(int(row["duration"]), *increments)
    assert any(Decimal(r["usf_fee"]) > 0 for r in rows)


def test_flowroute_field_rules(generated) -> None:
    out, _, _ = generated
    rows = rows_of(out, "flowroute")
    statuses = status_map("flowroute")
    for row in rows:
        start, end = flowroute_time(row["start_time"]), flowroute_time(row["end_time"])
        duration = int(row["duration"])
        assert start <= end - timedelta(seconds=duration)
        assert row["direction"] in {"Outbound", "Inbound"}
        assert row["destination"].isdigit() and not row["destination"].startswith("+")
        assert row["callerid"].startswith("+") and row["callerid"][1:].isdigit()
        assert row["result"].lower() in statuses
        if row["result"] == "Completed":
            assert duration > 0 and row["call_fail_sip_code"] == row["call_fail_reason"] == ""
        else:
            assert duration == 0 and int(row["billed_duration"]) == 0
            assert 400 <= int(row["call_fail_sip_code"]) < 700 and row["call_fail_reason"]
    results = Counter(r["result"] for r in rows)
    assert set(results) == {"Completed", "Cancelled", "Busy", "No Answer", "Failed"}
    assert Counter(r["direction"] for r in rows).most_common(1)[0][0] == "Outbound"
    assert any(":" in r["customer_ip"] for r in rows) and any(":" not in r["customer_ip"] for r in rows)
    assert any(r["callerid_country"] == "N/A" for r in rows)
    sip_ids = [r["sip_callid"] for r in rows if "sip_callid" in r]
    assert sip_ids and len(sip_ids) == len(set(sip_ids))
    keys = [tuple(r[c] for c in FLOWROUTE.natural_key) for r in rows]
    assert len(keys) == len(set(keys))


def callr_time(text: str) -> datetime | None:
    return None if text == callr_gen.NO_DATETIME else datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_callr_field_rules(generated) -> None:
    out, _, _ = generated
    rows = rows_of(out, "callr")
    statuses = status_map("callr")
    for row in rows:
        start, answer, hangup = callr_time(row["start"]), callr_time(row["answer"]), callr_time(row["hangup"])
        assert start is not None and hangup is not None
        assert row["dialstatus"].lower() in statuses
        answered = row["dialstatus"] == "ANSWER"
        assert (answer is not None) == answered
        assert start <= (answer or start) <= hangup
        duration, answered_s = int(row["duration"]), int(row["duration_answered"])
        assert (hangup - start).total_seconds() == duration >= answered_s >= 0
        assert answered_s > 0 if answered else answered_s == 0
        if answer:
            assert (hangup - answer).total_seconds() == answered_s
        assert (row["sip_response_code"] == "200") == answered
        assert 0 <= int(row["hangupcause"]) <= 127
        assert row["hangupsource"] in {"CALLER", "CALLEE", "GATEWAY"}
        assert row["cli_pres"] in {"allowed_passed_screen", "prohib_passed_screen"}
        assert row["customer_field"]
        for amount in ("billing_customer_debit_eur", "billing_customer_credit_eur"):
            assert Decimal(row[amount]) >= 0 and len(row[amount].split(".")[1]) == 2
        assert Decimal(row["billing_customer_credit_eur"]) <= Decimal(row["billing_customer_debit_eur"])
    assert {r["dialstatus"] for r in rows} >= {"ANSWER", "BUSY", "CANCEL", "NOANSWER"}
    assert any(r["cli_number"] == "" for r in rows), "withheld callers"
    ids = [r["callid"] for r in rows]
    assert len(ids) == len(set(ids))


def test_status_mix_is_realistic() -> None:
    rng = random.Random(1)
    outcomes = Counter(draw_call(rng, datetime(2026, 10, 1)).outcome for _ in range(5000))
    assert 0.60 < outcomes[Outcome.ANSWERED] / 5000 < 0.70
    for outcome in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.CANCELLED, Outcome.FAILED):
        assert 0.03 < outcomes[outcome] / 5000 < 0.14


def test_answered_durations_are_skewed_and_capped() -> None:
    rng = random.Random(2)
    talks = sorted(
        c.talk_s for c in (draw_call(rng, datetime(2026, 10, 1)) for _ in range(5000)) if c.answered
    )
    median = talks[len(talks) // 2]
    assert 50 <= median <= 130
    assert talks[-1] <= 2 * 60 * 60 and talks[0] >= 1
    assert sum(talks) / len(talks) > median, "long tail"


def test_starts_are_ordered_busier_in_business_hours_and_one_crosses_midnight() -> None:
    rng = random.Random(4)
    day = date(2026, 10, 1)
    starts = list(call_starts(rng, day, 2000, flowroute_gen.US_BUSINESS_HOURS))
    assert len(starts) == 2000
    assert [s for s, _ in starts] == sorted(s for s, _ in starts)
    assert all(s.date() == day for s, _ in starts)
    hours = Counter(s.hour for s, _ in starts)
    assert hours[16] > 3 * hours[5]
    late = [s for s, is_late in starts if is_late]
    assert len(late) == 1
    call = draw_call(rng, late[0], late=True)
    assert call.answered and call.end.date() > day


def test_late_calls_cross_midnight_in_the_files(generated) -> None:
    out, _, _ = generated
    crossing = [
        r
        for r in rows_of(out, "flowroute")
        if flowroute_time(r["end_time"]).date() > flowroute_time(r["start_time"]).date()
    ]
    assert crossing


def test_called_numbers_are_valid_numbers_of_their_country(generated) -> None:
    out, _, _ = generated
    flowroute_rows = rows_of(out, "flowroute")
    for row in flowroute_rows:
        for number in ("+" + row["destination"], row["callerid"]):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
    callr_rows = [r for r in rows_of(out, "callr") if not r.get("invalid_number")]
    for row in callr_rows:
        called = row.get("number") or row["did_intl_number"]
        parsed = phonenumbers.parse(called)
        assert phonenumbers.is_valid_number(parsed), called
        if "number_country_code" in row:
            assert phonenumbers.region_code_for_number(parsed) == row["number_country_code"]
    countries = {
        phonenumbers.region_code_for_number(phonenumbers.parse(r["number"]))
        for r in callr_rows
        if r.get("number")
    }
    countries |= {
        phonenumbers.region_code_for_number(phonenumbers.parse("+" + r["destination"]))
        for r in flowroute_rows
    }
    assert {"US", "CA", "GB", "FR", "DE", "MX"} <= countries
    tollfree = [r for r in flowroute_rows if r["destination"][1:4] in {"800", "888", "877", "866"}]
    assert tollfree and all(r["line_information"] == "Toll-Free" for r in tollfree)


@pytest.mark.parametrize("iso", sorted(COUNTRIES))
def test_number_templates_give_valid_numbers(iso: str) -> None:
    rng = random.Random(iso)
    for line_type in LineType:
        if has_line_type(iso, line_type):
            number = draw_number(rng, iso, line_type)
            assert is_valid_for(number.digits, iso, line_type)
            assert number.e164 == "+" + number.digits


# -- DIDWW ----------------------------------------------------------------------------------------


def by_column(spec, header: list[str], rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows keyed by the declared column names their header cells spell."""
    positions = spec.match_header(header).positions
    return [{column: row[header[index]] for column, index in positions.items()} for row in rows]


def didww_files(out: Path) -> list[tuple[str, Path, list[str], list[dict[str, str]]]]:
    """(direction, path, header, rows by column) of every DIDWW file."""
    found = []
    for path in files_of(out, "didww"):
        direction = path.name.split("_")[0]
        header, rows = read_csv(path)
        found.append((direction, path, header, by_column(DIDWW[direction], header, rows)))
    return found


def didww_time(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None


def uri_user(value: str) -> str:
    """The number of a destination: the user part of a SIP URI, or the value itself."""
    return value.removeprefix("sip:").split("@")[0].removeprefix("+")


def test_didww_writes_every_generation_in_both_directions(generated) -> None:
    out, _, _ = generated
    written = {(direction, tuple(header)) for direction, _, header, _ in didww_files(out)}
    expected = {
        (direction, header) for direction, headers in didww_gen.HEADERS.items() for header in headers.values()
    }
    assert written == expected


def test_every_didww_generation_also_comes_gzipped_and_plain() -> None:
    layouts = [didww_gen.day_layout(index) for index in range(12)]
    assert set(layouts) == {(g, compressed) for g in didww_gen.Generation for compressed in (True, False)}
    assert sum(compressed for _, compressed in layouts) == 8, "most DIDWW files come as .csv.gz"


def test_didww_api_exports_quote_every_value_and_others_leave_empties_bare(generated) -> None:
    out, _, _ = generated
    quoted_empties = 0
    for _, path, header, _ in didww_files(out):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        quoted = any(h in header for h in ("Response", "Sell Amount (Points)"))
        if quoted:
            assert all(line.startswith('"') and line.endswith('"') for line in lines), path
            quoted_empties += sum(line.count(',""') for line in lines)
        else:
            assert '""' not in "\n".join(lines), path
    assert quoted_empties, 'API exports carry empty values as ""'


def test_didww_field_rules(generated) -> None:
    out, _, _ = generated
    codes = status_map("didww")
    seen_keys: dict[str, set[tuple[str, ...]]] = {"inbound": set(), "outbound": set()}
    failed_with_empty_connect = sip_uris = empty_amounts = 0
    for direction, path, _, rows in didww_files(out):
        spec = DIDWW[direction]
        for row in rows:
            start, duration = didww_time(row["start_time"]), int(row["duration"])
            answered = row["disconnect_code"] == "200"
            assert row["disconnect_code"] in codes
            assert (duration > 0) == answered
            if "connect_time" in row:
                connect, end = didww_time(row["connect_time"]), didww_time(row["end_time"])
                if answered:
                    assert start <= connect <= end and (end - connect).total_seconds() == duration
                else:
                    assert connect is None and end is None, "Connect and End are empty on failed calls"
                    failed_with_empty_connect += 1
            amounts = [row[c] for c in row if c.endswith("amount") or c == "charged"]
            assert all(a == "" or Decimal(a) >= 0 for a in amounts)
            empty_amounts += any(a == "" for a in amounts)
            assert row["source"] in {"", "anonymous"} or row["source"].isdigit(), "no '+' on DIDWW numbers"
            if direction == "inbound":
                assert row["did"].isdigit()
                called = row["did"]
            else:
                called = uri_user(row["destination"])
                sip_uris += row["destination"].startswith("sip:")
                assert int(row["billing_duration"]) >= duration
                if row["charged"]:
                    expected = Decimal(row["rate"]) * int(row["billing_duration"]) / 60
                    assert Decimal(row["charged"]) == expected.quantize(
                        Decimal("0.0001"), rounding=ROUND_HALF_UP
                    )
                assert row["cdr_type"] in {"International", "Local", "Origin based"}
            assert phonenumbers.is_valid_number(phonenumbers.parse("+" + called)), (path, called)
            key = tuple(row[c] for c in spec.natural_key)
            assert key not in seen_keys[direction], "two rows with one key would be one call"
            seen_keys[direction].add(key)
    assert failed_with_empty_connect and sip_uris and empty_amounts


def test_overlapping_didww_exports_of_two_generations_key_the_same_calls(tmp_path: Path) -> None:
    """Day 2 is a legacy export in one window and a portal export in the other: same calls, same keys."""
    generate(tmp_path / "a", days=2, calls_per_day=120, seed=5, start=START)
    generate(tmp_path / "b", days=1, calls_per_day=120, seed=5, start=START + timedelta(days=1))
    day = (START + timedelta(days=1)).isoformat()
    for direction, spec in DIDWW.items():
        keys = []
        for window in ("a", "b"):
            (path,) = (tmp_path / window / "didww").glob(f"{direction}_calls_{day}.csv*")
            header, rows = read_csv(path)
            keys.append(
                (header, [tuple(r[c] for c in spec.natural_key) for r in by_column(spec, header, rows)])
            )
        (header_a, keys_a), (header_b, keys_b) = keys
        assert header_a != header_b, "the two windows export the day in different generations"
        assert keys_a and keys_a == keys_b


# -- ConnexCS -------------------------------------------------------------------------------------


def test_connexcs_downloads_rotate_through_column_choices(generated) -> None:
    out, _, _ = generated
    headers = {tuple(read_csv(path)[0]) for path in files_of(out, "connexcs")}
    assert headers == {view.columns for view in connexcs_gen.VIEWS}
    assert tuple(connexcs_gen.ESSENTIALS) in headers
    layouts = {(view.name, compressed) for view, compressed in map(connexcs_gen.day_layout, range(8))}
    assert layouts == {(view.name, compressed) for view in connexcs_gen.VIEWS for compressed in (True, False)}


def test_connexcs_field_rules(generated) -> None:
    out, _, _ = generated
    statuses = status_map("connexcs")
    keys: set[tuple[str, ...]] = set()
    for path in files_of(out, "connexcs"):
        for row in read_csv(path)[1]:
            datetime.strptime(row["Call Time"], "%Y-%m-%d %H:%M:%S")
            duration = int(row["Duration"])
            assert duration >= 0
            if "SIP Code" in row:
                assert row["SIP Code"] in statuses
                assert (duration > 0) == (row["SIP Code"] == "200")
            if "Release Reason" in row:
                assert row["Release Reason"].lower() in statuses, "a reason alone must map too"
            if "Ring Duration" in row:
                assert 0 <= int(row["Ring Duration"]) <= 40
            if {"Rate", "Connect Cost", "Billed Duration", "Charge"} <= set(row):
                expected = (
                    Decimal(row["Connect Cost"]) + Decimal(row["Rate"]) * int(row["Billed Duration"]) / 60
                )
                assert Decimal(row["Charge"]) == expected.quantize(
                    Decimal("0.000001"), rounding=ROUND_HALF_UP
                )
                assert int(row["Billed Duration"]) >= duration
            if "Direction" in row:
                assert row["Direction"] in {"Origination", "Termination", "inbound", "outbound"}
            assert phonenumbers.is_valid_number(phonenumbers.parse("+" + row["Destination"]))
            key = connexcs_gen.natural_key(row)
            assert key not in keys, "two rows with one key would be one call"
            keys.add(key)
    assert keys


def test_overlapping_connexcs_downloads_with_other_columns_key_the_same_calls(tmp_path: Path) -> None:
    generate(tmp_path / "a", days=2, calls_per_day=120, seed=5, start=START)
    generate(tmp_path / "b", days=1, calls_per_day=120, seed=5, start=START + timedelta(days=1))
    day = (START + timedelta(days=1)).isoformat()
    downloads = []
    for window in ("a", "b"):
        (path,) = (tmp_path / window / "connexcs").glob(f"cdr_download_{day}.csv*")
        header, rows = read_csv(path)
        downloads.append((header, [connexcs_gen.natural_key(r) for r in rows]))
    (header_a, keys_a), (header_b, keys_b) = downloads
    assert header_a != header_b and keys_a and keys_a == keys_b
    assert set(CONNEXCS.natural_key) <= set(CONNEXCS.match_header(list(connexcs_gen.ESSENTIALS)).positions)


# -- DemandFlow -----------------------------------------------------------------------------------


def enum_ids(name: str) -> set[str]:
    with (PROJECT_DIR / "seeds" / "demandflow_enums.csv").open(newline="") as handle:
        return {row["enum_id"] for row in csv.DictReader(handle) if row["enum_name"] == name}


def iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text} carries an offset"
    return moment


def offset_of(text: str) -> str:
    return "Z" if text.endswith("Z") else text[-6:]


def test_demandflow_exports_are_json_arrays_and_ndjson(generated) -> None:
    out, summary, _ = generated
    layouts = set()
    total = 0
    for path in files_of(out, "demandflow"):
        text = read_text(path)
        ndjson = path.name.removesuffix(".gz").endswith(".ndjson")
        layouts.add((ndjson, path.name.endswith(".gz")))
        if ndjson:
            lines = text.splitlines()
            assert all(isinstance(json.loads(line), dict) for line in lines), path
            total += len(lines)
        else:
            parsed = json.loads(text)
            assert isinstance(parsed, list) and all(isinstance(o, dict) for o in parsed), path
            total += len(parsed)
    assert layouts == {(ndjson, gz) for ndjson in (True, False) for gz in (True, False)}
    assert total == summary.rows_by_format["demandflow_cdr"] > 0


def test_demandflow_objects_follow_the_seed_and_keep_the_field_rules(generated) -> None:
    out, _, _ = generated
    objects = [o for path in files_of(out, "demandflow") for o in read_objects(path)]
    declared = {c.headers[0] for c in DEMANDFLOW.columns}
    required = [c.headers[0] for c in DEMANDFLOW.columns if c.required]
    statuses = set(status_map("demandflow"))
    enums = {
        "callType": enum_ids("call_type"),
        "direction": enum_ids("direction"),
        "codec": enum_ids("codec"),
        "protocol": enum_ids("protocol"),
        "rateType": enum_ids("rate_type"),
        "billingClass": enum_ids("billing_class"),
        "customerExperience": enum_ids("customer_experience"),
    }
    names = [o["name"] for o in objects]
    assert len(names) == len(set(names)), "name is the unique CDR id"
    for o in objects:
        assert set(o) <= declared, set(o) - declared
        assert all(o.get(key) not in (None, "") for key in ["name", *required]), o
        assert o["callStatus"] in statuses
        for key, ids in enums.items():
            if key in o:
                assert isinstance(o[key], str) and o[key] in ids, (key, o[key])
        start, end = iso(o["startTime"]), iso(o["endTime"])
        answered = o["callStatus"] == "1"
        assert start <= end
        if "answerTime" in o:
            assert answered and start <= iso(o["answerTime"]) <= end
        else:
            assert not answered, "an answered call (or delivered SMS) has an answer time"
        if not answered or o["callType"] == "3":
            assert o["duration"] == o["billableDuration"] == 0, "no connected time"
        else:
            assert (end - iso(o["answerTime"])).total_seconds() == o["duration"] > 0
            assert o["billableDuration"] >= o["duration"]
            assert 1 <= o["mos"] <= 5 and 0 <= o["packetLoss"] <= 100 and o["jitter"] >= 0
        assert min(o["duration"], o["billableDuration"], o["ringDuration"], o["holdDuration"]) >= 0
        assert 100 <= int(o["sipResponseCode"]) <= 699 and 0 <= o["q850Cause"] <= 127
        assert (o["sipResponseCode"] == "200") == answered
        for number in (o["callingNumber"], o["calledNumber"]):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
        currency = o["currency"]
        assert currency in ("USD", "EUR") or currency in ({"code": "USD"}, {"code": "EUR"})
        assert isinstance(o["tags"], list) and isinstance(o["fraudIndicators"], list)
        assert isinstance(o["roamingIndicator"], bool) and isinstance(o["internationalCall"], bool)
        assert isinstance(o["chargeAmount"], (int, float)) and o["chargeAmount"] >= 0
        assert "e" not in json.dumps(o["chargeAmount"]), "plain notation for money"
    types = Counter(o["callType"] for o in objects)
    assert types.most_common(1)[0][0] == "1", "mostly voice"
    assert types["6"] and types["3"], "some VoLTE and SMS"
    assert {"1", "2", "3", "4", "5"} <= {o["callStatus"] for o in objects}
    offsets = {offset_of(o[k]) for o in objects for k in ("startTime", "endTime")}
    assert {"Z", "+02:00", "-05:00"} <= offsets
    assert {type(o["currency"]) for o in objects} == {str, dict}
    assert any(o["tags"] for o in objects)
    assert any(offset_of(o["startTime"]) != offset_of(o["endTime"]) for o in objects)


def test_demandflow_days_without_records_get_no_file(tmp_path: Path) -> None:
    assert demandflow_gen.write_day(tmp_path, START, 0, random.Random(1), 0, None) is None  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


# -- defects --------------------------------------------------------------------------------------


def test_no_defects_injects_nothing_and_keeps_the_bytes(tmp_path: Path) -> None:
    plain = generate(tmp_path / "a", days=2, calls_per_day=60, seed=5, start=START)
    zero = generate(tmp_path / "b", days=2, calls_per_day=60, seed=5, start=START, defects=0)
    relative = [p.relative_to(tmp_path / "a") for p in plain.files]
    assert relative == [p.relative_to(tmp_path / "b") for p in zero.files]
    for name in relative:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert not zero.defects
    expected = zero.expected
    assert set(expected.files) == set(zero.files)
    assert (expected.rejects, expected.quarantined, expected.superseded, expected.duplicate_files) == (
        0,
        0,
        0,
        0,
    )
    assert expected.calls == expected.rows_read == zero.calls


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_the_defect_rate_is_a_rate(tmp_path: Path, rate: float) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, days=1, calls_per_day=5, start=START, defects=rate)


DEFECT_RATE = 0.1


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("damaged")
    return out, generate(out, days=4, calls_per_day=150, seed=21, start=START, defects=DEFECT_RATE)


def test_defects_are_deterministic(tmp_path: Path) -> None:
    runs = [
        generate(tmp_path / name, days=2, calls_per_day=80, seed=9, start=START, defects=0.3) for name in "ab"
    ]
    relative = [
        [p.relative_to(tmp_path / name) for p in run.files] for name, run in zip("ab", runs, strict=True)
    ]
    assert relative[0] == relative[1]
    for name in relative[0]:
        a, b = tmp_path / "a" / name, tmp_path / "b" / name
        assert a.read_bytes() == b.read_bytes(), name
        assert a.stat().st_mtime == b.stat().st_mtime, name
    assert runs[0].defects == runs[1].defects
    assert runs[0].expected.describe() == runs[1].expected.describe()


def test_defects_come_at_about_the_rate_and_in_every_kind(damaged) -> None:
    _, summary = damaged
    injected = summary.defects
    regular = [
        f
        for f in summary.expected.files.values()
        if not f.defects["duplicate_file"] + f.defects["overlapping_export"]
    ]
    row_defects = sum(injected[k] for k in (*defects_gen.REJECTED, *defects_gen.QUARANTINED))
    rows = sum(f.rows for f in regular)
    assert 0.5 * DEFECT_RATE < row_defects / rows < 1.6 * DEFECT_RATE
    for family in (defects_gen.MALFORMED, defects_gen.BAD_VALUES, defects_gen.RULE_BREAKS):
        assert sum(injected[k] for k in family) > 0.15 * row_defects, family
    for kind in (*defects_gen.BAD_VALUES, *defects_gen.RULE_BREAKS, "too_few_cells", "too_many_cells"):
        assert injected[kind], kind
    for kind in defects_gen.FILE_DEFECTS:
        assert injected[kind] >= 1, kind
    assert injected["cp1252_encoding"] == 1


# What a row must keep to reach fct_calls, judged from the file alone (the warehouse's field rules).
RULE_TIMES = {
    "flowroute_cdr": ("start_time", "end_time"),
    "callr_cdr": ("start", "hangup"),
    "didww_inbound": ("start_time", "end_time"),
    "didww_outbound": ("start_time", "end_time"),
    "demandflow_cdr": ("start_time", "end_time"),
}
RULE_CALLED = {
    "flowroute_cdr": ("destination",),
    "callr_cdr": ("number", "did_intl_number"),
    "didww_inbound": ("did",),
    "didww_outbound": ("destination",),
    "connexcs_cdr": ("destination",),
    "demandflow_cdr": ("called_number",),
}


def parses(kind: str, value: object, null_values: tuple[str, ...]) -> bool:
    if value is None or kind == "text":
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return kind != "timestamp"
    text = str(value).strip()
    if text in ("", *null_values):
        return True
    try:
        if kind == "integer":
            int(text)
        elif kind == "decimal":
            return Decimal(text).is_finite()
        else:
            datetime.fromisoformat(text)
    except (ValueError, ArithmeticError):
        return False
    return True


def judge(spec, values: dict[str, object]) -> str:
    """'reject', 'quarantine' or 'call' for a record whose cells were read (by declared column)."""
    columns = {c.name: c for c in spec.columns}
    for name, value in values.items():
        if not parses(columns[name].kind, value, columns[name].null_values):
            return "reject"
    times = RULE_TIMES.get(spec.name)
    if times and all(values.get(c) not in (None, "") for c in times):
        start, end = (datetime.fromisoformat(str(values[c]).strip()) for c in times)
        if end < start:
            return "quarantine"
    if all(str(values.get(c) or "").strip() == "" for c in RULE_CALLED[spec.name]):
        return "quarantine"
    return "call"


def inspect_file(path: Path) -> dict:
    """Count a file's records, rejects, quarantined rows and valid call keys without the ledger."""
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    found = {"bom": raw.startswith(b"\xef\xbb\xbf"), "crlf": b"\r\n" in raw, "encoding": "utf-8"}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text, found["encoding"] = raw.decode("cp1252"), "cp1252"
    verdicts: list[tuple[str, tuple[str, str] | None]] = []
    if is_json(path):
        spec = DEMANDFLOW
        keys = {c.headers[0]: c.name for c in spec.columns}
        if path.name.removesuffix(".gz").endswith(".ndjson"):
            records = []
            for line in text.splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    records.append(None)
        else:
            records = json.loads(text)
        for record in records:
            if not isinstance(record, dict):
                verdicts.append(("reject", None))
                continue
            values = {
                keys[k]: v for k, v in record.items() if k in keys and not isinstance(v, (list, dict, bool))
            }
            verdicts.append((judge(spec, values), (spec.name, str(record["name"]).strip().lower())))
    else:
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        spec = detect(header).spec
        positions = spec.match_header(header).positions
        for cells in rows:
            if len(cells) != len(header):
                verdicts.append(("reject", None))
                continue
            values = {name: cells[index] for name, index in positions.items()}
            key = "|".join(values.get(c, "").strip().lower() for c in spec.natural_key)
            verdicts.append((judge(spec, values), (spec.name, key)))
    found["rows"] = len(verdicts)
    found["rejects"] = sum(v == "reject" for v, _ in verdicts)
    found["quarantined"] = sum(v == "quarantine" for v, _ in verdicts)
    found["calls"] = [key for v, key in verdicts if v == "call"]
    return found


def test_the_ledger_matches_what_is_in_the_files(damaged) -> None:
    out, summary = damaged
    expected = summary.expected
    on_disk = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(expected.files) == sorted(summary.files) == on_disk
    keys: list[tuple[str, str]] = []
    for path, entry in expected.files.items():
        found = inspect_file(path)
        assert (found["rows"], found["rejects"], found["quarantined"]) == (
            entry.rows,
            entry.rejects,
            entry.quarantined,
        ), path
        assert found["bom"] == bool(entry.defects["utf8_bom"]), path
        assert found["crlf"] == bool(entry.defects["crlf_line_endings"]), path
        assert (found["encoding"] == "cp1252") == bool(entry.defects["cp1252_encoding"]), path
        if entry.duplicate_of is None:
            keys.extend(found["calls"])
    assert len(set(keys)) == expected.calls, "distinct valid calls"
    assert len(keys) - len(set(keys)) == expected.superseded
    assert (
        expected.rows_read == expected.calls + expected.superseded + expected.rejects + expected.quarantined
    )
    # Every injected row defect is in a file that lands (copies repeat them, but are not read).
    assert expected.rejects == sum(summary.defects[k] for k in defects_gen.REJECTED)
    assert expected.quarantined == sum(summary.defects[k] for k in defects_gen.QUARANTINED)


def test_duplicates_are_the_same_bytes_landing_later(damaged) -> None:
    out, summary = damaged
    expected = summary.expected
    by_content: dict[str, list[Path]] = {}
    for path in expected.files:
        by_content.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), []).append(path)
    assert expected.duplicate_files == sum(len(paths) - 1 for paths in by_content.values()) >= 1
    for entry in expected.files.values():
        if entry.duplicate_of is not None:
            original = entry.duplicate_of
            assert original.read_bytes() == entry.path.read_bytes()
            order = lambda p: (p.stat().st_mtime, p.relative_to(out).as_posix())  # noqa: E731
            assert order(original) < order(entry.path)
    copies = expected.with_defect("duplicate_file")
    assert copies and all(expected.files[p].duplicate_of for p in copies)
    assert any(p.relative_to(out).parts[0] == "resent" for p in copies)


def test_overlapping_exports_repeat_earlier_calls_and_land_after_them(damaged) -> None:
    _, summary = damaged
    expected = summary.expected
    reexports = expected.with_defect("overlapping_export")
    assert reexports
    for path in reexports:
        source = path.with_name(path.name.replace("_v2", ""))
        repeated, original = inspect_file(path)["calls"], inspect_file(source)["calls"]
        assert repeated and set(repeated) < set(original), "some calls of the earlier export, never all"
        assert expected.files[path].rows == len(repeated) == expected.files[source].superseded
        others = [
            p
            for p, f in expected.files.items()
            if not f.defects["late_file"] + f.defects["overlapping_export"]
        ]
        assert path.stat().st_mtime > max(p.stat().st_mtime for p in others), "lands after the regular files"
    assert summary.defects["overlapping_row"] == expected.superseded


def test_late_files_are_old_days_delivered_last(damaged) -> None:
    _, summary = damaged
    expected = summary.expected
    late = expected.with_defect("late_file")
    assert late
    others = [p for p in expected.files if p not in late]
    newest_other = max(p.stat().st_mtime for p in others)
    for path in late:
        assert path.stat().st_mtime > newest_other
        assert summary.last_day.isoformat() not in path.name, "an old day"


def test_one_windows_1252_flowroute_export_with_accented_aliases(damaged) -> None:
    _, summary = damaged
    (path,) = summary.expected.with_defect("cp1252_encoding")
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp1252"), newline="")))
    assert detect(list(rows[0])).spec is FLOWROUTE
    aliases = {r["number_alias"] for r in rows if r.get("number_alias")}
    assert aliases and aliases <= set(defects_gen.ACCENTED_ALIASES.values())
    assert any("€" in a for a in aliases) or any("“" in a for a in aliases) or any("é" in a for a in aliases)


# -- fraud patterns -------------------------------------------------------------------------------

FRAUD_DAYS = fraud_gen.MIN_DAYS
"""The fewest days with a fraud export: a full spike baseline before the last day."""


@pytest.fixture(scope="module")
def with_fraud(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("fraud")
    return out, generate(out, days=FRAUD_DAYS, calls_per_day=40, seed=3, start=START)


def fraud_export(summary: GenerationSummary) -> Path:
    (path,) = [p for p in summary.files if p.name.endswith("_fraud.csv")]
    return path


def high_risk_prefixes() -> set[str]:
    with (PROJECT_DIR / "seeds" / "high_risk_destinations.csv").open(newline="") as handle:
        return {row["prefix"] for row in csv.DictReader(handle)}


def most_at_once(calls: list[tuple[datetime, datetime]]) -> int:
    """The most calls in progress at one instant (each on [start, end))."""
    events = sorted([(start, 1) for start, _ in calls] + [(end, -1) for _, end in calls])
    level = peak = 0
    for _, change in events:
        level += change
        peak = max(peak, level)
    return peak


def test_the_last_day_gets_a_flowroute_export_with_every_fraud_pattern(with_fraud) -> None:
    out, summary = with_fraud
    path = fraud_export(summary)
    assert path == out / "flowroute" / f"cdr_export_{summary.last_day.isoformat()}_fraud.csv"
    header, rows = read_csv(path)
    assert detect(header).spec is FLOWROUTE and header == list(FLOWROUTE.column_names)
    times = [(flowroute_time(r["start_time"]), flowroute_time(r["end_time"])) for r in rows]
    assert all(start.date() == summary.last_day for start, _ in times)

    wangiri = [
        r
        for r, (start, end) in zip(rows, times, strict=True)
        if r["direction"] == "Inbound"
        and r["result"] == "Cancelled"
        and r["callerid"].startswith("+216")
        and r["callerid_country"] == "TN"
        and (end - start).total_seconds() <= 5
    ]
    assert len(wangiri) == fraud_gen.WANGIRI_CALLS
    assert len({r["callerid"] for r in wangiri}) == fraud_gen.WANGIRI_CALLS

    short = sorted(
        (start, r["callerid"])
        for r, (start, _) in zip(rows, times, strict=True)
        if r["direction"] == "Outbound" and r["result"] == "Completed" and int(r["duration"]) <= 6
    )
    assert len(short) == fraud_gen.BURST_CALLS and len({caller for _, caller in short}) == 1
    assert (short[-1][0] - short[0][0]).total_seconds() <= 300, "all within one burst window"

    london = [
        (r["callerid"], times[i])
        for i, r in enumerate(rows)
        if r["destination"].startswith("01144207183") and r["result"] == "Completed"
    ]
    assert len(london) == fraud_gen.PARALLEL_CALLS and len({caller for caller, _ in london}) == 1
    assert most_at_once([span for _, span in london]) == fraud_gen.PARALLEL_CALLS > 30

    prefixes = high_risk_prefixes()
    dialled = [r["destination"].removeprefix("011") for r in rows if r["destination"].startswith("011")]
    high_risk = [d for d in dialled if any(d.startswith(p) for p in prefixes)]
    assert len(high_risk) == fraud_gen.HIGH_RISK_CALLS
    assert {d[:2] for d in high_risk} == {"53", "88"}, "Cuba and a satellite phone"
    assert len(rows) == (
        fraud_gen.WANGIRI_CALLS + fraud_gen.BURST_CALLS + fraud_gen.PARALLEL_CALLS + fraud_gen.HIGH_RISK_CALLS
    )


def test_the_fraud_export_is_counted_and_shares_no_call_with_the_regular_ones(with_fraud) -> None:
    out, summary = with_fraud
    path = fraud_export(summary)
    on_disk = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(summary.files) == sorted(summary.expected.files) == on_disk
    fraud_rows = rows_in(path)
    assert summary.expected.files[path].rows == fraud_rows
    assert summary.rows_by_format["flowroute_cdr"] == sum(rows_in(p) for p in files_of(out, "flowroute"))
    assert summary.calls == summary.expected.calls == FRAUD_DAYS * 40 + fraud_rows
    keys = [key for p in summary.files for key in inspect_file(p)["calls"]]
    assert len(keys) == len(set(keys)), "no fraud row repeats a regular call"


def test_no_fraud_export_without_a_full_baseline(tmp_path: Path) -> None:
    summary = generate(tmp_path, days=FRAUD_DAYS - 1, calls_per_day=20, seed=3, start=START)
    assert not [p for p in summary.files if "fraud" in p.name]


def test_the_fraud_export_follows_the_seed(tmp_path: Path, with_fraud) -> None:
    _, summary = with_fraud
    again = generate(tmp_path / "a", days=FRAUD_DAYS, calls_per_day=40, seed=3, start=START)
    other = generate(tmp_path / "b", days=FRAUD_DAYS, calls_per_day=40, seed=4, start=START)
    assert fraud_export(again).read_bytes() == fraud_export(summary).read_bytes()
    assert fraud_export(other).read_bytes() != fraud_export(summary).read_bytes()


def test_damaged_fraud_exports_stay_in_the_ledger(tmp_path: Path) -> None:
    summary = generate(tmp_path, days=FRAUD_DAYS, calls_per_day=40, seed=3, start=START, defects=0.2)
    entry = summary.expected.files[fraud_export(summary)]
    found = inspect_file(entry.path)
    assert (found["rows"], found["rejects"], found["quarantined"]) == (
        entry.rows,
        entry.rejects,
        entry.quarantined,
    )
    expected = summary.expected
    assert (
        expected.rows_read == expected.calls + expected.superseded + expected.rejects + expected.quarantined
    )
