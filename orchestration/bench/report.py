"""The bench result as a table (stdout) and as JSON (``--json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REQUIRED_KEYS = ("version", "config", "machine", "data", "full", "references", "targets")
"""Top-level keys every result has (``incremental`` too unless it was turned off)."""


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.0f} MiB"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _run_section(title: str, run: dict[str, Any]) -> list[str]:
    lines = [
        f"{title}: {run['wall_seconds']:.1f} s wall, {run['rows_landed']:,} rows landed "
        f"({_rate(run['rows_per_second'])} rows/s), peak RSS {_mib(run['peak_rss_bytes'])}, "
        f"exit code {run['exit_code']}"
        + (f", {run['ratio_to_full']:.1%} of the full run" if run.get("ratio_to_full") is not None else "")
    ]
    rows = [
        [
            s["stage"],
            f"{s['seconds']:.2f}",
            _rate(s["rows_per_second"]),
            f"{(s['share'] or 0):.1%}",
            _mib(s.get("peak_rss_bytes")),
        ]
        for s in run["stages"]
    ]
    lines.append(_table(["stage", "seconds", "rows/s", "share", "peak RSS"], rows))
    if run["dbt_layers"]:
        lines.append(
            "  dbt by layer (wall while the layer's nodes ran; busy = summed model time, threads overlap):"
        )
        layer_rows = [
            [f"  {d['step']}", d["layer"], str(d["nodes"]), f"{d['seconds']:.2f}", f"{d['busy_seconds']:.2f}"]
            for d in run["dbt_layers"]
        ]
        lines.append(_table(["  step", "layer", "nodes", "seconds", "busy"], layer_rows))
    if run["exit_code"] != 0:
        lines.append("  THE RUN FAILED: " + " | ".join(run.get("stderr_tail", [])[-3:] or run["output"][-3:]))
    return lines


def format_report(result: dict[str, Any]) -> str:
    config, machine, data = result["config"], result["machine"], result["data"]
    lines = [
        f"cdrwh bench: {data['calls']:,} calls ({config['calls_per_day']:,}/day over {config['days']} days, "
        f"seed {config['seed']}), {data['files']} files; "
        f"{machine['cpu_count']} CPUs, {_mib(machine['memory_bytes'])}, DuckDB {machine['duckdb_version']}, "
        f"Python {machine['python_version']}",
        f"data: {'reused' if data['reused'] else 'generated in {:.1f} s'.format(data['generate_seconds'])} ({data['cache']})",
        "",
    ]
    lines += _run_section("Full run", result["full"])
    floor, hand = result["references"]["scan_floor"], result["references"]["handwritten"]
    lines += [
        "",
        f"Reference, DuckDB scan floor (count(*) of every file): {floor['seconds']:.2f} s, {floor['rows']:,} rows",
        f"Reference, hand-written script ({len(hand['covers'])} formats: {hand.get('rows_loaded', 0):,} rows, "
        f"{(hand.get('share_of_rows') or 0):.0%} of the calls): {hand['seconds']:.2f} s "
        f"({', '.join(f'{k} {v:.2f}' for k, v in hand['phases'].items())}); "
        f"its daily summary counts {hand['summary_calls']:,} calls, the pipeline's fct_calls "
        f"{hand.get('pipeline_calls')}: {'match' if hand.get('matches_pipeline') else 'MISMATCH'}",
    ]
    if "incremental" in result:
        lines += [
            "",
            *_run_section(
                f"Incremental run (one new day, {data['increment']['day']})", result["incremental"]
            ),
        ]
    targets = result["targets"]
    lines += [
        "",
        f"Full run / hand-written reference: {targets['full_over_handwritten']}x (target 3x); "
        f"full run / scan floor: {targets['full_over_scan_floor']}x; "
        f"incremental / full: {targets['incremental_over_full']} (target < 0.10); "
        f"peak RSS {_mib(targets['peak_rss_bytes'])} (target < 4 GiB)",
    ]
    return "\n".join(lines)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
