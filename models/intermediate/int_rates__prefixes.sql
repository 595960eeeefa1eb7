{#-
    The prefixes of every deck that a called number can match (int_calls__rated): numbered, with their digits
    as a number too, so that the longest-prefix match is a plain equi-join on integers. Only all-digit prefixes
    of 1 to 15 digits: an E.164 number's digits (at most 15) cannot match any other.
-#}

with

decks as (

    select
        deck_id,
        prefix
    from {{ ref('int_rates__decks') }}

),

prefixes as (

    -- One row per (deck, prefix), whatever its rate types and effective dates.
    select distinct
        deck_id,
        prefix,
        length(prefix) as prefix_length
    from decks
    where {{ regexp_full_match('prefix', '[0-9]{1,15}') }}

),

final as (

    select
        row_number() over (order by deck_id, prefix) as prefix_id,
        deck_id,
        prefix,
        prefix_length,
        cast(prefix as {{ dbt.type_bigint() }}) as prefix_value
    from prefixes

)

select * from final
