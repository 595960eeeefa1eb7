from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cdrwh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CDRWH_HOME: everything a run writes goes under it."""
    home = tmp_path / "cdrwh"
    (home / "landing").mkdir(parents=True)
    monkeypatch.setenv("CDRWH_HOME", str(home))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return home


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """An empty landing folder (not under a CDRWH_HOME) for tests that call the lander directly."""
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Where a test's warehouse file goes; modules with a prepared warehouse override it."""
    return tmp_path / "warehouse.duckdb"


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], *, newline: str = "\n", bom: bool = False
) -> Path:
    """A CSV file written as vendors do (quoting only where needed)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8", newline="")
    return path


def cdrwh(
    home: Path, *args: str, timeout: int = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the ``cdrwh`` command line on ``home`` in a process of its own, as a user would (with ``env``
    added to the environment)."""
    env = {**os.environ, **(env or {}), "CDRWH_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
