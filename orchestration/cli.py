"""``cdrwh``: generate sample files, run the pipeline, and look at the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from orchestration.settings import configure_environment, paths

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
    from orchestration.pipeline import run_pipeline

    p = configure_environment()
    print(
        f"Running cdr_pipeline on {p.home}: land new files, dbt build, publish serving.duckdb ...", flush=True
    )
    result = run_pipeline()
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
    if result.snapshot:
        print(
            f"Published {result.snapshot['path']} (marts.fct_calls: {result.snapshot['fct_calls_rows']:,} rows)"
        )
    if not result.success:
        for error in result.step_errors:
            # A failed dbt build is explained by the FAILED lines above; anything else in full.
            dbt_failure = "DagsterDbtCliRuntimeError" in error and (result.failures or result.failed_checks)
            print(f"  step failed: {error.splitlines()[0] if dbt_failure else error}")
        print(
            f"Run {result.run_id} FAILED; dbt's log: {result.log_path}; all logs: the Dagster UI (`make dagster`)."
        )
        return 1
    return 1 if result.tests_failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    from orchestration.report import (
        NoSnapshot,
        common_reject_reasons,
        file_accounting,
        format_table,
        landing_summary,
        open_snapshot,
        quarantine_by_rule,
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
        print(f"\nPer file: rows read = calls + duplicates + rejects + quarantined ({scope})\n")
        print(format_table(*file_accounting(con, None if args.all_files else 20)))
        columns, reasons = common_reject_reasons(con)
        if reasons:
            print("\nMost common reject reasons (values masked; landing.rejects has every row)\n")
            print(format_table(columns, reasons))
        columns, rules = quarantine_by_rule(con)
        if rules:
            print("\nQuarantined rows by broken rule (marts.quarantined_calls)\n")
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


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.report import day_figures, format_table, latest_day, open_snapshot

    p = configure_environment()
    if not any(f.is_file() for f in p.landing.rglob("*")):
        print(f"No files in {p.landing}: generating {DEMO_DAYS} days of sample CDRs.")
        generate_args = argparse.Namespace(
            out=None, days=DEMO_DAYS, calls_per_day=DEMO_CALLS_PER_DAY, seed=DEMO_SEED, start=None
        )
        cmd_generate(generate_args)
    status = cmd_run(args)
    if status != 0:
        return status
    with open_snapshot(p.serving) as con:
        day = latest_day(con)
        print(f"\nThe day's figures: {day} (UTC), per vendor; vendor_charge in the vendor's currency,")
        print("our_charge and margin (ours less the vendor's, converted) in the rate deck's currency\n")
        print(format_table(*day_figures(con, day)))
    print(
        f"""
Where to look next:
  cdrwh status                                   what has landed, rejects, the snapshot
  cdrwh sql "select * from marts.daily_traffic order by call_date desc limit 20"
  duckdb -readonly {p.serving}   (any DuckDB client or BI tool, read-only)
  make dagster                                   the Dagster UI: assets, checks, schedule, sensor
  landing.rejects, landing.files                 every row and file that did not land, with the reason"""
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdrwh", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write realistic synthetic vendor CDR files")
    generate.add_argument("--out", help="folder to write into (default: $CDRWH_HOME/landing)")
    generate.add_argument("--days", type=int, default=DEMO_DAYS)
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

    commands.add_parser("run", help="run the pipeline job in process: land, dbt build, publish").set_defaults(
        handler=cmd_run
    )
    status = commands.add_parser("status", help="per-file accounting, reject reasons, quarantine")
    status.add_argument("--all-files", action="store_true", help="list every file, not the newest 20")
    status.set_defaults(handler=cmd_status)

    sql = commands.add_parser("sql", help="query the serving snapshot (read-only)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.set_defaults(handler=cmd_sql)

    commands.add_parser(
        "demo", help="generate sample data if there is none, run, show the day's figures"
    ).set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
