with

files as (

    select * from {{ source('landing', 'files') }}

),

validated as (

    select * from {{ ref('int_calls__validated') }}

),

kept as (

    -- Each valid call's winning version (int_calls__enriched deduplicates, one row per call).
    select
        source_file_id,
        source_line,
        cdr_id
    from {{ ref('int_calls__enriched') }}

),

rates_validated as (

    -- Rate files: rates of decks and rating plans, each row once (valid or quarantined).
    select
        source_file_id,
        source_line,
        broken_rules
    from {{ ref('int_rates__decks_validated') }}
    where source_file_id is not null
    union all
    select
        source_file_id,
        source_line,
        broken_rules
    from {{ ref('int_rates__plans_validated') }}
    where source_file_id is not null

),

rates_in_use as (

    select
        source_file_id,
        source_line
    from {{ ref('int_rates__decks') }}
    where source_file_id is not null
    union all
    select
        source_file_id,
        source_line
    from {{ ref('int_rates__plans') }}
    where source_file_id is not null

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

rates_staged as (

    -- A rate file's valid rows are in use, or superseded by a newer file's version of the same rate or plan.
    select
        rates_validated.source_file_id,
        count(*) as rows_staged,
        sum(case when rates_validated.broken_rules is not null then 1 else 0 end) as quarantined,
        sum(
            case when rates_validated.broken_rules is null and rates_in_use.source_line is null then 1 else 0 end
        ) as duplicates
    from rates_validated
    left join rates_in_use
        on rates_validated.source_file_id = rates_in_use.source_file_id
        and rates_validated.source_line = rates_in_use.source_line
    group by rates_validated.source_file_id

),

rates_used as (

    select
        source_file_id,
        count(*) as rates_used
    from rates_in_use
    group by source_file_id

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
        coalesce(files.folder, 'landing') as folder,
        files.path,
        files.format,
        files.status,
        files.rows_read,
        files.rows_loaded,
        coalesce(staged.rows_staged, 0) + coalesce(rates_staged.rows_staged, 0) as rows_staged,
        coalesce(calls.calls, 0) as calls,
        coalesce(rates_used.rates_used, 0) as rates_used,
        coalesce(staged.duplicates, 0) + coalesce(rates_staged.duplicates, 0) as duplicates,
        files.rows_rejected,
        coalesce(rejects.rejects, 0) as rejects,
        coalesce(staged.quarantined, 0) + coalesce(rates_staged.quarantined, 0) as quarantined
    from files
    left join staged
        on files.file_id = staged.source_file_id
    left join calls
        on files.file_id = calls.source_file_id
    left join rejects
        on files.file_id = rejects.file_id
    left join rates_staged
        on files.file_id = rates_staged.source_file_id
    left join rates_used
        on files.file_id = rates_used.source_file_id

),

final as (

    -- DESIGN §4 conservation, per file: every row read is a call in fct_calls (a rate or plan in use, for a
    -- file from rates/), a duplicate superseded by a newer file's version, a row in landing.rejects, or
    -- quarantined (marts.quarantined_calls, marts.quarantined_rates); each term is counted where it lives,
    -- not taken from landing's own counts. Rejected and duplicate files read no rows.
    select
        *,
        rows_read = calls + rates_used + duplicates + rejects + quarantined
        and rows_loaded = rows_staged
        and rows_rejected = rejects as is_balanced
    from counted

)

select * from final
