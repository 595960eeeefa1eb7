with

deck_rates as (

    select * from {{ ref('int_rates__decks_validated') }}

),

plans as (

    select * from {{ ref('int_rates__plans_validated') }}

),

files as (

    select * from {{ source('landing', 'files') }}

),

broken as (

    -- Rates of a deck and rating plans that break a field rule (macros/field_rules.sql): never used for
    -- rating, never dropped. One shape for both: the columns of the other kind are null.
    select
        'rate' as record_type,
        broken_rules,
        source_format,
        source_file_id,
        source_line,
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
        cast(null as {{ dbt.type_string() }}) as account_number,
        cast(null as {{ dbt.type_string() }}) as direction
    from deck_rates
    where broken_rules is not null

    union all

    select
        'plan' as record_type,
        broken_rules,
        source_format,
        source_file_id,
        source_line,
        deck_id,
        cast(null as {{ dbt.type_string() }}) as prefix,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as destination,
        cast(null as {{ type_money() }}) as rate_per_minute,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_int() }}) as first_increment,
        cast(null as {{ dbt.type_int() }}) as subsequent_increment,
        cast(null as {{ type_money() }}) as connect_fee,
        cast(null as {{ dbt.type_string() }}) as rate_type,
        effective_from,
        cast(null as {{ dbt.type_timestamp() }}) as effective_to,
        cast(null as {{ dbt.type_string() }}) as time_zone,
        account_number,
        direction
    from plans
    where broken_rules is not null

),

final as (

    -- Fix the file and land the corrected one: its rows are used (the newest file wins); these stay listed
    -- as what the older file held.
    select
        broken.record_type,
        broken.broken_rules,
        files.path as source_file,
        broken.source_format,
        broken.source_file_id,
        broken.source_line,
        broken.deck_id,
        broken.prefix,
        broken.destination,
        broken.rate_per_minute,
        broken.currency,
        broken.first_increment,
        broken.subsequent_increment,
        broken.connect_fee,
        broken.rate_type,
        broken.effective_from,
        broken.effective_to,
        broken.time_zone,
        broken.account_number,
        broken.direction
    from broken
    left join files
        on broken.source_file_id = files.file_id

)

select * from final
