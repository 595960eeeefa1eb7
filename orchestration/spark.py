"""The Spark engine (``CDRWH_ENGINE=spark``): the settings of dbt's ``spark`` target, read from profiles.yml,
so that the landing's Spark session and dbt's share one metastore and one warehouse folder.

PySpark is an optional dependency (``pip install -e '.[spark]'``); it is imported only when a session is
opened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from orchestration.settings import PROJECT_DIR, engine, paths

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SPARK_TARGET = "spark"
SPARK_TABLE_COMMENT = "spark table"
"""The comment of a view of the Spark views catalog: it stands for a table (the serving snapshot copies it)."""


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"profiles.yml reads the environment variable {name}, which is not set")
    return value


def spark_target(profiles_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The ``spark`` output of profiles.yml, rendered as dbt renders it (``env_var`` only)."""
    text = (profiles_dir / "profiles.yml").read_text()
    rendered = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(env_var=_env_var)
    profile = yaml.safe_load(rendered)["cdr_warehouse"]
    return profile["outputs"][SPARK_TARGET]


def spark_settings(profiles_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The Spark configuration dbt's session uses (``server_side_parameters``), with ANSI mode off as
    dbt-spark forces it: a cast of a bad value is null on both sides."""
    settings = {
        str(k): str(v) for k, v in spark_target(profiles_dir).get("server_side_parameters", {}).items()
    }
    settings["spark.sql.ansi.enabled"] = "false"
    return settings


def spark_session(profiles_dir: Path = PROJECT_DIR) -> SparkSession:
    """A Spark session with Hive support and dbt's settings. The local metastore (Derby) takes one process
    at a time: stop the session's JVM (``stop_spark``) before dbt starts."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_settings(profiles_dir).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


_SPARK_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
}


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a DuckDB column type (those the warehouse's own tables use)."""
    if duckdb_type.startswith(("DECIMAL", "TIMESTAMP")):
        return duckdb_type.lower().replace("timestamp with time zone", "timestamp")
    return _SPARK_TYPES[duckdb_type]


def spark_tables_ddl(duckdb_ddl: str) -> list[str]:
    """``create table if not exists`` statements (Parquet) for Spark with the columns of the tables that
    ``duckdb_ddl`` creates: the tables cdrwh writes itself are declared once, in DuckDB's dialect.
    Constraints, defaults and sequences have no Spark counterpart and are left out."""
    import duckdb

    with duckdb.connect() as con:
        con.execute(duckdb_ddl)
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
        ).fetchall()
    tables: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in columns:
        tables.setdefault((schema, table), []).append(f"`{column}` {spark_type(data_type)}")
    return [
        f"create table if not exists `{schema}`.`{table}` ({', '.join(cols)}) using parquet"
        for (schema, table), cols in tables.items()
    ]


def spark_warehouse_dir(profiles_dir: Path = PROJECT_DIR) -> Path:
    """Where the Spark tables' files are (``spark.sql.warehouse.dir`` of the profile)."""
    return Path(spark_settings(profiles_dir)["spark.sql.warehouse.dir"])


Describe = Callable[[list[str]], dict[str, list[tuple[str, str]]]]
"""Gives the columns (name, Spark type) of Spark tables, by ``schema.table``."""

_DUCKDB_TYPES = {
    "string": "varchar",
    "bigint": "bigint",
    "int": "integer",
    "smallint": "smallint",
    "tinyint": "tinyint",
    "double": "double",
    "float": "real",
    "boolean": "boolean",
    "date": "date",
    # Spark writes timestamps to Parquet as instants (UTC): DuckDB reads them as timestamptz.
    "timestamp": "timestamptz",
    "timestamp_ntz": "timestamp",
}


def duckdb_type(spark_type: str) -> str:
    """The type DuckDB reads a Spark column of ``spark_type`` (its simple string) back from Parquet as."""
    if spark_type.startswith("decimal"):
        return spark_type
    return _DUCKDB_TYPES.get(spark_type, "varchar")


def refresh_spark_views(views: Path, warehouse_dir: Path, describe: Describe | None = None) -> list[str]:
    """Make ``views`` a DuckDB catalog with one view per Spark table of ``warehouse_dir`` (the Hive layout,
    ``<schema>.db/<table>/``, day partitions as ``call_date=...`` folders), reading its Parquet files.

    The steps that read the warehouse between builds (stale days, checks, the report, the serving snapshot
    and the lake) then read Spark's tables through it, unchanged and without a JVM. A view reads the files
    present when it is queried, so it follows every rebuild; only new or dropped tables need a refresh.
    A table without any file (created empty, or partitioned with no partition yet) has no schema to read:
    ``describe`` (default: Spark, in a process of its own) gives its columns, for an empty view.
    Returns the ``schema.table`` names."""
    import duckdb

    folders = sorted(
        (folder.parent.name.removesuffix(".db"), folder.name, any(folder.rglob("*.parquet")))
        for folder in warehouse_dir.glob("*.db/*")
        if folder.is_dir()
    )
    empty = [f"{schema}.{name}" for schema, name, has_files in folders if not has_files]
    empty_columns = (describe or describe_with_spark)(empty) if empty else {}
    tables = [
        (schema, name)
        for schema, name, has_files in folders
        if has_files or f"{schema}.{name}" in empty_columns
    ]
    views.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(views)) as con:
        existing = con.execute(
            "select schema_name, view_name from duckdb_views() where not internal and database_name = current_database()"
        ).fetchall()
        for schema, name in set(existing) - set(tables):
            con.execute(f'drop view "{schema}"."{name}"')
        # Only views belong here: a table is what a DuckDB-only step wrote by mistake.
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall():
            con.execute(f'drop table "{schema}"."{name}"')
        for schema, name in tables:
            columns = empty_columns.get(f"{schema}.{name}")
            if columns is None:
                pattern = str(warehouse_dir / f"{schema}.db" / name / "**" / "*.parquet").replace("'", "''")
                query = (
                    f"select * from read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)"
                )
            else:
                typed = ", ".join(f'cast(null as {duckdb_type(t)}) as "{c}"' for c, t in columns)
                query = f"select {typed} where false"
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create or replace view "{schema}"."{name}" as {query}')
            con.execute(f'comment on view "{schema}"."{name}" is \'{SPARK_TABLE_COMMENT}\'')
    return [f"{schema}.{name}" for schema, name in tables]


def table_columns(spark: SparkSession, tables: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The columns (name, Spark type) of each of ``tables`` that exists in the session's catalog."""
    columns = {}
    for table in tables:
        if spark.catalog.tableExists(table):
            columns[table] = [(f.name, f.dataType.simpleString()) for f in spark.table(table).schema.fields]
    return columns


def describe_with_spark(tables: list[str]) -> dict[str, list[tuple[str, str]]]:
    """``table_columns`` in a Spark process of its own (a JVM in this process would hold the local
    metastore, which admits one at a time, while dbt needs it)."""
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.spark", "describe", *tables],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
    )
    if done.returncode != 0:
        raise RuntimeError(f"describing {', '.join(tables)} with Spark failed:\n{done.stderr[-3000:]}")
    return {
        table: [tuple(c) for c in cols] for table, cols in json.loads(done.stdout.splitlines()[-1]).items()
    }


def sync_spark_views() -> None:
    """On the Spark engine, refresh the views catalog (``paths().warehouse``) after a step wrote Spark
    tables; nothing on DuckDB."""
    if engine() == "spark":
        refresh_spark_views(paths().warehouse, spark_warehouse_dir())


def main(argv: list[str] | None = None) -> int:
    """``python -m orchestration.spark describe schema.table ...``: their columns as JSON on stdout."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "describe":
        print("usage: python -m orchestration.spark describe schema.table ...", file=sys.stderr)
        return 2
    spark = spark_session()
    try:
        print(json.dumps(table_columns(spark, args[1:])), flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
