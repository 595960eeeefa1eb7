"""Which seeds a run leaves out (orchestration/seeds.py): those whose table records the current file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.seeds import seed_fingerprint, unchanged_seeds

REPO = Path(__file__).resolve().parents[1]


def _seed(name: str, checksum: str, column_types: dict | None = None) -> dict:
    return {
        "resource_type": "seed",
        "schema": "reference",
        "name": name,
        "alias": name,
        "checksum": {"name": "sha256", "checksum": checksum},
        "config": {"column_types": column_types or {}},
    }


def _manifest(*seeds: dict) -> dict:
    nodes = {f"seed.cdr_warehouse.{s['name']}": s for s in seeds}
    nodes["model.cdr_warehouse.fct_calls"] = {
        "resource_type": "model",
        "schema": "marts",
        "name": "fct_calls",
    }
    return {"nodes": nodes}


def _warehouse(path: Path, comments: dict[str, str | None]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema reference")
        for table, comment in comments.items():
            con.execute(f"create table reference.{table} (x integer)")
            if comment is not None:
                con.execute(f"comment on table reference.{table} is '{comment}'")
    return path


def test_a_seed_is_unchanged_only_when_its_table_records_the_current_file(tmp_path: Path) -> None:
    same = _seed("status_map_callr", "a" * 64, {"vendor_status": "varchar"})
    edited = _seed("holidays", "b" * 64)
    retyped = _seed("fx_rates", "c" * 64, {"usd_per_unit": "decimal(18, 6)"})
    never_loaded = _seed("q850_causes", "d" * 64)
    unrecorded = _seed("codec_impairments", "e" * 64)
    warehouse = _warehouse(
        tmp_path / "warehouse.duckdb",
        {
            "status_map_callr": seed_fingerprint(same),
            "holidays": seed_fingerprint(_seed("holidays", "0" * 64)),
            "fx_rates": seed_fingerprint(_seed("fx_rates", "c" * 64, {"usd_per_unit": "double"})),
            "codec_impairments": None,
        },
    )
    manifest = _manifest(same, edited, retyped, never_loaded, unrecorded)
    assert unchanged_seeds(manifest, warehouse) == {"seed.cdr_warehouse.status_map_callr"}


def test_no_warehouse_means_every_seed_is_loaded(tmp_path: Path) -> None:
    seed = _seed("holidays", "a" * 64)
    assert unchanged_seeds(_manifest(seed), tmp_path / "missing.duckdb") == set()


def test_a_warehouse_held_by_another_process_means_every_seed_is_loaded(tmp_path: Path) -> None:
    seed = _seed("holidays", "a" * 64)
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", {"holidays": seed_fingerprint(seed)})
    assert unchanged_seeds(_manifest(seed), warehouse) == {"seed.cdr_warehouse.holidays"}
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert unchanged_seeds(_manifest(seed), warehouse) == set()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert unchanged_seeds(_manifest(seed), warehouse) == {"seed.cdr_warehouse.holidays"}


def _project_copy(target: Path) -> Path:
    """The dbt project in a folder of its own, whose seeds a test may edit."""
    target.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(REPO / name, target / name)
    for name in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(REPO / name, target / name)
    return target


def _build_seed(project: Path, home: Path, seed: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDRWH_HOME": str(home), "DBT_PROFILES_DIR": str(project)}
    env.pop("DBT_TARGET_PATH", None)
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--select",
            seed,
            "--target-path",
            str(home / "t"),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_seed_is_recorded_only_once_its_tests_pass(tmp_path: Path) -> None:
    """A seed whose test fails holds no fingerprint, not even its previous file's: the next build loads and
    tests it again instead of leaving a bad file out (macros/seed_fingerprint.sql)."""
    project = _project_copy(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    holidays = project / "seeds" / "holidays.csv"
    good = holidays.read_text()

    assert _build_seed(project, home, "holidays").returncode == 0
    good_manifest = json.loads((home / "t" / "manifest.json").read_text())
    assert unchanged_seeds(good_manifest, warehouse) == {"seed.cdr_warehouse.holidays"}

    first_date = good.splitlines()[1].split(",")[0]
    holidays.write_text(good + f"{first_date},the same day twice\n")
    failed = _build_seed(project, home, "holidays")
    assert failed.returncode == 1 and "unique_holidays_holiday_date" in failed.stdout, failed.stdout[-3000:]
    bad_manifest = json.loads((home / "t" / "manifest.json").read_text())
    assert unchanged_seeds(bad_manifest, warehouse) == set()
    # The table now holds the bad file: going back to the good one must load it again.
    assert unchanged_seeds(good_manifest, warehouse) == set()

    holidays.write_text(good)
    assert _build_seed(project, home, "holidays").returncode == 0
    assert unchanged_seeds(good_manifest, warehouse) == {"seed.cdr_warehouse.holidays"}
