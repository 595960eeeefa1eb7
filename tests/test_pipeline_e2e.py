"""The whole pipeline, as `cdrwh run` runs it, on generated files plus crafted vendor quirks.

One module-scoped run (about half a minute) serves every assertion; a second run checks idempotency.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import FORMATS_BY_NAME
from orchestration.generator import generate
from tests.conftest import cdrwh, write_csv

FLOWROUTE = list(FORMATS_BY_NAME["flowroute_cdr"].column_names)
OLD, NEW = 1_700_000_000, 1_800_000_000  # file mtimes: landing takes older files first


def flowroute(**values: str) -> list[str]:
    """A Flowroute row; end_time defaults to start_time plus the duration (plus 5 s of ringing)."""
    row = dict.fromkeys(FLOWROUTE, "")
    row.update(
        direction="Outbound",
        destination="12065550100",
        callerid="+12065550111",
        total_cost="0.01",
        result="Completed",
        duration="60",
        billed_duration="60",
        rate="0.01",
        start_time="2026-10-01 10:00:00+00",
    )
    row.update(values)
    if not row["end_time"]:
        stamp, offset = row["start_time"][:19], row["start_time"][19:]
        end = datetime.fromisoformat(stamp) + timedelta(seconds=5 + int(row["duration"]))
        row["end_time"] = f"{end:%Y-%m-%d %H:%M:%S}{offset}"
    return [row[c] for c in FLOWROUTE]


CALLR_HEADER = [
    "callid",
    "type",
    "start",
    "answer",
    "hangup",
    "duration",
    "duration_answered",
    "duration_billed",
    "dialstatus",
    "hangupcause",
    "hangupsource",
    "sip_response_code",
    "cli_number",
    "cli_country_code",
    "number",
    "number_country_code",
    "did_intl_number",
    "customer_field",
    "billing_customer_credit_eur",
    "billing_customer_debit_eur",
]


def callr(**values: str) -> list[str]:
    row = dict.fromkeys(CALLR_HEADER, "")
    row.update(
        start="2026-10-01 09:00:00",
        answer="2026-10-01 09:00:05",
        hangup="2026-10-01 09:01:05",
        duration="65",
        duration_answered="60",
        duration_billed="60",
        dialstatus="ANSWER",
        hangupcause="16",
        hangupsource="CALLEE",
        cli_number="+33612345678",
        customer_field="ACME-001",
        billing_customer_credit_eur="0.00",
        billing_customer_debit_eur="100.00",
    )
    row.update(values)
    return [row[c] for c in CALLR_HEADER]


def write_quirks(landing: Path) -> None:
    quirks = landing / "quirks"
    write_csv(
        quirks / "flowroute_quirks.csv",
        FLOWROUTE,
        [
            flowroute(sip_callid="fr-utc", start_time="2026-10-01 18:18:54+00", callerid_country="US"),
            flowroute(sip_callid="fr-offset", start_time="2026-10-01 23:30:00-02:00"),
            flowroute(
                sip_callid="fr-inbound",
                direction="Inbound",
                callerid="+442071838750",
                callerid_country="N/A",
                destination="12065550199",
            ),
            flowroute(
                sip_callid="fr-ip", customer_ip="203.0.113.7:5060", start_time="2026-10-01 11:00:00+00"
            ),
            flowroute(
                sip_callid="fr-money",
                total_cost="0.12345678",
                cost_subtotal="0.12000000",
                usf_fee="0.00345678",
                start_time="2026-10-01 12:00:00+00",
            ),
            flowroute(
                sip_callid="fr-cancel",
                result="Cancelled",
                duration="0",
                billed_duration="0",
                call_fail_sip_code="487",
                call_fail_reason="Request Terminated",
                start_time="2026-10-01 13:00:00+00",
            ),
            flowroute(
                sip_callid="fr-busy",
                result="Busy",
                duration="0",
                billed_duration="0",
                call_fail_sip_code="486",
                start_time="2026-10-01 13:01:00+00",
            ),
            flowroute(
                sip_callid="fr-noanswer",
                result="No Answer",
                duration="0",
                billed_duration="0",
                call_fail_sip_code="480",
                start_time="2026-10-01 13:02:00+00",
            ),
            flowroute(
                sip_callid="fr-failed",
                result="Failed",
                duration="0",
                billed_duration="0",
                call_fail_sip_code="503",
                start_time="2026-10-01 13:03:00+00",
            ),
            flowroute(
                sip_callid="fr-tollfree", destination="18005550100", start_time="2026-10-01 14:00:00+00"
            ),
            flowroute(
                sip_callid="fr-backwards",
                result="Failed",
                duration="0",
                start_time="2026-10-01 14:30:00+00",
                end_time="2026-10-01 14:00:00+00",
            ),
        ],
    )
    # A 25-column export (no sip_callid) and two overlapping exports of one call, the newer one corrected.
    write_csv(
        quirks / "flowroute_25_columns.csv",
        FLOWROUTE[:25],
        [flowroute(start_time="2026-10-01 15:00:00+00")[:25]],
    )
    overlap = {"start_time": "2026-10-01 16:00:00+00", "destination": "447700900123"}
    older = write_csv(
        quirks / "flowroute_export_a.csv",
        FLOWROUTE,
        [flowroute(total_cost="0.10", sip_callid="fr-overlap", **overlap)],
    )
    newer = write_csv(
        quirks / "flowroute_export_b.csv",
        FLOWROUTE,
        [flowroute(total_cost="0.20", sip_callid="fr-overlap", **overlap)],
    )
    os.utime(older, (OLD, OLD))
    os.utime(newer, (NEW, NEW))
    write_csv(
        quirks / "callr_outbound.csv",
        CALLR_HEADER,
        [
            callr(
                callid="cr-out",
                number="+447700900123",
                number_country_code="GB",
                billing_customer_debit_eur="1234.56",
            ),
            callr(callid="cr-nodest", type="OUT", number=""),
            callr(callid="cr-short")[:6],  # a truncated row: a reject with its line
            callr(
                callid="cr-noanswer",
                number="+12065550100",
                answer="0000-00-00 00:00:00",
                duration="20",
                duration_answered="0",
                duration_billed="0",
                dialstatus="NOANSWER",
                hangupcause="19",
                hangupsource="GATEWAY",
                cli_number="",
                billing_customer_debit_eur="0.00",
            ),
        ]
        + [
            callr(
                callid=f"cr-{status.lower()}",
                number="+12065550100",
                answer="0000-00-00 00:00:00",
                duration="5",
                duration_answered="0",
                duration_billed="0",
                dialstatus=status,
                billing_customer_debit_eur="0.00",
            )
            for status in ("BUSY", "CANCEL", "CHANUNAVAIL", "CONGESTION", "NODIAL")
        ],
    )
    write_csv(
        quirks / "callr_inbound.csv",
        CALLR_HEADER,
        [
            callr(
                callid="cr-in",
                did_intl_number="+33998765432",
                cli_number="+12125550123",
                start="2026-10-01 23:59:59",
                answer="2026-10-02 00:00:03",
                hangup="2026-10-02 00:02:03",
                duration="124",
                duration_answered="120",
                duration_billed="120",
                hangupsource="CALLER",
            ),
        ],
    )
    write_csv(quirks / "unknown_vendor.csv", ["when", "who", "what"], [["x", "y", "z"]])


def data_rows(path: Path) -> int:
    """Records in a CSV or JSON file, counted independently of the loader."""
    import json

    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # noqa: SIM115 (closed below)
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        name = path.name.removesuffix(".gz")
        if name.endswith(".ndjson"):
            return sum(1 for line in text if line.strip())
        if name.endswith(".json"):
            return len(json.load(text))
        return sum(1 for _ in csv.reader(text)) - 1


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cdrwh")
    landing = home / "landing"
    summary = generate(landing, days=3, calls_per_day=60, seed=11, start=date(2026, 10, 1))
    assert summary.calls > 0
    write_quirks(landing)
    duplicate = summary.files[0]
    (landing / "resent").mkdir()
    (landing / "resent" / f"copy_of_{duplicate.name}").write_bytes(duplicate.read_bytes())
    return home


@pytest.fixture(scope="module")
def first_run(home: Path) -> subprocess.CompletedProcess:
    return cdrwh(home, "run")


@pytest.fixture(scope="module")
def con(home: Path, first_run: subprocess.CompletedProcess):
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def call(con: duckdb.DuckDBPyConnection, call_id: str, *columns: str) -> tuple:
    row = con.execute(
        f"select {', '.join(columns)} from marts.fct_calls where call_id = ?", [call_id]
    ).fetchall()
    assert len(row) == 1, f"{call_id}: {row}"
    return row[0]


def test_run_reports_landing_and_tests(first_run: subprocess.CompletedProcess) -> None:
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    out = first_run.stdout
    assert "Landing:" in out and "1 duplicate, 1 rejected" in out
    assert " 0 failed" in out and "Published" in out


def test_production_builds_run_data_tests_but_not_unit_tests(home: Path, first_run) -> None:
    """Unit tests check logic on fixed inputs: CI runs them (test_dbt_unit_tests.py), production does not."""
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    kinds = Counter()
    for run_results in (home / "dbt" / "target").glob("*/run_results.json"):
        for node in json.loads(run_results.read_text())["results"]:
            kinds[node["unique_id"].split(".")[0]] += 1
    assert kinds["test"] > 100 and kinds["model"] > 20
    assert kinds["unit_test"] == 0


def test_every_file_is_accounted_for(con: duckdb.DuckDBPyConnection, home: Path) -> None:
    files = con.execute(
        "select path, status, rows_read, rows_loaded, rows_rejected from landing.files"
    ).fetchall()
    on_disk = {
        p.relative_to(home / "landing").as_posix() for p in (home / "landing").rglob("*") if p.is_file()
    }
    assert {f[0] for f in files} == on_disk
    for path, status, read, loaded, rejected in files:
        assert read == loaded + rejected
        if status == "loaded":
            assert read == data_rows(home / "landing" / path), path


def test_every_row_is_a_call_a_duplicate_a_reject_or_quarantined(con: duckdb.DuckDBPyConnection) -> None:
    unbalanced = con.execute("select * from marts.file_reconciliation where not is_balanced").fetchall()
    assert unbalanced == []
    totals = con.execute(
        "select sum(rows_read), sum(calls), sum(duplicates), sum(rejects), sum(quarantined) "
        "from marts.file_reconciliation"
    ).fetchone()
    read, calls, duplicates, rejects, quarantined = totals
    assert read == calls + duplicates + rejects + quarantined
    assert calls == con.execute("select count(*) from marts.fct_calls").fetchone()[0]
    assert duplicates >= 1 and quarantined >= 2  # the overlapping export and the broken quirk rows


def test_rows_breaking_a_field_rule_are_quarantined_not_dropped(con: duckdb.DuckDBPyConnection) -> None:
    quarantined = dict(
        con.execute(
            "select call_id, broken_rules from marts.quarantined_calls where call_id in ('fr-backwards', 'cr-nodest')"
        ).fetchall()
    )
    assert quarantined == {"fr-backwards": "end_before_start", "cr-nodest": "called_number_missing"}
    in_facts = con.execute(
        "select count(*) from marts.fct_calls where call_id in ('fr-backwards', 'cr-nodest')"
    ).fetchone()
    assert in_facts == (0,)


def test_daily_summaries_reconcile_with_fct_calls(con: duckdb.DuckDBPyConnection) -> None:
    facts = con.execute(
        "select call_date, source_vendor, count(*), sum(duration_s), sum(vendor_charge) from marts.fct_calls "
        "group by all order by all"
    ).fetchall()
    traffic = con.execute(
        "select call_date, source_vendor, sum(calls), sum(total_duration_s), sum(vendor_charge) "
        "from marts.daily_traffic group by all order by all"
    ).fetchall()
    vendor = con.execute(
        "select call_date, source_vendor, num_calls, total_cost from marts.daily_vendor_summary order by all"
    ).fetchall()
    assert facts == traffic
    assert [(d, v, n, c) for d, v, n, _, c in facts] == vendor
    assert len({d for d, *_ in facts}) >= 3


def test_kpis_follow_their_definitions(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select calls, answered_calls, busy_calls, no_answer_calls, total_duration_s, asr_pct, ner_pct, acd_s "
        "from marts.daily_traffic where answered_calls > 0"
    ).fetchall()
    assert rows
    for calls, answered, busy, no_answer, seconds, asr, ner, acd in rows:
        assert float(asr) == pytest.approx(round(100 * answered / calls, 2))
        assert float(ner) == pytest.approx(round(100 * (answered + busy + no_answer) / calls, 2))
        assert float(acd) == pytest.approx(round(seconds / answered, 2))


def test_flowroute_timestamps_are_utc(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-utc", "start_time", "call_date") == (
        datetime(2026, 10, 1, 18, 18, 54),
        date(2026, 10, 1),
    )
    # 23:30 at UTC-2 is 01:30 UTC the next day: the call belongs to that UTC day.
    assert call(con, "fr-offset", "start_time", "call_date") == (
        datetime(2026, 10, 2, 1, 30),
        date(2026, 10, 2),
    )


def test_flowroute_capitalised_directions(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-utc", "direction") == ("outbound",)
    assert call(con, "fr-inbound", "direction") == ("inbound",)


def test_flowroute_na_caller_country_is_derived_from_the_number(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-inbound", "calling_number", "calling_country", "called_number") == (
        "+442071838750",
        "GB",
        "+12065550199",
    )
    assert call(con, "fr-utc", "calling_country") == ("US",)


def test_flowroute_ip_port_is_stripped(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-ip", "caller_ip") == ("203.0.113.7",)


def test_flowroute_money_keeps_eight_decimals(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-money", "vendor_charge", "vendor_subtotal", "vendor_usf_fee", "vendor_currency") == (
        Decimal("0.12345678"),
        Decimal("0.12000000"),
        Decimal("0.00345678"),
        "USD",
    )


def test_flowroute_destination_without_plus_becomes_e164(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-utc", "called_number", "called_number_is_e164", "called_country") == (
        "+12065550100",
        True,
        "US",
    )
    assert call(con, "fr-tollfree", "called_number", "billing_class") == ("+18005550100", "toll_free")


def test_flowroute_statuses_map_by_meaning(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(
        con.execute(
            "select call_id, call_status from marts.fct_calls where call_id in "
            "('fr-utc', 'fr-cancel', 'fr-busy', 'fr-noanswer', 'fr-failed')"
        ).fetchall()
    )
    assert got == {
        "fr-utc": "answered",
        "fr-cancel": "abandoned",
        "fr-busy": "busy",
        "fr-noanswer": "no_answer",
        "fr-failed": "failed",
    }


def test_flowroute_25_column_export_lands(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select call_id, call_status from marts.fct_calls where source_file = 'quirks/flowroute_25_columns.csv'"
    ).fetchall()
    assert rows == [(None, "answered")]


def test_overlapping_exports_give_one_call_from_the_newest_file(con: duckdb.DuckDBPyConnection) -> None:
    assert call(con, "fr-overlap", "vendor_charge", "source_file") == (
        Decimal("0.20000000"),
        "quirks/flowroute_export_b.csv",
    )


def test_callr_cents_and_zero_dates(con: duckdb.DuckDBPyConnection) -> None:
    assert call(
        con, "cr-out", "vendor_charge", "vendor_currency", "direction", "called_number", "account_number"
    ) == (Decimal("12.3456"), "EUR", "outbound", "+447700900123", "ACME-001")
    assert call(
        con,
        "cr-noanswer",
        "answer_time",
        "duration_s",
        "call_status",
        "calling_number",
        "calling_number_is_e164",
    ) == (None, 0, "no_answer", "anonymous", False)


def test_callr_inbound_record(con: duckdb.DuckDBPyConnection) -> None:
    assert call(
        con, "cr-in", "direction", "called_number", "calling_number", "call_date", "hangup_source"
    ) == ("inbound", "+33998765432", "+12125550123", date(2026, 10, 1), "caller")


def test_callr_dial_statuses_map_by_meaning(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(
        con.execute(
            "select vendor_status, call_status from marts.fct_calls where call_id like 'cr-%'"
        ).fetchall()
    )
    assert got == {
        "ANSWER": "answered",
        "NOANSWER": "no_answer",
        "BUSY": "busy",
        "CANCEL": "abandoned",
        "CHANUNAVAIL": "failed",
        "CONGESTION": "failed",
        "NODIAL": "failed",
    }


def test_unknown_header_and_resent_file_are_recorded(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute("select status, reason from landing.files where status <> 'loaded'").fetchall())
    assert rows["rejected"].startswith("no declared format matches")
    assert rows["duplicate"].startswith("same content as ")


def test_sql_and_status_read_the_snapshot(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    result = cdrwh(home, "sql", "select count(*) as n from marts.fct_calls", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert f'"n": {con.execute("select count(*) from marts.fct_calls").fetchone()[0]}' in result.stdout
    refused = cdrwh(home, "sql", "delete from marts.fct_calls")
    assert refused.returncode == 1 and "read-only" in refused.stderr
    status = cdrwh(home, "status")
    assert status.returncode == 0 and "fct_calls" in status.stdout
    assert "Most common reject reasons" in status.stdout and "missing columns" in status.stdout
    assert "quirks/callr_outbound.csv:" in status.stdout
    assert "end_before_start" in status.stdout  # quarantine by rule


def test_a_broken_conservation_fails_the_run_and_keeps_the_last_snapshot(tmp_path: Path) -> None:
    home = tmp_path / "cdrwh"
    write_csv(
        home / "landing" / "callr.csv",
        CALLR_HEADER,
        [
            callr(callid="ok", number="+447700900123"),
            callr(callid="short")[:5],
        ],
    )
    assert cdrwh(home, "run").returncode == 0
    snapshot = (home / "serving.duckdb").read_bytes()
    # Deliberately break the books: a reject disappears, so the file no longer balances.
    with duckdb.connect(str(home / "warehouse.duckdb")) as warehouse:
        warehouse.execute("delete from landing.rejects")
    result = cdrwh(home, "run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED test.cdr_warehouse.expression_is_true_file_reconciliation_is_balanced" in result.stdout
    assert (home / "serving.duckdb").read_bytes() == snapshot


DESIGN_FCT_CALLS_COLUMNS = """
cdr_id source_vendor source_format source_file source_line call_id session_id
call_type direction call_status vendor_status
calling_number called_number calling_number_is_e164 called_number_is_e164 original_called_number
final_called_number calling_name called_name imsi imei calling_country called_country destination_name
account_number customer_code cost_center project_code number_alias tags
start_time answer_time end_time call_date duration_s billable_duration_s ring_duration_s hold_duration_s
originating_switch terminating_switch originating_trunk terminating_trunk routing_number caller_ip
roaming_indicator international_call billing_class
codec mos jitter_ms packet_loss_pct latency_ms rtp_packets_sent rtp_packets_received quality_score
customer_experience
protocol sip_response_code release_cause q850_cause hangup_source
vendor_currency vendor_rate_per_min vendor_charge vendor_fees
rate_deck_id rated_prefix rate_applied rate_type rated_duration_s connect_fee charge_amount tax_rate tax_amount
currency margin rating_status
fraud_score fraud_indicators
""".split()

DESIGN_DAILY_TRAFFIC_COLUMNS = """
call_date source_vendor direction account_number called_country billing_class calls answered_calls busy_calls
no_answer_calls failed_calls asr_pct ner_pct acd_s total_duration_s billed_minutes vendor_charge charge_amount
tax_amount margin avg_mos
""".split()

DESIGN_DAILY_VENDOR_SUMMARY_COLUMNS = """
call_date source_vendor num_calls billed_minutes total_cost call_subtotal connect_fees usf_fees ccrf
cnam_lookup_fees
""".split()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("marts.fct_calls", DESIGN_FCT_CALLS_COLUMNS),
        ("marts.daily_traffic", DESIGN_DAILY_TRAFFIC_COLUMNS),
        ("marts.daily_vendor_summary", DESIGN_DAILY_VENDOR_SUMMARY_COLUMNS),
        (
            "landing.files",
            "file_id path format sha256 size_bytes rows_read rows_loaded rows_rejected status "
            "reason landed_at".split(),
        ),
        ("landing.rejects", ["file_id", "line", "raw_text", "reason"]),
    ],
)
def test_tables_have_the_design_columns(
    con: duckdb.DuckDBPyConnection, table: str, expected: list[str]
) -> None:
    schema, name = table.split(".")
    present = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    assert [c for c in expected if c not in present] == []


def test_second_run_with_no_new_files_changes_nothing(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    def contents() -> list:
        with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as snapshot:
            return [
                snapshot.execute(f"select * from {t} order by all").fetchall()
                for t in (
                    "landing.files",
                    "landing.rejects",
                    "marts.fct_calls",
                    "marts.daily_traffic",
                    "marts.daily_vendor_summary",
                )
            ]

    before = contents()
    con.close()
    second = cdrwh(home, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 files loaded, 0 duplicate, 0 rejected" in second.stdout
    assert contents() == before
