"""lake/parquet: the published marts as Parquet, partitioned by call_date, for other engines."""

import time
from collections.abc import Iterator

import dagster as dg

from orchestration.defs.serving.assets import serving_snapshot
from orchestration.lake import write_lake
from orchestration.settings import paths

LAKE_KEY = dg.AssetKey(["lake", "parquet"])


@dg.asset(
    key=LAKE_KEY,
    group_name="lake",
    kinds={"parquet", "duckdb"},
    deps=[serving_snapshot],
    output_required=False,
    description=(
        "$CDRWH_HOME/lake/<schema>.<table>/call_date=YYYY-MM-DD/*.parquet: every mart of serving.duckdb as "
        "Hive-partitioned Parquet (marts without call_date as one file), from each published snapshot: "
        "the days whose rows changed are written, the others hard-linked from the previous write; each "
        "table swapped in atomically."
    ),
)
def lake_parquet(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    p = paths()
    if not p.serving.exists():
        # Only when materialised on its own before any publication: in the publishing jobs it runs
        # after serving/snapshot, which fails the run rather than leave no snapshot.
        context.log.warning(f"no serving snapshot at {p.serving} yet: nothing to write to the lake")
        return
    started = time.perf_counter()
    summary = write_lake(p.serving, p.lake)
    seconds = round(time.perf_counter() - started, 3)
    if summary.removed:
        context.log.info(f"removed {', '.join(summary.removed)}")
    context.log.info(
        f"wrote {len(summary.tables)} tables, {summary.rows} rows, {summary.partitions} day partitions "
        f"to {summary.path} in {seconds} s"
    )
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "tables": len(summary.tables),
            "rows": summary.rows,
            "partitions": summary.partitions,
            "seconds": seconds,
            "fct_calls_rows": next((t.rows for t in summary.tables if t.name == "marts.fct_calls"), 0),
            "by_table": dg.MetadataValue.md(
                "| table | rows | day partitions | days written | days reused |\n|---|---:|---:|---:|---:|\n"
                + "\n".join(
                    f"| {t.name} | {t.rows} | {t.partitions} | {t.days_written} | {t.days_reused} |"
                    for t in summary.tables
                )
            ),
        }
    )
