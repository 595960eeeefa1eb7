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
    assert snapshot.tables == {"marts.fct_calls": 5, "landing.files": 1}
    assert snapshot.views == ["marts.answered"]
    with duckdb.connect(str(serving), read_only=True) as con:
        names = {
            f"{s}.{t}"
            for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        assert names == {"marts.fct_calls", "landing.files", "main.snapshot_info", "main.snapshot_days"}
        # A view stays a view, over the snapshot's own copy of its table.
        assert con.execute("select count(*) from marts.answered").fetchone() == (2,)
        assert con.execute("select view_name from duckdb_views() where not internal").fetchall() == [
            ("answered",)
        ]
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


def test_a_view_over_a_view_is_recreated_after_the_view_it_reads(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        # Sorts before marts.answered, which it reads: the first pass cannot create it yet.
        con.execute("create view marts.a_first as select count(*) as answered_calls from marts.answered")
    snapshot = publish_snapshot(warehouse, tmp_path / "serving.duckdb")
    assert snapshot.views == ["marts.a_first", "marts.answered"]
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as con:
        assert con.execute("select answered_calls from marts.a_first").fetchone() == (2,)


@pytest.fixture
def calls_by_day(tmp_path: Path) -> Path:
    """A warehouse whose calls carry call_date, with the day fingerprints the pipeline keeps."""
    path = tmp_path / "by_day.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute(
            "create table marts.fct_calls as select range as cdr_id, date '2026-11-01' + cast(range % 3 as int) "
            "as call_date, range * 10 as charge from range(9)"
        )
        con.execute(
            "create table marts.daily as select call_date, count(*) as calls from marts.fct_calls group by 1"
        )
        _fingerprint(con)
    return path


def _fingerprint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace table intermediate.int_daily__fingerprints as select call_date, count(*) as calls, "
        "sum(cast(hash(cdr_id, call_date, charge) as decimal(38, 0))) as fingerprint from marts.fct_calls group by 1"
    )


def _rows(path: Path, table: str) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from {table} order by all").fetchall()


def test_a_new_snapshot_copies_only_the_calls_of_changed_days(calls_by_day: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    first = publish_snapshot(calls_by_day, serving)
    assert (first.incremental, first.days_copied) == (False, {"marts.fct_calls": 3})
    with duckdb.connect(str(calls_by_day)) as con:
        # 2026-11-02 changes, 2026-11-03 loses every call, 2026-11-04 is new.
        con.execute("update marts.fct_calls set charge = charge + 1 where call_date = '2026-11-02'")
        con.execute("delete from marts.fct_calls where call_date = '2026-11-03'")
        con.execute("insert into marts.fct_calls values (100, '2026-11-04', 5)")
        con.execute(
            "create or replace table marts.daily as select call_date, count(*) as calls from marts.fct_calls group by 1"
        )
        _fingerprint(con)
    second = publish_snapshot(calls_by_day, serving)
    assert second.incremental and second.days_copied == {"marts.fct_calls": 3}
    assert _rows(serving, "marts.fct_calls") == _rows(calls_by_day, "marts.fct_calls")
    assert _rows(serving, "marts.daily") == _rows(calls_by_day, "marts.daily")
    assert second.tables["marts.fct_calls"] == 7

    # Nothing changed: no day is copied, the snapshot is still whole.
    third = publish_snapshot(calls_by_day, serving)
    assert third.days_copied == {"marts.fct_calls": 0}
    assert _rows(serving, "marts.fct_calls") == _rows(calls_by_day, "marts.fct_calls")


def test_a_changed_calls_table_or_another_warehouse_is_copied_whole(
    calls_by_day: Path, tmp_path: Path
) -> None:
    serving = tmp_path / "serving.duckdb"
    publish_snapshot(calls_by_day, serving)
    with duckdb.connect(str(calls_by_day)) as con:
        con.execute("alter table marts.fct_calls add column note varchar default 'new column'")
    changed = publish_snapshot(calls_by_day, serving)
    assert changed.days_copied == {"marts.fct_calls": 3}
    assert _rows(serving, "marts.fct_calls") == _rows(calls_by_day, "marts.fct_calls")

    elsewhere = tmp_path / "elsewhere.duckdb"
    elsewhere.write_bytes(calls_by_day.read_bytes())
    other = publish_snapshot(elsewhere, serving)
    assert not other.incremental and other.days_copied == {"marts.fct_calls": 3}
