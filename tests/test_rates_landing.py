"""Rate decks and rating plans landed from $CDRWH_HOME/rates/ (DESIGN §7) with the landing guarantees of §4.

Most tests land crafted files with the Lander alone (no dbt); one runs the whole pipeline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.formats import (
    ALL_FORMATS,
    FORMATS,
    FORMATS_BY_NAME,
    RATE_FORMATS,
    DetectionError,
    detect,
)
from orchestration.formats.codegen import natural_keys_macro
from orchestration.landing.loader import land
from orchestration.landing.reconcile import accounting_mismatches
from tests.conftest import write_csv

DESIGN_DECK = [
    "deck_id",
    "prefix",
    "destination",
    "rate_per_minute",
    "currency",
    "first_increment",
    "subsequent_increment",
    "connect_fee",
    "rate_type",
    "effective_from",
    "effective_to",
]
SWITCH_DECK = ["Destination", "Prefix", "First Interval", "Sub Interval", "Rate", "Start Date", "End Date"]
PLAN = ["account_number", "direction", "deck_id", "effective_from"]
FLOWROUTE = list(FORMATS_BY_NAME["flowroute_cdr"].column_names)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


@pytest.fixture
def rates(tmp_path: Path) -> Path:
    folder = tmp_path / "rates"
    folder.mkdir()
    return folder


# -- the registry ----------------------------------------------------------------------------------


def test_rate_formats_are_a_family_of_their_own() -> None:
    assert [f.name for f in RATE_FORMATS] == ["rate_deck", "switch_rate_deck", "rating_plan"]
    assert not set(RATE_FORMATS) & set(FORMATS), "FORMATS stays the CDR vendors"
    assert {f.family for f in FORMATS} == {"cdr"} and {f.family for f in RATE_FORMATS} == {"rates"}
    assert ALL_FORMATS == FORMATS + RATE_FORMATS
    assert all(f.name not in natural_keys_macro() for f in RATE_FORMATS)


# -- detection by header ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "format_name"),
    [
        (DESIGN_DECK, "rate_deck"),
        (list(reversed(DESIGN_DECK)), "rate_deck"),
        ([*DESIGN_DECK, "time_zone"], "rate_deck"),
        (
            [c for c in DESIGN_DECK if c not in ("destination", "connect_fee", "rate_type", "effective_to")],
            "rate_deck",
        ),
        (SWITCH_DECK, "switch_rate_deck"),
        (list(reversed(SWITCH_DECK)), "switch_rate_deck"),
        (
            [
                "Destination",
                "Prefix",
                "First Interval",
                "Subsequent Interval",
                "Rate Per Minute",
                "Effective Date",
            ],
            "switch_rate_deck",
        ),
        ([*SWITCH_DECK, "Currency", "Connect Fee", "Rate Type", "Time Zone", "Notes"], "switch_rate_deck"),
        (
            ["\ufeffDestination", '"Prefix"', " first interval ", "SUB INTERVAL", "Rate", "Start Date"],
            "switch_rate_deck",
        ),
        (PLAN, "rating_plan"),
        (list(reversed(PLAN)), "rating_plan"),
        (["Account Number", "Direction", "Deck ID", "Effective From"], "rating_plan"),
    ],
)
def test_each_layout_is_detected_by_header(header: list[str], format_name: str) -> None:
    match = detect(header, family="rates")
    assert match.spec.name == format_name
    others = [s.name for s in ALL_FORMATS if s.name != format_name and s.match_header(header).ok]
    assert others == [], f"{format_name} header also satisfies {others}"


def test_a_design_deck_header_is_never_read_as_the_switch_layout() -> None:
    """The switch layout's deck_id comes from the file name: a deck_id column must not be dropped silently."""
    match = detect(DESIGN_DECK, family="rates")
    assert match.spec.name == "rate_deck" and "deck_id" in match.positions
    switch = next(f for f in RATE_FORMATS if f.name == "switch_rate_deck")
    assert not switch.match_header(DESIGN_DECK).ok


def test_a_cdr_header_among_rate_files_is_named_and_sent_back() -> None:
    with pytest.raises(DetectionError) as error:
        detect(FLOWROUTE, family="rates")
    assert str(error.value).startswith("not a rate deck or rating plan: the header is that of flowroute_cdr")
    assert "lands from landing/" in str(error.value)


def test_a_rate_header_among_cdr_files_is_named_and_sent_back() -> None:
    with pytest.raises(DetectionError) as error:
        detect(SWITCH_DECK)
    assert str(error.value).startswith("not a CDR export: the header is that of switch_rate_deck")
    assert "lands from rates/" in str(error.value)


def test_a_folder_may_pin_a_rate_format_but_not_one_of_the_other_family() -> None:
    assert detect(SWITCH_DECK, pinned="switch_rate_deck", family="rates").spec.name == "switch_rate_deck"
    with pytest.raises(DetectionError, match="the folder pins rating_plan, but the header is missing"):
        detect(SWITCH_DECK, pinned="rating_plan", family="rates")
    with pytest.raises(
        DetectionError, match=r"^not a CDR export: the folder pins rate_deck, .* lands from rates/"
    ):
        detect(DESIGN_DECK, pinned="rate_deck")


def test_an_unknown_header_among_rate_files_says_what_was_expected() -> None:
    with pytest.raises(DetectionError) as error:
        detect(["Destination", "Prefix", "Rate"], family="rates")
    message = str(error.value)
    assert message.startswith("not a rate deck or rating plan: no declared format matches; closest is")
    assert "switch_rate_deck needs Prefix, First Interval, Sub Interval, Rate, Start Date" in message
    assert "rating_plan needs account_number, direction, deck_id, effective_from" in message
    assert "flowroute_cdr" not in message


# -- landing ---------------------------------------------------------------------------------------

# Quoted names with commas, empty end dates, a BOM and CRLF, as switches export them.
SWITCH_FILE = (
    "\ufeffDestination,Prefix,First Interval,Sub Interval,Rate,Start Date,End Date\r\n"
    '"Korea, Republic of",82,1,1,0.0300,2026-01-01,\r\n'
    '"Bosnia and Herzegovina, Mobile",3876,60,60,0.2500,2026-01-01,2027-01-01\r\n'
    'United States,1,6,6,0.0050,2026-01-01,""\r\n'
)


def test_a_switch_deck_lands_with_quoted_names_and_empty_end_dates(
    landing: Path, rates: Path, warehouse: Path
) -> None:
    (rates / "wholesale_eu.csv").write_text(SWITCH_FILE, encoding="utf-8", newline="")
    report = land(warehouse, landing, rates_dir=rates)
    (outcome,) = report.outcomes
    assert (outcome.folder, outcome.path, outcome.format, outcome.status) == (
        "rates",
        "wholesale_eu.csv",
        "switch_rate_deck",
        "loaded",
    )
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 3, 0)
    with duckdb.connect(str(warehouse)) as con:
        assert rows(
            con, "select _line, destination, prefix, rate, start_date, end_date from raw.switch_rate_deck"
        ) == [
            (2, "Korea, Republic of", "82", "0.0300", "2026-01-01", None),
            (3, "Bosnia and Herzegovina, Mobile", "3876", "0.2500", "2026-01-01", "2027-01-01"),
            (4, "United States", "1", "0.0050", "2026-01-01", None),  # quoted "" too
        ]
        assert rows(con, "select folder, path, format from landing.files") == [
            ("rates", "wholesale_eu.csv", "switch_rate_deck")
        ]
        assert accounting_mismatches(con) == []


def test_design_decks_and_plans_land_into_their_raw_tables(
    landing: Path, rates: Path, warehouse: Path
) -> None:
    write_csv(
        rates / "decks" / "retail.csv",
        [*reversed(DESIGN_DECK), "time_zone"],
        [
            [
                *reversed(["retail", "44", "UK", "0.02", "GBP", "60", "6", "0", "peak", "2026-01-01", ""]),
                "Europe/London",
            ],
        ],
    )
    write_csv(
        rates / "plans.csv",
        PLAN,
        [["ACME", "outbound", "retail", "2026-01-01"], ["*", "*", "retail", "2026-02-01"]],
    )
    outcomes = {o.path: o for o in land(warehouse, landing, rates_dir=rates).outcomes}
    assert {p: (o.format, o.rows_loaded) for p, o in outcomes.items()} == {
        "decks/retail.csv": ("rate_deck", 1),
        "plans.csv": ("rating_plan", 2),
    }
    with duckdb.connect(str(warehouse)) as con:
        assert rows(
            con, "select deck_id, prefix, currency, rate_type, effective_to, time_zone from raw.rate_deck"
        ) == [("retail", "44", "GBP", "peak", None, "Europe/London")]
        assert rows(
            con, "select account_number, direction, deck_id, _line from raw.rating_plan order by _line"
        ) == [
            ("ACME", "outbound", "retail", 2),
            ("*", "*", "retail", 3),
        ]


def test_bad_values_are_rejected_with_line_and_column_and_the_other_rows_land(
    landing: Path, rates: Path, warehouse: Path
) -> None:
    write_csv(
        rates / "wholesale.csv",
        SWITCH_DECK,
        [
            ["France", "33", "60", "6", "0.0180", "2026-01-01", ""],
            ["Germany", "49", "60", "6", "abc", "2026-01-01", ""],
            ["Spain", "34", "6s", "6", "0.0190", "2026-01-01", ""],
            ["Italy", "39", "60", "6", "0.0200", "01/01/2026", ""],
            ["Ireland", "353", "60", "6", "0.0220", "2026-01-01", ""],
        ],
    )
    (outcome,) = land(warehouse, landing, rates_dir=rates).outcomes
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (
        "loaded",
        5,
        2,
        3,
    )
    with duckdb.connect(str(warehouse)) as con:
        rejects = rows(con, "select line, raw_text, reason from landing.rejects order by line")
        assert [(line, reason) for line, _, reason in rejects] == [
            (3, "column \"Rate\": 'abc' is not a number"),
            (4, "column \"First Interval\": '6s' is not an integer"),
            (5, "column \"Start Date\": '01/01/2026' is not a date and time"),
        ]
        assert rejects[0][1] == "Germany,49,60,6,abc,2026-01-01,"
        assert rows(con, "select _line, prefix from raw.switch_rate_deck order by _line") == [
            (2, "33"),
            (6, "353"),
        ]
        assert rows(con, "select rows_read, rows_loaded + rows_rejected from landing.files") == [(5, 5)]
        assert accounting_mismatches(con) == []


def test_a_cdr_file_in_rates_and_a_deck_in_landing_are_rejected_with_reasons(
    landing: Path, rates: Path, warehouse: Path
) -> None:
    write_csv(rates / "calls.csv", FLOWROUTE, [[""] * len(FLOWROUTE)])
    write_csv(landing / "deck.csv", SWITCH_DECK, [["France", "33", "60", "6", "0.0180", "2026-01-01", ""]])
    (rates / "deck.json").write_text('[{"prefix": "33"}]')
    outcomes = {(o.folder, o.path): o for o in land(warehouse, landing, rates_dir=rates).outcomes}
    assert {k: o.status for k, o in outcomes.items()} == {
        ("rates", "calls.csv"): "rejected",
        ("landing", "deck.csv"): "rejected",
        ("rates", "deck.json"): "rejected",
    }
    assert outcomes["rates", "calls.csv"].reason.startswith(
        "not a rate deck or rating plan: the header is that of flowroute_cdr"
    )
    assert outcomes["landing", "deck.csv"].reason.startswith(
        "not a CDR export: the header is that of switch_rate_deck"
    )
    assert outcomes["rates", "deck.json"].reason.startswith("not a rate deck or rating plan")
    with duckdb.connect(str(warehouse)) as con:
        assert rows(con, "select count(*) from raw.switch_rate_deck") == [(0,)]
        assert rows(con, "select count(*) from raw.flowroute_cdr") == [(0,)]
        assert rows(con, "select folder, path, status from landing.files order by all") == [
            ("landing", "deck.csv", "rejected"),
            ("rates", "calls.csv", "rejected"),
            ("rates", "deck.json", "rejected"),
        ]


def test_landing_rates_again_changes_nothing_and_folders_are_kept_apart(
    landing: Path, rates: Path, warehouse: Path
) -> None:
    (rates / "wholesale_eu.csv").write_text(SWITCH_FILE, encoding="utf-8", newline="")
    write_csv(rates / "plans.csv", PLAN, [["ACME", "*", "wholesale_eu", "2026-01-01"]])
    first = land(warehouse, landing, rates_dir=rates)
    assert [o.status for o in first.outcomes] == ["loaded", "loaded"]

    def contents() -> list:
        with duckdb.connect(str(warehouse)) as con:
            return [
                rows(con, f"select * from {t} order by all")
                for t in ("landing.files", "landing.rejects", "raw.switch_rate_deck", "raw.rating_plan")
            ]

    before = contents()
    os.utime(rates / "plans.csv", (2_000_000_000, 2_000_000_000))  # touched, not changed
    second = land(warehouse, landing, rates_dir=rates)
    assert second.outcomes == [] and second.skipped == 2
    assert contents() == before
    # The same content under another name in rates/ is a duplicate; a file of the same name in landing/
    # is another file (paths are relative to their folder).
    (rates / "copy.csv").write_bytes((rates / "wholesale_eu.csv").read_bytes())
    write_csv(landing / "plans.csv", FLOWROUTE, [])
    third = {
        (o.folder, o.path): (o.status, o.reason) for o in land(warehouse, landing, rates_dir=rates).outcomes
    }
    assert third == {
        ("rates", "copy.csv"): ("duplicate", "same content as wholesale_eu.csv"),
        ("landing", "plans.csv"): ("loaded", None),
    }


def test_the_sensor_notices_new_rate_files(
    landing: Path, rates: Path, warehouse: Path, tmp_path: Path
) -> None:
    from orchestration.defs.landing.sensors import files_not_landed
    from orchestration.serving import publish_snapshot

    serving = tmp_path / "serving.duckdb"
    write_csv(rates / "plans.csv", PLAN, [["ACME", "*", "d", "2026-01-01"]])
    assert [f.display_path for f in files_not_landed(landing, serving, rates)] == ["rates/plans.csv"]
    land(warehouse, landing, rates_dir=rates)
    publish_snapshot(warehouse, serving)
    assert files_not_landed(landing, serving, rates) == []
    write_csv(landing / "plans.csv", FLOWROUTE, [])  # same name, other folder: not landed yet
    assert [f.display_path for f in files_not_landed(landing, serving, rates)] == ["plans.csv"]


# -- the whole pipeline ----------------------------------------------------------------------------

CALLR_HEADER = [
    "callid",
    "start",
    "answer",
    "hangup",
    "duration",
    "duration_answered",
    "duration_billed",
    "dialstatus",
    "cli_number",
    "number",
    "customer_field",
    "billing_customer_credit_eur",
    "billing_customer_debit_eur",
]


def callr_call(callid: str, number: str, seconds: int, account: str = "RATES-TEST") -> list[str]:
    return [
        callid,
        "2026-10-01 09:00:00",
        "2026-10-01 09:00:05",
        f"2026-10-01 09:{(5 + seconds) // 60:02d}:{(5 + seconds) % 60:02d}",
        str(5 + seconds),
        str(seconds),
        str(seconds),
        "ANSWER",
        "+33612345678",
        number,
        account,
        "0.00",
        "10.00",
    ]


OLD, NEW = 1_700_000_000, 1_800_000_000  # file mtimes: landing takes older files first


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated CDRs plus a few CALLR calls of account RATES-TEST; in rates/: a switch deck and a newer
    version of it, a DESIGN-layout deck that replaces the seed deck 'default', and a plan file."""
    from orchestration.generator import generate

    home = tmp_path_factory.mktemp("cdrwh_rates")
    generate(home / "landing", days=2, calls_per_day=50, seed=3, start=date(2026, 10, 1))
    write_csv(
        home / "landing" / "rated" / "callr_rates_test.csv",
        CALLR_HEADER,
        [
            callr_call("rt-us", "+12065550100", 61),
            callr_call("rt-kr", "+82212345678", 10),
            callr_call("rt-ba", "+38761123456", 61),
            callr_call("rt-fr", "+33123456789", 30),
            callr_call("other-us", "+12065550100", 61, account="SOMEONE-ELSE"),
            callr_call("other-fr", "+33123456789", 30, account="SOMEONE-ELSE"),
        ],
    )
    rates = home / "rates"
    rates.mkdir()
    older = rates / "wholesale_eu.csv"
    older.write_text(
        SWITCH_FILE + "Broken,44x,60,6,0.01,2026-01-01,\r\nNegative,33,60,6,-0.01,2026-01-01,\r\n",
        encoding="utf-8",
        newline="",
    )
    newer = write_csv(
        rates / "2026-11" / "wholesale_eu.csv",
        SWITCH_DECK,
        [["Korea", "82", "1", "1", "0.04", "2026-01-01", ""]],
    )
    os.utime(older, (OLD, OLD))
    os.utime(newer, (NEW, NEW))
    write_csv(
        rates / "default.csv",
        [*DESIGN_DECK, "time_zone"],
        [
            [
                "default",
                "1",
                "North America",
                "0.02",
                "USD",
                "60",
                "6",
                "0",
                "flat",
                "2020-01-01",
                "",
                "Europe/Paris",
            ],
            ["default", "44", "UK", "0.02", "USD", "60", "6", "0", "flat", "2020-01-01", "", "Mars/Olympus"],
            [
                "default",
                "49",
                "Germany",
                "0.02",
                "USD",
                "60",
                "6",
                "0",
                "flat",
                "2020-01-01",
                "2020-01-01",
                "",
            ],
        ],
    )
    write_csv(
        rates / "plans.csv",
        PLAN,
        [
            ["RATES-TEST", "*", "wholesale_eu", "2026-01-01"],
            ["RATES-TEST", "sideways", "wholesale_eu", "2026-01-01"],
        ],
    )
    env = {**os.environ, "CDRWH_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return home


@pytest.fixture
def pipeline(pipeline_home: Path):
    with duckdb.connect(str(pipeline_home / "warehouse.duckdb"), read_only=True) as con:
        yield con


def rated_calls(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    return {
        call_id: rest
        for call_id, *rest in rows(
            con,
            "select call_id, rating_status, rate_deck_id, rated_prefix, rate_applied, rated_duration_s, "
            "charge_amount, currency from marts.fct_calls where call_id like 'rt-%' or call_id like 'other-%'",
        )
    }


def test_a_planned_account_is_rated_with_the_file_deck(pipeline: duckdb.DuckDBPyConnection) -> None:
    rated = rated_calls(pipeline)
    assert set(rated) == {"rt-us", "rt-kr", "rt-ba", "rt-fr", "other-us", "other-fr"}
    # 6/6 increments: 61 s bills 66 s at 0.005 a minute, in the switch_deck_currency var's USD.
    assert rated["rt-us"] == ["rated", "wholesale_eu", "1", Decimal("0.005"), 66, Decimal("0.0055"), "USD"]
    assert rated["rt-ba"] == ["rated", "wholesale_eu", "3876", Decimal("0.25"), 120, Decimal("0.5"), "USD"]
    # The file deck's only French rate is negative: quarantined, so nothing rates the call (the seed deck,
    # which has France, is not this account's deck).
    assert rated["rt-fr"][:3] == ["unrated_no_rate", None, None]


def test_the_newest_file_of_a_deck_wins_rate_by_rate(pipeline: duckdb.DuckDBPyConnection) -> None:
    # 1/1 increments: 10 s at the newer file's 0.04 a minute = 0.0066666.. -> 0.006667 (half-up).
    assert rated_calls(pipeline)["rt-kr"] == [
        "rated",
        "wholesale_eu",
        "82",
        Decimal("0.04"),
        10,
        Decimal("0.006667"),
        "USD",
    ]
    assert rows(
        pipeline,
        "select prefix, rate_per_minute, source_file_id = (select max(file_id) from landing.files "
        "where folder = 'rates' and path like '2026-11/%') from intermediate.int_rates__decks "
        "where deck_id = 'wholesale_eu' order by prefix",
    ) == [("1", Decimal("0.005"), False), ("3876", Decimal("0.25"), False), ("82", Decimal("0.04"), True)]


def test_a_file_deck_replaces_the_seed_deck_of_the_same_id(pipeline: duckdb.DuckDBPyConnection) -> None:
    rated = rated_calls(pipeline)
    # Other accounts keep the seed plan, which names deck 'default': now the file's, 60/6 at 0.02.
    assert rated["other-us"] == ["rated", "default", "1", Decimal("0.02"), 66, Decimal("0.022"), "USD"]
    # The seed deck's French rate went with it.
    assert rated["other-fr"][:2] == ["unrated_no_rate", None]
    assert rows(
        pipeline,
        "select deck_source, prefix, time_zone from intermediate.int_rates__decks where deck_id = 'default'",
    ) == [("file", "1", "Europe/Paris")]


def test_broken_rates_and_plans_are_quarantined_not_dropped(pipeline: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        pipeline,
        "select record_type, broken_rules, source_file, source_line from marts.quarantined_rates order by all",
    ) == [
        ("plan", "direction_unknown", "plans.csv", 3),
        ("rate", "effective_to_not_after_from", "default.csv", 4),
        ("rate", "negative_rate", "wholesale_eu.csv", 6),
        ("rate", "prefix_not_digits", "wholesale_eu.csv", 5),
        ("rate", "time_zone_unknown", "default.csv", 3),
    ]


def test_rate_files_balance_in_file_reconciliation(pipeline: duckdb.DuckDBPyConnection) -> None:
    assert rows(pipeline, "select path from marts.file_reconciliation where not is_balanced") == []
    assert rows(
        pipeline,
        "select path, format, rows_read, calls, rates_used, duplicates, rejects, quarantined "
        "from marts.file_reconciliation where folder = 'rates' order by path",
    ) == [
        ("2026-11/wholesale_eu.csv", "switch_rate_deck", 1, 0, 1, 0, 0, 0),
        ("default.csv", "rate_deck", 3, 0, 1, 0, 0, 2),
        ("plans.csv", "rating_plan", 2, 0, 1, 0, 0, 1),
        # Korea is superseded by the newer file's rate.
        ("wholesale_eu.csv", "switch_rate_deck", 5, 0, 2, 1, 0, 2),
    ]
