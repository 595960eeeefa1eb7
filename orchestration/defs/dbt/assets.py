"""Every dbt seed, model and test as Dagster assets and asset checks.

Two sets: the call models, rebuilt by every pipeline run, and the daily summaries (dbt tag ``daily``),
partitioned by UTC day, whose runs rebuild exactly the days of their partition range.
"""

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.daily import (
    DAILY_PARTITIONS,
    SUMMARY_DAYS_ENV,
    day_figures,
    days_of_window,
    summary_days_env,
)
from orchestration.dbt_project import DBT_PROJECT, call_models_version, ensure_manifest
from orchestration.defs.dbt.translator import CdrDbtTranslator
from orchestration.seeds import unchanged_seeds
from orchestration.settings import paths
from orchestration.spark import sync_spark_views

ensure_manifest()

DAILY_SELECTOR = "tag:daily"
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")
"""dbt unit tests check the models' logic on fixed inputs, not the data: they run in CI (pytest
``tests/test_dbt_unit_tests.py``), as dbt advises, not in every production build."""
DAILY_TRAFFIC_KEY = dg.AssetKey(["marts", "daily_traffic"])
VALIDATED_KEY = dg.AssetKey(["intermediate", "int_calls__validated"])
CALL_MODELS_VERSION_ENV = "CDRWH_CALL_MODELS_VERSION"
"""What intermediate.int_calls__built_days records as the version of the models that built a day."""


class CallModelsConfig(dg.Config):
    """The call models are incremental by UTC day (macros/call_days.sql)."""

    full_refresh: bool = Field(
        default=False, description="rebuild every day of the call models (also done when the models changed)"
    )


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=CdrDbtTranslator(),
    exclude=DAILY_SELECTOR,
)
def cdr_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: CallModelsConfig):
    # `dbt build` runs each node's tests right after it; a failing error-severity test fails the step,
    # so nothing downstream (the serving snapshot) is published from a bad build.
    version = call_models_version()
    recorded = recorded_call_models_version(paths().warehouse)
    if VALIDATED_KEY not in context.selected_asset_keys and recorded is not None:
        # A partial build (re-rating) leaves int_calls__validated as it is: it must not record the new
        # version, so the next full build still catches up.
        version = recorded
    # No record: a first build, or tables built before the call models were incremental: build them whole.
    full_refresh = config.full_refresh or recorded != version
    if full_refresh:
        reason = (
            "asked for"
            if config.full_refresh
            else "no build recorded"
            if recorded is None
            else f"the models changed ({recorded} -> {version})"
        )
        context.log.info(f"rebuilding the call models whole: {reason}")
    # When the run builds a subset (a re-rating, or a run leaving unchanged seeds out), dagster-dbt
    # replaces the definition's `fqn:* --exclude tag:daily` by the list of selected models: the tests of
    # the sources (the landed tables) would no longer be selected, and the daily summaries' exclusion
    # would be lost. Both are passed on every time; dbt unions repeated --select flags.
    args = [
        *PRODUCTION_BUILD,
        *("--select", "source:*", "--exclude", DAILY_SELECTOR),
        *(["--full-refresh"] if full_refresh else []),
    ]
    with environment(CALL_MODELS_VERSION_ENV, version):
        yield from dbt.cli(args, context=context).stream()
    sync_spark_views()


@contextlib.contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """``name=value`` in the environment dbt inherits, for the block. Not ``--vars``: dbt parses the whole
    project again whenever its vars differ from the last parse's."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def unchanged_seed_keys(warehouse: Path) -> list[dg.AssetKey]:
    """The asset keys of the seeds whose warehouse table holds the current file (orchestration/seeds.py):
    a pipeline run can leave them, and the tests that read only them, out."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    translator = CdrDbtTranslator()
    return sorted(
        translator.get_asset_key(manifest["nodes"][uid]) for uid in unchanged_seeds(manifest, warehouse)
    )


def recorded_call_models_version(warehouse: Path) -> str | None:
    """The version of the models that last built the call days (int_calls__built_days), if any."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'intermediate' and table_name = 'int_calls__built_days'"
        ).fetchone()[0]
        if not found:
            return None
        versions = con.execute(
            "select distinct call_models_version from intermediate.int_calls__built_days"
        ).fetchall()
    # Days built by different versions (a build interrupted between them) count as a change.
    return versions[0][0] if len(versions) == 1 else ("mixed" if versions else None)


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
    args = [*PRODUCTION_BUILD, *(["--full-refresh"] if config.full_refresh else [])]
    # Events are held until dbt has finished: the day's figures are read from the warehouse, which the
    # dbt process holds while it runs.
    events = []
    try:
        with environment(SUMMARY_DAYS_ENV, summary_days_env(days)):
            for event in dbt.cli(args, context=context).stream():
                events.append(event)
    except Exception:
        yield from events
        raise
    sync_spark_views()
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        figures = day_figures(con, days)
    for event in events:
        if (
            isinstance(event, dg.Output)
            and context.asset_key_for_output(event.output_name) == DAILY_TRAFFIC_KEY
        ):
            event = event.with_metadata({**event.metadata, "day_figures": figures})
        yield event
