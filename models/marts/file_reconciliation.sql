with

files as (

    select * from {{ source('landing', 'files') }}

),

validated as (

    select * from {{ ref('int_calls__validated') }}

),

kept as (

    select * from {{ ref('int_calls__deduplicated') }}

),

staged as (

    -- Each staged row once: quarantined, kept as its call's version, or superseded by a newer one.
    select
        validated.source_file_id,
        count(*) as rows_staged,
        sum(case when validated.broken_rules is not null then 1 else 0 end) as quarantined,
        sum(case when validated.broken_rules is null and kept.cdr_id is null then 1 else 0 end) as duplicates
    from validated
    left join kept
        on validated.source_file_id = kept.source_file_id
        and validated.source_line = kept.source_line
        and validated.cdr_id = kept.cdr_id
    group by validated.source_file_id

),

rejects as (

    select
        file_id,
        count(*) as rejects
    from {{ source('landing', 'rejects') }}
    group by file_id

),

calls as (

    select
        source_file_id,
        count(*) as calls
    from {{ ref('fct_calls') }}
    group by source_file_id

),

counted as (

    select
        files.file_id,
        files.path,
        files.format,
        files.status,
        files.rows_read,
        files.rows_loaded,
        coalesce(staged.rows_staged, 0) as rows_staged,
        coalesce(calls.calls, 0) as calls,
        coalesce(staged.duplicates, 0) as duplicates,
        files.rows_rejected,
        coalesce(rejects.rejects, 0) as rejects,
        coalesce(staged.quarantined, 0) as quarantined
    from files
    left join staged
        on files.file_id = staged.source_file_id
    left join calls
        on files.file_id = calls.source_file_id
    left join rejects
        on files.file_id = rejects.file_id

),

final as (

    -- DESIGN §4 conservation, per file: every row read is a call in fct_calls, a duplicate superseded
    -- by a newer file's version, a row in landing.rejects, or quarantined; each term is counted where
    -- it lives, not taken from landing's own counts. Rejected and duplicate files read no rows.
    select
        *,
        rows_read = calls + duplicates + rejects + quarantined
        and rows_loaded = rows_staged
        and rows_rejected = rejects as is_balanced
    from counted

)

select * from final
