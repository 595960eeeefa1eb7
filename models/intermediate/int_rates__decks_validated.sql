with

seeded as (

    select * from {{ ref('rate_deck_default') }}

),

landed as (

    select * from {{ ref('stg_rates__decks') }}

),

seed_rates as (

    select
        trim(deck_id) as deck_id,
        trim(prefix) as prefix,  -- noqa: RF04
        destination,
        cast(rate_per_minute as {{ type_money() }}) as rate_per_minute,
        upper(currency) as currency,
        cast(first_increment as {{ dbt.type_int() }}) as first_increment,
        cast(subsequent_increment as {{ dbt.type_int() }}) as subsequent_increment,
        cast(coalesce(connect_fee, 0) as {{ type_money() }}) as connect_fee,
        coalesce(lower(rate_type), 'flat') as rate_type,
        cast(effective_from as {{ dbt.type_timestamp() }}) as effective_from,
        cast(effective_to as {{ dbt.type_timestamp() }}) as effective_to,
        'UTC' as time_zone,
        'seed' as deck_source,
        'rate_deck_default' as source_format,
        cast(null as {{ dbt.type_bigint() }}) as source_file_id,
        cast(null as {{ dbt.type_bigint() }}) as source_line
    from seeded

),

file_rates as (

    select
        deck_id,
        prefix,
        destination,
        rate_per_minute,
        currency,
        first_increment,
        subsequent_increment,
        connect_fee,
        rate_type,
        effective_from,
        effective_to,
        time_zone,
        'file' as deck_source,
        source_format,
        cast(source_file_id as {{ dbt.type_bigint() }}) as source_file_id,
        cast(source_line as {{ dbt.type_bigint() }}) as source_line
    from landed

),

unioned as (

    select * from seed_rates
    union all
    select * from file_rates

),

final as (

    -- broken_rules names the rules a rate breaks (macros/field_rules.sql); such rates are never used for
    -- rating and are listed in marts.quarantined_rates instead.
    select
        *,
        {{ broken_rules_of(rate_field_rules()) }} as broken_rules
    from unioned

)

select * from final
