"""The lake: the marts of the serving snapshot as Parquet partitioned by UTC day, each table swapped whole."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lake import MANIFEST, write_lake

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
        # The day folders, and the manifest of their fingerprints (not a *.parquet file: readers skip it).
        assert sorted(p.name for p in (lake / table).iterdir()) == [
            MANIFEST,
            *(f"call_date={day}" for day in DAYS),
        ]
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
        MANIFEST,
        *(f"call_date={day}" for day in DAYS[:2]),
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


# Incremental writes: only the days whose fingerprint changed are written, the others hard-linked.

NEW_DAY = "2026-11-04"
DAY_TABLES = ("marts.fct_calls", "marts.daily_traffic")


def _record_days(serving: Path) -> None:
    """What the publication does: the fingerprint of each day of marts.fct_calls in main.snapshot_days."""
    with duckdb.connect(str(serving)) as con:
        con.execute(
            """
            create or replace table main.snapshot_days as
            select 'marts.fct_calls' as table_name, call_date,
                   sum(cast(hash(cdr_id, start_time, charge_amount, fraud_indicators) as decimal(38, 0)))::decimal(
                       38, 0) as fingerprint
            from marts.fct_calls group by all
            """
        )


def _change_days(serving: Path, snapshot_days: bool) -> None:
    """Change the rows of DAYS[0], add NEW_DAY, remove DAYS[2] (DAYS[1] is untouched); daily_traffic follows."""
    with duckdb.connect(str(serving)) as con:
        con.execute(
            "update marts.fct_calls set charge_amount = charge_amount + 1 where call_date = ?", [DAYS[0]]
        )
        con.execute("delete from marts.fct_calls where call_date = ?", [DAYS[2]])
        con.execute(
            f"insert into marts.fct_calls select 'cdr-new-' || range, date '{NEW_DAY}', "
            f"timestamp '{NEW_DAY} 08:00:00', 2.5, [] from range(4)"
        )
        con.execute(
            "create or replace table marts.daily_traffic as select call_date, count(*) as calls, "
            "sum(charge_amount) as charge_amount from marts.fct_calls group by call_date"
        )
        con.execute(f"insert into marts.fraud_alerts values (date '{DAYS[1]}', 'wangiri')")
    if snapshot_days:
        _record_days(serving)


def _inodes(lake: Path, table: str) -> dict[str, set[int]]:
    """The inodes of the Parquet files of each day folder of a table, by day."""
    return {
        day.name.removeprefix("call_date="): {os.stat(f).st_ino for f in day.glob("*.parquet")}
        for day in (lake / table).iterdir()
        if day.is_dir()
    }


def _table_rows(serving: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def _lake_rows(lake: Path, serving: Path, table: str) -> list[tuple]:
    """The lake's rows of a table, its columns in the table's order."""
    with duckdb.connect(str(serving), read_only=True) as con:
        columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    with duckdb.connect() as con:
        rows = con.execute(
            f"select {', '.join(columns)} from read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = true)"
        ).fetchall()
    return sorted(rows, key=repr)


def _assert_lake_is_the_snapshot(lake: Path, serving: Path) -> None:
    for table in (*DAY_TABLES, "marts.fraud_alerts"):
        assert _lake_rows(lake, serving, table) == _table_rows(serving, table), table


@pytest.mark.parametrize("snapshot_days", [False, True], ids=["hashed", "snapshot_days"])
def test_only_changed_and_new_days_are_written(serving: Path, tmp_path: Path, snapshot_days: bool) -> None:
    if snapshot_days:
        _record_days(serving)
    lake = tmp_path / "lake"
    first = write_lake(serving, lake)
    for table in DAY_TABLES:
        assert (first.table(table).days_written, first.table(table).days_reused) == (3, 0)
    assert (first.table("marts.file_reconciliation").days_written, first.days_reused) == (0, 0)
    before = {table: _inodes(lake, table) for table in DAY_TABLES}
    manifest = json.loads((lake / "marts.fct_calls" / MANIFEST).read_text())
    assert manifest["source"].startswith("main.snapshot_days" if snapshot_days else "hash")
    assert sorted(manifest["days"]) == list(DAYS)

    _change_days(serving, snapshot_days)
    second = write_lake(serving, lake)

    for table in DAY_TABLES:
        summary = second.table(table)
        assert (summary.partitions, summary.days_written, summary.days_reused) == (3, 2, 1), table
        after = _inodes(lake, table)
        assert sorted(after) == [DAYS[0], DAYS[1], NEW_DAY]  # DAYS[2] is gone
        assert after[DAYS[1]] == before[table][DAYS[1]]  # the unchanged day: the same files, linked
        assert not after[DAYS[0]] & before[table][DAYS[0]]  # the changed day: new files
        assert sorted(json.loads((lake / table / MANIFEST).read_text())["days"]) == sorted(after)
    assert second.table("marts.fct_calls").rows == 3 + 3 + 4
    # The empty fraud_alerts (one file) got a row: now day-partitioned, written whole.
    alerts = second.table("marts.fraud_alerts")
    assert (alerts.partitions, alerts.days_written, alerts.days_reused) == (1, 1, 0)
    assert sorted(p.name for p in (lake / "marts.fraud_alerts").iterdir()) == [
        MANIFEST,
        f"call_date={DAYS[1]}",
    ]
    _assert_lake_is_the_snapshot(lake, serving)

    # The same lake as a whole write of this snapshot.
    whole = write_lake(serving, tmp_path / "whole")
    assert whole.table("marts.fct_calls").days_reused == 0
    for table in DAY_TABLES:
        assert _lake_rows(lake, serving, table) == _lake_rows(tmp_path / "whole", serving, table)


@pytest.mark.parametrize("snapshot_days", [False, True], ids=["hashed", "snapshot_days"])
def test_nothing_changed_writes_no_day(serving: Path, tmp_path: Path, snapshot_days: bool) -> None:
    if snapshot_days:
        _record_days(serving)
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    before = {table: _inodes(lake, table) for table in DAY_TABLES}
    contents = {table: _lake_rows(lake, serving, table) for table in DAY_TABLES}

    summary = write_lake(serving, lake)

    assert summary.days_written == 0 and summary.days_reused == 6
    for table in DAY_TABLES:
        assert (summary.table(table).rows, summary.table(table).partitions) == (
            {"marts.fct_calls": 9, "marts.daily_traffic": 3}[table],
            3,
        )
        assert _inodes(lake, table) == before[table]
        assert _lake_rows(lake, serving, table) == contents[table]
    assert summary.table("marts.file_reconciliation").rows == 1  # without call_date: written whole
    _assert_lake_is_the_snapshot(lake, serving)


def test_a_column_change_rewrites_the_table_whole(serving: Path, tmp_path: Path) -> None:
    _record_days(serving)
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    before = _inodes(lake, "marts.fct_calls")
    # Neither changes the days' fingerprints: a renamed column hashes the same, and main.snapshot_days
    # (the publication's fingerprints of fct_calls) is as it was.
    with duckdb.connect(str(serving)) as con:
        con.execute("alter table marts.daily_traffic rename column calls to call_count")
        con.execute("alter table marts.fct_calls add column call_type varchar default 'voice'")

    summary = write_lake(serving, lake)

    for table in DAY_TABLES:
        assert (summary.table(table).days_written, summary.table(table).days_reused) == (3, 0), table
    after = _inodes(lake, "marts.fct_calls")
    assert all(not after[day] & before[day] for day in DAYS)
    assert _lake_rows(lake, serving, "marts.fct_calls") == _table_rows(serving, "marts.fct_calls")
    assert {row[-1] for row in _lake_rows(lake, serving, "marts.fct_calls")} == {"voice"}
    _assert_lake_is_the_snapshot(lake, serving)


def test_another_fingerprint_source_rewrites_the_table_whole(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)  # no main.snapshot_days: hashed
    _record_days(serving)
    summary = write_lake(serving, lake)
    assert summary.table("marts.fct_calls").days_written == 3  # fingerprints of another kind
    assert summary.table("marts.daily_traffic").days_reused == 3  # not in main.snapshot_days: hashed still
    assert write_lake(serving, lake).table("marts.fct_calls").days_reused == 3

    with duckdb.connect(str(serving)) as con:  # no row of fct_calls in it: hashed again
        con.execute("delete from main.snapshot_days")
    assert write_lake(serving, lake).table("marts.fct_calls").days_written == 3
    _assert_lake_is_the_snapshot(lake, serving)


@pytest.mark.parametrize("manifest", ["{not json", '{"days": 1}', None])
def test_a_missing_or_unreadable_manifest_rewrites_the_table_whole(
    serving: Path, tmp_path: Path, manifest: str | None
) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    if manifest is None:
        (lake / "marts.fct_calls" / MANIFEST).unlink()  # e.g. written before the lake was incremental
    else:
        (lake / "marts.fct_calls" / MANIFEST).write_text(manifest)
    summary = write_lake(serving, lake)
    assert (summary.table("marts.fct_calls").days_written, summary.table("marts.fct_calls").days_reused) == (
        3,
        0,
    )
    assert summary.table("marts.daily_traffic").days_reused == 3
    _assert_lake_is_the_snapshot(lake, serving)
    assert write_lake(serving, lake).table("marts.fct_calls").days_reused == 3  # the manifest is back


def test_a_day_folder_missing_from_the_lake_is_written(serving: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    shutil.rmtree(lake / "marts.fct_calls" / f"call_date={DAYS[1]}")  # someone deleted it
    summary = write_lake(serving, lake)
    assert (summary.table("marts.fct_calls").days_written, summary.table("marts.fct_calls").days_reused) == (
        1,
        2,
    )
    _assert_lake_is_the_snapshot(lake, serving)


def test_days_are_copied_where_they_cannot_be_linked(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    write_lake(serving, lake)
    before = _inodes(lake, "marts.fct_calls")

    def no_links(source: Path, destination: Path) -> None:
        raise OSError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    summary = write_lake(serving, lake)
    assert summary.table("marts.fct_calls").days_reused == 3
    after = _inodes(lake, "marts.fct_calls")
    assert all(not after[day] & before[day] for day in DAYS)  # copies
    _assert_lake_is_the_snapshot(lake, serving)


def test_a_failed_incremental_write_keeps_the_previous_table(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orchestration.lake as lake_module

    lake = tmp_path / "lake"
    write_lake(serving, lake)
    before = _lake_rows(lake, serving, "marts.fct_calls")
    inodes = _inodes(lake, "marts.fct_calls")
    _change_days(serving, snapshot_days=False)

    def crash(new: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(lake_module, "_swap_in", crash)
    with pytest.raises(OSError, match="disk full"):
        write_lake(serving, lake)
    # The linked days of the new folder went with it; the previous table is whole, its files the same.
    assert _inodes(lake, "marts.fct_calls") == inodes
    assert _lake_rows(lake, serving, "marts.fct_calls") == before
    assert not [p.name for p in lake.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    assert write_lake(serving, lake).table("marts.fct_calls").days_written == 2
    _assert_lake_is_the_snapshot(lake, serving)


def test_changed_days_not_all_written_fall_back_to_a_whole_write(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orchestration.lake as lake_module

    lake = tmp_path / "lake"
    write_lake(serving, lake)
    _change_days(serving, snapshot_days=False)
    copy_days = lake_module._copy_days

    def forgets_a_day(con, source, temporary, days):  # a bug selecting the changed days
        return copy_days(con, source, temporary, None if days is None else days[1:])

    monkeypatch.setattr(lake_module, "_copy_days", forgets_a_day)
    summary = write_lake(serving, lake)
    assert (summary.table("marts.fct_calls").days_written, summary.table("marts.fct_calls").days_reused) == (
        3,
        0,
    )
    _assert_lake_is_the_snapshot(lake, serving)
