"""The 30-day report: figures read from a small marts.daily_traffic, the page, sparklines and publishing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from orchestration.daily_report import (
    ChartSeries,
    DayFigures,
    figures_markdown,
    load_day_figures,
    render_html,
    render_svg_chart,
    sparkline,
    write_report,
)

FIRST = date(2024, 3, 1)
LAST = date(2024, 4, 9)  # 40 days of traffic, FIRST..LAST
GAP = date(2024, 4, 1)  # no row at all: must come back as a zero day

DAILY_TRAFFIC_DDL = """
create table marts.daily_traffic (
    call_date date,
    source_vendor varchar,
    direction varchar,
    account_number varchar,
    called_country varchar,
    billing_class varchar,
    vendor_currency varchar,
    calls bigint,
    answered_calls bigint,
    busy_calls bigint,
    no_answer_calls bigint,
    failed_calls bigint,
    asr_pct decimal(18, 2),
    ner_pct decimal(18, 2),
    acd_s decimal(18, 2),
    total_duration_s bigint,
    billed_duration_s bigint,
    billed_minutes double,
    vendor_charge decimal(38, 8),
    charge_amount decimal(38, 6),
    tax_amount decimal(38, 6),
    margin decimal(38, 6),
    avg_mos double
)
"""

INSERT = "insert into marts.daily_traffic values (?, ?, 'outbound', ?, 'GB', 'international', 'EUR', ?, ?, 0, 0, 0, null, null, null, ?, ?, ?, ?, ?, 0, ?, null)"


def _add(con, day, vendor, calls, answered, seconds, *, account="ACME", charge="1.50", vendor_charge="1.00"):
    margin = None if charge is None else Decimal(charge) - Decimal(vendor_charge)
    con.execute(
        INSERT,
        [
            day,
            vendor,
            account,
            calls,
            answered,
            seconds,
            seconds,
            seconds / 60,
            vendor_charge,
            charge,
            margin,
        ],
    )


@pytest.fixture
def con(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute(DAILY_TRAFFIC_DDL)
    day = FIRST
    while day <= LAST:
        if day != GAP:
            _add(con, day, "callr", 10, 4, 400)
        day += timedelta(days=1)
    # the latest day: two groups (two vendors) that the loader must add up
    _add(con, LAST, "flowroute", 6, 2, 300, account=None, charge="2.25", vendor_charge="1.25")
    # a day with calls but none answered: ASR 0, ACD none
    con.execute("delete from marts.daily_traffic where call_date = ?", [date(2024, 4, 5)])
    _add(con, date(2024, 4, 5), "callr", 3, 0, 0)
    yield con
    con.close()


def _by_day(figures: list[DayFigures]) -> dict[date, DayFigures]:
    return {f.call_date: f for f in figures}


# ------------------------------------------------------------------------------------------------ loading


def test_window_is_30_continuous_days_ending_at_the_latest_day(con) -> None:
    figures = load_day_figures(con)

    assert len(figures) == 30
    assert figures[-1].call_date == LAST
    assert figures[0].call_date == LAST - timedelta(days=29)
    assert [f.call_date for f in figures] == [figures[0].call_date + timedelta(days=i) for i in range(30)]


def test_gap_day_is_present_with_zeros(con) -> None:
    gap = _by_day(load_day_figures(con))[GAP]

    assert (gap.calls, gap.answered_calls, gap.billed_minutes) == (0, 0, 0.0)
    assert gap.charge_amount == 0 and gap.vendor_charge == 0 and gap.margin == 0
    assert gap.asr_pct is None and gap.acd_s is None


def test_groups_of_a_day_are_added_up_and_kpis_use_the_right_divisors(con) -> None:
    latest = _by_day(load_day_figures(con))[LAST]

    assert (latest.calls, latest.answered_calls) == (16, 6)
    assert latest.asr_pct == pytest.approx(6 / 16 * 100)
    # ACD: connected seconds / answered calls (700 / 6), never / calls (700 / 16)
    assert latest.acd_s == pytest.approx(700 / 6)
    assert latest.billed_minutes == pytest.approx(700 / 60)
    assert latest.charge_amount == Decimal("3.75")
    assert latest.vendor_charge == Decimal("2.25")
    assert latest.margin == Decimal("1.50")
    assert latest.currency == "EUR"
    assert (latest.fraud_alerts, latest.avg_quality_score) == (0, None)


def test_day_without_answered_calls_has_asr_zero_and_no_acd(con) -> None:
    day = _by_day(load_day_figures(con))[date(2024, 4, 5)]

    assert day.calls == 3 and day.asr_pct == 0.0 and day.acd_s is None


def test_end_date_and_days_choose_the_window(con) -> None:
    figures = load_day_figures(con, end_date=date(2024, 3, 20), days=7)

    assert [f.call_date for f in figures] == [date(2024, 3, 14) + timedelta(days=i) for i in range(7)]
    assert all(f.calls == 10 for f in figures)


def test_window_does_not_start_before_the_first_day(con) -> None:
    figures = load_day_figures(con, end_date=date(2024, 3, 5))

    assert [f.call_date for f in figures] == [date(2024, 3, d) for d in range(1, 6)]


def test_days_after_the_data_are_zero_days(con) -> None:
    figures = load_day_figures(con, end_date=LAST + timedelta(days=2), days=5)

    assert [f.calls for f in figures] == [10, 10, 16, 0, 0]


def test_answered_duration_column_is_preferred_when_present(con) -> None:
    # a model version with answered_duration_s: total_duration_s may then include more than answered seconds
    con.execute("alter table marts.daily_traffic add column answered_duration_s bigint")
    con.execute(
        "update marts.daily_traffic set answered_duration_s = total_duration_s, total_duration_s = 99999"
    )

    latest = _by_day(load_day_figures(con))[LAST]

    assert latest.acd_s == pytest.approx(700 / 6)


def test_rated_currency_column_wins_over_vendor_currency(con) -> None:
    con.execute("alter table marts.daily_traffic add column currency varchar")
    con.execute("update marts.daily_traffic set currency = 'GBP'")

    assert load_day_figures(con)[-1].currency == "GBP"


def test_fraud_alerts_and_quality_are_read_when_their_tables_exist(con) -> None:
    con.execute("create table marts.fraud_alerts (call_date date, rule varchar, severity varchar)")
    con.execute(
        "insert into marts.fraud_alerts values (?, 'wangiri', 'high'), (?, 'traffic_spike', 'medium'), "
        "(?, 'negative_margin', 'low'), (?, 'high_risk_destination', 'high'), (?, 'wangiri', 'high')",
        [LAST, LAST, LAST, GAP, FIRST],  # low severity does not count; FIRST is outside the window
    )
    con.execute(
        "create table marts.daily_quality (call_date date, source_vendor varchar, measured_calls bigint, "
        "avg_quality_score double)"
    )
    con.execute(
        "insert into marts.daily_quality values (?, 'callr', 3, 4.0), (?, 'flowroute', 1, 2.0), "
        "(?, 'callr', 0, null)",
        [LAST, LAST, GAP],
    )

    figures = _by_day(load_day_figures(con))

    assert figures[LAST].fraud_alerts == 2
    assert figures[GAP].fraud_alerts == 1
    assert sum(f.fraud_alerts for f in figures.values()) == 3
    assert figures[LAST].avg_quality_score == pytest.approx((3 * 4.0 + 1 * 2.0) / 4)  # weighted, not 3.0
    assert figures[GAP].avg_quality_score is None
    assert figures[LAST - timedelta(days=1)].avg_quality_score is None


def test_empty_and_absent_warehouse_give_no_figures(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    assert load_day_figures(con) == []
    con.execute("create schema marts")
    con.execute(DAILY_TRAFFIC_DDL)
    assert load_day_figures(con) == []


def test_days_must_be_positive(con) -> None:
    with pytest.raises(ValueError):
        load_day_figures(con, days=0)


# --------------------------------------------------------------------------------------------------- page


class _TagChecker(HTMLParser):
    """Checks that every element is closed in order and collects svg attributes and <title> texts."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.titles_per_svg: list[int] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "svg":
            self.svgs.append(dict(attrs))
            self.titles_per_svg.append(0)
        if tag == "title" and "svg" in self.stack:
            self.titles_per_svg[-1] += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data) -> None:
        self.text.append(data)


def _parse(page: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == []
    assert checker.stack == []
    return checker


def _figures(n: int = 30) -> list[DayFigures]:
    start = date(2024, 3, 1)
    out = []
    for i in range(n):
        calls = 0 if i == 10 else 100 + i
        answered = calls // 2
        out.append(
            DayFigures(
                call_date=start + timedelta(days=i),
                calls=calls,
                answered_calls=answered,
                asr_pct=answered / calls * 100 if calls else None,
                acd_s=60.0 + i if answered else None,
                billed_minutes=answered * (60.0 + i) / 60,
                charge_amount=Decimal("10.00") + i,
                vendor_charge=Decimal("7.00") + i,
                margin=Decimal("3.00"),
                currency="EUR",
            )
        )
    return out


GENERATED = datetime(2024, 3, 31, 6, 0, tzinfo=timezone.utc)


def test_page_is_well_formed_with_four_accessible_charts() -> None:
    figures = _figures()
    checker = _parse(render_html(figures, title="Traffic", generated_at=GENERATED))

    assert len(checker.svgs) == 4
    assert all(svg.get("role") == "img" and svg.get("aria-label") for svg in checker.svgs)
    # one tooltip per bar / point: calls (30 bars), ASR and ACD (29 days with answered calls), 2 x 30 charges
    assert checker.titles_per_svg == [30, 29, 29, 60]


def test_page_shows_the_latest_day_and_is_self_contained() -> None:
    page = render_html(_figures(), title="Traffic", generated_at=GENERATED)

    assert "2024-03-30" in page  # latest day
    assert "129" in page and "39.00" in page and "89.0 s" in page  # its calls, charge and ACD
    assert "UTC" in page and "2024-03-31 06:00 UTC" in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    # the days table lists the newest day first
    rows = re.findall(r"<tr[^>]*><td>(\d{4}-\d{2}-\d{2})</td>", page)
    assert rows[0] == "2024-03-30" and rows[-1] == "2024-03-01" and len(rows) == 30


def test_page_escapes_text() -> None:
    page = render_html(_figures(3), title="<script>alert('x')</script> & co", generated_at=GENERATED)

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page


def test_optional_columns_appear_only_when_there_is_something_to_show() -> None:
    figures = _figures(3)
    assert "Fraud alerts" not in render_html(figures, title="t", generated_at=GENERATED)

    flagged = [*figures[:-1], replace(figures[-1], fraud_alerts=4, avg_quality_score=3.75)]
    page = render_html(flagged, title="t", generated_at=GENERATED)
    assert "Fraud alerts" in page and "Quality" in page and "3.75" in page


def test_empty_figures_render_a_no_data_page() -> None:
    page = render_html([], title="Traffic", generated_at=GENERATED)
    checker = _parse(page)

    assert "No data yet" in page
    assert checker.svgs == []


def test_naive_generated_at_is_taken_as_utc() -> None:
    page = render_html(_figures(2), title="t", generated_at=datetime(2024, 3, 2, 7, 5))

    assert "2024-03-02 07:05 UTC" in page


# -------------------------------------------------------------------------------------------------- chart


def _days(n: int) -> list[date]:
    return [date(2024, 3, 1) + timedelta(days=i) for i in range(n)]


def test_chart_has_min_max_ticks_end_dates_and_weekly_ticks() -> None:
    svg = render_svg_chart(
        _days(30),
        [ChartSeries("ASR", [50.0] * 30)],
        title="ASR",
        y_range=(0.0, 100.0),
        value_format=lambda v: f"{v:.0f}",
    )
    checker = _parse(svg)
    labels = [t for t in checker.text if t.strip()]

    assert "0" in labels and "100" in labels  # the y range, not the data's 50..50
    assert "2024-03-01" in labels and "2024-03-30" in labels
    assert {"03-09", "03-16", "03-23"} <= set(labels)  # weekly, counted back from the last day
    assert len(re.findall(r"<polyline", svg)) == 1


def test_chart_line_breaks_at_missing_values() -> None:
    svg = render_svg_chart(_days(7), [ChartSeries("ACD", [1.0, 2.0, None, 3.0, 4.0, None, 5.0])], title="ACD")

    assert len(re.findall(r"<polyline", svg)) == 2  # 1-2 and 3-4; the lone 5 is a point only
    assert len(re.findall(r"<circle", svg)) == 5


def test_chart_rejects_series_of_the_wrong_length() -> None:
    with pytest.raises(ValueError):
        render_svg_chart(_days(3), [ChartSeries("x", [1.0, 2.0])], title="x")


def test_chart_without_values_says_so() -> None:
    svg = render_svg_chart(_days(3), [ChartSeries("x", [None, None, None])], title="x")

    assert "no data" in svg and 'role="img"' in svg


# ---------------------------------------------------------------------------------------------- sparkline


def test_sparkline_scales_min_to_lowest_and_max_to_highest_block() -> None:
    assert sparkline([0, 7, 3.5, None, 14]) == "▁▅▃ █"


def test_sparkline_levels() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([10, None, 20]) == "▁ █"
    assert sparkline([-5, 5]) == "▁█"


def test_sparkline_constant_and_empty_series() -> None:
    assert sparkline([3, 3, None, 3]) == "▄▄ ▄"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, None]) == "  "
    assert sparkline([]) == ""


def test_figures_markdown_table_and_sparklines() -> None:
    text = figures_markdown(_figures(), last_days=3)
    lines = text.splitlines()

    assert lines[0].startswith("| Day (UTC) | Calls | ASR | ACD | Billed min | Charge (EUR) | Margin (EUR) |")
    assert [line.split("|")[1].strip() for line in lines[2:5]] == ["2024-03-30", "2024-03-29", "2024-03-28"]
    assert lines[2] == "| 2024-03-30 | 129 | 49.6 % | 89.0 s | 94.9 | 39.00 | 3.00 |"
    spark = lines[-1]
    assert spark.startswith("Calls `")
    calls_spark = spark.split("`")[1]
    assert len(calls_spark) == 30 and calls_spark[10] == "▁" and calls_spark[-1] == "█"
    assert "ASR `" in spark and "ACD `" in spark and "Charge `" in spark
    assert figures_markdown([]) == "No traffic in marts.daily_traffic yet."


# ------------------------------------------------------------------------------------------------- output


def test_write_report_writes_dated_and_latest_atomically(tmp_path: Path) -> None:
    reports = tmp_path / "home" / "reports"

    first = write_report(reports, "<p>one</p>", report_date=date(2024, 3, 30))
    second = write_report(reports, "<p>two ✓</p>", report_date=date(2024, 3, 31))

    assert first == reports / "daily-2024-03-30.html"
    assert second == reports / "daily-2024-03-31.html"
    assert first.read_text(encoding="utf-8") == "<p>one</p>"
    assert (reports / "latest.html").read_bytes() == second.read_bytes() == "<p>two ✓</p>".encode()
    assert sorted(p.name for p in reports.iterdir()) == [
        "daily-2024-03-30.html",
        "daily-2024-03-31.html",
        "latest.html",
    ]


def test_write_report_leaves_no_temporary_file_when_replace_fails(tmp_path: Path, monkeypatch) -> None:
    reports = tmp_path / "reports"
    write_report(reports, "old", report_date=date(2024, 3, 30))

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("orchestration.daily_report.os.replace", fail)
    with pytest.raises(OSError):
        write_report(reports, "new", report_date=date(2024, 3, 30))

    assert sorted(p.name for p in reports.iterdir()) == ["daily-2024-03-30.html", "latest.html"]
    assert (reports / "latest.html").read_text(encoding="utf-8") == "old"
