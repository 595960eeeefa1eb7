"""``cdrwh``: generate sample files, run the pipeline, and look at the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import configure_environment, paths

if TYPE_CHECKING:
    from orchestration.pipeline import PipelineResult

DEMO_DAYS = 30
DEMO_CALLS_PER_DAY = 200
DEMO_SEED = 7


def _progress_printer(label: str):
    """A one-line counter on a terminal; silent when output is piped."""
    count = 0

    def show(item: Path) -> None:
        nonlocal count
        count += 1
        if sys.stderr.isatty():
            print(f"\r{label}: {count} files ({item.name})".ljust(78), end="", file=sys.stderr, flush=True)

    def done() -> None:
        if count and sys.stderr.isatty():
            print(file=sys.stderr)

    show.done = done  # type: ignore[attr-defined]
    return show


def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    out = Path(args.out) if args.out else configure_environment().landing
    start = args.start or (datetime.now(timezone.utc).date() - timedelta(days=args.days))
    rate = getattr(args, "defects", 0.0)
    progress = _progress_printer("generating")
    summary = generate(
        out,
        days=args.days,
        calls_per_day=args.calls_per_day,
        seed=args.seed,
        start=start,
        progress=progress,
        defects=rate,
    )
    progress.done()
    per_format = ", ".join(f"{name} {rows:,}" for name, rows in sorted(summary.rows_by_format.items()))
    print(
        f"Wrote {len(summary.files)} files with {summary.calls:,} calls ({per_format}), "
        f"{summary.first_day} to {summary.last_day}, into {out}"
    )
    if rate:
        injected = ", ".join(f"{kind} {count:,}" for kind, count in sorted(summary.defects.items()))
        print(f"Injected defects (rate {rate:g}): {injected or 'none'}")
        print(f"Expected after landing all of it: {summary.expected.describe()}")
    return 0


def _defect_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"a rate between 0 and 1 (got {text})")
    return rate


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.daily import days_between
    from orchestration.pipeline import run_pipeline, run_summaries

    p = configure_environment()
    if (args.day_from is None) != (args.day_to is None):
        print("cdrwh run: give both --from and --to (UTC days, both included), or neither", file=sys.stderr)
        return 2
    if args.day_from is not None:
        try:
            days = days_between(args.day_from, args.day_to)
        except ValueError as error:
            print(f"cdrwh run: {error}", file=sys.stderr)
            return 2
        print(
            f"Running daily_summaries on {p.home} for {len(days)} UTC days, {days[0]} to {days[-1]}: rebuild "
            "those days' summaries, the report, publish serving.duckdb ...",
            flush=True,
        )
        return _print_run(run_summaries(days, full_refresh=args.full_refresh))
    print(
        f"Running cdr_pipeline on {p.home}: land new files, build the call models, rebuild the daily "
        "summaries of the days that changed, publish serving.duckdb ...",
        flush=True,
    )
    return _print_run(run_pipeline(full_refresh=args.full_refresh))


def _print_run(result: PipelineResult) -> int:
    """What a pipeline job run did, and the exit status it deserves."""
    landing = result.landing
    if landing:
        print(
            f"Landing: {landing['files_loaded']} files loaded, {landing['files_duplicate']} duplicate, "
            f"{landing['files_rejected']} rejected, {landing['files_unchanged']} unchanged; "
            f"rows loaded {landing['rows_loaded']:,}, rows rejected {landing['rows_rejected']:,}"
        )
    built = result.count("model", "success") + result.count("seed", "success")
    print(
        f"dbt: {built} models and seeds built, {result.count('model', 'error')} failed; "
        f"tests {result.count('test', 'pass') + result.count('unit_test', 'pass')} passed, "
        f"{result.count('test', 'warn')} warned, {result.tests_failed} failed"
    )
    for failure in [*result.failures, *result.failed_checks]:
        print(f"  FAILED {failure}")
    if result.summarised_days:
        days = result.summarised_days
        span = f"{days[0]}" if len(days) == 1 else f"{days[0]} .. {days[-1]}"
        print(f"Daily summaries: {len(days)} UTC day{'s' if len(days) > 1 else ''} rebuilt ({span})")
    elif result.stale_days == []:
        print("Daily summaries: no day changed")
    if report := result.materialized.get("reports/daily"):
        print(f"Report: {report['path']}")
    if result.snapshot:
        print(
            f"Published {result.snapshot['path']} (marts.fct_calls: {result.snapshot['fct_calls_rows']:,} rows)"
        )
    if lake := result.materialized.get("lake/parquet"):
        print(f"Lake: {lake['path']} ({lake['tables']} tables as Parquet, partitioned by call_date)")
    if not result.success:
        for error in result.step_errors:
            # A failed dbt build is explained by the FAILED lines above; anything else in full.
            dbt_failure = "DagsterDbtCliRuntimeError" in error and (result.failures or result.failed_checks)
            error = error.replace("dagster._core.definitions.events.Failure: ", "")
            print(f"  step failed: {error.splitlines()[0] if dbt_failure else error}")
        print(
            f"Run {result.run_id} FAILED; dbt's log: {result.log_path}; all logs: the Dagster UI (`make dagster`)."
        )
        return 1
    return 1 if result.tests_failed else 0


def cmd_rerate(args: argparse.Namespace) -> int:
    from orchestration.defs.rerating.assets import RERATE_JOB_NAME, RerateConfig, request_from_config
    from orchestration.pipeline import run_job, summarise_after
    from orchestration.rerating import RerateError
    from orchestration.settings import engine

    if engine() == "spark":
        print("cdrwh rerate: re-rating runs on the DuckDB engine only (CDRWH_ENGINE=duckdb)", file=sys.stderr)
        return 2
    if args.list:
        return _list_reratings()
    config = RerateConfig(
        window_from=args.window_from,
        window_to=args.window_to,
        account=args.account,
        vendor=args.vendor,
        deck=args.deck,
        min_duration_s=args.min_duration,
        new_duration_s=args.new_duration,
        reason=args.reason,
        undo_run_id=args.undo,
    )
    if args.undo is not None:
        what = f"undo re-rating run {args.undo}"
    else:
        # The job checks again against the warehouse; what the arguments alone get wrong fails here, fast.
        try:
            request = request_from_config(config)
            problems = request.problems() if request else ["--from, --to and --reason are required"]
            if problems:
                raise RerateError("; ".join(problems))
        except RerateError as error:
            print(f"cdrwh rerate: {error}", file=sys.stderr)
            return 2
        what = f"{request.operation} calls from {request.window_from} to {request.window_to} (UTC)"
    p = configure_environment()
    print(
        f"Running {RERATE_JOB_NAME} on {p.home}: {what}, rebuild the rating and what follows ...", flush=True
    )
    result = summarise_after(
        run_job(RERATE_JOB_NAME, {"rerating__runs": {"config": config.model_dump(exclude_none=True)}})
    )
    status = _print_run(result)
    change = result.materialized.get("rerating/call_changes", {})
    if change.get("run_id") is not None:
        print(
            f"Run {change['run_id']} {'applied' if change['action'] == 'apply' else 'undone'}: "
            f"{change['calls_touched']:,} calls; their charge {change['charge_before']:.6f} -> "
            f"{change['charge_after']:.6f} (rerating.call_changes has each call)"
        )
    return status


def _list_reratings() -> int:
    from orchestration.report import NoSnapshot, format_table, open_snapshot
    from orchestration.rerating import RUN_LIST_COLUMNS, list_runs

    try:
        con = open_snapshot(paths().serving)
    except NoSnapshot as missing:
        print(missing, file=sys.stderr)
        return 1
    with con:
        published = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'rerating' and table_name = 'runs'"
        ).fetchone()[0]
        rows = list_runs(con) if published else []
    if not rows:
        print("No re-rating runs.")
        return 0
    print(format_table(list(RUN_LIST_COLUMNS), rows))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from orchestration.report import (
        NoSnapshot,
        common_reject_reasons,
        file_accounting,
        format_table,
        landing_summary,
        open_snapshot,
        quarantine_by_rule,
        rate_quarantine_by_rule,
    )

    p = paths()
    try:
        con = open_snapshot(p.serving)
    except NoSnapshot as missing:
        print(missing)
        return 1
    with con:
        published = con.execute("select published_at from main.snapshot_info").fetchone()[0]
        calls, first, last = con.execute(
            "select count(*), min(call_date), max(call_date) from marts.fct_calls"
        ).fetchone()
        rejects = con.execute("select count(*) from landing.rejects").fetchone()[0]
        print(f"CDRWH_HOME   {p.home}")
        print(f"snapshot     {p.serving} (published {published:%Y-%m-%d %H:%M:%S} UTC)")
        print(f"fct_calls    {calls:,} calls, {first} to {last} (UTC days)")
        print(f"rejects      {rejects:,} rows in landing.rejects\n")
        print(format_table(*landing_summary(con)))
        scope = "all files" if args.all_files else "unbalanced first, then the newest 20; --all-files for all"
        print(f"\nPer file: rows read = calls + rates + duplicates + rejects + quarantined ({scope})\n")
        print(format_table(*file_accounting(con, None if args.all_files else 20)))
        columns, reasons = common_reject_reasons(con)
        if reasons:
            print("\nMost common reject reasons (values masked; landing.rejects has every row)\n")
            print(format_table(columns, reasons))
        columns, rules = quarantine_by_rule(con)
        if rules:
            print("\nQuarantined rows by broken rule (marts.quarantined_calls)\n")
            print(format_table(columns, rules))
        columns, rules = rate_quarantine_by_rule(con)
        if rules:
            print("\nQuarantined rates and plans by broken rule (marts.quarantined_rates)\n")
            print(format_table(columns, rules))
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from orchestration.report import NoSnapshot, format_table, open_snapshot

    try:
        con = open_snapshot(paths().serving)
    except NoSnapshot as missing:
        print(missing, file=sys.stderr)
        return 1
    with con:
        try:
            relation = con.execute(args.query)
        except Exception as error:  # duckdb raises several types; all mean "this query failed"
            print(f"error: {error}", file=sys.stderr)
            return 1
        columns = [d[0] for d in relation.description] if relation.description else []
        rows = relation.fetchall() if columns else []
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif args.format == "json":
        json.dump([dict(zip(columns, row, strict=True)) for row in rows], sys.stdout, default=str, indent=1)
        print()
    else:
        print(format_table(columns, rows))
        print(f"({len(rows):,} rows)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.exports import (
        SUMMARY_COLUMNS,
        ExportError,
        ExportFilters,
        ExportRequest,
        SnapshotNotReady,
        load_query,
        parse_window,
        relative_window,
        run_export,
    )

    p = paths()
    try:
        if args.window is not None:
            if args.window_from is not None or args.window_to is not None:
                raise ExportError("--window and --from/--to exclude each other: give one or the other")
            window_from, window_to = relative_window(args.window, datetime.now(timezone.utc).date())
        elif args.window_from is None or args.window_to is None:
            raise ExportError("give --from and --to (UTC dates or timestamps), or --window")
        else:
            window_from, window_to = parse_window(args.window_from, args.window_to)
        filters = ExportFilters(
            caller_ip=args.caller_ip,
            duration=args.duration,
            cost=args.cost,
            direction=args.direction,
            destination_prefix=tuple(args.destination_prefix),
            callerid_prefix=args.callerid_prefix,
            number_alias=tuple(args.number_alias),
            destination_number=tuple(args.destination_number),
            custom_tag=tuple(args.custom_tag),
            country=tuple(args.country),
            exclude_country=tuple(args.exclude_country),
            tollfree_only=args.tollfree_only,
            no_tollfree=args.no_tollfree,
            exclude_cancelled=args.exclude_cancelled,
            e911_only=args.e911_only,
            exclude_failed=args.exclude_failed,
        )
        query = load_query(Path(args.query)) if args.query else None
        if args.out:
            out = Path(args.out)
        else:
            p.exports.mkdir(parents=True, exist_ok=True)
            out = p.exports / f"{args.layout}_{window_from:%Y%m%dT%H%M%S}Z_{window_to:%Y%m%dT%H%M%S}Z.csv"
        request = ExportRequest(
            layout=args.layout,
            window_from=window_from,
            window_to=window_to,
            vendors=tuple(args.vendor),
            filters=filters,
            query=query,
            out=out,
        )
        summary = run_export(request, serving=p.serving, progress=sys.stdout.isatty())
    except SnapshotNotReady as missing:
        print(f"cdrwh export: {missing}", file=sys.stderr)
        return 1
    except ExportError as error:
        print(f"cdrwh export: error: {error}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"cdrwh export: failed, nothing written: {error}", file=sys.stderr)
        return 1
    print(
        f"Wrote {summary.rows_written:,} row{'' if summary.rows_written == 1 else 's'} ({summary.layout} layout, {summary.format}) to {summary.path}: "
        f"calls started {summary.window_from:%Y-%m-%d %H:%M:%S} to {summary.window_to:%Y-%m-%d %H:%M:%S} "
        "UTC (end excluded)"
    )
    if not summary.by_currency:
        print("Summary: num_calls 0, billed_minutes 0.00, total_cost 0")
        return 0
    print("Summary of the calls written (marts.fct_calls; money in the vendor's currency):")
    header = ["", *(t.currency or "(none)" for t in summary.by_currency)]
    lines = [header]
    for name in SUMMARY_COLUMNS[1:]:
        values = [getattr(t, name) for t in summary.by_currency]
        lines.append([name, *(f"{v:,}" if isinstance(v, int) else f"{v:,f}" for v in values)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print(
            "  "
            + "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.report import (
        day_figures,
        format_table,
        fraud_alert_counts,
        latest_day,
        open_snapshot,
    )

    p = configure_environment()
    if not any(f.is_file() for f in p.landing.rglob("*")):
        print(f"No files in {p.landing}: generating {DEMO_DAYS} days of sample CDRs.")
        generate_args = argparse.Namespace(
            out=None, days=DEMO_DAYS, calls_per_day=DEMO_CALLS_PER_DAY, seed=DEMO_SEED, start=None
        )
        cmd_generate(generate_args)
    status = cmd_run(argparse.Namespace(day_from=None, day_to=None, full_refresh=False))
    if status != 0:
        return status
    with open_snapshot(p.serving) as con:
        day = latest_day(con)
        print(f"\nThe day's figures: {day} (UTC), per vendor; vendor_charge in the vendor's currency,")
        print("our_charge and margin (ours less the vendor's, converted) in the rate deck's currency\n")
        print(format_table(*day_figures(con, day)))
        alerts = fraud_alert_counts(con, day)
        print(
            f"\nFraud alerts on {day}: {alerts.get('high', 0)} high, {alerts.get('medium', 0)} medium, "
            f"{alerts.get('low', 0)} low (negative margins) - marts.fraud_alerts says why"
        )
    print(
        f"""
Where to look next:
  cdrwh status                                   what has landed, rejects, the snapshot
  cdrwh sql "select * from marts.daily_traffic order by call_date desc limit 20"
  cdrwh sql "select call_date, severity, rule, reason from marts.fraud_alerts where severity <> 'low' order by 1 desc"
  {p.reports / "latest.html"}   the last 30 days as charts, in any browser
  duckdb -readonly {p.serving}   (any DuckDB client or BI tool, read-only)
  make dagster                                   the Dagster UI: assets, checks, schedule, sensor
  cdrwh rerate --help                            re-rate calls with another deck or duration rule; undo
  landing.rejects, landing.files                 every row and file that did not land, with the reason"""
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from orchestration.bench import BenchConfig, run_bench
    from orchestration.bench.report import format_report, write_json

    config = BenchConfig(
        calls=args.calls,
        days=args.days,
        seed=args.seed,
        work=Path(args.work) if args.work else None,
        incremental=not args.no_incremental,
    )
    result = run_bench(config, progress=lambda message: print(message, file=sys.stderr, flush=True))
    print(format_report(result))
    if args.json:
        write_json(result, Path(args.json))
        print(f"\nJSON: {args.json}")
    runs = [result["full"], *([result["incremental"]] if "incremental" in result else [])]
    return 0 if all(run["exit_code"] == 0 for run in runs) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdrwh", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write realistic synthetic vendor CDR files")
    generate.add_argument("--out", help="folder to write into (default: $CDRWH_HOME/landing)")
    generate.add_argument(
        "--days",
        type=int,
        default=DEMO_DAYS,
        help="UTC days of traffic; with 8 or more, the last day also gets a Flowroute export of fraudulent "
        f"calls (Wangiri, a short-call burst, parallel calls, high-risk destinations) (default: {DEMO_DAYS})",
    )
    generate.add_argument("--calls-per-day", type=int, default=DEMO_CALLS_PER_DAY)
    generate.add_argument("--seed", type=int, default=DEMO_SEED)
    generate.add_argument("--start", type=date.fromisoformat, help="first UTC day (default: --days ago)")
    generate.add_argument(
        "--defects",
        type=_defect_rate,
        default=0.0,
        metavar="RATE",
        help="inject realistic defects at this rate, 0 to 1 (bad rows, rule breaks, duplicate, overlapping "
        "and late files, BOM, CRLF, a Windows-1252 file) and print the ledger of what the warehouse "
        "must hold (default: 0, none)",
    )
    generate.set_defaults(handler=cmd_generate)

    run = commands.add_parser(
        "run",
        help="run the pipeline in process: land, dbt build, summarise the changed days, publish",
        description="Land new files, build the call models, rebuild the daily summaries of exactly the UTC "
        "days that changed, write the 30-day report, publish serving.duckdb. With --from/--to: only rebuild "
        "the summaries of those days (a backfill), from the calls already in the warehouse.",
    )
    run.add_argument("--from", dest="day_from", type=date.fromisoformat, metavar="DAY", help="first UTC day")
    run.add_argument(
        "--to", dest="day_to", type=date.fromisoformat, metavar="DAY", help="last UTC day (included)"
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every day of the call models and of the summaries from the landed rows (the call "
        "models also rebuild whole on their own when their SQL, macros or seeds changed)",
    )
    run.set_defaults(handler=cmd_run)
    status = commands.add_parser("status", help="per-file accounting, reject reasons, quarantine")
    status.add_argument("--all-files", action="store_true", help="list every file, not the newest 20")
    status.set_defaults(handler=cmd_status)

    sql = commands.add_parser("sql", help="query the serving snapshot (read-only)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.set_defaults(handler=cmd_sql)

    rerate = commands.add_parser(
        "rerate",
        help="re-rate calls with another deck or bill long calls as a new duration; --list; --undo RUN_ID",
        description="Re-rate the calls starting in [--from, --to) (UTC; a date alone is its whole day), "
        "optionally of one account and/or vendor: with another deck (--deck), and/or calls of at least "
        "--min-duration seconds billed as --new-duration seconds. Every run is recorded with its reason, "
        "kept by every later build, and can be undone.",
    )
    rerate.add_argument("--from", dest="window_from", metavar="T", help="UTC date or timestamp (inclusive)")
    rerate.add_argument(
        "--to", dest="window_to", metavar="T", help="UTC date (whole day) or timestamp (exclusive)"
    )
    rerate.add_argument("--account", help="only this account's calls")
    rerate.add_argument(
        "--vendor", help="only this vendor's calls (flowroute, callr, didww, connexcs, demandflow)"
    )
    rerate.add_argument("--deck", help="rate the calls with this deck instead of their plan's")
    rerate.add_argument("--min-duration", type=int, metavar="S", help="calls lasting at least S seconds ...")
    rerate.add_argument(
        "--new-duration", type=int, metavar="S", help="... are rated as if they lasted S seconds"
    )
    rerate.add_argument("--reason", help="why (required for a run; optional for --undo)")
    action = rerate.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the re-rating runs, newest first")
    action.add_argument(
        "--undo", type=int, metavar="RUN_ID", help="undo a run; the next build drops its effect"
    )
    rerate.set_defaults(handler=cmd_rerate)

    export = commands.add_parser(
        "export",
        help="write the calls of a UTC window in a vendor's CDR layout (.csv, .csv.gz, .parquet, .ndjson)",
        description="Export the calls starting in [--from, --to) (UTC; a date alone is its whole day, a "
        "timestamp --to is exclusive, an offset is converted to UTC; at most 92 days) from the serving "
        "snapshot, in a layout, filtered like Flowroute's CDR export and/or by a ConnexCS query builder "
        "JSON file. The file is written whole or not at all; the format follows --out's extension.",
    )
    export.add_argument(
        "--layout",
        required=True,
        choices=("flowroute", "didww_inbound", "didww_outbound", "callr", "demandflow", "canonical"),
    )
    export.add_argument("--from", dest="window_from", metavar="T", help="UTC date or timestamp (inclusive)")
    export.add_argument(
        "--to", dest="window_to", metavar="T", help="UTC date (whole day) or timestamp (exclusive)"
    )
    export.add_argument(
        "--window",
        choices=("yesterday", "today", "last_7_days", "last_month", "month_to_date"),
        help="instead of --from/--to: a window relative to today (UTC)",
    )
    export.add_argument(
        "--out", metavar="FILE", help="the file to write (default: $CDRWH_HOME/exports/...csv)"
    )
    export.add_argument("--vendor", action="append", default=[], help="only this vendor's calls (repeatable)")
    export.add_argument("--caller-ip", metavar="IP", help="caller_ip equals this address")
    export.add_argument(
        "--duration", metavar="OPVALUE", help="connected seconds (duration_s), e.g. '>=60'; OP: < <= = >= >"
    )
    export.add_argument(
        "--cost", metavar="OPVALUE", help="vendor_charge (fees included, vendor currency), e.g. '<0.05'"
    )
    export.add_argument("--direction", help="inbound, outbound, internal, transit or forwarded")
    export.add_argument(
        "--destination-prefix",
        action="append",
        default=[],
        metavar="DIGITS",
        help="the called number's E.164 digits start with these (repeatable: any of them)",
    )
    export.add_argument(
        "--callerid-prefix", metavar="DIGITS", help="the calling number's digits start with these"
    )
    export.add_argument(
        "--number-alias",
        action="append",
        default=[],
        metavar="ALIAS",
        help="number_alias is this (repeatable)",
    )
    export.add_argument(
        "--destination-number",
        action="append",
        default=[],
        metavar="NUMBER",
        help="the called number's digits are these, country code included (repeatable)",
    )
    export.add_argument(
        "--custom-tag", action="append", default=[], metavar="TAG", help="tags contains this (repeatable)"
    )
    export.add_argument(
        "--country",
        action="append",
        default=[],
        metavar="CC",
        help="called_country, ISO alpha-2 (repeatable)",
    )
    export.add_argument(
        "--exclude-country",
        action="append",
        default=[],
        metavar="CC",
        help="not this called_country (repeatable; calls of unknown country are kept)",
    )
    tollfree = export.add_mutually_exclusive_group()
    tollfree.add_argument("--tollfree-only", action="store_true", help="only toll-free called numbers")
    tollfree.add_argument("--no-tollfree", action="store_true", help="no toll-free called numbers")
    export.add_argument(
        "--exclude-cancelled",
        action="store_true",
        help="leave out calls attempted but not connected (abandoned, no answer)",
    )
    export.add_argument(
        "--e911-only",
        action="store_true",
        help="only emergency calls (call_type emergency, or 911 / +1 911 dialled)",
    )
    export.add_argument("--exclude-failed", action="store_true", help="leave out failed and blocked calls")
    export.add_argument(
        "--query",
        metavar="FILE",
        help='ConnexCS query builder JSON: {"match": "all"|"any", "rules": [{"field", "op", "value"} | group]}',
    )
    export.set_defaults(handler=cmd_export)

    commands.add_parser(
        "demo", help="generate sample data if there is none, run, show the day's figures"
    ).set_defaults(handler=cmd_demo)

    bench = commands.add_parser(
        "bench",
        help="measure the pipeline (per stage, peak memory) against DuckDB references on the same files",
        description="Generate (or reuse) N calls of every format, run the pipeline in a fresh CDRWH_HOME "
        "under --work, report seconds and rows/s per stage, peak memory, the DuckDB scan floor and a "
        "hand-written DuckDB reference on the same files, then one more day (the incremental case). "
        "The documented run is --calls 10000000.",
    )
    bench.add_argument("--calls", type=int, default=1_000_000, help="calls in all (default: 1,000,000)")
    bench.add_argument("--days", type=int, default=30, help="UTC days they span (default: 30)")
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    bench.add_argument(
        "--work", metavar="DIR", help="cached data and the bench's CDRWH_HOME (default: $CDRWH_HOME/bench)"
    )
    bench.add_argument("--no-incremental", action="store_true", help="skip the one-new-day run")
    bench.set_defaults(handler=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
