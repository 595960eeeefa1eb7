"""The Spark landing (orchestration/landing/spark_loader.py) against DuckDB's on the same files: the same
``landing.files`` rows (file ids, statuses, counts, reasons), the same rejects (line, reason, text) and the
same raw rows, line for line; a second run lands nothing; an interrupted landing is repaired.

Spark runs in processes of its own (``land_with_spark``), as the pipeline runs it; its tables are read
back from the Parquet files under $CDRWH_HOME/spark/warehouse with DuckDB. A JVM start costs 10-20 s, so
one landing of a varied delivery serves most assertions. Run with ``pytest -m spark``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import ALL_FORMATS
from orchestration.generator import generate
from orchestration.landing.loader import LandingReport, land
from orchestration.landing.spark_loader import land_with_spark
from tests.conftest import write_csv
from tests.test_landing import FLOWROUTE, demandflow_object, flowroute_row

pytestmark = pytest.mark.spark

SPLIT_BYTES = 4096
"""Spark reads files in splits this small (``spark.sql.files.maxPartitionBytes``): most files come in
several, so line numbers are counted across splits."""
BIG_ROWS = 3000
LEGACY_ALIAS = "Café \u2013 “Zürich” €5"
"""Windows-1252 text: the dash, the quotes and the euro sign are not Latin-1."""
DECK = [
    "deck_id",
    "prefix",
    "destination",
    "rate_per_minute",
    "currency",
    "first_increment",
    "subsequent_increment",
    "effective_from",
]
CAST_EDGES = [
    "5",
    " 5 ",
    "\t5",
    "5 5",
    "1.5",
    " 1.5",
    "1,5",
    "1e3",
    "",
    " ",
    "abc",
    "+5",
    "-.5",
    "5.",
    "1e-3",
    "NaN",
    "Infinity",
    "1d",
    "99999999999999999999999999999",
    "0.00000000001",
    "-0",
    "00012",
    "9223372036854775808",
    "2026-10-01 10:00:00+00",
    " 2026-10-01 10:00:00+02:00 ",
    "2026-10-01T10:00:00Z",
    "2026-13-45 99:00:00+00",
    "0000-00-00 00:00:00",
    "infinity",
    " -infinity",
    "epoch",
    "2026",
    "2026-10",
    "2026-10-01 10",
    "10:00:00",
    "2026-10-01T10:00:00.123456+02:00",
    "2026-10-01 10:00:00 UTC",
    "2026-10-01 10:00:00 Europe/Paris",
    "2026-10-01 10:00:00+0200",
    "2026-10-01 10:00:00-0530",
    "2026-01-01 1:2:3",
    "20261001",
    "T10:00:00",
]
"""Values at the edges of what the casts take, each put in an integer, a decimal and a timestamp column:
DuckDB's verdicts and Spark's must agree (the spellings that differ by design are left out)."""
DIFFERENT = {"blank_line.csv", "unterminated_quote.csv", "nested_numbers.ndjson"}
"""Files on which Spark's landing differs from DuckDB's by design (spark_loader's docstring): checked
against their own expectations, not DuckDB's."""


# -- the delivery ---------------------------------------------------------------------------------


def csv_line(row: list[str]) -> str:
    """A row as one CSV line, quoted where needed."""
    return ",".join(f'"{c.replace(chr(34), 2 * chr(34))}"' if any(x in c for x in ',"') else c for c in row)


def write_lines(path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_crafted_csv(landing: Path) -> None:
    """CSV files with every kind of reject DuckDB's reader and the value checks produce."""
    header = ",".join(FLOWROUTE)
    mixed = [
        header,
        csv_line(flowroute_row(1, destination_name="Curaçao")),  # UTF-8: the file is not a legacy one
        csv_line(flowroute_row(2)[:4]),  # missing columns
        csv_line([*flowroute_row(3), "surplus", "more"]),  # too many columns
        csv_line(flowroute_row(4, start_time="2026-13-45 99:00:00+00", total_cost="1,5")),  # two bad values
        csv_line(
            flowroute_row(5, number_alias='x,"y"', duration=" 60.0 ")
        ),  # quoted cell; 60.0 is an integer
        csv_line(flowroute_row(6, number_alias="XX")),  # invalid UTF-8 (below)
        csv_line(flowroute_row(7, number_alias="QQ")).replace("QQ", '"ab"c'),  # text after a closing quote
        csv_line(flowroute_row(8, number_alias="QQ")).replace(",QQ,", ', "spaced" ,'),  # blanks around quotes
        "   ",  # a line of blanks: one cell
        csv_line(flowroute_row(9, duration="1e3", end_time="2026-10-01")),  # DuckDB takes both
        csv_line(flowroute_row(10, end_time="2026-10")),  # a partial date: not a date and time
        csv_line(flowroute_row(11, end_time="infinity", rate="N/A")),
        csv_line(flowroute_row(12, call_fail_sip_code="4.6e2", billed_duration="7 sec")),
        csv_line(flowroute_row(13, sip_callid="")),
    ]
    path = write_lines(landing / "crafted" / "mixed.csv", mixed)
    path.write_bytes(path.read_bytes().replace(b"XX", b"\x81\x8d"))
    write_csv(
        landing / "crafted" / "bom_crlf.csv",
        FLOWROUTE,
        [flowroute_row(20), flowroute_row(21, duration="x")],
        newline="\r\n",
        bom=True,
    )
    legacy = [
        header,
        csv_line(flowroute_row(30, number_alias=LEGACY_ALIAS, destination_name="Curaçao")),
    ]
    write_lines(landing / "crafted" / "windows.csv", legacy, encoding="cp1252")
    text = "\n".join([header, csv_line(flowroute_row(31)), csv_line(flowroute_row(32))[:30]]) + "\n"
    (landing / "crafted" / "UPPER.CSV.GZ").write_bytes(gzip.compress(text.encode()))
    write_lines(landing / "crafted" / "odd [name]: a.csv", [header, csv_line(flowroute_row(33))])
    write_lines(landing / "crafted" / "header_only.csv", [header])
    write_lines(landing / "crafted" / "mystery.csv", ["foo,bar", "1,2"])
    (landing / "crafted" / "empty.csv").write_text("")
    (landing / "crafted" / "notes.txt").write_text("not a CDR export")
    with (landing / "crafted" / "big.csv").open("w") as handle:
        handle.write(header + "\n")
        for n in range(BIG_ROWS):
            row = flowroute_row(n % 60, sip_callid=f"call-{n}")
            handle.write(csv_line(row[:5] if n % 997 == 500 else row) + "\n")
    edges = [
        csv_line(flowroute_row(n, duration=v, total_cost=v, end_time=v)) for n, v in enumerate(CAST_EDGES)
    ]
    write_lines(landing / "crafted" / "casts.csv", [header, *edges])
    # Where Spark differs by design.
    blank = [header, csv_line(flowroute_row(40)), "", csv_line(flowroute_row(41))]
    write_lines(landing / "crafted" / "blank_line.csv", blank)
    broken = [
        header,
        csv_line(flowroute_row(42, sip_callid="QQ")).replace("QQ", '"open'),
        csv_line(flowroute_row(43)),
    ]
    write_lines(landing / "crafted" / "unterminated_quote.csv", broken)


def write_crafted_json(landing: Path) -> None:
    """NDJSON and JSON arrays with bad lines, bad elements, bad values and values of every JSON kind."""
    lines = [
        json.dumps(demandflow_object("a", mos=0.0005, jitter=12345678.9, latency=1e20, packetLoss=1.5e-7)),
        "{not json",
        "",
        "   ",
        json.dumps(demandflow_object("b", startTime="yesterday", duration="long")),
        "[1, 2]",
        "null",
        '"just a string"',
        json.dumps(demandflow_object("é")).replace("\\u00e9", "XX"),  # invalid UTF-8 (below)
        json.dumps(
            demandflow_object(
                "c",
                tags="1.5E-7",  # a string spelled like Java's notation of a number stays as it is
                callingName='quote " and backslash \\ and tab\t',
                calledName="café \u2013 😀",
                imsi=12345678901234567890,
                imei=123456789012345678901234567890,
                codec=True,
                currency={"code": "USD", "rate": 1.25},
                transitSwitches=["sw1", {"nested": [1, 2.5, None]}],
                fraudIndicators=None,
            ),
            ensure_ascii=False,
        ),
        json.dumps(
            {**demandflow_object("d"), "cost_center": "by name", "costCenter": None, "CallId": "upper"}
        ),
        json.dumps(demandflow_object("e", duration="1e3", chargeAmount=" 2.5 ", answerTime="")),
    ]
    path = write_lines(landing / "demandflow" / "crafted.ndjson", lines)
    path.write_bytes(path.read_bytes().replace(b"XX", b"\xff\xfe"))
    gz = "\n".join(json.dumps(demandflow_object(f"gz{n}")) for n in range(3)) + "\n{cut"
    (landing / "demandflow" / "crafted.ndjson.gz").write_bytes(gzip.compress(gz.encode()))
    elements = [demandflow_object("f"), "CDR-1", demandflow_object("g", endTime="soon"), [1, 2], None, 42]
    (landing / "demandflow" / "array.json").write_text("\ufeff" + json.dumps(elements, indent=2))
    truncated = json.dumps([demandflow_object("h"), demandflow_object("i")])[:-40]
    (landing / "demandflow" / "truncated.json").write_text(truncated)
    nested = json.dumps(demandflow_object("j", transitSwitches=[0.0005]))
    write_lines(landing / "demandflow" / "nested_numbers.ndjson", [nested])


def write_rates(rates: Path) -> None:
    write_csv(
        rates / "deck.csv",
        DECK,
        [
            ["eu", "33", "France", "0.0100", "EUR", "60", "60", "2026-01-01"],
            ["eu", "44", "United Kingdom", "cheap", "EUR", "60", "60", "2026-01-01"],
            ["eu", "49", "Germany", "0.0200", "EUR", "1", "one", "not a date"],
        ],
    )
    write_csv(rates / "calls.csv", FLOWROUTE, [flowroute_row(1)])  # a CDR export among the rates


@dataclass(frozen=True)
class Landed:
    home: Path
    duckdb: LandingReport
    spark: LandingReport


def spark_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Spark engine, with small file splits for the JVMs started by the test (read before
    ``land_with_spark``'s default)."""
    monkeypatch.setenv("CDRWH_ENGINE", "spark")
    monkeypatch.setenv(
        "PYSPARK_SUBMIT_ARGS",
        f"--conf spark.sql.files.maxPartitionBytes={SPLIT_BYTES} --conf spark.ui.showConsoleProgress=false"
        " --conf spark.log.level=ERROR pyspark-shell",
    )


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landed]:
    home = tmp_path_factory.mktemp("spark_landing") / "home"
    generate(home / "landing", days=2, calls_per_day=50, defects=0.05, start=date(2026, 10, 1))
    write_crafted_csv(home / "landing")
    write_crafted_json(home / "landing")
    write_rates(home / "rates")
    duckdb_report = land(home / "warehouse.duckdb", home / "landing", rates_dir=home / "rates")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("CDRWH_HOME", str(home))
        spark_env(monkeypatch)
        yield Landed(home, duckdb_report, land_with_spark(home))


# -- reading both warehouses ----------------------------------------------------------------------


def duckdb_rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def spark_rows(home: Path, sql: str) -> list[tuple]:
    """``sql`` over the Spark tables, read from their Parquet files (``landing.files``, ``landing.rejects``,
    ``raw.<format>``)."""
    warehouse = home / "spark" / "warehouse"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema landing; create schema raw")
        con.execute(
            f"create view landing.files as from read_parquet('{warehouse}/landing.db/files/*.parquet')"
        )
        tables = {
            "landing.rejects": (warehouse / "landing.db" / "rejects", "file_id, line, raw_text, reason")
        }
        for spec in ALL_FORMATS:
            columns = ", ".join(["_file_id", "_line", *(f'"{c}"' for c in spec.column_names)])
            tables[f'raw."{spec.raw_table}"'] = (warehouse / "raw.db" / spec.raw_table, columns)
        for name, (folder, columns) in tables.items():
            if list(folder.glob("*/*.parquet")):
                con.execute(
                    f"create view {name} as from read_parquet('{folder}/*/*.parquet', hive_partitioning = true)"
                )
            else:  # no partition yet: an empty table of the same columns
                nulls = ", ".join(f"null as {c}" for c in columns.split(", "))
                con.execute(f"create view {name} as select {nulls} limit 0")
        return con.execute(sql).fetchall()


def file_ids(landed: Landed, names: set[str]) -> set[int]:
    return {o.file_id for o in landed.duckdb.outcomes if Path(o.path).name in names}


FILES_COLUMNS = (
    "file_id, path, format, sha256, size_bytes, modified_at, rows_read, rows_loaded, rows_rejected, status, "
    "reason, ignored_columns, encoding, folder"
)


# -- one landing, both engines --------------------------------------------------------------------


def test_the_delivery_is_varied(landed: Landed) -> None:
    """The comparison means something only if the delivery exercises every path of the lander."""
    statuses = {o.status for o in landed.duckdb.outcomes}
    assert statuses == {"loaded", "rejected", "duplicate"}
    assert {o.folder for o in landed.duckdb.outcomes} == {"landing", "rates"}
    reasons = " | ".join(r for (r,) in duckdb_rows(landed.home, "select reason from landing.rejects"))
    for kind in ("missing columns", "too many columns", "invalid encoding", "unquoted value", "invalid JSON"):
        assert kind in reasons
    for kind in ("not a JSON object", "is not a date and time", "is not a number", "is not an integer"):
        assert kind in reasons
    encodings = {e for (e,) in duckdb_rows(landed.home, "select distinct encoding from landing.files")}
    assert "cp1252" in encodings
    assert len(landed.duckdb.outcomes) > 30


def test_reports_agree(landed: Landed) -> None:
    def comparable(report: LandingReport) -> list[tuple]:
        return [
            (
                o.file_id,
                o.folder,
                o.path,
                o.sha256,
                o.format,
                o.status,
                o.rows_read,
                o.rows_loaded,
                o.rows_rejected,
            )
            for o in report.outcomes
            if Path(o.path).name not in DIFFERENT
        ]

    assert comparable(landed.spark) == comparable(landed.duckdb)
    assert landed.spark.skipped == landed.duckdb.skipped


def test_landing_files_agree(landed: Landed) -> None:
    differ = ", ".join(str(i) for i in file_ids(landed, DIFFERENT))
    sql = f"select {FILES_COLUMNS} from landing.files where file_id not in ({differ}) order by file_id"
    duck, spark = duckdb_rows(landed.home, sql), spark_rows(landed.home, sql)
    assert len(spark) == len(duck)
    for d, s in zip(duck, spark, strict=True):
        if d[9] == "rejected" and d[10].startswith("unreadable as "):
            # A malformed JSON array: refused by both, each reader saying why in its own words.
            assert s[10] == "unreadable as demandflow_cdr: not a well-formed JSON array"
            assert d[10].startswith("unreadable as demandflow_cdr: ")
            d, s = d[:10] + d[11:], s[:10] + s[11:]
        assert s == d


def json_text(text: str) -> object:
    """A JSON array element's text or a reason quoting it, with the spacing that only DuckDB keeps gone."""
    prefix = "not a JSON object: "
    return ("reason", json.loads(text.removeprefix(prefix))) if text.startswith(prefix) else json.loads(text)


def test_rejects_agree_line_reason_and_text(landed: Landed) -> None:
    differ = file_ids(landed, DIFFERENT)
    arrays = file_ids(landed, {"array.json"})
    sql = "select file_id, line, reason, raw_text from landing.rejects order by file_id, line"
    duck = [r for r in duckdb_rows(landed.home, sql) if r[0] not in differ]
    spark = [r for r in spark_rows(landed.home, sql) if r[0] not in differ]
    assert len(duck) > 20
    assert [r[:2] for r in spark] == [r[:2] for r in duck]
    for d, s in zip(duck, spark, strict=True):
        if d[0] in arrays:  # an array element as each engine writes it back: DuckDB keeps its spacing
            assert (s[2] if "is not" in s[2] else json_text(s[2]), json_text(s[3])) == (
                d[2] if "is not" in d[2] else json_text(d[2]),
                json_text(d[3]),
            )
        else:
            assert s[2:] == d[2:], d[:2]


@pytest.mark.parametrize("spec", ALL_FORMATS, ids=lambda spec: spec.name)
def test_raw_rows_agree(landed: Landed, spec) -> None:
    differ = ", ".join(str(i) for i in file_ids(landed, DIFFERENT)) or "-1"
    columns = ", ".join(f'"{c}"' for c in spec.column_names)
    sql = f'select _file_id, _line, {columns} from raw."{spec.raw_table}" where _file_id not in ({differ}) order by 1, 2'
    duck, spark = duckdb_rows(landed.home, sql), spark_rows(landed.home, sql)
    assert spark == duck
    if spec.name in ("flowroute_cdr", "demandflow_cdr", "rate_deck"):
        assert duck, f"the delivery lands {spec.name} rows"


def test_lines_are_counted_across_file_splits(landed: Landed) -> None:
    """big.csv is read in many splits: record n is on line n + 2 (the header is line 1) before and
    after each reject."""
    (big,) = file_ids(landed, {"big.csv"})
    size = (landed.home / "landing" / "crafted" / "big.csv").stat().st_size
    assert size > 20 * SPLIT_BYTES
    wrong = spark_rows(
        landed.home,
        f"select count(*) from raw.flowroute_cdr where _file_id = {big}"
        " and _line <> cast(substr(sip_callid, 6) as bigint) + 2",
    )
    assert wrong == [(0,)]
    rejects = spark_rows(landed.home, f"select line from landing.rejects where file_id = {big} order by line")
    assert rejects == [(n + 2,) for n in range(BIG_ROWS) if n % 997 == 500]
    assert spark_rows(landed.home, f"select count(*) from raw.flowroute_cdr where _file_id = {big}") == [
        (BIG_ROWS - len(rejects),)
    ]


def test_where_spark_differs_by_design(landed: Landed) -> None:
    """The documented differences, pinned: physical line numbers after a blank line, an unterminated
    quote rejects its own line only, and a number nested in a JSON value keeps Java's notation."""
    ids = {Path(o.path).name: o.file_id for o in landed.spark.outcomes}

    def raw(file: str, column: str) -> list[tuple]:
        table = "demandflow_cdr" if file.endswith("json") else "flowroute_cdr"
        return spark_rows(
            landed.home, f"select _line, {column} from raw.{table} where _file_id = {ids[file]} order by 1"
        )

    assert raw("blank_line.csv", "sip_callid") == [(2, "call-40"), (4, "call-41")]
    assert raw("unterminated_quote.csv", "sip_callid") == [(3, "call-43")]
    assert spark_rows(
        landed.home,
        f"select line, reason from landing.rejects where file_id = {ids['unterminated_quote.csv']}",
    ) == [(2, 'unquoted value at column "sip_callid": Value with unterminated quote found.')]
    assert raw("nested_numbers.ndjson", "transit_switches") == [(1, "[5.0E-4]")]
    outcomes = {Path(o.path).name: o for o in landed.spark.outcomes}
    duck = {Path(o.path).name: o for o in landed.duckdb.outcomes}
    # DuckDB's reader takes the next line into the unterminated quote's reject and counts it nowhere.
    assert (outcomes["unterminated_quote.csv"].rows_read, duck["unterminated_quote.csv"].rows_read) == (2, 1)


def test_legacy_files_are_transcoded_and_odd_names_read(landed: Landed) -> None:
    outcomes = {Path(o.path).name: o for o in landed.spark.outcomes}
    assert (outcomes["windows.csv"].rows_loaded, outcomes["odd [name]: a.csv"].rows_loaded) == (1, 1)
    assert (outcomes["UPPER.CSV.GZ"].rows_loaded, outcomes["UPPER.CSV.GZ"].rows_rejected) == (1, 1)
    assert spark_rows(
        landed.home,
        f"select number_alias from raw.flowroute_cdr where _file_id = {outcomes['windows.csv'].file_id}",
    ) == [(LEGACY_ALIAS,)]
    assert not list((landed.home / ".scratch" / "spark").glob("*.csv*")), "scratch copies are removed"


def test_a_second_run_lands_nothing_new(landed: Landed, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged files are skipped (by path, size and time, or by content); the only decision taken again
    is DuckDB's too: a malformed JSON array is refused again on every run (loader re-reads it)."""
    tables = " union all ".join(
        [
            "select 'landing.rejects', count(*) from landing.rejects",
            *(f"select '{spec.raw_table}', count(*) from raw.\"{spec.raw_table}\"" for spec in ALL_FORMATS),
        ]
    )
    before = sorted(spark_rows(landed.home, tables))
    files_before = spark_rows(landed.home, "select count(*) from landing.files")[0][0]
    spark_env(monkeypatch)
    again = land_with_spark(landed.home)
    duck_again = land(
        landed.home / "warehouse.duckdb", landed.home / "landing", rates_dir=landed.home / "rates"
    )
    assert [(o.path, o.status, o.rows_read) for o in again.outcomes] == [
        (o.path, o.status, o.rows_read) for o in duck_again.outcomes
    ]
    assert [Path(o.path).name for o in again.outcomes] == ["truncated.json"]
    assert again.skipped == duck_again.skipped > 30
    assert sorted(spark_rows(landed.home, tables)) == before
    assert spark_rows(landed.home, "select count(*) from landing.files") == [(files_before + 1,)]


# -- an interrupted landing -----------------------------------------------------------------------

CRASH_AFTER_ROWS = """
import sys
from orchestration.landing import spark_loader
from orchestration.spark import spark_session

# raw.callr_cdr as an older declaration left it: the landing adds the columns declared since.
spark = spark_session()
spark.sql("create database if not exists raw")
spark.sql(
    "create table raw.callr_cdr (_line bigint, callid string, `start` string, _file_id bigint)"
    " using parquet partitioned by (_file_id)"
)

def power_cut(self, row):
    if row["path"] == "b.csv":
        raise RuntimeError("power cut after the rows were written")
    original(self, row)

original = spark_loader.SparkLander._insert_file_row
spark_loader.SparkLander._insert_file_row = power_cut
sys.exit(spark_loader.main())
"""
CALLR = ["callid", "start", "answer", "hangup", "duration", "dialstatus", "number"]


def test_an_interrupted_landing_is_repaired_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    write_csv(home / "landing" / "a.csv", FLOWROUTE, [flowroute_row(1)])
    callr = ["c1", "2026-10-01 10:00:00", "", "2026-10-01 10:00:09", "9", "NOANSWER", "+4477"]
    c = write_csv(home / "landing" / "c.csv", CALLR, [callr])
    b = write_csv(
        home / "landing" / "b.csv", FLOWROUTE, [flowroute_row(2), flowroute_row(3)[:3], flowroute_row(4)]
    )
    os.utime(c, (1_900_000_000, 1_900_000_000))  # a.csv, c.csv, then b.csv
    os.utime(b, (2_000_000_000, 2_000_000_000))
    monkeypatch.setenv("CDRWH_HOME", str(home))
    spark_env(monkeypatch)
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_ROWS], capture_output=True, text=True, env=dict(os.environ)
    )
    assert crashed.returncode != 0 and "power cut" in crashed.stderr
    # b.csv's rows and reject were written as partition 3, its landing.files row was not.
    assert spark_rows(home, "select file_id, path from landing.files order by 1") == [
        (1, "a.csv"),
        (2, "c.csv"),
    ]
    assert spark_rows(home, "select _file_id, count(*) from raw.flowroute_cdr group by 1 order by 1") == [
        (1, 1),
        (3, 2),
    ]
    assert spark_rows(home, "select file_id, line from landing.rejects") == [(3, 3)]
    # c.csv landed into the table of the older declaration, its columns completed and matched by name.
    assert spark_rows(
        home, "select _file_id, _line, callid, hangup, dialstatus, number from raw.callr_cdr"
    ) == [(2, 2, "c1", "2026-10-01 10:00:09", "NOANSWER", "+4477")]
    # An interrupted landing whose folder was written but never registered: removed by the next run.
    stray = home / "spark" / "warehouse" / "raw.db" / "didww_inbound" / "_file_id=3"
    shutil.copytree(home / "spark" / "warehouse" / "raw.db" / "flowroute_cdr" / "_file_id=3", stray)

    report = land_with_spark(home)
    assert [(o.file_id, o.path, o.status, o.rows_loaded, o.rows_rejected) for o in report.outcomes] == [
        (3, "b.csv", "loaded", 2, 1)
    ]
    assert report.skipped == 2
    assert spark_rows(home, "select _file_id, _line from raw.flowroute_cdr order by 1, 2") == [
        (1, 2),
        (3, 2),
        (3, 4),
    ]
    assert spark_rows(home, "select file_id, line from landing.rejects") == [(3, 3)]
    assert not stray.exists()
