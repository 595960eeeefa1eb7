"""The export marts (DESIGN §8): each layout's fields, in the vendor document's order and spelling.

The expected field lists are written out here, each with where it comes from in the vendor documents
(``../shared/seeds/``), because CI runs from a clean clone that may not have them; when the documents are
there, ``test_layout_fields_are_the_seed_documents`` checks the lists against their text.

Then one small pipeline run (module-scoped: generate a day of calls, ``cdrwh run``) checks that every
``exports.export_<layout>`` table has ``_cdr_id``, ``_start_time`` and exactly these fields, in this order,
with one row per call of ``marts.fct_calls``, and values written the vendor's way.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import FORMATS_BY_NAME
from tests.conftest import cdrwh

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"

# Seed 000 (Flowroute CDR export), "Sequence of CDR Fields": one field per line, e.g.
# "direction  -  Inbound/outbound" ... "sip_callid  -  SIP packet Call ID to quickly search packet captures".
FLOWROUTE_FIELDS = [
    "direction",
    "start_time",
    "end_time",
    "destination",
    "number_alias",
    "callerid",
    "total_cost",
    "destination_name",
    "callerid_country",
    "line_information",
    "result",
    "call_fail_sip_code",
    "call_fail_reason",
    "duration",
    "billed_duration",
    "rate",
    "first_increment",
    "subsequent_increment",
    "cost_subtotal",
    "connect_fee",
    "usf_fee",
    "ccrf",
    "cnam_lookup_fee",
    "custom_x_tag",
    "customer_ip",
    "sip_callid",
]

# Seed 001 (CALLR CDRs), "How to read the CDRs?": the dictionary, one field per line from
# "answer Call answer date and time." to "start Call start date and time.", in the document's order. Its
# "Dial Status" entry (between did_intl_number and duration) is the dialstatus field, as CALLR exports
# and the landing declaration (orchestration/formats/callr.py) name it.
CALLR_FIELDS = [
    "answer",
    "billing_customer_cost_label",
    "billing_customer_credit_eur",
    "billing_customer_debit_eur",
    "callid",
    "callid_in",
    "cli_country_code",
    "cli_name",
    "cli_number",
    "cli_number_type",
    "cli_pres",
    "customer_field",
    "did_hash",
    "did_intl_number",
    "dialstatus",  # seed: "Dial Status"
    "duration",
    "duration_answered",
    "duration_billed",
    "hangup",
    "hangupcause",
    "hangupsource",
    "invalid_number",
    "number",
    "number_country_code",
    "number_type",
    "package_name",
    "sip_response_code",
    "scenario_hash",
    "scenario_name",
    "start",
]
CALLR_DIAL_STATUS_HEADING = "Dial Status"

# Seed 002 (DIDWW call logs), "Inbound CDR Exported CSV File Description": the Header column of fields 1-13.
DIDWW_INBOUND_FIELDS = [
    "Date/Time Start (UTC)",
    "Date/Time Connect (UTC)",
    "Date/Time End (UTC)",
    "Source",
    "DID",
    "Destination",
    "Duration (secs)",
    "Disconnect Initiator",
    "Disconnect Code",
    "Disconnect Response",
    "Toll-free Amount (USD)",
    "Termination Amount (USD)",
    "Metered Channels Amount (USD)",
]

# Seed 002, "Outbound CDR Exported CSV File Description": the Header column of fields 1-16. The table writes
# "CLI*" and "CDR Type*": the '*' marks the footnotes under it ("CLI - Caller ID sent from ...", "CDR Type -
# CDR types differ ...", with an en dash); the header itself is "CLI" / "CDR Type", as the landing
# declaration (orchestration/formats/didww.py) spells it.
DIDWW_OUTBOUND_FIELDS = [
    "Date/Time Start (UTC)",
    "Date/Time Connect (UTC)",
    "Date/Time End (UTC)",
    "Source",
    "CLI",  # seed: "CLI*"
    "Destination",
    "Duration (secs)",
    "Billing Duration",
    "Disconnect Code",
    "Disconnect Reason",
    "Rate (USD per minute)",
    "Charged (USD)",
    "CDR Type",  # seed: "CDR Type*"
    "Country Name",
    "Network Name",
    "Trunk Name",
]
DIDWW_FOOTNOTED = {"CLI", "CDR Type"}

# Seed 003 (DemandFlow CDR entity), "Fields": the Field column of every panel's table, in order, from
# "name | text | Yes | Read-only. Unique identifier for this CDR" to "tags | multiselect | Tags.". The API
# request envelope of "Creating a CDR via the API" (entity, level, comboKey) is not part of the CDR object.
DEMANDFLOW_FIELDS = [
    "name",
    "callId",
    "sessionId",
    "callType",
    "direction",
    "callStatus",
    "callingNumber",
    "calledNumber",
    "originalCalledNumber",
    "finalCalledNumber",
    "callingName",
    "calledName",
    "imsi",
    "imei",
    "startTime",
    "answerTime",
    "endTime",
    "duration",
    "billableDuration",
    "ringDuration",
    "holdDuration",
    "originatingSwitch",
    "terminatingSwitch",
    "transitSwitches",
    "originatingTrunk",
    "terminatingTrunk",
    "routingNumber",
    "originatingCell",
    "terminatingCell",
    "originatingLAC",
    "terminatingLAC",
    "originatingMSC",
    "terminatingMSC",
    "roamingIndicator",
    "internationalCall",
    "codec",
    "mos",
    "jitter",
    "packetLoss",
    "latency",
    "rtpPacketsSent",
    "rtpPacketsReceived",
    "protocol",
    "sipResponseCode",
    "releaseCode",
    "releaseCause",
    "q850Cause",
    "chargeAmount",
    "currency",
    "rateApplied",
    "rateType",
    "billingClass",
    "accountNumber",
    "customerCode",
    "costCenter",
    "projectCode",
    "taxAmount",
    "taxRate",
    "fraudScore",
    "fraudIndicators",
    "qualityScore",
    "customerExperience",
    "tags",
]

LAYOUTS = {
    "flowroute": FLOWROUTE_FIELDS,
    "callr": CALLR_FIELDS,
    "didww_inbound": DIDWW_INBOUND_FIELDS,
    "didww_outbound": DIDWW_OUTBOUND_FIELDS,
    "demandflow": DEMANDFLOW_FIELDS,
}
# The landing format that reads each layout back (its declaration lists every header spelling).
LANDING_FORMAT = {
    "flowroute": "flowroute_cdr",
    "callr": "callr_cdr",
    "didww_inbound": "didww_inbound",
    "didww_outbound": "didww_outbound",
    "demandflow": "demandflow_cdr",
}
PRIVATE_COLUMNS = ["_cdr_id", "_start_time"]


# --- the field lists against the vendor documents --------------------------------------------------------


def _seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str | None = None) -> str:
    begin = text.index(start) + len(start)
    return text[begin : text.index(end, begin)] if end else text[begin:]


def seed_flowroute_fields(text: str) -> list[str]:
    """Seed 000: the first word of each line of 'Sequence of CDR Fields'."""
    lines = _section(text, "Sequence of CDR Fields").splitlines()
    return [line.split()[0] for line in lines if line.strip()]


def seed_callr_fields(text: str) -> list[str]:
    """Seed 001: the dictionary lines ('answer Call answer ...'), with its 'Dial Status' entry in place."""
    body = _section(text, "How to read the CDRs?")
    fields = []
    for line in body.splitlines():
        if line.strip() == CALLR_DIAL_STATUS_HEADING:
            fields.append(CALLR_DIAL_STATUS_HEADING)
        elif match := re.match(r"([a-z][a-z0-9_]*) \S", line):
            fields.append(match.group(1))
    return fields


def seed_didww_headers(text: str, table: str, end: str | None) -> list[str]:
    """Seed 002: the Header cell of fields 1, 2, ... of one table (each cell is a line ending in ' |')."""
    lines = [line.strip() for line in _section(text, table, end).splitlines()]
    headers, expected = [], 1
    for index, line in enumerate(lines[:-1]):
        if line == f"{expected} |":
            headers.append(lines[index + 1].removesuffix("|").strip())
            expected += 1
    return headers


def seed_demandflow_fields(text: str) -> list[str]:
    """Seed 003: the Field cell of each row of the panels' tables ('callType | enum | Yes | ...')."""
    body = _section(text, "Fields", "Relationships")
    return [m.group(1) for m in re.finditer(r"(?m)^([A-Za-z][A-Za-z0-9]*) \| ", body)]


def _in_order(fields: list[str], text: str) -> None:
    """Every field occurs verbatim in the text, each after the one before."""
    position = 0
    for field in fields:
        found = text.find(field, position)
        assert found >= 0, f"{field!r} does not occur (after the previous field) in the seed"
        position = found + len(field)


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the vendor documents are not here ({SEEDS})")
def test_layout_fields_are_the_seed_documents() -> None:
    flowroute = _seed_text("000")
    assert seed_flowroute_fields(flowroute) == FLOWROUTE_FIELDS
    _in_order(FLOWROUTE_FIELDS, _section(flowroute, "Sequence of CDR Fields"))

    callr = _seed_text("001")
    documented = [CALLR_DIAL_STATUS_HEADING if f == "dialstatus" else f for f in CALLR_FIELDS]
    assert seed_callr_fields(callr) == documented
    _in_order(documented, _section(callr, "How to read the CDRs?"))

    didww = _seed_text("002")
    inbound_table = "Inbound CDR Exported CSV File Description"
    outbound_table = "Outbound CDR Exported CSV File Description"
    assert seed_didww_headers(didww, inbound_table, outbound_table) == DIDWW_INBOUND_FIELDS
    outbound = seed_didww_headers(didww, outbound_table, None)
    assert [h.removesuffix("*") for h in outbound] == DIDWW_OUTBOUND_FIELDS
    assert {h.removesuffix("*") for h in outbound if h.endswith("*")} == DIDWW_FOOTNOTED
    for footnoted in DIDWW_FOOTNOTED:  # the footnote under the table names the column without its '*'
        assert f"\n{footnoted} \N{EN DASH} " in didww
    _in_order(DIDWW_INBOUND_FIELDS, _section(didww, inbound_table, outbound_table))
    _in_order(DIDWW_OUTBOUND_FIELDS, _section(didww, outbound_table))

    demandflow = _seed_text("003")
    assert seed_demandflow_fields(demandflow) == DEMANDFLOW_FIELDS
    _in_order(DEMANDFLOW_FIELDS, _section(demandflow, "Fields", "Relationships"))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_is_read_back_by_its_landing_format(layout: str) -> None:
    """A file written in a layout is recognised as its vendor's format, every field a declared column."""
    spec = FORMATS_BY_NAME[LANDING_FORMAT[layout]]
    match = spec.match_header(LAYOUTS[layout])
    assert match.ok, match.shortfall()
    assert match.ignored == ()


# --- the export marts in a built warehouse ----------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small pipeline run for the module: yesterday's generated calls, landed and built."""
    home = tmp_path_factory.mktemp("exports") / "cdrwh"
    (home / "landing").mkdir(parents=True)
    generated = cdrwh(home, "generate", "--days", "1", "--calls-per-day", "50")
    assert generated.returncode == 0, generated.stderr
    run = cdrwh(home, "run", timeout=1200)
    assert run.returncode == 0, f"cdrwh run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return home


@pytest.fixture(scope="module")
def warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_export_mart_has_exactly_the_layout_fields(warehouse, layout: str) -> None:
    assert _columns(warehouse, "exports", f"export_{layout}") == [*PRIVATE_COLUMNS, *LAYOUTS[layout]]


def test_canonical_export_has_every_fct_calls_column(warehouse) -> None:
    calls = _columns(warehouse, "marts", "fct_calls")
    assert calls, "marts.fct_calls was not built"
    assert _columns(warehouse, "exports", "export_canonical") == [*PRIVATE_COLUMNS, *calls]


@pytest.mark.parametrize("layout", [*sorted(LAYOUTS), "canonical"])
def test_every_call_is_in_every_layout(warehouse, layout: str) -> None:
    calls = _count(warehouse, "marts.fct_calls")
    assert calls > 0
    table = f"exports.export_{layout}"
    assert _count(warehouse, table) == calls
    (distinct, missing) = warehouse.execute(
        f"select count(distinct e._cdr_id), count(*) filter (where e._cdr_id is null)"
        f" from marts.fct_calls as f left join {table} as e on f.cdr_id = e._cdr_id"
    ).fetchone()
    assert (distinct, missing) == (calls, 0)
    (windowed,) = warehouse.execute(
        f"select count(*) from {table} as e join marts.fct_calls as f"
        " on e._cdr_id = f.cdr_id and e._start_time = f.start_time"
    ).fetchone()
    assert windowed == calls


# (layout, field, pattern every non-empty value matches): times, numbers and enums written the vendor's way.
VALUE_FORMATS = [
    ("flowroute", "start_time", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00"),
    ("flowroute", "direction", r"Inbound|Outbound"),
    ("flowroute", "destination", r"[^+].*"),
    ("flowroute", "result", r"Completed|No Answer|Busy|Cancelled|Failed"),
    ("flowroute", "total_cost", r"-?\d+\.\d{8}"),
    ("callr", "answer", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    ("callr", "start", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    ("callr", "billing_customer_debit_eur", r"\d+\.\d\d"),
    ("callr", "dialstatus", r"ANSWER|BUSY|CANCEL|CHANUNAVAIL|CONGESTION|NOANSWER|NODIAL"),
    ("didww_inbound", "Date/Time Start (UTC)", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    ("didww_inbound", "DID", r"[^+].*"),
    ("didww_outbound", "Disconnect Code", r"[1-6]\d\d"),
    ("didww_outbound", "Charged (USD)", r"-?\d+\.\d{4}"),
    ("demandflow", "startTime", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    ("demandflow", "callType", r"[1-9]"),
    ("demandflow", "direction", r"[1-5]"),
    ("demandflow", "callStatus", r"[1-8]"),
]


@pytest.mark.parametrize(("layout", "field", "pattern"), VALUE_FORMATS)
def test_values_are_written_the_vendors_way(warehouse, layout: str, field: str, pattern: str) -> None:
    quoted = '"' + field.replace('"', '""') + '"'
    values = [
        value
        for (value,) in warehouse.execute(
            f"select distinct cast({quoted} as varchar) from exports.export_{layout}"
            f" where {quoted} is not null"
        ).fetchall()
    ]
    assert values, f"export_{layout}.{field} is empty for every call"
    wrong = [v for v in values if not re.fullmatch(pattern, v)]
    assert not wrong, f"export_{layout}.{field}: {wrong[:5]}"


def test_the_scheduled_export_job_writes_yesterday(
    home: Path, warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daily_export schedule's run config, run in process: yesterday, canonical, csv.gz."""
    from datetime import datetime, timedelta, timezone

    import dagster as dg

    from orchestration.defs.exports.jobs import daily_export_schedule, export_calls_job

    monkeypatch.setenv("CDRWH_HOME", str(home))
    run_config = (
        daily_export_schedule.evaluate_tick(
            dg.build_schedule_context(scheduled_execution_time=datetime.now(timezone.utc))
        )
        .run_requests[0]
        .run_config
    )
    result = export_calls_job.execute_in_process(
        run_config=run_config, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    written = home / "exports" / f"canonical_{yesterday}_{yesterday}.csv.gz"
    rows = duckdb.sql(f"select count(*) from read_csv('{written}')").fetchall()[0][0]
    assert rows == _count(warehouse, "marts.fct_calls") > 0
    refused = export_calls_job.execute_in_process(
        run_config={"ops": {"export_calls_op": {"config": {"layout": "nope"}}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not refused.success


def test_dbt_docs_document_the_exports_and_the_bi_exposures(home: Path, tmp_path: Path) -> None:
    """`make docs`: the data dictionary covers the export marts and declares who reads what."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    # dbt opens the warehouse for writing, and this module holds it open read-only: document a copy.
    copy = tmp_path / "cdrwh"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    target = copy / "dbt" / "docs"
    env = {**os.environ, "CDRWH_HOME": str(copy), "DBT_PROFILES_DIR": str(Path(__file__).parent.parent)}
    dbt = Path(sys.executable).parent / "dbt"
    generated = subprocess.run(
        [str(dbt), "docs", "generate", "--target-path", str(target)],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert generated.returncode == 0, generated.stdout[-3000:]
    catalog = json.loads((target / "catalog.json").read_text())
    flowroute = catalog["nodes"]["model.cdr_warehouse.export_flowroute"]["columns"]
    assert list(flowroute)[2:] == FLOWROUTE_FIELDS
    manifest = json.loads((target / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"daily_traffic_dashboard", "quality_and_fraud_dashboard", "export_service"} <= set(exposures)
    assert "model.cdr_warehouse.export_flowroute" in exposures["export_service"]["depends_on"]["nodes"]


def test_the_layout_test_names_every_broken_rule(home: Path, warehouse, tmp_path: Path) -> None:
    """export_flowroute_layout (the one data test of a layout, macros/exports.sql) reads the view once and
    fails with a row per offending call naming each rule it breaks: a call missing, one exported twice, a
    row that is no call, an empty required field, a value not accepted, a status that maps back wrong."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    answered = [
        cdr_id
        for (cdr_id,) in warehouse.execute(
            "select cdr_id from marts.fct_calls where call_status = 'answered' order by cdr_id limit 5"
        ).fetchall()
    ]
    assert len(answered) == 5
    missing, twice, no_end, sideways, busy = answered
    copy = tmp_path / "cdrwh"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    with duckdb.connect(str(copy / "warehouse.duckdb")) as con:
        con.execute("alter view exports.export_flowroute rename to export_flowroute_as_built")
        con.execute(
            f"""
            create view exports.export_flowroute as
            with broken as (
                select * replace (
                    case when _cdr_id = '{no_end}' then null else end_time end as end_time,
                    case when _cdr_id = '{sideways}' then 'Sideways' else direction end as direction,
                    case when _cdr_id = '{busy}' then 'Busy' else result end as result
                )
                from exports.export_flowroute_as_built
                where _cdr_id <> '{missing}'
            )
            select * from broken
            union all
            select * from broken where _cdr_id = '{twice}'
            union all
            select * replace ('ghost' as _cdr_id) from broken where _cdr_id = '{twice}'
            """
        )
    env = {
        **os.environ,
        "CDRWH_HOME": str(copy),
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(copy / "dbt" / "target"),
        "DBT_LOG_PATH": str(copy / "dbt" / "logs"),
    }
    tested = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "test",
            "--select",
            "export_flowroute_layout",
            "--store-failures",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tested.returncode == 1, tested.stdout[-3000:]
    results = json.loads((copy / "dbt" / "target" / "run_results.json").read_text())["results"]
    tests = [r for r in results if r["unique_id"].startswith("test.")]  # not the on-run-end hook
    assert [(r["unique_id"].split(".")[2], r["status"], r["failures"]) for r in tests] == [
        ("export_flowroute_layout", "fail", 6)
    ]
    with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as con:
        (relation,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_name = 'export_flowroute_layout'"
        ).fetchone()
        failures = dict(con.execute(f"select cdr_id, failure from {relation}").fetchall())
    assert failures == {
        missing: "missing from the export",
        twice: "exported 2 times",
        "ghost": "not a call of fct_calls",
        no_end: "end_time is null",
        sideways: "direction Sideways is not one of Inbound, Outbound",
        busy: "result Busy maps back to busy in status_map_flowroute, the call is answered",
    }
