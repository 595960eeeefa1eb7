with

seeded as (

    select * from {{ ref('rating_plans_default') }}

),

final as (

    -- Which deck rates which calls: account '*' and direction '*' match any; the most specific plan wins,
    -- then the latest effective_from, then a plan from a file over one from a seed (source_priority).
    select
        trim(account_number) as account_number,
        lower(trim(direction)) as direction,
        deck_id,
        cast(effective_from as {{ dbt.type_timestamp() }}) as effective_from,
        0 as source_priority
    from seeded

)

select * from final
