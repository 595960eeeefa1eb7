"""Landing guarantees (DESIGN §4) on crafted files: accounting, rejects, idempotency, one transaction a file."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import FORMATS_BY_NAME
from orchestration.landing.loader import Lander, land
from orchestration.landing.reconcile import accounting_mismatches
from tests.conftest import write_csv

FLOWROUTE = list(FORMATS_BY_NAME["flowroute_cdr"].column_names)


def flowroute_row(n: int, **values: str) -> list[str]:
    row = {c: "" for c in FLOWROUTE}
    row.update(
        direction="Outbound",
        start_time=f"2026-10-01 10:00:{n:02d}+00",
        end_time=f"2026-10-01 10:01:{n:02d}+00",
        destination="12065550100",
        callerid="+12065550111",
        total_cost="0.01000000",
        result="Completed",
        duration="60",
        billed_duration="60",
        sip_callid=f"call-{n}",
    )
    row.update(values)
    return [row[c] for c in FLOWROUTE]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_rows_land_with_file_id_and_line(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), flowroute_row(2)])
    report = land(warehouse, landing)
    assert [(o.status, o.rows_read, o.rows_loaded, o.rows_rejected) for o in report.outcomes] == [
        ("loaded", 2, 2, 0)
    ]
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select _file_id, _line, sip_callid from raw.flowroute_cdr order by _line") == [
            (1, 2, "call-1"),
            (1, 3, "call-2"),
        ]
        assert rows(con, "select path, format, status, size_bytes from landing.files") == [
            ("a.csv", "flowroute_cdr", "loaded", (landing / "a.csv").stat().st_size)
        ]


def test_bad_rows_are_rejected_with_line_text_and_reason_and_good_rows_still_land(
    landing: Path, warehouse: Path
) -> None:
    short = flowroute_row(2)[:4]
    long = [*flowroute_row(3), "surplus"]
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), short, long, flowroute_row(4)])
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (4, 2, 2)
    with duckdb.connect(str(warehouse)) as con:
        rejects = rows(con, "select line, raw_text, reason from landing.rejects order by line")
        assert [r[0] for r in rejects] == [3, 4]
        assert rejects[0][1] == ",".join(short)
        assert (
            "missing columns" in rejects[0][2] and "Expected Number of Columns: 26 Found: 4" in rejects[0][2]
        )
        assert "too many columns" in rejects[1][2]
        # Good rows keep their own line numbers around the rejected ones.
        assert rows(con, "select _line, sip_callid from raw.flowroute_cdr order by _line") == [
            (2, "call-1"),
            (5, "call-4"),
        ]
        assert accounting_mismatches(con) == []


def test_invalid_utf8_is_rejected_naming_the_column(landing: Path, warehouse: Path) -> None:
    path = write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), flowroute_row(2, number_alias="XX")])
    # 0x81 0x8d are neither UTF-8 nor Windows-1252: the file is damaged UTF-8, not a legacy file.
    path.write_bytes(path.read_bytes().replace(b"XX", b"\x81\x8d"))
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_loaded, outcome.rows_rejected) == (1, 1)
    with duckdb.connect(str(warehouse)) as con:
        ((line, reason),) = rows(con, "select line, reason from landing.rejects")
    assert line == 3
    assert "invalid encoding" in reason and 'column "number_alias"' in reason


def test_gzip_bom_and_crlf_files_land(landing: Path, warehouse: Path) -> None:
    plain = write_csv(landing / "bom_crlf.csv", FLOWROUTE, [flowroute_row(1)], newline="\r\n", bom=True)
    compressed = landing / "zipped.csv.gz"
    compressed.write_bytes(
        gzip.compress(
            write_csv(landing / "tmp.csv", FLOWROUTE, [flowroute_row(2), flowroute_row(3)]).read_bytes()
        )
    )
    (landing / "tmp.csv").unlink()
    report = land(warehouse, landing)
    assert sorted((o.path, o.status, o.rows_loaded) for o in report.outcomes) == [
        ("bom_crlf.csv", "loaded", 1),
        ("zipped.csv.gz", "loaded", 2),
    ]
    with duckdb.connect(str(warehouse)) as con:
        assert rows(
            con, "select direction, sip_callid from raw.flowroute_cdr where sip_callid = 'call-1'"
        ) == [("Outbound", "call-1")]
    assert plain.exists()


def test_same_content_under_another_name_lands_once(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1)])
    (landing / "again").mkdir()
    (landing / "again" / "copy.csv").write_bytes((landing / "a.csv").read_bytes())
    os.utime(landing / "again" / "copy.csv", (2_000_000_000, 2_000_000_000))
    report = land(warehouse, landing)
    assert [(o.path, o.status) for o in report.outcomes] == [
        ("a.csv", "loaded"),
        ("again/copy.csv", "duplicate"),
    ]
    assert report.outcomes[1].reason == "same content as a.csv"
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select count(*) from raw.flowroute_cdr") == [(1,)]


def test_second_run_with_no_new_files_changes_nothing(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), flowroute_row(2)[:3]])
    (landing / "notes.txt").write_text("not a CDR")
    first = land(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        before = [
            rows(con, f"select * from {t} order by all")
            for t in ("landing.files", "landing.rejects", "raw.flowroute_cdr")
        ]
    # Touching a file without changing it does not land it again either.
    os.utime(landing / "a.csv", (2_000_000_000, 2_000_000_000))
    second = land(warehouse, landing)
    assert len(first.outcomes) == 2 and second.outcomes == []
    assert second.skipped == 2
    with duckdb.connect(str(warehouse)) as con:
        after = [
            rows(con, f"select * from {t} order by all")
            for t in ("landing.files", "landing.rejects", "raw.flowroute_cdr")
        ]
    assert before == after


def test_unrecognised_files_are_recorded_as_rejected_with_the_reason(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "mystery.csv", ["foo", "bar"], [["1", "2"]])
    (landing / "notes.txt").write_text("hello")
    (landing / "empty.csv").write_text("")
    (landing / ".hidden.csv").write_text("ignored")
    (landing / "upload.csv.part").write_text("still arriving")
    outcomes = {o.path: o for o in land(warehouse, landing).outcomes}
    assert set(outcomes) == {"mystery.csv", "notes.txt", "empty.csv"}
    assert all(o.status == "rejected" and o.rows_read == 0 for o in outcomes.values())
    assert "no declared format matches" in outcomes["mystery.csv"].reason
    assert "Expected: flowroute_cdr needs" in outcomes["mystery.csv"].reason
    assert "unsupported file type" in outcomes["notes.txt"].reason
    assert "empty" in outcomes["empty.csv"].reason


def test_folder_named_after_a_format_pins_it(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "callr_cdr" / "x.csv", FLOWROUTE, [flowroute_row(1)])
    (outcome,) = land(warehouse, landing).outcomes
    assert outcome.status == "rejected"
    assert "the folder pins callr_cdr" in outcome.reason


def test_a_crash_mid_file_leaves_nothing_and_the_next_run_lands_it_whole(
    landing: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), flowroute_row(2)[:2], flowroute_row(3)])

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after the rows were inserted")

    # The rows and rejects are written, then recording the file fails: the transaction must roll back.
    monkeypatch.setattr(Lander, "_record", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        land(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select count(*) from raw.flowroute_cdr") == [(0,)]
        assert rows(con, "select count(*) from landing.rejects") == [(0,)]
        assert rows(con, "select count(*) from landing.files") == [(0,)]
    monkeypatch.undo()
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 2, 1)


def test_accounting_check_catches_rows_missing_from_raw(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1), flowroute_row(2)])
    land(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        assert accounting_mismatches(con) == []
        con.execute("delete from raw.flowroute_cdr where _line = 3")
        ((_, path, read, loaded, in_raw, _, _),) = accounting_mismatches(con)
    assert (path, read, loaded, in_raw) == ("a.csv", 2, 2, 1)


def test_header_only_file_lands_with_zero_rows(landing: Path, warehouse: Path) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [])
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.status, outcome.rows_read) == ("loaded", 0)


def test_values_that_do_not_parse_as_their_kind_are_rejected_naming_column_and_value(
    landing: Path, warehouse: Path
) -> None:
    write_csv(
        landing / "a.csv",
        FLOWROUTE,
        [
            flowroute_row(1),
            flowroute_row(2, duration="sixty"),
            flowroute_row(3, start_time="2026-13-45 99:00:00+00", total_cost="1,5"),
            flowroute_row(4, rate="", call_fail_sip_code=" "),  # empty values are not parse errors
            flowroute_row(5, number_alias='x,"y"'),
        ],
    )
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (5, 3, 2)
    with duckdb.connect(str(warehouse)) as con:
        rejects = rows(con, "select line, raw_text, reason from landing.rejects order by line")
        assert [(line, reason) for line, _, reason in rejects] == [
            (3, "column \"duration\": 'sixty' is not an integer"),
            (
                4,
                "column \"start_time\": '2026-13-45 99:00:00+00' is not a date and time; "
                "column \"total_cost\": '1,5' is not a number",
            ),
        ]
        assert rejects[1][1].startswith("Outbound,2026-13-45 99:00:00+00,")
        assert ',"1,5",' in rejects[1][1]
        assert rows(con, "select _line, number_alias from raw.flowroute_cdr order by _line") == [
            (2, None),
            (5, None),
            (6, 'x,"y"'),
        ]
        assert accounting_mismatches(con) == []


def test_declared_null_spellings_are_not_parse_errors(landing: Path, warehouse: Path) -> None:
    header = ["callid", "start", "answer", "hangup", "duration", "dialstatus", "number"]
    write_csv(
        landing / "callr.csv",
        header,
        [
            [
                "c1",
                "2026-10-01 10:00:00",
                "0000-00-00 00:00:00",
                "2026-10-01 10:00:09",
                "9",
                "NOANSWER",
                "+4477",
            ],
            ["c2", "2026-10-01 10:00:00", "not yet", "2026-10-01 10:00:09", "9", "NOANSWER", "+4477"],
        ],
    )
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_loaded, outcome.rows_rejected) == (1, 1)
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select reason from landing.rejects") == [
            ("column \"answer\": 'not yet' is not a date and time",)
        ]


def test_links_leading_outside_the_landing_folder_are_refused_and_never_read(
    landing: Path, warehouse: Path, tmp_path: Path
) -> None:
    secret = write_csv(tmp_path / "outside" / "secret.csv", FLOWROUTE, [flowroute_row(1)])
    write_csv(landing / "inside.csv", FLOWROUTE, [flowroute_row(2)])
    (landing / "leak.csv").symlink_to(secret)
    (landing / "leaky_folder").symlink_to(secret.parent, target_is_directory=True)
    (landing / "broken.csv").symlink_to(tmp_path / "nowhere.csv")
    (landing / "alias.csv").symlink_to(landing / "inside.csv")  # inside: just another name
    outcomes = {o.path: o for o in land(warehouse, landing).outcomes}
    assert {outcomes["inside.csv"].status, outcomes["alias.csv"].status} == {"loaded", "duplicate"}
    for path in ("leak.csv", "leaky_folder"):
        assert outcomes[path].status == "rejected"
        assert "leads outside the landing folder" in outcomes[path].reason
    assert (
        outcomes["broken.csv"].status == "rejected"
        and "broken symbolic link" in outcomes["broken.csv"].reason
    )
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select sip_callid from raw.flowroute_cdr") == [("call-2",)]
    assert land(warehouse, landing).outcomes == []  # refusals are recorded once


def test_legacy_windows_and_latin1_files_are_decoded_without_mojibake(landing: Path, warehouse: Path) -> None:
    text = write_csv(
        landing / "tmp.csv",
        FLOWROUTE,
        [
            flowroute_row(1, number_alias="Café \u2013 “Zürich” €5", destination_name="Curaçao"),
        ],
    ).read_text(encoding="utf-8")
    (landing / "tmp.csv").unlink()
    (landing / "windows.csv").write_bytes(text.encode("cp1252"))
    (landing / "latin1.csv.gz").write_bytes(
        gzip.compress(text.replace("\u2013 “Zürich” €5", "Zürich").encode("latin-1"))
    )
    # A UTF-8 file with one damaged row stays UTF-8: that row is rejected, the others land.
    damaged = text.replace("call-1", "call-9") + text.splitlines()[1].replace("call-1", "call-8") + "\n"
    (landing / "utf8.csv").write_bytes(damaged.encode("utf-8").replace("Curaçao".encode(), b"Cura\xe7ao", 1))
    outcomes = {o.path: o for o in land(warehouse, landing).outcomes}
    assert {p: (o.rows_loaded, o.rows_rejected) for p, o in outcomes.items()} == {
        "windows.csv": (1, 0),
        "latin1.csv.gz": (1, 0),
        "utf8.csv": (1, 1),
    }
    with duckdb.connect(str(warehouse)) as con:
        got = rows(
            con,
            "select f.path, f.encoding, r.number_alias, r.destination_name from raw.flowroute_cdr r "
            "join landing.files f on f.file_id = r._file_id order by f.path",
        )
    assert got == [
        ("latin1.csv.gz", "cp1252", "Café Zürich", "Curaçao"),
        ("utf8.csv", "utf-8", "Café \u2013 “Zürich” €5", "Curaçao"),
        ("windows.csv", "cp1252", "Café \u2013 “Zürich” €5", "Curaçao"),
    ]
    assert not list((warehouse.parent / ".scratch").glob("*.csv"))


def demandflow_object(name: str, **values: object) -> dict:
    record = {
        "name": name,
        "callId": f"call-{name}",
        "callType": "1",
        "direction": "2",
        "callStatus": "1",
        "callingNumber": "+12065550100",
        "calledNumber": "+442071838750",
        "startTime": "2026-10-01T10:00:00+02:00",
        "endTime": "2026-10-01T10:05:00+02:00",
        "duration": 300,
        "tags": ["vip", "eu"],
        "roamingIndicator": False,
    }
    record.update(values)
    return record


def test_ndjson_lands_line_by_line_and_bad_lines_are_rejected_with_their_number(
    landing: Path, warehouse: Path
) -> None:
    import json

    lines = [
        json.dumps(demandflow_object("a")),
        "{not json",
        "",
        json.dumps(demandflow_object("b", startTime="yesterday")),
        "[1, 2]",
        json.dumps(demandflow_object("c", extraField=1)),
    ]
    (landing / "cdrs.ndjson.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.format, outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (
        "demandflow_cdr",
        5,
        2,
        3,
    )
    with duckdb.connect(str(warehouse)) as con:
        assert rows(
            con,
            "select _line, name, call_id, start_time, duration, tags, roaming_indicator "
            "from raw.demandflow_cdr order by _line",
        ) == [
            (1, "a", "call-a", "2026-10-01T10:00:00+02:00", "300", '["vip","eu"]', "false"),
            (6, "c", "call-c", "2026-10-01T10:00:00+02:00", "300", '["vip","eu"]', "false"),
        ]
        rejects = rows(con, "select line, raw_text, reason from landing.rejects order by line")
    assert [(line, reason.split(":")[0]) for line, _, reason in rejects] == [
        (2, "invalid JSON"),
        (4, 'column "startTime"'),
        (5, "not a JSON object"),
    ]
    assert rejects[1][2] == "column \"startTime\": 'yesterday' is not a date and time"
    assert rejects[0][1] == "{not json"


def test_json_array_lands_and_a_malformed_array_is_refused_whole(landing: Path, warehouse: Path) -> None:
    import json

    (landing / "export.json").write_text(
        json.dumps([demandflow_object("a"), demandflow_object("b")], indent=2)
    )
    (landing / "truncated.json").write_text(
        json.dumps([demandflow_object("c"), demandflow_object("d")])[:-40]
    )
    outcomes = {o.path: o for o in land(warehouse, landing).outcomes}
    assert (outcomes["export.json"].status, outcomes["export.json"].rows_loaded) == ("loaded", 2)
    assert outcomes["truncated.json"].status == "rejected"
    assert outcomes["truncated.json"].reason.startswith("unreadable as demandflow_cdr: ")
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select _line, name from raw.demandflow_cdr order by _line") == [(1, "a"), (2, "b")]
        assert accounting_mismatches(con) == []


def test_an_infrastructure_error_fails_landing_instead_of_rejecting_the_file(
    landing: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv(landing / "a.csv", FLOWROUTE, [flowroute_row(1)])

    def disk_full(*args, **kwargs):
        raise duckdb.IOException("IO Error: No space left on device")

    monkeypatch.setattr("orchestration.landing.loader.read_csv_batch", disk_full)
    with pytest.raises(duckdb.IOException):
        land(warehouse, landing)
    monkeypatch.undo()
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select count(*) from landing.files") == [(0,)]
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 1)
