with

seeded as (

    select * from {{ ref('rate_deck_default') }}

),

final as (

    -- Every rate of every deck (rate files landed from $CDRWH_HOME/rates/ join this union next).
    select
        deck_id,
        trim(prefix) as prefix,
        destination,
        cast(rate_per_minute as {{ type_money() }}) as rate_per_minute,
        upper(currency) as currency,
        cast(first_increment as {{ dbt.type_int() }}) as first_increment,
        cast(subsequent_increment as {{ dbt.type_int() }}) as subsequent_increment,
        cast(coalesce(connect_fee, 0) as {{ type_money() }}) as connect_fee,
        lower(rate_type) as rate_type,
        cast(effective_from as {{ dbt.type_timestamp() }}) as effective_from,
        cast(effective_to as {{ dbt.type_timestamp() }}) as effective_to,
        'seed' as deck_source
    from seeded

)

select * from final
