with

validated as (

    select * from {{ ref('int_rates__plans_validated') }}

),

ranked as (

    -- Plans that break a field rule are quarantined (marts.quarantined_rates), never used. The same plan
    -- (account, direction, effective_from) in several files: the newest file's row wins, then its last line.
    select
        *,
        row_number() over (
            partition by account_number, direction, effective_from, source_priority
            order by coalesce(source_file_id, 0) desc, coalesce(source_line, 0) desc
        ) as version_rank
    from validated
    where broken_rules is null

),

final as (

    -- Which deck rates which calls: account '*' and direction '*' match any; the most specific plan wins,
    -- then the latest effective_from, then a plan from a file over one from a seed (source_priority).
    select
        account_number,
        direction,
        deck_id,
        effective_from,
        source_priority,
        source_format,
        source_file_id,
        source_line
    from ranked
    where version_rank = 1

)

select * from final
