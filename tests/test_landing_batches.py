"""How a file's rows reach raw.<format> and landing.rejects (orchestration/landing/readers.py): the
problem of each record found as it is read, and line numbers counted with or without reader rejects."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import FORMATS_BY_NAME, Column, FormatSpec
from orchestration.landing.loader import land
from orchestration.landing.readers import _key_groups, read_json_batch
from orchestration.landing.reconcile import accounting_mismatches
from orchestration.landing.values import problem_sql, sql_string
from tests.conftest import write_csv
from tests.test_landing import FLOWROUTE, demandflow_object, flowroute_row

DEMANDFLOW = FORMATS_BY_NAME["demandflow_cdr"]


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql).fetchall()


def test_reader_rejects_and_bad_values_in_one_csv_keep_every_line_number(
    landing: Path, warehouse: Path
) -> None:
    path = write_csv(
        landing / "a.csv",
        FLOWROUTE,
        [
            flowroute_row(1),  # line 2
            flowroute_row(2)[:5],  # line 3: too short for the reader
            flowroute_row(3, duration="sixty"),  # line 4: a value that is not its kind
            flowroute_row(4, number_alias="XX"),  # line 5: damaged UTF-8 (below)
            flowroute_row(5),  # line 6
            flowroute_row(6, total_cost="1,5", start_time="yesterday"),  # line 7: two bad values
            [*flowroute_row(7), "surplus"],  # line 8: too long for the reader
            flowroute_row(8),  # line 9
        ],
    )
    path.write_bytes(path.read_bytes().replace(b"XX", b"\x81\x8d"))
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (8, 3, 5)
    assert rows(warehouse, "select _line, sip_callid from raw.flowroute_cdr order by _line") == [
        (2, "call-1"),
        (6, "call-5"),
        (9, "call-8"),
    ]
    rejects = rows(warehouse, "select line, raw_text, reason from landing.rejects order by line")
    assert [line for line, _, _ in rejects] == [3, 4, 5, 7, 8]
    reasons = {line: reason for line, _, reason in rejects}
    assert reasons[3].startswith("missing columns")
    assert reasons[4] == "column \"duration\": 'sixty' is not an integer"
    assert "invalid encoding" in reasons[5] and 'column "number_alias"' in reasons[5]
    assert reasons[7] == (
        "column \"start_time\": 'yesterday' is not a date and time; column \"total_cost\": '1,5' is not a number"
    )
    assert reasons[8].startswith("too many columns")
    texts = {line: text for line, text, _ in rejects}
    assert texts[4].startswith("Outbound,") and ",sixty," in texts[4]
    assert ',"1,5",' in texts[7]
    with duckdb.connect(str(warehouse)) as con:
        assert accounting_mismatches(con) == []


def test_a_file_of_several_row_groups_with_rejects_keeps_its_line_numbers(
    landing: Path, warehouse: Path
) -> None:
    count = 130_000  # more than one DuckDB row group (122,880 rows)
    bad_value, too_short = 70_000, 125_000
    path = landing / "big.csv"
    with path.open("w") as handle:
        handle.write(",".join(FLOWROUTE) + "\n")
        for n in range(count):
            row = flowroute_row(n % 60, sip_callid=f"call-{n}")
            if n == bad_value:
                row = flowroute_row(0, sip_callid=f"call-{n}", duration="x")
            if n == too_short:
                row = row[:3]
            handle.write(",".join(row) + "\n")
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (count, count - 2, 2)
    # Record n is on line n + 2 (the header is line 1), before and after each reject.
    assert rows(
        warehouse,
        "select count(*) from raw.flowroute_cdr where _line <> cast(substr(sip_callid, 6) as bigint) + 2",
    ) == [(0,)]
    assert rows(warehouse, "select line, split_part(reason, ':', 1) from landing.rejects order by line") == [
        (bad_value + 2, 'column "duration"'),
        (too_short + 2, "missing columns"),
    ]


def test_ndjson_with_reader_rejects_blank_lines_and_bad_values(landing: Path, warehouse: Path) -> None:
    lines = [
        json.dumps(demandflow_object("a")).encode(),  # line 1
        json.dumps(demandflow_object("\u00e9")).encode().replace(b"\\u00e9", b"\xff\xfe"),  # 2: not UTF-8
        b"   ",  # line 3: blank, not a record
        json.dumps(demandflow_object("b", duration="long")).encode(),  # line 4: a bad value
        b"",  # line 5: blank
        b"42",  # line 6: JSON, not an object
        json.dumps(demandflow_object("c")).encode(),  # line 7
        b'{"name": "d", "callType": ',  # line 8: cut short
    ]
    (landing / "cdrs.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (6, 2, 4)
    assert rows(warehouse, "select _line, name from raw.demandflow_cdr order by _line") == [
        (1, "a"),
        (7, "c"),
    ]
    rejects = rows(warehouse, "select line, raw_text, reason from landing.rejects order by line")
    assert [(line, reason.split(":")[0]) for line, _, reason in rejects] == [
        (2, "invalid encoding"),
        (4, 'column "duration"'),
        (6, "not a JSON object"),
        (8, "invalid JSON"),
    ]
    assert rejects[1][1] == lines[3].decode()
    assert rejects[1][2] == "column \"duration\": 'long' is not a number"


def test_json_array_rejects_carry_the_element_text(landing: Path, warehouse: Path) -> None:
    elements = [demandflow_object("a"), demandflow_object("b", startTime="soon"), [1, 2]]
    (landing / "export.json.gz").write_bytes(gzip.compress(json.dumps(elements, indent=2).encode()))
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_loaded, outcome.rows_rejected) == (1, 2)
    rejects = rows(warehouse, "select line, raw_text, reason from landing.rejects order by line")
    assert [(line, reason.split(":")[0]) for line, _, reason in rejects] == [
        (2, 'column "startTime"'),
        (3, "not a JSON object"),
    ]
    assert json.loads(rejects[0][1]) == elements[1]


# Every kind of JSON value, spelled as exports may spell them: each must land as json_extract_string
# reads it (a string unescaped, anything else as its JSON text), as landing always did.
JSON_VALUES = [
    "plain",
    "",
    'quote " and backslash \\ and slash /',
    "tab\there, newline\nthere",
    "caf\u00e9 \u2013 \U0001f600",
    "\u0301 combining first",
    "null",
    0,
    -5,
    12345678901234567890,
    123456789012345678901234567890,
    0.1,
    1.0,
    1.5e-7,
    1e20,
    100000000000000000000.5,
    3.141592653589793238,
    True,
    False,
    None,
    [],
    ["vip", {"nested": [1, 2.5, None]}],
    {"code": "USD", "rate": 1.25},
]


def test_json_values_land_as_json_extract_string_reads_them(landing: Path, warehouse: Path) -> None:
    text_columns = [c for c in DEMANDFLOW.columns if c.kind == "text" and c.headers]
    records = []
    for n, value in enumerate(JSON_VALUES):
        record = demandflow_object(f"r{n}")
        for column in text_columns[3:]:
            record[column.headers[0]] = value
        records.append(json.dumps(record, ensure_ascii=n % 2 == 0))
    # Also a key spelled by the column's name instead of its header.
    records.append(json.dumps({**demandflow_object("by-name"), "cost_center": "by name", "costCenter": None}))
    (landing / "values.ndjson").write_text("\n".join(records) + "\n", encoding="utf-8")
    (outcome,) = land(warehouse, landing).outcomes
    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(records), 0)
    columns = ", ".join(f'"{c.name}"' for c in text_columns[3:])
    landed = rows(warehouse, f"select _line, {columns} from raw.demandflow_cdr order by _line")
    with duckdb.connect() as con:
        for line, *values in landed:
            source = records[line - 1]
            expected = [
                con.execute(
                    "select coalesce(json_extract_string(?, ?), json_extract_string(?, ?))",
                    [source, f'$."{c.headers[0]}"', source, f'$."{c.name}"'],
                ).fetchone()[0]
                for c in text_columns[3:]
            ]
            assert values == expected, source
    assert rows(warehouse, "select cost_center from raw.demandflow_cdr where name = 'by-name'") == [
        ("by name",)
    ]


def test_keys_that_differ_only_by_case_are_kept_apart(tmp_path: Path) -> None:
    assert _key_groups(["callId", "call_id", "CallId", "CALLID", "other"]) == [
        ["callId", "call_id", "other"],
        ["CallId"],
        ["CALLID"],
    ]
    spec = FormatSpec(
        name="cased",
        vendor="test",
        description="keys that differ only by case",
        reader="json",
        columns=(
            Column("call_id", "id", headers=("callId", "CallId")),
            Column("amount", "amount", headers=("Amount",), kind="decimal"),
        ),
        natural_key=("call_id",),
    )
    path = tmp_path / "cased.ndjson"
    path.write_text(
        '{"CallId": "upper", "Amount": 1}\n{"callId": "lower", "amount": "x"}\n{"callid": "none"}\n'
    )
    with duckdb.connect() as con:
        batch = read_json_batch(con, path, False, spec)
        assert batch.lines is None
        assert con.execute("select c0, c1, _problem from temp._landing_batch order by rowid").fetchall() == [
            ("upper", "1", None),
            ("lower", "x", "column \"Amount\": 'x' is not a number"),
            (None, None, None),
        ]


CAST_EDGES = [
    "5",
    " 5 ",
    "\t5",
    "5\n",
    "5 5",
    "1.5",
    " 1.5",
    "1,5",
    "1e3",
    "",
    " ",
    "   ",
    "abc",
    "2026-10-01 10:00:00+00",
    " 2026-10-01 10:00:00+02:00 ",
    "2026-10-01T10:00:00Z",
    "2026-13-45 99:00:00+00",
    "0000-00-00 00:00:00",
    " 0000-00-00 00:00:00 ",
    "infinity",
    " -infinity",
    "9223372036854775808",
]


@pytest.mark.parametrize("kind", ["integer", "decimal", "timestamp"])
def test_value_check_agrees_with_trimming_first(kind: str) -> None:
    """The check tries the value as it is before trimming it: the same verdicts as always trimming."""
    column = Column("x", "x", kind=kind, null_values=("0000-00-00 00:00:00",))
    parse_type = {"integer": "bigint", "decimal": "decimal(38, 10)", "timestamp": "timestamptz"}[kind]
    trimmed_first = (
        "c is not null and trim(c) not in ('', '0000-00-00 00:00:00')"
        f" and try_cast(trim(c) as {parse_type}) is null"
    )
    values = ", ".join(f"({sql_string(v)})" for v in CAST_EDGES)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        got = con.execute(
            f"select c, ({problem_sql(column, 'c', 'x')}) is not null, {trimmed_first}"
            f" from (values {values}) as t(c)"
        ).fetchall()
    assert [(value, new) for value, new, _ in got] == [(value, old) for value, _, old in got]
    assert any(new for _, new, _ in got) and not all(new for _, new, _ in got)
