"""Landing: vendor files under $CDRWH_HOME/landing and rate decks and rating plans under $CDRWH_HOME/rates
into raw.<format>, landing.files, landing.rejects."""

import dagster as dg
import duckdb

from orchestration.formats import ALL_FORMATS
from orchestration.landing.loader import land
from orchestration.landing.reconcile import accounting_mismatches
from orchestration.landing.spark_loader import land_with_spark
from orchestration.settings import engine, paths

LANDING_FILES_KEY = dg.AssetKey(["landing", "files"])
LANDING_REJECTS_KEY = dg.AssetKey(["landing", "rejects"])
RAW_KEYS = {spec.name: dg.AssetKey(["raw", spec.raw_table]) for spec in ALL_FORMATS}


@dg.multi_asset(
    name="land_cdr_files",
    group_name="landing",
    specs=[
        dg.AssetSpec(
            LANDING_FILES_KEY, description="One row per landed, rejected or duplicate file.", kinds={"duckdb"}
        ),
        dg.AssetSpec(
            LANDING_REJECTS_KEY,
            description="Rows the CSV reader could not take, with reasons.",
            kinds={"duckdb"},
        ),
        *[
            dg.AssetSpec(key, description=f"{spec.description} (raw text, as landed)", kinds={"duckdb"})
            for spec, key in zip(ALL_FORMATS, RAW_KEYS.values(), strict=True)
        ],
    ],
)
def land_cdr_files(context: dg.AssetExecutionContext):
    p = paths()
    if engine() == "spark":
        # Spark's readers, in a process of their own (its JVM must be gone before dbt-spark opens one); it
        # also refreshes the views catalog the later steps read through.
        report = land_with_spark(p.home)
    else:
        report = land(
            p.warehouse,
            p.landing,
            progress=lambda f: context.log.info(f"landing {f.display_path}"),
            rates_dir=p.rates,
        )
    for outcome in report.outcomes:
        if outcome.status != "loaded":
            context.log.warning(f"{outcome.status} {outcome.display_path}: {outcome.reason}")
    summary = {
        "files_loaded": report.count("loaded"),
        "files_duplicate": report.count("duplicate"),
        "files_rejected": report.count("rejected"),
        "files_unchanged": report.skipped,
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "rate_files_loaded": sum(1 for o in report.outcomes if o.folder == "rates" and o.status == "loaded"),
    }
    yield dg.MaterializeResult(asset_key=LANDING_FILES_KEY, metadata=summary)
    yield dg.MaterializeResult(
        asset_key=LANDING_REJECTS_KEY, metadata={"rows_rejected": report.rows_rejected}
    )
    for name, key in RAW_KEYS.items():
        rows = sum(o.rows_loaded for o in report.outcomes if o.format == name)
        yield dg.MaterializeResult(asset_key=key, metadata={"rows_loaded": rows})


@dg.asset_check(
    asset=LANDING_FILES_KEY, description="Every file: rows_read = rows loaded into raw + rejects."
)
def landing_accounting() -> dg.AssetCheckResult:
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        mismatches = accounting_mismatches(con)
    return dg.AssetCheckResult(
        passed=not mismatches,
        metadata={"files_out_of_balance": len(mismatches), "first": str(mismatches[:5])},
    )
