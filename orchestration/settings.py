"""Where everything lives. Every path a run writes is under ``CDRWH_HOME`` (DESIGN §1)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_HOME = "data"
ENGINE_ENV = "CDRWH_ENGINE"
ENGINES = ("duckdb", "spark")

_DAGSTER_YAML = """\
# Written by cdr-warehouse. DuckDB takes one writer per file, so runs are queued one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def rates(self) -> Path:
        return self.home / "rates"

    @property
    def warehouse(self) -> Path:
        """The DuckDB warehouse every step reads. On Spark, a DuckDB catalog of views over the Spark tables'
        Parquet files (orchestration/spark.py): the steps after dbt read it as they read the warehouse."""
        if engine() == "spark":
            return self.spark / "warehouse.duckdb"
        return self.home / "warehouse.duckdb"

    @property
    def spark(self) -> Path:
        """The Spark engine's local warehouse folder and metastore (profiles.yml, target ``spark``)."""
        return self.home / "spark"

    @property
    def serving(self) -> Path:
        return self.home / "serving.duckdb"

    @property
    def lake(self) -> Path:
        """Parquet copies of the marts, partitioned by ``call_date`` (orchestration/lake.py)."""
        return self.home / "lake"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.home / "dagster")

    @property
    def dbt_target(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_logs(self) -> Path:
        return self.home / "dbt" / "logs"


def engine() -> str:
    """What builds the warehouse: ``CDRWH_ENGINE``, ``duckdb`` (the default, embedded) or ``spark``
    (dbt-spark; ``pip install -e '.[spark]'``)."""
    name = os.environ.get(ENGINE_ENV, "").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_ENV}={name!r}: expected one of {', '.join(ENGINES)}")
    return name


def memory_limit() -> str:
    """DuckDB's memory budget for every step that copies calls (landing, dbt, serving, lake): it spills
    past it, so memory stays flat as the input grows. ``CDRWH_MEMORY_LIMIT``, default 2GB."""
    return os.environ.get("CDRWH_MEMORY_LIMIT", "2GB")


def paths() -> Paths:
    """The paths for the current ``CDRWH_HOME`` (read on every call, so tests can repoint it)."""
    home = os.environ.get("CDRWH_HOME") or DEFAULT_HOME
    home_path = Path(home)
    if not home_path.is_absolute():
        home_path = Path.cwd() / home_path
    return Paths(home_path.resolve())


def configure_environment() -> Paths:
    """Make ``CDRWH_HOME`` absolute, derive ``DAGSTER_HOME`` and dbt's paths from it, create folders.

    dbt and Dagster read these variables, and dbt may run in a subprocess with another working
    directory, so a relative ``CDRWH_HOME`` is resolved once here.
    """
    p = paths()
    os.environ["CDRWH_HOME"] = str(p.home)
    # dbt is installed beside this interpreter; make it findable when the venv is not activated.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("DAGSTER_HOME", str(p.home / "dagster"))
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    # The profile's target is the engine's: every dbt invocation (Dagster's, the CLI's) builds on it.
    os.environ["DBT_TARGET"] = engine()
    os.environ["DBT_LOG_PATH"] = str(p.dbt_logs)
    os.environ["DBT_TARGET_PATH"] = str(p.dbt_target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # A test runs with the models it reads when they are built in the same run, or already upstream of
    # them: a re-rating build of fct_calls must not check it against summaries rebuilt only afterwards.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    for folder in (p.landing, p.rates, p.exports, p.dagster_home, p.dbt_target, p.dbt_logs):
        folder.mkdir(parents=True, exist_ok=True)
    dagster_yaml = p.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text(_DAGSTER_YAML)
    return p
