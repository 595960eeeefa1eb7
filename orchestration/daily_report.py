"""The last 30 days at a glance: a self-contained HTML page (inline CSS and SVG, no JS, stdlib only).

``load_day_figures`` reads ``marts.daily_traffic`` (plus ``marts.fraud_alerts`` and ``marts.daily_quality`` when
they exist) into one ``DayFigures`` per UTC day; ``render_html`` draws the page; ``write_report`` publishes it.
``render_svg_chart``, ``sparkline`` and ``figures_markdown`` are reusable on their own (mail, Dagster metadata).
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb

Money = Decimal | float

BLOCKS = "▁▂▃▄▅▆▇█"
"""Sparkline levels, lowest to highest."""

NO_VALUE = "\N{EN DASH}"
"""Shown where a figure has no value (ASR of a day without calls, charges before rating)."""


@dataclass(frozen=True)
class DayFigures:
    """One UTC day of traffic, all vendors and accounts together."""

    call_date: date
    calls: int
    answered_calls: int
    asr_pct: float | None
    acd_s: float | None
    billed_minutes: float
    charge_amount: Money | None
    vendor_charge: Money | None
    margin: Money | None
    currency: str | None
    fraud_alerts: int = 0
    avg_quality_score: float | None = None


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: a value (or None) per day."""

    label: str
    values: Sequence[float | None]
    color: str = "#2563eb"
    dashed: bool = False


# --------------------------------------------------------------------------------------------------- loading


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """Column name -> data type of a table, in order; empty when the table does not exist."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return {name: data_type for name, data_type in rows}


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sum_or_null(columns: dict[str, str], name: str) -> str:
    return f"sum({_q(name)})" if name in columns else "null"


def _asr(answered: int, calls: int) -> float | None:
    return 100.0 * answered / calls if calls else None


def _acd(connected_s: float, answered: int) -> float | None:
    return connected_s / answered if answered else None


def _fraud_alerts_per_day(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[date, int]:
    """High and medium severity alerts per day (low ones, negative margins, would drown them)."""
    if not _columns(con, "marts", "fraud_alerts"):
        return {}
    rows = con.execute(
        "select call_date, count(*) from marts.fraud_alerts "
        "where call_date between ? and ? and severity in ('high', 'medium') group by call_date",
        [first, last],
    ).fetchall()
    return {d: int(n) for d, n in rows}


def _quality_per_day(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[date, float]:
    columns = _columns(con, "marts", "daily_quality")
    if "call_date" not in columns or "avg_quality_score" not in columns:
        return {}
    if "measured_calls" in columns:
        score = (
            "sum(avg_quality_score * measured_calls) "
            "/ nullif(sum(case when avg_quality_score is not null then measured_calls end), 0)"
        )
    else:
        score = "avg(avg_quality_score)"
    rows = con.execute(
        f"select call_date, {score} from marts.daily_quality where call_date between ? and ? group by call_date",
        [first, last],
    ).fetchall()
    return {d: float(s) for d, s in rows if s is not None}


def load_day_figures(
    con: duckdb.DuckDBPyConnection, *, end_date: date | None = None, days: int = 30
) -> list[DayFigures]:
    """Per-day figures of the ``days`` days ending at ``end_date`` (default: the latest day), oldest first.

    Days without traffic inside the window come back with zero calls, so the days are continuous. The window
    never starts before the warehouse's first day, so a young warehouse is not padded with empty days. The
    currency is the rated ``currency`` column when daily_traffic has one, else ``max(vendor_currency)``.
    An absent or empty marts.daily_traffic gives [].
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    columns = _columns(con, "marts", "daily_traffic")
    if not columns:
        return []
    first_day, last_day = con.execute(
        "select min(call_date), max(call_date) from marts.daily_traffic"
    ).fetchone()
    if last_day is None:
        return []
    end = end_date if end_date is not None else last_day
    start = max(end - timedelta(days=days - 1), first_day)
    if start > end:
        return []

    # Connected seconds of answered calls: answered_duration_s when the model has it, else total_duration_s
    # (duration_s is 0 for unanswered calls, so both give the ACD when divided by answered calls).
    connected = "answered_duration_s" if "answered_duration_s" in columns else "total_duration_s"
    currency = "max(currency)" if "currency" in columns else "max(vendor_currency)"
    if "currency" not in columns and "vendor_currency" not in columns:
        currency = "null"
    rows = con.execute(
        f"""
        select
            call_date,
            coalesce(sum(calls), 0),
            coalesce(sum(answered_calls), 0),
            coalesce({_sum_or_null(columns, connected)}, 0),
            coalesce({_sum_or_null(columns, "billed_minutes")}, 0),
            {_sum_or_null(columns, "charge_amount")},
            {_sum_or_null(columns, "vendor_charge")},
            {_sum_or_null(columns, "margin")},
            {currency}
        from marts.daily_traffic
        where call_date between ? and ?
        group by call_date
        """,
        [start, end],
    ).fetchall()
    by_day = {row[0]: row for row in rows}
    alerts = _fraud_alerts_per_day(con, start, end)
    quality = _quality_per_day(con, start, end)

    figures = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            figures.append(
                DayFigures(
                    call_date=day,
                    calls=0,
                    answered_calls=0,
                    asr_pct=None,
                    acd_s=None,
                    billed_minutes=0.0,
                    charge_amount=Decimal(0),
                    vendor_charge=Decimal(0),
                    margin=Decimal(0),
                    currency=None,
                    fraud_alerts=alerts.get(day, 0),
                    avg_quality_score=quality.get(day),
                )
            )
            continue
        _, calls, answered, connected_s, minutes, charge, vendor_charge, margin, day_currency = row
        figures.append(
            DayFigures(
                call_date=day,
                calls=int(calls),
                answered_calls=int(answered),
                asr_pct=_asr(int(answered), int(calls)),
                acd_s=_acd(float(connected_s), int(answered)),
                billed_minutes=float(minutes),
                charge_amount=charge,
                vendor_charge=vendor_charge,
                margin=margin,
                currency=day_currency,
                fraud_alerts=alerts.get(day, 0),
                avg_quality_score=quality.get(day),
            )
        )
    return figures


# ------------------------------------------------------------------------------------------------ formatting


def _fmt_int(value: float | None) -> str:
    return NO_VALUE if value is None else f"{round(value):,}"


def _fmt_pct(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1f} %"


def _fmt_seconds(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:,.1f} s"


def _fmt_minutes(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:,.1f}"


def _fmt_money(value: Money | None) -> str:
    return NO_VALUE if value is None else f"{value:,.2f}"


def _fmt_number(value: float) -> str:
    """A compact axis label: integers without decimals, others with up to 2."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _float(value: Money | None) -> float | None:
    return None if value is None else float(value)


def _mean(values: Sequence[Money | float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _currency_label(figures: Sequence[DayFigures]) -> str:
    currencies = sorted({f.currency for f in figures if f.currency})
    if not currencies:
        return ""
    return currencies[0] if len(currencies) == 1 else " / ".join(currencies) + " (mixed)"


# ---------------------------------------------------------------------------------------------------- charts


def render_svg_chart(
    days: Sequence[date],
    series: Sequence[ChartSeries],
    *,
    title: str,
    kind: str = "line",
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    value_format: Callable[[float], str] = _fmt_number,
    unit: str = "",
    width: int = 460,
    height: int = 210,
) -> str:
    """One inline SVG chart of per-day values: bars (first series only) or lines (None breaks a line).

    Axes carry the min/max value ticks, the first/last dates and a tick every 7 days back from the last day;
    each bar or point has a ``<title>`` tooltip; the svg has role="img" and a descriptive aria-label.
    """
    if kind not in ("bar", "line"):
        raise ValueError(f"kind must be 'bar' or 'line', not {kind!r}")
    if not series:
        raise ValueError("a chart needs at least one series")
    for s in series:
        if len(s.values) != len(days):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(days)} days")
    drawn = series[:1] if kind == "bar" else series
    e = html.escape
    font = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'
    left, right, top, bottom = 58.0, 12.0, 30.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    x_end, y_base = left + plot_w, top + plot_h

    def summary(s: ChartSeries) -> str:
        present = [v for v in s.values if v is not None]
        if not present:
            return f"{s.label}: no values"
        latest = next(v for v in reversed(s.values) if v is not None)
        return (
            f"{s.label}: min {value_format(min(present))}{unit}, max {value_format(max(present))}{unit}, "
            f"latest {value_format(latest)}{unit}"
        )

    period = f"{days[0].isoformat()} to {days[-1].isoformat()} (UTC)" if days else "no days"
    aria = f"{title}, {period}. " + "; ".join(summary(s) for s in drawn)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{e(aria)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {font} font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="17" font-size="13" font-weight="600" fill="#111827">{e(title)}</text>',
    ]
    if len(drawn) > 1:  # legend, right-aligned on the title line; dashes tell the series apart without colour
        x = x_end
        for s in reversed(drawn):
            text_w = 6.2 * len(s.label)
            x -= text_w
            out.append(f'<text x="{x:.1f}" y="17" fill="#374151">{e(s.label)}</text>')
            x -= 22
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            out.append(
                f'<line x1="{x:.1f}" y1="13" x2="{x + 16:.1f}" y2="13" stroke="{e(s.color)}" stroke-width="2"{dash}/>'
            )
            x -= 12

    present = [float(v) for s in drawn for v in s.values if v is not None and math.isfinite(v)]
    if not days or not present:
        out.append(
            f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#d1d5db"/>'
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'fill="#6b7280">no data</text></svg>'
        )
        return "".join(out)

    lo, hi = (min(0.0, min(present)), max(present)) if y_range is None else y_range
    lo, hi = min(lo, min(present)), max(hi, max(present))
    if hi <= lo:
        hi = lo + 1.0

    def y_of(value: float) -> float:
        return y_base - (value - lo) / (hi - lo) * plot_h

    n = len(days)
    band = plot_w / n

    def x_of(index: int) -> float:
        return left + band * (index + 0.5)

    # y axis: gridlines and labels at the range's min and max, the axis title rotated on the left
    for value in (lo, hi):
        y = y_of(value)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{x_end}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#374151">{e(value_format(value))}</text>'
        )
    if lo < 0 < hi:
        out.append(f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{x_end}" y2="{y_of(0):.1f}" stroke="#9ca3af"/>')
    if y_label:
        cy = top + plot_h / 2
        out.append(
            f'<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" text-anchor="middle" '
            f'fill="#4b5563">{e(y_label)}</text>'
        )
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y_base}" stroke="#9ca3af"/>')
    out.append(f'<line x1="{left}" y1="{y_base}" x2="{x_end}" y2="{y_base}" stroke="#9ca3af"/>')

    # x axis: weekly ticks counted back from the last day; full dates at the ends, MM-DD where there is room
    label_y = y_base + 15
    for i in range(n - 1, -1, -7):
        x = x_of(i)
        out.append(f'<line x1="{x:.1f}" y1="{y_base}" x2="{x:.1f}" y2="{y_base + 4}" stroke="#9ca3af"/>')
        if i not in (0, n - 1) and x - left >= 80 and x_end - x >= 80:
            out.append(
                f'<text x="{x:.1f}" y="{label_y}" text-anchor="middle" fill="#6b7280">'
                f"{e(days[i].strftime('%m-%d'))}</text>"
            )
    if n == 1:
        out.append(
            f'<text x="{x_of(0):.1f}" y="{label_y}" text-anchor="middle" fill="#374151">{days[0].isoformat()}</text>'
        )
    else:
        out.append(f'<text x="{left}" y="{label_y}" fill="#374151">{days[0].isoformat()}</text>')
        out.append(
            f'<text x="{x_end}" y="{label_y}" text-anchor="end" fill="#374151">{days[-1].isoformat()}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="#4b5563">day (UTC)</text>'
    )

    def tip(s: ChartSeries, i: int, value: float) -> str:
        return e(f"{days[i].isoformat()}: {s.label} {value_format(value)}{unit}")

    if kind == "bar":
        s = drawn[0]
        bar_w = max(band * 0.7, 1.0)
        base = y_of(max(lo, 0.0))
        for i, value in enumerate(s.values):
            if value is None:
                continue
            y = y_of(float(value))
            y1, bar_h = min(y, base), max(abs(base - y), 1.0)  # 1 px at least, so a zero day shows and tips
            out.append(
                f'<rect x="{x_of(i) - bar_w / 2:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{e(s.color)}"><title>{tip(s, i, float(value))}</title></rect>'
            )
        out.append("</svg>")
        return "".join(out)

    for s in drawn:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        segment: list[str] = []
        for i, value in enumerate([*s.values, None]):
            if value is not None:
                segment.append(f"{x_of(i):.1f},{y_of(float(value)):.1f}")
                continue
            if len(segment) > 1:
                out.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{e(s.color)}" '
                    f'stroke-width="2" stroke-linejoin="round"{dash}/>'
                )
            segment = []
        for i, value in enumerate(s.values):
            if value is not None:
                out.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(float(value)):.1f}" r="2.5" fill="{e(s.color)}">'
                    f"<title>{tip(s, i, float(value))}</title></circle>"
                )
    out.append("</svg>")
    return "".join(out)


def sparkline(values: Sequence[float | None]) -> str:
    """A one-line chart in unicode blocks: min -> ▁, max -> █, None -> space; a constant series sits mid-height
    (▁ when it is zero)."""
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not present:
        return " " * len(values)
    lo, hi = min(present), max(present)
    chars = []
    for value in values:
        if value is None or not math.isfinite(value):
            chars.append(" ")
        elif hi == lo:
            chars.append(BLOCKS[0] if hi == 0 else BLOCKS[3])
        else:
            chars.append(BLOCKS[round((float(value) - lo) / (hi - lo) * (len(BLOCKS) - 1))])
    return "".join(chars)


def figures_markdown(figures: Sequence[DayFigures], *, last_days: int = 7) -> str:
    """A markdown table of the last ``last_days`` days (newest first) and sparklines of the whole period."""
    if not figures:
        return "No traffic in marts.daily_traffic yet."
    ordered = sorted(figures, key=lambda f: f.call_date)
    currency = _currency_label(ordered)
    money = f" ({currency})" if currency else ""
    lines = [
        f"| Day (UTC) | Calls | ASR | ACD | Billed min | Charge{money} | Margin{money} |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for f in reversed(ordered[-last_days:]):
        lines.append(
            f"| {f.call_date.isoformat()} | {_fmt_int(f.calls)} | {_fmt_pct(f.asr_pct)} | {_fmt_seconds(f.acd_s)} "
            f"| {_fmt_minutes(f.billed_minutes)} | {_fmt_money(f.charge_amount)} | {_fmt_money(f.margin)} |"
        )
    spark = {
        "Calls": [float(f.calls) for f in ordered],
        "ASR": [f.asr_pct for f in ordered],
        "ACD": [f.acd_s for f in ordered],
        "Charge": [_float(f.charge_amount) for f in ordered],
    }
    period = f"{ordered[0].call_date.isoformat()} → {ordered[-1].call_date.isoformat()}"
    lines.append("")
    lines.append(
        " · ".join(f"{name} `{sparkline(values)}`" for name, values in spark.items()) + f" ({period})"
    )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------ page

_CSS = """
body { margin: 0; padding: 16px; background: #f9fafb; color: #111827;
       font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px; }
main { max-width: 980px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
p.meta, p.note { color: #4b5563; margin: 4px 0; }
table.cards { border-collapse: separate; border-spacing: 8px; margin: 0 -8px; }
table.cards td { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 14px;
                 vertical-align: top; min-width: 120px; }
.label { color: #4b5563; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.value { font-size: 22px; font-weight: 600; margin: 2px 0; }
.avg { color: #4b5563; font-size: 12px; }
div.charts { font-size: 0; }
div.chart { display: inline-block; margin: 0 8px 8px 0; border: 1px solid #e5e7eb; border-radius: 6px;
            overflow: hidden; font-size: 14px; vertical-align: top; }
table.days { border-collapse: collapse; background: #ffffff; width: 100%; }
table.days caption { text-align: left; color: #4b5563; padding: 4px 0; }
table.days th, table.days td { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: right;
                               white-space: nowrap; }
table.days th:first-child, table.days td:first-child { text-align: left; }
table.days thead th { background: #f3f4f6; }
table.days tr.quiet td { color: #9ca3af; }
"""


def _delta(latest: float | None, average: float | None, *, points: bool = False) -> str:
    """The latest day against the average: '+12 %' (relative) or '+1.5 pp' (percentage points)."""
    if latest is None or average is None:
        return ""
    if points:
        return f" ({latest - average:+.1f} pp)"
    if average == 0:
        return ""
    return f" ({(latest - average) / abs(average) * 100:+.0f} %)"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}</main>\n</body>\n</html>\n"
    )


def render_html(figures: list[DayFigures], *, title: str, generated_at: datetime) -> str:
    """The report page: headline figures, four charts and the table of days; a 'no data yet' page when empty."""
    e = html.escape
    generated = _utc(generated_at).strftime("%Y-%m-%d %H:%M UTC")
    if not figures:
        body = (
            f"<h1>{e(title)}</h1>\n"
            "<p>No data yet: marts.daily_traffic has no calls. The report fills in after the first run that "
            "lands CDRs.</p>\n"
            f'<p class="meta">Generated {e(generated)}. Days are UTC calendar days.</p>\n'
        )
        return _page(title, body)

    ordered = sorted(figures, key=lambda f: f.call_date)
    days = [f.call_date for f in ordered]
    latest, n = ordered[-1], len(ordered)
    currency = _currency_label(ordered)
    money = f" ({currency})" if currency else ""
    total_calls = sum(f.calls for f in ordered)
    total_answered = sum(f.answered_calls for f in ordered)
    connected_s = sum((f.acd_s or 0.0) * f.answered_calls for f in ordered)
    avg_calls = total_calls / n
    avg_asr = _asr(total_answered, total_calls)
    avg_acd = _acd(connected_s, total_answered)
    avg_minutes = sum(f.billed_minutes for f in ordered) / n
    avg_charge = _mean([f.charge_amount for f in ordered])
    avg_margin = _mean([f.margin for f in ordered])

    cards = [
        ("Calls", _fmt_int(latest.calls), _fmt_int(avg_calls), _delta(latest.calls, avg_calls)),
        ("ASR", _fmt_pct(latest.asr_pct), _fmt_pct(avg_asr), _delta(latest.asr_pct, avg_asr, points=True)),
        ("ACD", _fmt_seconds(latest.acd_s), _fmt_seconds(avg_acd), _delta(latest.acd_s, avg_acd)),
        (
            "Billed minutes",
            _fmt_minutes(latest.billed_minutes),
            _fmt_minutes(avg_minutes),
            _delta(latest.billed_minutes, avg_minutes),
        ),
        (
            f"Charge{money}",
            _fmt_money(latest.charge_amount),
            _fmt_money(avg_charge),
            _delta(_float(latest.charge_amount), avg_charge),
        ),
        (
            f"Margin{money}",
            _fmt_money(latest.margin),
            _fmt_money(avg_margin),
            _delta(_float(latest.margin), avg_margin),
        ),
    ]
    card_cells = "".join(
        f'<td><div class="label">{e(label)}</div><div class="value">{e(value)}</div>'
        f'<div class="avg">{n}-day avg {e(average)}{e(delta)}</div></td>'
        for label, value, average, delta in cards
    )

    charts = [
        render_svg_chart(
            days,
            [ChartSeries("Calls", [float(f.calls) for f in ordered], color="#2563eb")],
            title="Calls per day",
            kind="bar",
            y_label="calls",
            value_format=lambda v: _fmt_int(v),
            unit=" calls",
        ),
        render_svg_chart(
            days,
            [ChartSeries("ASR", [f.asr_pct for f in ordered], color="#059669")],
            title="ASR (answered / calls)",
            y_label="%",
            y_range=(0.0, 100.0),
            value_format=lambda v: f"{v:.1f}",
            unit=" %",
        ),
        render_svg_chart(
            days,
            [ChartSeries("ACD", [f.acd_s for f in ordered], color="#d97706")],
            title="ACD (seconds per answered call)",
            y_label="seconds",
            value_format=lambda v: f"{v:,.1f}",
            unit=" s",
        ),
        render_svg_chart(
            days,
            [
                ChartSeries("Charge", [_float(f.charge_amount) for f in ordered], color="#7c3aed"),
                ChartSeries(
                    "Vendor charge", [_float(f.vendor_charge) for f in ordered], color="#dc2626", dashed=True
                ),
            ],
            title="Charge and vendor charge",
            y_label=currency or "amount",
            value_format=lambda v: f"{v:,.2f}",
            unit=f" {currency}" if currency else "",
        ),
    ]

    show_fraud = any(f.fraud_alerts for f in ordered)
    show_quality = any(f.avg_quality_score is not None for f in ordered)
    head = [
        "Day (UTC)",
        "Calls",
        "Answered",
        "ASR",
        "ACD",
        "Billed min",
        f"Charge{money}",
        f"Vendor charge{money}",
        f"Margin{money}",
    ]
    head += ["Fraud alerts"] if show_fraud else []
    head += ["Quality"] if show_quality else []
    rows = []
    for f in reversed(ordered):
        cells = [
            f.call_date.isoformat(),
            _fmt_int(f.calls),
            _fmt_int(f.answered_calls),
            _fmt_pct(f.asr_pct),
            _fmt_seconds(f.acd_s),
            _fmt_minutes(f.billed_minutes),
            _fmt_money(f.charge_amount),
            _fmt_money(f.vendor_charge),
            _fmt_money(f.margin),
        ]
        cells += [_fmt_int(f.fraud_alerts)] if show_fraud else []
        if show_quality:
            cells.append(NO_VALUE if f.avg_quality_score is None else f"{f.avg_quality_score:.2f}")
        quiet = ' class="quiet"' if f.calls == 0 else ""
        rows.append(f"<tr{quiet}>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")

    body = (
        f"<h1>{e(title)}</h1>\n"
        f'<p class="meta">{e(days[0].isoformat())} to {e(days[-1].isoformat())} ({n} days). '
        f"Days are UTC calendar days. Generated {e(generated)}.</p>\n"
        f"<h2>{e(latest.call_date.isoformat())} against the {n}-day average</h2>\n"
        f'<table class="cards" role="presentation"><tr>{card_cells}</tr></table>\n'
        f'<p class="note">ASR and ACD averages are over all the period\'s calls; the others are per-day means.</p>\n'
        "<h2>Trends</h2>\n"
        '<div class="charts">' + "".join(f'<div class="chart">{chart}</div>' for chart in charts) + "</div>\n"
        "<h2>Days</h2>\n"
        '<table class="days"><caption>Newest first. ASR = answered / calls; ACD = connected seconds / answered '
        "calls.</caption>\n<thead><tr>"
        + "".join(f'<th scope="col">{e(h)}</th>' for h in head)
        + "</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n"
        '<p class="note">Source: marts.daily_traffic (all vendors and accounts).</p>\n'
    )
    return _page(title, body)


# ---------------------------------------------------------------------------------------------------- output


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then os.replace: readers see old or new, whole."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(home_reports_dir: Path, html: str, *, report_date: date) -> Path:
    """Write ``daily-<YYYY-MM-DD>.html`` and replace ``latest.html`` (each atomically); return the dated path."""
    home_reports_dir.mkdir(parents=True, exist_ok=True)
    dated = home_reports_dir / f"daily-{report_date.isoformat()}.html"
    _write_atomically(dated, html)
    _write_atomically(home_reports_dir / "latest.html", html)
    return dated
