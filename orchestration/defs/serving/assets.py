"""serving.duckdb: the analysts' read-only snapshot, published after every successful build."""

import dagster as dg

from orchestration.defs.dbt.assets import cdr_dbt_models, daily_summary_models
from orchestration.defs.rerating.assets import CALL_CHANGES_KEY
from orchestration.defs.summaries.assets import REPORT_KEY
from orchestration.serving import publish_snapshot
from orchestration.settings import paths

_PUBLISHED_GROUPS = {"marts", "exports", "reference"}


@dg.asset(
    key=["serving", "snapshot"],
    group_name="serving",
    kinds={"duckdb"},
    deps=[
        *(key for key in cdr_dbt_models.keys if key.path[0] in _PUBLISHED_GROUPS),
        *(key for key in daily_summary_models.keys if key.path[0] in _PUBLISHED_GROUPS),
        CALL_CHANGES_KEY,
        REPORT_KEY,
    ],
    description="$CDRWH_HOME/serving.duckdb: marts, exports, landing accounting, re-rating history and reference tables.",
)
def serving_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    p = paths()
    snapshot = publish_snapshot(p.warehouse, p.serving)
    context.log.info(f"published {snapshot.path} with {len(snapshot.tables)} tables")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(snapshot.path)),
            "tables": len(snapshot.tables),
            "fct_calls_rows": snapshot.tables.get("marts.fct_calls", 0),
            "published_at": snapshot.published_at.isoformat(),
            # Days of calls copied from the warehouse (the rest came from the previous snapshot).
            "fct_calls_days_copied": snapshot.days_copied.get("marts.fct_calls", 0),
            "from_previous_snapshot": snapshot.incremental,
        }
    )
