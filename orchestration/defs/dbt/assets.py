"""Every dbt seed, model and test as Dagster assets and asset checks.

Two sets: the call models, rebuilt by every pipeline run, and the daily summaries (dbt tag ``daily``),
partitioned by UTC day, whose runs rebuild exactly the days of their partition range.
"""

from collections.abc import Iterator
from datetime import date

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.daily import DAILY_PARTITIONS, day_figures, days_of_window, summary_days_vars
from orchestration.dbt_project import DBT_PROJECT, ensure_manifest
from orchestration.defs.dbt.translator import CdrDbtTranslator
from orchestration.settings import paths

ensure_manifest()

DAILY_SELECTOR = "tag:daily"
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")
"""dbt unit tests check the models' logic on fixed inputs, not the data: they run in CI (pytest
``tests/test_dbt_unit_tests.py``), as dbt advises, not in every production build."""
DAILY_TRAFFIC_KEY = dg.AssetKey(["marts", "daily_traffic"])


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=CdrDbtTranslator(),
    exclude=DAILY_SELECTOR,
)
def cdr_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # `dbt build` runs each node's tests right after it; a failing error-severity test fails the step,
    # so nothing downstream (the serving snapshot) is published from a bad build.
    yield from dbt.cli([*PRODUCTION_BUILD], context=context).stream()


class DailySummariesConfig(dg.Config):
    """Which days of the run's partition range to rebuild (default: all of them)."""

    days: list[str] | None = Field(
        default=None, description="UTC days (YYYY-MM-DD) to rebuild; default every day of the partition range"
    )
    full_refresh: bool = Field(default=False, description="rebuild the summary tables from scratch")


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=CdrDbtTranslator(),
    select=DAILY_SELECTOR,
    partitions_def=DAILY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    name="daily_summary_models",
)
def daily_summary_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DailySummariesConfig
) -> Iterator:
    days = (
        [date.fromisoformat(day) for day in config.days]
        if config.days is not None
        else days_of_window(context.partition_time_window)
    )
    context.log.info(f"rebuilding {len(days)} UTC days: {days[0]} .. {days[-1]}" if days else "no days")
    args = [*PRODUCTION_BUILD, "--vars", summary_days_vars(days)]
    if config.full_refresh:
        args.append("--full-refresh")
    # Events are held until dbt has finished: the day's figures are read from the warehouse, which the
    # dbt process holds while it runs.
    events = []
    try:
        for event in dbt.cli(args, context=context).stream():
            events.append(event)
    except Exception:
        yield from events
        raise
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        figures = day_figures(con, days)
    for event in events:
        if (
            isinstance(event, dg.Output)
            and context.asset_key_for_output(event.output_name) == DAILY_TRAFFIC_KEY
        ):
            event = event.with_metadata({**event.metadata, "day_figures": figures})
        yield event
