"""Re-rating (DESIGN §7) as assets around the dbt build, and the ``rerate_calls`` job that runs them.

``rerating/runs`` records a run (or an undo) from its run config; the dbt models downstream apply it;
``rerating/call_changes`` then records per call what changed. In the daily pipeline both run with no
config: nothing is recorded, and a run left pending by a failed build is completed.
"""

import dagster as dg
import duckdb
from pydantic import Field

from orchestration.rerating import (
    RerateError,
    RerateRequest,
    ensure_schema,
    finalize_pending,
    parse_window_bound,
    record_rerate,
    record_undo,
)
from orchestration.settings import engine, paths

RERATING_RUNS_KEY = dg.AssetKey(["rerating", "runs"])
CALL_CHANGES_KEY = dg.AssetKey(["rerating", "call_changes"])
RERATE_JOB_NAME = "rerate_calls"


class RerateConfig(dg.Config):
    """A re-rating run (``window_from``, ``window_to``, ``reason`` and a deck and/or a duration rule), or
    ``undo_run_id``. Empty: record nothing (the daily pipeline)."""

    window_from: str | None = Field(default=None, description="UTC date or timestamp; a date is its day")
    window_to: str | None = Field(
        default=None, description="UTC date (the whole day) or timestamp, exclusive"
    )
    account: str | None = Field(default=None, description="only this account's calls")
    vendor: str | None = Field(default=None, description="only this vendor's calls (flowroute, callr, ...)")
    deck: str | None = Field(default=None, description="rate the calls with this deck")
    min_duration_s: int | None = Field(default=None, description="calls lasting at least this many seconds")
    new_duration_s: int | None = Field(default=None, description="... are rated as if they lasted this many")
    reason: str | None = Field(default=None, description="why (required for a run)")
    undo_run_id: int | None = Field(default=None, description="undo this run instead")


def request_from_config(config: RerateConfig) -> RerateRequest | None:
    """The run the config asks for, None for an empty config; raises RerateError when incomplete."""
    fields = (
        config.window_from,
        config.window_to,
        config.account,
        config.vendor,
        config.deck,
        config.min_duration_s,
        config.new_duration_s,
    )
    if all(value is None for value in fields):
        if config.reason is not None:
            raise RerateError(
                "a reason but no run: give window_from, window_to and a deck or a duration rule"
            )
        return None
    if not config.window_from or not config.window_to:
        raise RerateError("a re-rating run needs window_from and window_to")
    return RerateRequest(
        window_from=parse_window_bound(config.window_from, end=False),
        window_to=parse_window_bound(config.window_to, end=True),
        reason=config.reason or "",
        account=config.account,
        vendor=config.vendor,
        deck=config.deck,
        min_duration_s=config.min_duration_s,
        new_duration_s=config.new_duration_s,
    )


@dg.asset(
    key=RERATING_RUNS_KEY,
    group_name="rerating",
    kinds={"duckdb"},
    description="rerating.runs: re-rating runs, inputs that int_calls__rated applies on every build.",
)
def rerating_runs(context: dg.AssetExecutionContext, config: RerateConfig) -> dg.MaterializeResult:
    if engine() == "spark":
        # Recording and undoing runs writes rerating.runs, which Spark (without Delta) cannot update.
        if config.undo_run_id is not None or request_from_config(config) is not None:
            raise dg.Failure(description="re-rating runs on the DuckDB engine only (CDRWH_ENGINE=duckdb)")
        return dg.MaterializeResult(metadata={"active_runs": 0})
    with duckdb.connect(str(paths().warehouse)) as con:
        ensure_schema(con)
        try:
            if config.undo_run_id is not None:
                if request_from_config(config.model_copy(update={"reason": None})) is not None:
                    raise RerateError("give either a run to undo or a run to record, not both")
                record_undo(con, config.undo_run_id, config.reason)
                context.log.info(f"run {config.undo_run_id} will be undone by this build")
                recorded = {"undo_run_id": config.undo_run_id}
            elif (request := request_from_config(config)) is not None:
                run_id = record_rerate(con, request)
                context.log.info(f"recorded re-rating run {run_id} ({request.operation}): {request.reason}")
                recorded = {"run_id": run_id, "operation": request.operation}
            else:
                recorded = {}
        except RerateError as error:
            raise dg.Failure(description=str(error)) from error
        active = con.execute(
            "select count(*) from rerating.runs where status in ('pending', 'applied')"
        ).fetchone()[0]
    return dg.MaterializeResult(metadata={**recorded, "active_runs": active})


@dg.asset(
    key=CALL_CHANGES_KEY,
    group_name="rerating",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["marts", "fct_calls"])],
    description="rerating.call_changes: per call, the charge before and after each re-rating run or undo.",
)
def rerating_call_changes(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    if engine() == "spark":
        return dg.MaterializeResult(metadata={"runs_finalized": 0})
    with duckdb.connect(str(paths().warehouse)) as con:
        finalized = finalize_pending(con)
    metadata: dict = {"runs_finalized": len(finalized)}
    for done in finalized:
        context.log.info(
            f"run {done.run_id} {done.action}: {done.calls_touched} calls, "
            f"charge {done.charge_before} -> {done.charge_after}"
        )
        metadata.update(
            run_id=done.run_id,
            action=done.action,
            calls_touched=done.calls_touched,
            charge_before=float(done.charge_before),
            charge_after=float(done.charge_after),
        )
    return dg.MaterializeResult(metadata=metadata)
