"""Landing accounting, checked against the tables themselves rather than the loader's own counts."""

from __future__ import annotations

import duckdb

from orchestration.formats import ALL_FORMATS


def accounting_mismatches(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Files whose recorded counts differ from the rows actually in raw.<format> and landing.rejects.

    Returns (file_id, path, rows_read, rows_loaded, rows_in_raw, rows_rejected, rows_in_rejects) tuples.
    """
    raw_counts = " union all ".join(
        f'select _file_id as file_id, count(*) as n from raw."{spec.raw_table}" group by _file_id'
        for spec in ALL_FORMATS
    )
    return con.execute(
        f"""
        with raw_rows as ({raw_counts}),
        raw_by_file as (select file_id, sum(n) as n from raw_rows group by file_id),
        rejects_by_file as (select file_id, count(*) as n from landing.rejects group by file_id)
        select f.file_id, f.path, f.rows_read, f.rows_loaded, coalesce(r.n, 0), f.rows_rejected, coalesce(j.n, 0)
        from landing.files as f
        left join raw_by_file as r using (file_id)
        left join rejects_by_file as j using (file_id)
        where f.rows_read <> f.rows_loaded + f.rows_rejected
           or f.rows_loaded <> coalesce(r.n, 0)
           or f.rows_rejected <> coalesce(j.n, 0)
        order by f.file_id
        """
    ).fetchall()
