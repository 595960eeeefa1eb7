"""The synthetic CDR generator: deterministic files shaped by the format declarations and field rules."""

from __future__ import annotations

import csv
import gzip
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import phonenumbers
import pytest

from orchestration.formats import FORMATS_BY_NAME, detect
from orchestration.generator import GenerationSummary, generate
from orchestration.generator import callr as callr_gen
from orchestration.generator import flowroute as flowroute_gen
from orchestration.generator.calls import Outcome, billed_seconds, call_starts, draw_call
from orchestration.generator.numbering import COUNTRIES, LineType, draw_number, has_line_type, is_valid_for
from orchestration.generator.writers import csv_file
from orchestration.settings import PROJECT_DIR

START = date(2026, 10, 1)
FLOWROUTE = FORMATS_BY_NAME["flowroute_cdr"]
CALLR = FORMATS_BY_NAME["callr_cdr"]
FEES = ("connect_fee", "usf_fee", "ccrf", "cnam_lookup_fee")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, record, strict=True)) for record in reader]


def status_map(vendor: str) -> dict[str, str]:
    with (PROJECT_DIR / "seeds" / f"status_map_{vendor}.csv").open(newline="") as handle:
        return {row["vendor_status"]: row["call_status"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary, list[Path]]:
    out = tmp_path_factory.mktemp("landing")
    announced: list[Path] = []
    summary = generate(out, days=3, calls_per_day=240, seed=3, start=START, progress=announced.append)
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
        header, rows = read_csv(path)
        counted[detect(header).spec.name] += len(rows)
    assert dict(counted) == summary.rows_by_format
    assert summary.calls == sum(counted.values()) == 3 * 240
    assert (summary.first_day, summary.last_day) == (START, START + timedelta(days=2))


def test_file_layout_per_day(generated) -> None:
    out, _, _ = generated
    days = [(START + timedelta(days=i)).isoformat() for i in range(3)]
    flowroute_names = {p.name.removesuffix(".gz") for p in files_of(out, "flowroute")}
    assert flowroute_names == {f"cdr_export_{d}.csv" for d in days}
    assert {p.name for p in files_of(out, "callr")} == {
        f"cdrs_{direction}_{d}.csv" for d in days for direction in ("inbound", "outbound")
    }
    assert not list(out.rglob("*.part"))


def test_every_file_is_detected_as_its_format(generated) -> None:
    out, _, _ = generated
    for vendor, spec in (("flowroute", FLOWROUTE), ("callr", CALLR)):
        for path in files_of(out, vendor):
            assert detect(read_csv(path)[0]).spec is spec, path


def test_vendor_split_is_roughly_55_45(tmp_path: Path) -> None:
    summary = generate(tmp_path, days=2, calls_per_day=1000, seed=8, start=START)
    share = summary.rows_by_format["flowroute_cdr"] / summary.calls
    assert 0.50 < share < 0.60


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
    assert sorted(len(h) for h in headers) == [len(declared) - 1, len(declared), len(declared) + 2]
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
