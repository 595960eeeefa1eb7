"""``cdrwh bench``: its accounting, never its speed (issue 7).

The test named ``test_long_*`` share one real bench run (2,000 calls over 2 days, the pipeline in a
subprocess, about two minutes; the incremental run is left out to keep CI short: the full run exercises
the same measuring code). The others are quick.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.bench import BenchConfig, run_bench
from orchestration.bench.cache import BENCH_START, MARKER, bench_data, cached_generate
from orchestration.bench.measure import DagsterRuns, Step, _union_seconds, node_layer, tree_rss
from orchestration.bench.reference import DECK, format_files, handwritten_reference
from orchestration.bench.report import REQUIRED_KEYS, format_report, write_json
from orchestration.bench.runner import OUTSIDE_STEPS, _stages
from orchestration.formats import FORMATS
from orchestration.generator import GenerationSummary, generate

CALLS, DAYS = 2_000, 2
TOLERANCE_S = 0.5


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """One real bench run (long: the whole pipeline in a subprocess)."""
    work = tmp_path_factory.mktemp("bench")
    result = run_bench(BenchConfig(calls=CALLS, days=DAYS, seed=7, work=work, incremental=False))
    return result, work


def test_long_bench_stages_account_for_the_wall_time(bench: tuple[dict, Path]) -> None:
    result, _ = bench
    full = result["full"]
    assert full["exit_code"] == 0, full["output"]
    stages = {s["stage"]: s for s in full["stages"]}
    assert "land_cdr_files" in stages and "cdr_dbt_models" in stages and OUTSIDE_STEPS in stages
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in full["stages"])
    assert sum(s["seconds"] for s in full["stages"]) <= full["wall_seconds"] + TOLERANCE_S
    steps_only = sum(s["seconds"] for s in full["stages"] if s["stage"] != OUTSIDE_STEPS)
    assert steps_only <= full["wall_seconds"] + TOLERANCE_S
    assert full["peak_rss_bytes"] > 0 and full["memory_samples"] > 0
    assert stages["land_cdr_files"]["peak_rss_bytes"] > 0 and stages["cdr_dbt_models"]["peak_rss_bytes"] > 0
    assert max(s["peak_rss_bytes"] or 0 for s in full["stages"]) == full["peak_rss_bytes"]
    layers = {(d["step"], d["layer"]) for d in full["dbt_layers"]}
    assert ("cdr_dbt_models", "staging") in layers and ("cdr_dbt_models", "rating") in layers
    assert all(d["seconds"] >= 0 and d["busy_seconds"] >= 0 for d in full["dbt_layers"])


def test_long_bench_lands_every_generated_row(bench: tuple[dict, Path]) -> None:
    result, _ = bench
    assert result["data"]["calls"] == sum(result["data"]["rows_by_format"].values())
    assert result["data"]["calls"] >= CALLS
    assert result["full"]["rows_landed"] == result["data"]["calls"]
    assert result["references"]["scan_floor"]["rows"] == result["data"]["calls"]
    assert result["full"]["warehouse"]["fct_calls"] == result["data"]["calls"]


def test_long_bench_reference_does_the_same_work(bench: tuple[dict, Path]) -> None:
    result, _ = bench
    hand = result["references"]["handwritten"]
    assert hand["covers"] == [f.name for f in FORMATS]
    assert hand["rows_by_format"] == result["data"]["rows_by_format"]
    assert hand["rows_loaded"] == result["data"]["calls"]
    assert hand["summary_calls"] == result["full"]["warehouse"]["fct_calls"]
    assert hand["matches_pipeline"] is True and hand["share_of_rows"] == 1
    assert 0 < hand["calls_rated"] <= hand["rows_deduplicated"]
    assert "full_over_handwritten_scaled" not in result["targets"]


def test_long_bench_json_has_the_documented_keys(bench: tuple[dict, Path], tmp_path: Path) -> None:
    result, _ = bench
    write_json(result, tmp_path / "bench.json")
    written = json.loads((tmp_path / "bench.json").read_text())
    assert set(REQUIRED_KEYS) <= set(written)
    assert {"cpu_count", "memory_bytes", "duckdb_version", "python_version"} <= set(written["machine"])
    assert {"wall_seconds", "peak_rss_bytes", "rows_landed", "stages", "dbt_layers"} <= set(written["full"])
    assert {"stage", "seconds", "rows_per_second", "share"} <= set(written["full"]["stages"][0])
    assert {"scan_floor", "handwritten"} <= set(written["references"])
    text = format_report(result)
    assert "cdr_dbt_models" in text and "scan floor" in text


def test_long_bench_reuses_its_cached_data(bench: tuple[dict, Path]) -> None:
    result, work = bench
    marker = Path(result["data"]["cache"]) / "window" / MARKER
    before = marker.stat().st_mtime_ns
    window, increment = bench_data(work, seed=7, calls=CALLS, days=DAYS)
    assert window.reused and increment.reused
    assert marker.stat().st_mtime_ns == before


def test_cache_is_reused_and_an_incomplete_one_regenerated(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = cached_generate(folder, seed=3, days=1, calls_per_day=50, start=BENCH_START)
    assert not first.reused and (folder / MARKER).is_file()
    mtimes = {p: p.stat().st_mtime_ns for p in first.files}
    second = cached_generate(folder, seed=3, days=1, calls_per_day=50, start=BENCH_START)
    assert second.reused and second.generate_seconds == 0
    assert {p: p.stat().st_mtime_ns for p in second.files} == mtimes

    (folder / MARKER).unlink()  # as if generation had been interrupted
    (folder / "files" / "leftover.csv").write_text("partial")
    third = cached_generate(folder, seed=3, days=1, calls_per_day=50, start=BENCH_START)
    assert not third.reused and not (folder / "files" / "leftover.csv").exists()
    assert third.calls == first.calls

    other = cached_generate(folder, seed=4, days=1, calls_per_day=50, start=BENCH_START)
    assert not other.reused  # other arguments: not the same data


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    """A small generated delivery (2 days x 50 calls, no defects): every format, a few files each."""
    root = tmp_path_factory.mktemp("small") / "files"
    return root, generate(root, days=2, calls_per_day=50, seed=7, start=BENCH_START)


def test_reference_counts_every_generated_call(
    small_set: tuple[Path, GenerationSummary], tmp_path: Path
) -> None:
    root, summary = small_set
    hand = handwritten_reference(root, tmp_path / "reference.duckdb")
    assert hand["covers"] == [f.name for f in FORMATS]
    assert hand["rows_by_format"] == summary.rows_by_format
    assert all(rows > 0 for rows in hand["rows_by_format"].values())
    assert hand["files"] == len(summary.files) and not hand["unrecognised_files"]
    assert hand["rows_deduplicated"] == hand["summary_calls"] == summary.calls
    assert 0 < hand["summary_answered"] < hand["summary_calls"]
    assert hand["summary_days"] == 2
    assert {"detect", "load", "dedupe", "rate", "summarise"} <= set(hand["phases"])
    assert {f"load {f.name}" for f in FORMATS} <= set(hand["phases"])


def test_reference_dedupes_a_file_sent_again_elsewhere(
    small_set: tuple[Path, GenerationSummary], tmp_path: Path
) -> None:
    root, summary = small_set
    delivery = tmp_path / "files"
    shutil.copytree(root, delivery)
    by_format, _, _ = format_files(root)
    # DIDWW's directions share a folder (told apart by header) and DemandFlow is JSON: resend one of each.
    resent = [by_format["didww_outbound"][0], by_format["demandflow_cdr"][-1]]
    for path in resent:
        copy = delivery / "resent" / path.relative_to(root)
        copy.parent.mkdir(parents=True)
        shutil.copy2(path, copy)
    hand = handwritten_reference(delivery, tmp_path / "reference.duckdb")
    assert hand["files"] == len(summary.files) + 2 and not hand["unrecognised_files"]
    resent_rows = sum(summary.expected.files[path].rows for path in resent)
    assert resent_rows > 0 and hand["rows_loaded"] == summary.calls + resent_rows
    assert hand["rows_by_format"]["didww_inbound"] == summary.rows_by_format["didww_inbound"]
    assert hand["rows_deduplicated"] == hand["summary_calls"] == summary.calls


def test_reference_rates_answered_calls_by_deck_prefix(
    small_set: tuple[Path, GenerationSummary], tmp_path: Path
) -> None:
    root, _ = small_set
    hand = handwritten_reference(root, tmp_path / "reference.duckdb")
    with DECK.open(newline="") as handle:
        prefixes = [row["prefix"] for row in csv.DictReader(handle) if not row["effective_to"]]
    with duckdb.connect(str(tmp_path / "reference.duckdb"), read_only=True) as con:
        rows = con.execute("select called_digits, rate_prefix, charge from rated where answered").fetchall()
    expected = [
        (digits, max((p for p in prefixes if digits and digits.startswith(p)), key=len, default=None))
        for digits, _, _ in rows
    ]
    matching = [longest for _, longest in expected if longest]
    assert matching and len(matching) <= hand["answered_rated"] <= hand["calls_rated"]
    for (_, rate_prefix, charge), (_, longest) in zip(rows, expected, strict=True):
        if longest:
            assert rate_prefix == longest and charge is not None and charge >= 0


def test_node_layers() -> None:
    assert (
        node_layer("model.p.stg_flowroute__cdrs", ["p", "staging", "flowroute", "stg_flowroute__cdrs"])
        == "staging"
    )
    assert node_layer("model.p.int_calls__rated", ["p", "intermediate", "int_calls__rated"]) == "rating"
    timeline = ["p", "intermediate", "int_rates__prefix_timeline"]
    assert node_layer("model.p.int_rates__prefix_timeline", timeline) == "rating"
    assert node_layer("model.p.int_calls__enriched", None) == "intermediate"
    assert node_layer("model.p.daily_traffic", ["p", "marts", "daily", "daily_traffic"]) == "daily summaries"
    assert node_layer("model.p.export_flowroute", ["p", "marts", "exports", "export_flowroute"]) == "exports"
    assert node_layer("model.p.fct_calls", ["p", "marts", "fct_calls"]) == "marts"
    assert node_layer("test.p.not_null_fct_calls_cdr_id.abc", None) == "tests"
    assert node_layer("operation.p.p-on-run-end-0", None) == "hooks"
    assert node_layer("unit_test.p.fct_calls.edge", None) == "tests"
    assert node_layer("seed.p.rate_deck_default", None) == "seeds"


def test_union_of_intervals() -> None:
    assert _union_seconds([]) == 0
    assert _union_seconds([(0, 2), (1, 3), (5, 6)]) == 4
    assert _union_seconds([(5, 6), (0, 1)]) == 2


def test_tree_rss_measures_this_process() -> None:
    import os

    assert tree_rss(os.getpid()) > 10 * 2**20


def test_each_stage_gets_the_peak_of_the_samples_taken_while_it_ran() -> None:
    runs = DagsterRuns(
        steps=[
            Step("r1", "cdr_pipeline", "land_cdr_files", started=10.0, ended=20.0, status="success"),
            Step("r1", "cdr_pipeline", "cdr_dbt_models", started=21.0, ended=30.0, status="success"),
            Step("r1", "cdr_pipeline", "quick_step", started=30.5, ended=30.6, status="success"),
        ]
    )
    memory = [(9.0, 100), (12.0, 700), (19.9, 300), (20.5, 900), (22.0, 400), (29.0, 650), (31.0, 50)]
    stages = {s["stage"]: s for s in _stages(runs, wall=25.0, rows=1000, memory=memory)}
    assert stages["land_cdr_files"]["peak_rss_bytes"] == 700
    assert stages["cdr_dbt_models"]["peak_rss_bytes"] == 650
    assert stages["quick_step"]["peak_rss_bytes"] is None
    assert stages[OUTSIDE_STEPS]["peak_rss_bytes"] == 900
    assert stages[OUTSIDE_STEPS]["seconds"] == round(25.0 - 10.0 - 9.0 - 0.1, 3)
