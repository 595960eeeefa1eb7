"""A BI tool reading serving.duckdb is never disturbed by a pipeline run, and sees the new snapshot after it.

The reader is a process of its own that connects as Superset does (SQLAlchemy + duckdb-engine, read-only
URL, no connection pool), queries, disconnects, over and over, while ``cdrwh run`` lands a new day,
rebuilds the models and publishes a new snapshot by ``os.replace``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import cdrwh

pytest.importorskip("duckdb_engine", reason="duckdb-engine is a dev dependency (pip install -e '.[dev]')")

START = date(2026, 10, 1)
DAYS = 3
CALLS_PER_DAY = 60
MIN_QUERIES = 20

# A connection opened before a publication keeps reading the file it opened (the old snapshot): that is
# why each round opens a new connection, as a BI tool does per query with NullPool (Superset's default).
READER = r"""
import json, sys, time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

serving, stop, ready, out = (Path(arg) for arg in sys.argv[1:5])
url = f"duckdb:///{serving}?access_mode=read_only"
queries, errors, mismatches, seen, last = 0, [], [], [], None


def round_trip():
    global queries, last
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as con:
            calls = con.execute(sa.text("select count(*) from marts.fct_calls")).scalar_one()
            queries += 1
            days = con.execute(
                sa.text(
                    "select call_date, sum(calls) as calls, sum(answered_calls) as answered, "
                    "sum(billed_minutes) as minutes from marts.daily_traffic group by call_date "
                    "order by call_date"
                )
            ).all()
            queries += 1
            summarised = sum(row.calls for row in days)
            if summarised != calls:  # one connection, one snapshot: the marts agree
                mismatches.append([calls, summarised])
            if not seen or seen[-1] != calls:
                seen.append(calls)
            last = calls
    finally:
        engine.dispose()


while True:
    stopping = stop.exists()  # read before the round: the last round starts after the run ended
    try:
        round_trip()
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    if queries and not ready.exists():
        ready.touch()
    if stopping or len(errors) > 50:
        break
    time.sleep(0.05)

out.write_text(json.dumps(
    {"queries": queries, "errors": errors, "mismatches": mismatches, "seen": seen, "last": last}
))
"""


def _fct_calls(serving: Path) -> int:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_calls").fetchone()[0]


def _wait_for(path: Path, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the reader exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {path.name} after {timeout} s")
        time.sleep(0.05)


def test_a_bi_reader_queries_the_snapshot_without_error_through_a_run(
    cdrwh_home: Path, tmp_path: Path
) -> None:
    from orchestration.generator import generate

    serving = cdrwh_home / "serving.duckdb"
    generate(cdrwh_home / "landing", days=DAYS, calls_per_day=CALLS_PER_DAY, seed=5, start=START)
    first = cdrwh(cdrwh_home, "run")
    assert first.returncode == 0, first.stdout + first.stderr
    before = _fct_calls(serving)

    # A new day arrives; the reader starts; the run publishes a new snapshot under it.
    generate(
        cdrwh_home / "landing" / "next_day",
        days=1,
        calls_per_day=CALLS_PER_DAY,
        seed=6,
        start=START + timedelta(days=DAYS),
    )
    script = tmp_path / "bi_reader.py"
    script.write_text(READER)
    stop, ready, out = tmp_path / "stop", tmp_path / "ready", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, str(script), str(serving), str(stop), str(ready), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run = None
    try:
        _wait_for(ready, reader, timeout=60)
        env = {**os.environ, "CDRWH_HOME": str(cdrwh_home)}
        env.pop("DAGSTER_HOME", None)
        run = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        run_out, run_err = run.communicate(timeout=900)
        assert run.returncode == 0, run_out + run_err
        stop.touch()
        reader_out, reader_err = reader.communicate(timeout=120)
        assert reader.returncode == 0, reader_out + reader_err
    finally:
        for process in (run, reader):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()

    after = _fct_calls(serving)
    assert after > before, "the new day added calls"
    seen = json.loads(out.read_text())
    assert seen["errors"] == []
    assert seen["mismatches"] == []
    assert seen["queries"] >= MIN_QUERIES, seen
    # It read the old snapshot while the run built, then the new one once published, and nothing else.
    assert seen["seen"] == [before, after], seen
    assert seen["last"] == after
