{{ config(materialized='table') }}

{#-
    For each deck prefix (int_rates__prefixes), band and period: the rate int_calls__rated applies to a call
    whose number has that prefix as its longest prefix in the deck, starting in that band and period. The
    choice is the model's: among the rates of the prefix and of its shorter prefixes in the deck that are in
    effect and usable for the band, the longest prefix, then the band's own rate, else holiday -> weekend ->
    off_peak, else flat, then the latest effective_from. The periods split time at every effective_from and
    effective_to of those rates, so the rates in effect stay the same within one; a period without a usable rate
    has no row (the call is unrated_no_rate).
-#}

with

decks as (

    select
        *,
        length(prefix) as prefix_length
    from {{ ref('int_rates__decks') }}

),

prefixes as (

    select * from {{ ref('int_rates__prefixes') }}

),

prefix_lengths as (

    {%- for length in range(1, 16) %}
    select {{ length }} as prefix_length{% if not loop.last %} union all{% endif %}
    {%- endfor %}

),

bands as (

    -- Every band a call can be given (int_calls__rated): a timing's rate_type, else 'flat'.
    select distinct coalesce(rate_type, 'flat') as band
    from {{ ref('rate_timings') }}

    union

    select 'flat' as band

),

prefix_ancestors as (

    -- Every prefix of each deck prefix (itself included), as a column of its own for a plain equi-join.
    select
        prefixes.prefix_id,
        prefixes.deck_id,
        prefix_lengths.prefix_length,
        substr(prefixes.prefix, 1, prefix_lengths.prefix_length) as ancestor_prefix
    from prefixes
    inner join prefix_lengths
        on prefixes.prefix_length >= prefix_lengths.prefix_length

),

candidates as (

    -- The rates that may rate a number whose longest deck prefix is prefix_id: its own and its ancestors'.
    select
        prefix_ancestors.prefix_id,
        decks.*
    from prefix_ancestors
    inner join decks
        on prefix_ancestors.deck_id = decks.deck_id
        and prefix_ancestors.ancestor_prefix = decks.prefix
        and prefix_ancestors.prefix_length = decks.prefix_length

),

boundaries as (

    select
        prefix_id,
        effective_from as valid_from
    from candidates
    where effective_from is not null

    union

    select
        prefix_id,
        effective_to as valid_from
    from candidates
    where effective_to is not null

),

periods as (

    select
        prefix_id,
        valid_from,
        lead(valid_from) over (partition by prefix_id order by valid_from) as valid_to
    from boundaries

),

ranked as (

    -- The rates in effect over the whole period and usable for the band, best first (int_calls__rated's
    -- match_score: prefix length, band preference, latest effective_from).
    select
        periods.valid_from,
        periods.valid_to,
        bands.band,
        candidates.*,
        row_number() over (
            partition by periods.prefix_id, bands.band, periods.valid_from
            order by
                cast(candidates.prefix_length * 4 + case
                    when candidates.rate_type = bands.band then 3
                    when candidates.rate_type = 'weekend' and bands.band = 'holiday' then 2
                    when candidates.rate_type = 'off_peak' and bands.band in ('holiday', 'weekend') then 1
                    else 0
                end as {{ dbt.type_bigint() }}) * 10000000000
                + {{ dbt.datediff(
                    "cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")", 'candidates.effective_from', 'second'
                ) }} desc
        ) as choice_rank
    from periods
    cross join bands
    inner join candidates
        on periods.prefix_id = candidates.prefix_id
    where candidates.effective_from <= periods.valid_from
        and (candidates.effective_to is null or periods.valid_from < candidates.effective_to)
        and (
            candidates.rate_type = bands.band
            or candidates.rate_type = 'flat'
            or (candidates.rate_type = 'weekend' and bands.band = 'holiday')
            or (candidates.rate_type = 'off_peak' and bands.band in ('holiday', 'weekend'))
        )

)

select
    prefix_id,
    band,
    valid_from,
    valid_to,
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
    effective_to
from ranked
where choice_rank = 1
