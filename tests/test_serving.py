"""The serving snapshot is published whole, by atomic replace, and readers are never disturbed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.serving import publish_snapshot


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "landing", "reference", "staging", "raw"):
            con.execute(f"create schema {schema}")
        con.execute("create table marts.fct_calls as select range as cdr_id from range(5)")
        con.execute("create view marts.answered as select * from marts.fct_calls where cdr_id < 2")
        con.execute("create table landing.files as select 1 as file_id")
        con.execute("create table raw.flowroute_cdr as select 'x' as direction")
        con.execute("create view staging.stg as select 1 as x")
    return path


def test_snapshot_holds_the_served_schemas_only(warehouse: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    snapshot = publish_snapshot(warehouse, serving)
    assert snapshot.tables == {"marts.fct_calls": 5, "marts.answered": 2, "landing.files": 1}
    with duckdb.connect(str(serving), read_only=True) as con:
        names = {
            f"{s}.{t}"
            for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        assert names == {"marts.fct_calls", "marts.answered", "landing.files", "main.snapshot_info"}
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from marts.fct_calls")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_reader_keeps_its_snapshot_while_a_new_one_is_published(warehouse: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish_snapshot(warehouse, serving)
    reader = duckdb.connect(str(serving), read_only=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.fct_calls select range from range(5, 8)")
    publish_snapshot(warehouse, serving)
    assert reader.execute("select count(*) from marts.fct_calls").fetchone() == (5,)
    reader.close()
    with duckdb.connect(str(serving), read_only=True) as fresh:
        assert fresh.execute("select count(*) from marts.fct_calls").fetchone() == (8,)


def test_a_failed_publish_leaves_the_previous_snapshot(warehouse: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish_snapshot(warehouse, serving)
    before = serving.read_bytes()
    with pytest.raises(duckdb.Error):
        publish_snapshot(tmp_path / "missing" / "warehouse.duckdb", serving)
    assert serving.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
