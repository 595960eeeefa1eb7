with

seeded as (

    select * from {{ ref('rating_plans_default') }}

),

landed as (

    select * from {{ ref('stg_rates__plans') }}

),

seed_plans as (

    select
        trim(account_number) as account_number,
        lower(trim(direction)) as direction,
        trim(deck_id) as deck_id,
        cast(effective_from as {{ dbt.type_timestamp() }}) as effective_from,
        0 as source_priority,
        'rating_plans_default' as source_format,
        cast(null as {{ dbt.type_bigint() }}) as source_file_id,
        cast(null as {{ dbt.type_bigint() }}) as source_line
    from seeded

),

file_plans as (

    select
        account_number,
        direction,
        deck_id,
        effective_from,
        1 as source_priority,
        source_format,
        cast(source_file_id as {{ dbt.type_bigint() }}) as source_file_id,
        cast(source_line as {{ dbt.type_bigint() }}) as source_line
    from landed

),

unioned as (

    select * from seed_plans
    union all
    select * from file_plans

),

final as (

    -- broken_rules names the rules a plan breaks; such plans are never used and are listed in
    -- marts.quarantined_rates instead.
    select
        *,
        {{ broken_rules_of(plan_field_rules()) }} as broken_rules
    from unioned

)

select * from final
