"""A landing process killed with SIGKILL at any moment leaves nothing of the file; the rerun is whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.formats import FORMATS_BY_NAME
from orchestration.landing.loader import land

FLOWROUTE = FORMATS_BY_NAME["flowroute_cdr"].column_names
ROWS = 300_000

LAND_IN_A_CHILD = """
import sys
from pathlib import Path
from orchestration.landing.loader import land
print("started", flush=True)
land(Path(sys.argv[1]), Path(sys.argv[2]))
print("finished", flush=True)
"""


def write_big_flowroute_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        handle.write(",".join(FLOWROUTE) + "\n")
        for n in range(ROWS):
            second = n % 86_400
            stamp = f"2026-10-01 {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"
            handle.write(
                f"Outbound,{stamp},{stamp},1206555{n % 10_000:04d},,+1206555{n % 7919:04d},0.01,United States,US,"
                f"Landline,Completed,,,60,60,0.01,6,6,0.01,0,0,0,0,,203.0.113.7:5060,call-{n}\n"
            )


def kill_once_rows_are_being_written(child: subprocess.Popen, warehouse: Path) -> bool:
    """SIGKILL the child as soon as the warehouse file grows past the empty catalog (DuckDB writes a
    large insert's row groups into the file before the transaction commits); False if it finished first."""
    while child.poll() is None:
        if warehouse.exists() and warehouse.stat().st_size > 1_000_000:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
            return True
        time.sleep(0.002)
    return False


def test_killed_mid_file_then_rerun_lands_it_whole_and_exact(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_big_flowroute_file(landing / "big.csv")
    warehouse = tmp_path / "warehouse.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", LAND_IN_A_CHILD, str(warehouse), str(landing)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert child.stdout.readline().strip() == "started"
    assert kill_once_rows_are_being_written(child, warehouse), (
        "the child landed the file before it could be killed"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from landing.files").fetchone() == (0,)
        assert con.execute("select count(*) from raw.flowroute_cdr").fetchone() == (0,)

    land(warehouse, landing)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select status, rows_read, rows_loaded, rows_rejected from landing.files"
        ).fetchall() == [("loaded", ROWS, ROWS, 0)]
        assert con.execute(
            "select count(*), count(distinct sip_callid), min(_line), max(_line) from raw.flowroute_cdr"
        ).fetchone() == (ROWS, ROWS, 2, ROWS + 1)
