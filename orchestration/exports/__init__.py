"""Exports (DESIGN §8): the calls of a UTC window, filtered, in a vendor's CDR layout, into a file.

Public API (the ``cdrwh export`` command and the Dagster export job use only these)::

    from orchestration.exports import ExportFilters, ExportRequest, parse_window, run_export

    window_from, window_to = parse_window("2026-11-01", "2026-11-20")  # or relative_window("yesterday", today)
    summary = run_export(
        ExportRequest("flowroute", window_from, window_to, vendors=("flowroute",),
                      filters=ExportFilters(duration=">=60", country=("US",)), query=None,
                      out=Path("calls.csv.gz")),
        serving=paths().serving,
    )
    summary.num_calls, summary.billed_minutes, summary.by_currency  # the Flowroute summary figures

Every user error raises ``ExportError`` with a message naming the flag or JSON path and the value.
"""

from orchestration.exports.errors import ExportError, SnapshotNotReady
from orchestration.exports.filters import COMPARATORS, Comparison, ExportFilters
from orchestration.exports.query_builder import OPS, compile_query, load_query
from orchestration.exports.run import (
    LAYOUTS,
    SUMMARY_COLUMNS,
    CurrencyTotals,
    ExportRequest,
    ExportSummary,
    run_export,
)
from orchestration.exports.window import MAX_WINDOW_DAYS, RELATIVE_WINDOWS, parse_window, relative_window
from orchestration.exports.writers import FORMATS, output_format

__all__ = [
    "COMPARATORS",
    "FORMATS",
    "LAYOUTS",
    "MAX_WINDOW_DAYS",
    "OPS",
    "RELATIVE_WINDOWS",
    "SUMMARY_COLUMNS",
    "Comparison",
    "CurrencyTotals",
    "ExportError",
    "ExportFilters",
    "ExportRequest",
    "ExportSummary",
    "SnapshotNotReady",
    "compile_query",
    "load_query",
    "output_format",
    "parse_window",
    "relative_window",
    "run_export",
]
