"""The lake: the marts of the serving snapshot as Parquet partitioned by UTC day, each table swapped whole."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lake import write_lake

DAYS = ("2026-11-01", "2026-11-02", "2026-11-03")


def _snapshot(path: Path, calls: int = 9) -> Path:
    """A serving snapshot shaped like the published one: day-partitioned marts and others."""
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "exports", "landing"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("drop table if exists marts.fct_calls")
        con.execute(
            f"""
            create table marts.fct_calls as
            select 'cdr-' || range as cdr_id,
                   (date '{DAYS[0]}' + (range % 3)::int) as call_date,
                   timestamp '{DAYS[0]} 10:00:00' + to_days((range % 3)::int) as start_time,
                   (range * 1.25)::decimal(18, 6) as charge_amount,
                   ['wangiri'] as fraud_indicators
            from range({calls})
            """
        )
        con.execute(
            """
            create or replace table marts.daily_traffic as
            select call_date, count(*) as calls, sum(charge_amount) as charge_amount
            from marts.fct_calls group by call_date
            """
        )
        con.execute(
            "create or replace table marts.fraud_alerts as "
            "select call_date, 'x' as rule from marts.fct_calls where false"
        )
        con.execute(
            "create or replace table marts.file_reconciliation as "
            "select 1 as file_id, sum(range)::hugeint as calls from range(4)"
        )
        con.execute("create or replace table exports.export_canonical as select * from marts.fct_calls")
        con.execute("create or replace table landing.files as select 1 as file_id")
    return path


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    return _snapshot(tmp_path / "serving.duckdb")


def _read(lake: Path, table: str) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select cdr_id, call_date, start_time, charge_amount, fraud_indicators "
            f"from read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = true) order by cdr_id"
        ).fetchall()


def _served(serving: Path) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(
            "select cdr_id, call_date, start_time, charge_amount, fraud_indicators "
            "from marts.fct_calls order by cdr_id"
        ).fetchall()


def test_day_partitioned_marts_and_single_file_marts(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    summary = write_lake(serving, lake)

    assert {t.name for t in summary.tables} == {
        "marts.fct_calls",
        "marts.daily_traffic",
        "marts.fraud_alerts",
        "marts.file_reconciliation",
    }  # only the marts: not exports, not landing
    assert sorted(p.name for p in lake.iterdir()) == sorted(t.name for t in summary.tables)
    for table in ("marts.fct_calls", "marts.daily_traffic"):
        assert sorted(p.name for p in (lake / table).iterdir()) == [f"call_date={day}" for day in DAYS]
        assert all(list((lake / table / f"call_date={day}").glob("*.parquet")) for day in DAYS)
    fct = summary.table("marts.fct_calls")
    assert (fct.rows, fct.partitions) == (9, 3)
    assert summary.partitions == 6 and summary.rows == 9 + 3 + 0 + 1

    # No call_date: one file. An empty day-partitioned table: one empty file that still has the columns.
    assert [p.name for p in (lake / "marts.file_reconciliation").iterdir()] == ["file_reconciliation.parquet"]
    assert [p.name for p in (lake / "marts.fraud_alerts").iterdir()] == ["fraud_alerts.parquet"]
    with duckdb.connect() as con:
        alerts = con.execute(
            f"select * from read_parquet('{lake}/marts.fraud_alerts/**/*.parquet', hive_partitioning = true)"
        )
        assert [d[0] for d in alerts.description] == ["call_date", "rule"] and alerts.fetchall() == []
        types = con.execute(
            f"select column_name, column_type from "
            f"(describe select * from '{lake}/marts.file_reconciliation/*.parquet')"
        ).fetchall()
        assert types == [("file_id", "INTEGER"), ("calls", "BIGINT")]  # not DOUBLE for a HUGEINT


def test_reading_the_lake_back_gives_the_same_rows(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    assert _read(lake, "marts.fct_calls") == _served(serving)
    with duckdb.connect() as con:
        call_date_type = con.execute(
            f"select typeof(call_date) from read_parquet('{lake}/marts.fct_calls/**/*.parquet', "
            "hive_partitioning = true) limit 1"
        ).fetchone()[0]
    assert call_date_type == "DATE"


def test_the_snapshot_is_only_read(serving: Path, tmp_path: Path) -> None:
    before = serving.read_bytes()
    with duckdb.connect(str(serving), read_only=True):  # another reader holds it: no write lock needed
        write_lake(serving, tmp_path / "lake")
    assert serving.read_bytes() == before


def test_a_second_write_replaces_each_table(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    write_lake(serving, lake)
    assert _read(lake, "marts.fct_calls") == _served(serving)  # no duplicates

    # A new snapshot with fewer days: the day folders of the old table go with it.
    with duckdb.connect(str(serving)) as con:
        con.execute("delete from marts.fct_calls where call_date = ?", [DAYS[2]])
        con.execute("drop table marts.file_reconciliation")
    summary = write_lake(serving, lake)
    assert summary.table("marts.fct_calls").rows == 6
    assert sorted(p.name for p in (lake / "marts.fct_calls").iterdir()) == [
        f"call_date={day}" for day in DAYS[:2]
    ]
    assert _read(lake, "marts.fct_calls") == _served(serving)
    # A table no longer in the snapshot leaves the lake; nothing else is left beside the tables.
    assert "marts.file_reconciliation" in summary.removed
    assert sorted(p.name for p in lake.iterdir()) == [
        "marts.daily_traffic",
        "marts.fct_calls",
        "marts.fraud_alerts",
    ]


def test_leftovers_of_a_crashed_write_are_cleaned(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    # A write that died after COPY and one that died between its two renames (table moved away).
    crashed_tmp = lake / ".marts.fct_calls.0123456789abcdef.tmp" / "call_date=2026-11-01"
    crashed_tmp.mkdir(parents=True)
    (crashed_tmp / "data_0.parquet").write_bytes(b"half a file")
    (lake / "marts.daily_traffic").rename(lake / ".marts.daily_traffic.fedcba9876543210.old")
    unrelated = lake / "notes"
    unrelated.mkdir()

    summary = write_lake(serving, lake)

    assert set(summary.removed) == {
        ".marts.fct_calls.0123456789abcdef.tmp",
        ".marts.daily_traffic.fedcba9876543210.old",
    }
    assert sorted(p.name for p in lake.iterdir()) == [
        "marts.daily_traffic",
        "marts.fct_calls",
        "marts.file_reconciliation",
        "marts.fraud_alerts",
        "notes",  # not ours: left alone
    ]
    assert _read(lake, "marts.fct_calls") == _served(serving)


def test_a_failed_write_keeps_the_previous_table(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orchestration.lake as lake_module

    lake = tmp_path / "lake"
    write_lake(serving, lake)
    before = _read(lake, "marts.fct_calls")
    _snapshot(serving, calls=12)

    def crash(new: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(lake_module, "_swap_in", crash)
    with pytest.raises(OSError, match="disk full"):
        write_lake(serving, lake)
    assert _read(lake, "marts.fct_calls") == before
    assert not [p.name for p in lake.iterdir() if p.name.startswith(".")]  # its temporary folder is gone


def test_no_snapshot_yet_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="cdrwh run"):
        write_lake(tmp_path / "serving.duckdb", tmp_path / "lake")
    assert not (tmp_path / "lake").exists()


def test_lake_is_a_dagster_asset_after_the_snapshot(cdrwh_home: Path) -> None:
    import dagster as dg

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    node = graph.get(dg.AssetKey(["lake", "parquet"]))
    assert node.parent_keys == {dg.AssetKey(["serving", "snapshot"])}
    assert node.group_name == "lake"


def test_the_asset_writes_the_lake_of_the_published_snapshot(cdrwh_home: Path) -> None:
    import dagster as dg

    from orchestration.defs.lake.assets import LAKE_KEY, lake_parquet

    with dg.instance_for_test() as instance:
        # Before any publication: nothing to write, and no failure.
        first = dg.materialize([lake_parquet], instance=instance)
        assert first.success and first.asset_materializations_for_node("lake__parquet") == []
        assert not (cdrwh_home / "lake").exists()

        _snapshot(cdrwh_home / "serving.duckdb")
        result = dg.materialize([lake_parquet], instance=instance)
        assert result.success
        [materialization] = result.asset_materializations_for_node("lake__parquet")
        assert materialization.asset_key == LAKE_KEY
        metadata = {k: v.value for k, v in materialization.metadata.items()}
        assert metadata["tables"] == 4 and metadata["rows"] == 13 and metadata["partitions"] == 6
        assert metadata["fct_calls_rows"] == 9
        assert metadata["path"] == str(cdrwh_home / "lake")
    assert len(_read(cdrwh_home / "lake", "marts.fct_calls")) == 9
