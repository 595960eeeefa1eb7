"""Exports as a Dagster job: a layout, filters and a window (relative, such as "yesterday"), written
under $CDRWH_HOME/exports/ from the serving snapshot; scheduled daily after the pipeline."""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from orchestration.exports import (
    ExportError,
    ExportFilters,
    ExportRequest,
    parse_window,
    relative_window,
    run_export,
)
from orchestration.settings import paths

EXPORT_JOB_NAME = "export_calls"


class ExportConfig(dg.Config):
    """One export: what ``cdrwh export`` takes, with a relative window for schedules."""

    layout: str = Field(
        default="canonical",
        description="flowroute, didww_inbound, didww_outbound, callr, demandflow or canonical",
    )
    window: str | None = Field(
        default="yesterday",
        description="yesterday, today, last_7_days, last_month or month_to_date (UTC); null: window_from/to",
    )
    window_from: str | None = Field(default=None, description="UTC date or timestamp (when window is null)")
    window_to: str | None = Field(default=None, description="UTC date (whole day) or timestamp, exclusive")
    vendors: list[str] = Field(default_factory=list, description="only these vendors")
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="Flowroute filters by name, e.g. {direction: outbound, duration: '>=60', country: [GB]}",
    )
    query: dict[str, Any] | None = Field(default=None, description="a ConnexCS query builder rule set")
    format: str = Field(default="csv.gz", description="csv, csv.gz, parquet or ndjson")


def export_request(config: ExportConfig, today: date, exports_dir: Path) -> ExportRequest:
    """The request a config describes; the file is ``<layout>_<first day>_<last day>.<format>``."""
    if config.window is not None:
        if config.window_from or config.window_to:
            raise ExportError("give either window or window_from/window_to, not both")
        window_from, window_to = relative_window(config.window, today)
    elif config.window_from and config.window_to:
        window_from, window_to = parse_window(config.window_from, config.window_to)
    else:
        raise ExportError("give window (e.g. yesterday) or both window_from and window_to")
    last_day = (window_to - timedelta(microseconds=1)).date()
    name = f"{config.layout}_{window_from:%Y-%m-%d}_{last_day:%Y-%m-%d}.{config.format.lstrip('.')}"
    return ExportRequest(
        layout=config.layout,
        window_from=window_from,
        window_to=window_to,
        vendors=tuple(config.vendors),
        filters=ExportFilters(**config.filters),
        query=config.query,
        out=exports_dir / name,
    )


@dg.op(description="Write one export file under $CDRWH_HOME/exports/ from the serving snapshot.")
def export_calls_op(context: dg.OpExecutionContext, config: ExportConfig) -> dg.Output:
    p = paths()
    try:
        request = export_request(config, datetime.now(timezone.utc).date(), p.exports)
        summary = run_export(request, serving=p.serving)
    except (ExportError, TypeError) as error:
        raise dg.Failure(description=f"export refused: {error}") from error
    context.log.info(
        f"{summary.rows_written:,} calls written to {summary.path}; billed minutes {summary.billed_minutes}"
    )
    metadata = summary.metadata()
    metadata["path"] = dg.MetadataValue.path(str(summary.path))
    return dg.Output(None, metadata=metadata)


@dg.job(
    name=EXPORT_JOB_NAME, description="Export calls in a vendor layout (run config: layout, window, filters)."
)
def export_calls_job() -> None:
    export_calls_op()


daily_export_schedule = dg.ScheduleDefinition(
    name="daily_export",
    job=export_calls_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    run_config={"ops": {"export_calls_op": {"config": {"layout": "canonical", "window": "yesterday"}}}},
    description=(
        "Every day at 03:30 UTC (after the 02:00 pipeline): yesterday's calls, canonical layout, csv.gz, "
        "under $CDRWH_HOME/exports/. Edit the run config (or add schedules) for other layouts and filters."
    ),
)
