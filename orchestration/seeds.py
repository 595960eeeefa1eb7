"""Which dbt seeds a run can leave out: those whose table already holds the current file.

Seeds are small reference tables (status maps, country codes, default rate deck). Reloading them and
running their ~80 data tests took a fifth of the dbt nodes of every build, for files that change a few
times a year. Each seed table records the fingerprint of what it was loaded from as its comment, once it
loaded and all its tests passed (the ``record_seed_fingerprints`` on-run-end hook,
macros/seed_fingerprint.sql); a seed whose table carries the fingerprint of the current file is left out
of the run, with the tests that read only seeds. Tests that read a seed beside a model still run: they
belong to the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb


def seed_fingerprint(node: Mapping[str, Any]) -> str:
    """What macros/seed_fingerprint.sql records: the file's checksum and the declared column types."""
    column_types = node["config"].get("column_types") or {}
    text = node["checksum"]["checksum"] + "|" + json.dumps(column_types)
    return hashlib.md5(text.encode()).hexdigest()


def unchanged_seeds(manifest: Mapping[str, Any], warehouse: Path) -> set[str]:
    """The unique ids of the seeds whose warehouse table was loaded from the current file.

    Nothing when the warehouse is missing or busy (another process writes it): then every seed is loaded.
    """
    seeds = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    if not seeds or not warehouse.exists():
        return set()
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            comments = {
                (schema, table): comment
                for schema, table, comment in con.execute(
                    "select schema_name, table_name, comment from duckdb_tables()"
                ).fetchall()
            }
    except duckdb.Error:
        return set()
    return {
        uid
        for uid, node in seeds.items()
        if comments.get((node["schema"], node["alias"] or node["name"])) == seed_fingerprint(node)
    }
