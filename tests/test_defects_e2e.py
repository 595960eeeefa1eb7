"""The real pipeline (`cdrwh run`) on a generated delivery with defects: the warehouse must hold exactly
what the generator's ledger predicts, file by file, and a second run must change nothing.

Two runs of about half a minute each serve every assertion.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import GenerationSummary, generate
from orchestration.generator.defects import ACCENTED_ALIASES, FILE_DEFECTS
from tests.conftest import cdrwh

START = date(2026, 10, 1)
DAYS, CALLS_PER_DAY, SEED, RATE = 3, 60, 11, 0.1


def facts(home: Path) -> dict:
    """Everything the assertions look at, read from the warehouse (read-only) and then let go of."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        return {
            "files": {
                r[0]: r[1:] for r in rows("select path, status, rows_read, rows_rejected from landing.files")
            },
            "rejects": dict(
                rows(
                    "select f.path, count(*) from landing.rejects as r join landing.files as f using (file_id) "
                    "group by f.path"
                )
            ),
            "reconciliation": {
                r[0]: r[1:]
                for r in rows(
                    "select path, status, rows_read, calls, duplicates, rejects, quarantined, is_balanced "
                    "from marts.file_reconciliation"
                )
            },
            "quarantined": rows("select source_file, broken_rules from marts.quarantined_calls order by all"),
            "calls": rows(
                "select cdr_id, source_file, source_line, call_date from marts.fct_calls order by all"
            ),
            "aliases": rows(
                "select source_file, number_alias from marts.fct_calls where number_alias is not null order by all"
            ),
            "daily_calls": rows("select sum(calls) from marts.daily_traffic")[0][0],
        }


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    home = tmp_path_factory.mktemp("cdrwh")
    summary = generate(
        home / "landing", days=DAYS, calls_per_day=CALLS_PER_DAY, seed=SEED, start=START, defects=RATE
    )
    return home, summary


@pytest.fixture(scope="module")
def first_run(delivery) -> subprocess.CompletedProcess:
    home, _ = delivery
    return cdrwh(home, "run")


@pytest.fixture(scope="module")
def warehouse(delivery, first_run) -> dict:
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    home, _ = delivery
    return facts(home)


def relative(summary: GenerationSummary, home: Path) -> dict[str, object]:
    """The ledger's files by landing path."""
    return {
        path.relative_to(home / "landing").as_posix(): entry for path, entry in summary.expected.files.items()
    }


def test_the_delivery_carries_every_kind_of_defect(delivery) -> None:
    _, summary = delivery
    for kind in FILE_DEFECTS:
        assert summary.defects[kind] >= 1, kind
    expected = summary.expected
    assert expected.rejects and expected.quarantined and expected.duplicate_files and expected.superseded


def test_the_run_succeeds_despite_rejects_and_quarantine(first_run: subprocess.CompletedProcess) -> None:
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    assert " 0 failed" in first_run.stdout and "Published" in first_run.stdout


def test_warehouse_totals_match_the_ledger_exactly(delivery, warehouse: dict) -> None:
    _, summary = delivery
    expected = summary.expected
    assert sum(warehouse["rejects"].values()) == expected.rejects
    assert len(warehouse["quarantined"]) == expected.quarantined
    assert (
        sum(1 for status, *_ in warehouse["files"].values() if status == "duplicate")
        == expected.duplicate_files
    )
    assert sum(r[3] for r in warehouse["reconciliation"].values()) == expected.superseded
    assert len(warehouse["calls"]) == expected.calls
    assert warehouse["daily_calls"] == expected.calls
    assert all(status != "rejected" for status, *_ in warehouse["files"].values())


def test_every_file_lands_as_the_ledger_says(delivery, warehouse: dict) -> None:
    home, summary = delivery
    ledger = relative(summary, home)
    assert set(warehouse["files"]) == set(ledger)
    for path, entry in ledger.items():
        landed = warehouse["reconciliation"][path]
        predicted = (
            entry.status,
            entry.rows_read,
            entry.calls,
            0 if entry.duplicate_of else entry.superseded,
            0 if entry.duplicate_of else entry.rejects,
            0 if entry.duplicate_of else entry.quarantined,
            True,
        )
        assert landed == predicted, (path, "warehouse", landed, "ledger", predicted)
        assert warehouse["rejects"].get(path, 0) == predicted[4], path


def test_quarantined_rows_name_the_rule_they_break(delivery, warehouse: dict) -> None:
    home, summary = delivery
    ledger = relative(summary, home)
    for path, rules in warehouse["quarantined"]:
        entry = ledger[path]
        if "end_before_start" in rules:
            assert entry.defects["end_before_start"], (path, rules)
        else:
            assert "called_number_missing" in rules and entry.defects["empty_called_number"], (path, rules)


def test_newer_exports_win_and_late_files_keep_their_days(delivery, warehouse: dict) -> None:
    home, summary = delivery
    ledger = relative(summary, home)
    by_file: dict[str, list[date]] = {}
    for _, source_file, _, call_date in warehouse["calls"]:
        by_file.setdefault(source_file, []).append(call_date)
    for path, entry in ledger.items():
        if entry.defects["overlapping_export"]:
            assert len(by_file[path]) == entry.rows, "every call of the newer export is its version"
        if entry.defects["late_file"]:
            day = date.fromisoformat(path.rsplit("_", 1)[-1].split(".")[0])
            assert set(by_file[path]) == {day}, "a late file's calls belong to their own UTC day"


def test_windows_1252_values_arrive_intact(delivery, warehouse: dict) -> None:
    home, summary = delivery
    (cp1252,) = summary.expected.with_defect("cp1252_encoding")
    path = cp1252.relative_to(home / "landing").as_posix()
    aliases = {alias for source_file, alias in warehouse["aliases"] if source_file == path}
    assert aliases and aliases <= set(ACCENTED_ALIASES.values())
    assert any(ch in "".join(aliases) for ch in "éü€“”"), aliases


def test_a_second_run_changes_nothing(delivery, warehouse: dict) -> None:
    home, _ = delivery
    again = cdrwh(home, "run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 files loaded, 0 duplicate, 0 rejected" in again.stdout
    assert facts(home) == warehouse


def test_the_generate_command_prints_the_ledger(tmp_path: Path) -> None:
    out = cdrwh(
        tmp_path,
        "generate",
        "--out",
        str(tmp_path / "landing"),
        "--days",
        "2",
        "--calls-per-day",
        "30",
        "--start",
        START.isoformat(),
        "--defects",
        "0.05",
    )
    assert out.returncode == 0, out.stderr
    assert "Injected defects (rate 0.05):" in out.stdout and "duplicate_file" in out.stdout
    assert "calls in marts.fct_calls" in out.stdout and "rows in landing.rejects" in out.stdout


def demandflow_object(name: str) -> str:
    return (
        f'{{"name": "{name}", "callType": "1", "direction": "2", "callStatus": "1", '
        '"callingNumber": "+12125550123", "calledNumber": "+442079460000", '
        '"startTime": "2026-10-01T10:00:00Z", "answerTime": "2026-10-01T10:00:05Z", '
        '"endTime": "2026-10-01T12:01:05+02:00", "duration": 60}'
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("cut.ndjson", demandflow_object("CDR-1")[:40] + "\n" + demandflow_object("CDR-2") + "\n"),
        ("ids.json", '[\n"CDR-1",\n' + demandflow_object("CDR-2") + "\n]\n"),
    ],
)
def test_a_damaged_first_json_record_rejects_only_itself(tmp_path: Path, name: str, text: str) -> None:
    from orchestration.landing.loader import land

    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / name).write_text(text, encoding="utf-8")
    (outcome,) = land(tmp_path / "warehouse.duckdb", tmp_path / "landing").outcomes
    assert (outcome.status, outcome.format, outcome.rows_read, outcome.rows_rejected) == (
        "loaded",
        "demandflow_cdr",
        2,
        1,
    ), outcome.reason
