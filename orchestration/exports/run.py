"""Run an export: the calls of a window, filtered, in a vendor's layout, into a file (DESIGN §8).

Reads only the serving snapshot, read-only, so it runs while the pipeline builds: the export mart
``exports.export_<layout>`` (``_cdr_id`` and ``_start_time`` first, then the layout's fields) joined to
``marts.fct_calls`` on ``_cdr_id = cdr_id`` for the filters, and the summary figures from fct_calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.exports.errors import ExportError, SnapshotNotReady
from orchestration.exports.filters import ExportFilters, check_vendors, filters_sql
from orchestration.exports.query_builder import compile_query, quote
from orchestration.exports.window import check_window, to_utc
from orchestration.exports.writers import check_destination, copy_atomically, output_format, select_list

LAYOUTS = ("flowroute", "didww_inbound", "didww_outbound", "callr", "demandflow", "canonical")
SUMMARY_COLUMNS = (
    "currency",
    "num_calls",
    "billed_minutes",
    "total_cost",
    "call_subtotal",
    "connect_fees",
    "usf_fees",
    "ccrf",
    "cnam_lookup_fees",
)


@dataclass(frozen=True)
class ExportRequest:
    """What to export. ``window_from``/``window_to`` bound the calls' start time, ``[from, to)``, in UTC
    (a naive datetime is UTC; an aware one is converted). ``out`` is required; its extension picks the
    format (.csv, .csv.gz, .parquet, .ndjson)."""

    layout: str
    window_from: datetime
    window_to: datetime
    vendors: Sequence[str] = ()
    filters: ExportFilters = field(default_factory=ExportFilters)
    query: dict | None = None
    out: Path | None = None

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ExportError(f"--layout {self.layout!r}: use one of {', '.join(LAYOUTS)}")
        object.__setattr__(self, "window_from", to_utc(self.window_from))
        object.__setattr__(self, "window_to", to_utc(self.window_to))
        check_window(self.window_from, self.window_to)
        object.__setattr__(self, "vendors", check_vendors(self.vendors))
        if self.query is not None and not isinstance(self.query, dict):
            raise ExportError('query: expected an object {"match": "all", "rules": [...]}')
        if self.out is None:
            raise ExportError("--out: give the file to write (.csv, .csv.gz, .parquet or .ndjson)")
        object.__setattr__(self, "out", Path(self.out))
        output_format(self.out)


@dataclass(frozen=True)
class CurrencyTotals:
    """The Flowroute summary figures of the exported calls in one vendor currency."""

    currency: str | None
    num_calls: int
    billed_minutes: Decimal
    total_cost: Decimal
    call_subtotal: Decimal
    connect_fees: Decimal
    usf_fees: Decimal
    ccrf: Decimal
    cnam_lookup_fees: Decimal

    def row(self) -> tuple:
        return (self.currency or "(none)", *(getattr(self, name) for name in SUMMARY_COLUMNS[1:]))


@dataclass(frozen=True)
class ExportSummary:
    """What was written: the file, its rows, and the summary figures per vendor currency."""

    path: Path
    layout: str
    format: str
    window_from: datetime
    window_to: datetime
    rows_written: int
    by_currency: tuple[CurrencyTotals, ...]

    @property
    def num_calls(self) -> int:
        return sum(t.num_calls for t in self.by_currency)

    @property
    def billed_minutes(self) -> Decimal:
        return sum((t.billed_minutes for t in self.by_currency), Decimal(0))

    def metadata(self) -> dict[str, object]:
        """Plain values for a Dagster materialisation or a log line."""
        return {
            "path": str(self.path),
            "layout": self.layout,
            "format": self.format,
            "window_from": self.window_from.isoformat(),
            "window_to": self.window_to.isoformat(),
            "rows_written": self.rows_written,
            "num_calls": self.num_calls,
            "billed_minutes": float(self.billed_minutes),
            **{
                f"{name}_{t.currency or 'none'}": float(getattr(t, name))
                for t in self.by_currency
                for name in SUMMARY_COLUMNS[3:]
            },
        }


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


def open_serving(serving: Path) -> duckdb.DuckDBPyConnection:
    if not Path(serving).exists():
        raise SnapshotNotReady(
            f"no serving snapshot at {serving} yet: run `cdrwh run` (or `make demo`) first"
        )
    return duckdb.connect(str(serving), read_only=True)


def _source(
    con: duckdb.DuckDBPyConnection, request: ExportRequest
) -> tuple[list[tuple[str, str]], str, list]:
    """The export mart's columns, and the FROM/WHERE of the exported rows (aliases e and f) with its params."""
    table = f"export_{request.layout}"
    mart = _columns(con, "exports", table)
    if not mart:
        raise SnapshotNotReady(
            f"the serving snapshot has no exports.{table} yet: run `cdrwh run` to build and publish it"
        )
    names = [name for name, _ in mart]
    if names[:2] != ["_cdr_id", "_start_time"]:
        raise SnapshotNotReady(f"exports.{table} does not start with _cdr_id, _start_time: rebuild it")
    calls = dict(_columns(con, "marts", "fct_calls"))
    if not calls:
        raise SnapshotNotReady("the serving snapshot has no marts.fct_calls yet: run `cdrwh run` first")

    conditions = ["e._start_time >= ?", "e._start_time < ?"]
    params: list[object] = [request.window_from, request.window_to]
    if request.vendors:
        known = [
            v
            for (v,) in con.execute(
                "select distinct source_vendor from marts.fct_calls order by 1"
            ).fetchall()
        ]
        for vendor in request.vendors:
            if vendor not in known:
                raise ExportError(
                    f"--vendor {vendor!r}: no calls of that vendor in the snapshot; vendors: {', '.join(known)}"
                )
    filter_conditions, filter_params = filters_sql(request.filters, tuple(request.vendors))
    conditions += filter_conditions
    params += filter_params
    if request.query is not None:
        query_sql, query_params = compile_query(request.query, calls, alias="f")
        conditions.append(query_sql)
        params += query_params
    where = "\n  and ".join(conditions)
    source = (
        f"from exports.{quote(table)} as e\njoin marts.fct_calls as f on e._cdr_id = f.cdr_id\nwhere {where}"
    )
    return mart, source, params


_SUMMARY_SQL = """
select
    s.vendor_currency,
    count(*),
    coalesce(sum(s.billable_duration_s), 0),
    coalesce(sum(s.vendor_charge), 0),
    -- Before fees: the vendor's subtotal, else its charge less the fees it itemises.
    coalesce(sum(coalesce(s.vendor_subtotal, s.vendor_charge - (
        coalesce(s.vendor_connect_fee, 0) + coalesce(s.vendor_usf_fee, 0)
        + coalesce(s.vendor_ccrf, 0) + coalesce(s.vendor_cnam_fee, 0)
    ))), 0),
    coalesce(sum(s.vendor_connect_fee), 0),
    coalesce(sum(s.vendor_usf_fee), 0),
    coalesce(sum(s.vendor_ccrf), 0),
    coalesce(sum(s.vendor_cnam_fee), 0)
from marts.fct_calls as s
where s.cdr_id in (select e._cdr_id {source})
group by s.vendor_currency
order by s.vendor_currency nulls last
"""


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def run_export(request: ExportRequest, *, serving: Path, progress: bool = False) -> ExportSummary:
    """Write the export ``request`` asks for from the serving snapshot and return what was written.

    Raises ``ExportError`` for a request that cannot be carried out (``SnapshotNotReady`` when the snapshot
    or the layout's mart is not published yet); a DuckDB or OS error otherwise, leaving no partial file.
    """
    assert request.out is not None
    out = check_destination(request.out)
    kind = output_format(out)
    with open_serving(serving) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set enable_progress_bar = {'true' if progress else 'false'}")
        if progress:
            con.execute("set enable_progress_bar_print = true")
        mart, source, params = _source(con, request)
        query = f"select\n    {select_list(mart, kind, 'e')}\n{source}\norder by e._start_time, e._cdr_id"
        rows = copy_atomically(con, query, params, out, kind)
        con.execute("set enable_progress_bar = false")
        totals = con.execute(_SUMMARY_SQL.format(source=source), params).fetchall()
    by_currency = tuple(
        CurrencyTotals(
            currency=currency,
            num_calls=int(calls),
            billed_minutes=(Decimal(int(seconds)) / 60).quantize(Decimal("0.01")),
            total_cost=_decimal(cost),
            call_subtotal=_decimal(subtotal),
            connect_fees=_decimal(connect),
            usf_fees=_decimal(usf),
            ccrf=_decimal(ccrf),
            cnam_lookup_fees=_decimal(cnam),
        )
        for currency, calls, seconds, cost, subtotal, connect, usf, ccrf, cnam in totals
    )
    return ExportSummary(
        path=out,
        layout=request.layout,
        format=kind,
        window_from=request.window_from,
        window_to=request.window_to,
        rows_written=rows,
        by_currency=by_currency,
    )
