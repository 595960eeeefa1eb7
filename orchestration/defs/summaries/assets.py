"""Around the daily summaries: which days are stale after a build, and the 30-day report."""

from datetime import datetime, timezone

import dagster as dg
import duckdb

from orchestration.daily import stale_days, summaries_built
from orchestration.daily_report import figures_markdown, load_day_figures, render_html, write_report
from orchestration.defs.dbt.assets import daily_summary_models
from orchestration.settings import paths

STALE_DAYS_KEY = dg.AssetKey(["summaries", "stale_days"])
REPORT_KEY = dg.AssetKey(["reports", "daily"])


@dg.asset(
    key=STALE_DAYS_KEY,
    group_name="summaries",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["intermediate", "int_daily__days_to_refresh"])],
    description=(
        "The UTC days whose daily summaries no longer match fct_calls after this build (new or late calls, "
        "re-rating, ...). The summarise_stale_days sensor and `cdrwh run` rebuild exactly these partitions."
    ),
)
def summaries_stale_days(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        days = stale_days(con)
        # Summary tables from before this bookkeeping may lack columns: rebuild them from scratch.
        full_refresh = not summaries_built(con)
    context.log.info(f"{len(days)} days to summarise" + (f": {days[0]} .. {days[-1]}" if days else ""))
    return dg.MaterializeResult(
        metadata={
            "days": [d.isoformat() for d in days],
            "count": len(days),
            "full_refresh": full_refresh,
            "first": days[0].isoformat() if days else None,
            "last": days[-1].isoformat() if days else None,
        }
    )


@dg.asset(
    key=REPORT_KEY,
    group_name="summaries",
    kinds={"html"},
    deps=list(daily_summary_models.keys),
    description="$CDRWH_HOME/reports/latest.html: the last 30 UTC days (calls, ASR, ACD, charge) as charts.",
)
def daily_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    now = datetime.now(timezone.utc)
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        figures = load_day_figures(con, days=30)
    html = render_html(figures, title="cdr-warehouse: the last 30 days", generated_at=now)
    report_date = figures[-1].call_date if figures else now.date()
    path = write_report(paths().reports, html, report_date=report_date)
    context.log.info(f"report written to {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "latest_day": report_date.isoformat(),
            "days": len(figures),
            "last_30_days": dg.MetadataValue.md(figures_markdown(figures)) if figures else "no data yet",
        }
    )
