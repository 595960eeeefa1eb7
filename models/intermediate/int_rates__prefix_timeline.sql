{#-
    For each deck prefix (int_rates__prefixes), band and period: the rate int_calls__rated applies to a call
    whose number has that prefix as its longest prefix in the deck, starting in that band and period. Among the
    rates of the prefix and of its shorter prefixes in the deck that are in effect and usable for the band:
    the longest prefix, then the band's own rate, else holiday -> weekend -> off_peak, else flat, then the
    latest effective_from. The periods split time at every effective_from and effective_to of those rates, so
    the rates in effect stay the same within one; a period without a usable rate has no row (the call is
    unrated_no_rate).
-#}

with

rates as (

    select * from {{ ref('int_rates__decks') }}

),

rate_keys as (

    -- Only what choosing a rate needs: the chosen ones get their other columns in final.
    select
        deck_id,
        prefix,
        length(prefix) as prefix_length,
        rate_type,
        effective_from,
        effective_to
    from {{ ref('int_rates__decks') }}

),

prefixes as (

    select
        prefix_id,
        deck_id,
        prefix,
        prefix_length
    from {{ ref('int_rates__prefixes') }}

),

timings as (

    select rate_type from {{ ref('rate_timings') }}

),

prefix_lengths as (

    {%- for length in range(1, 16) %}
    select {{ length }} as prefix_length{% if not loop.last %} union all{% endif %}
    {%- endfor %}

),

bands as (

    -- Every band int_calls__rated can give a call: a timing's rate_type, else 'flat'.
    select distinct coalesce(rate_type, 'flat') as band
    from timings

    union

    select 'flat' as band

),

band_fallbacks as (

    -- The rate types a call of each band can be rated with, best first: the band's own, then holiday ->
    -- weekend -> off_peak, then flat.
    select
        band,
        band as rate_type,
        3 as preference
    from bands

    union all

    select
        band,
        'weekend' as rate_type,
        2 as preference
    from bands
    where band = 'holiday'

    union all

    select
        band,
        'off_peak' as rate_type,
        1 as preference
    from bands
    where band in ('holiday', 'weekend')

    union all

    select
        band,
        'flat' as rate_type,
        0 as preference
    from bands
    where band != 'flat'

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
        rate_keys.deck_id,
        rate_keys.prefix,
        rate_keys.prefix_length,
        rate_keys.rate_type,
        rate_keys.effective_from,
        rate_keys.effective_to
    from prefix_ancestors
    inner join rate_keys
        on prefix_ancestors.deck_id = rate_keys.deck_id
        and prefix_ancestors.ancestor_prefix = rate_keys.prefix
        and prefix_ancestors.prefix_length = rate_keys.prefix_length

),

boundaries as (

    -- The moments the rates in effect for a prefix change.
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

    -- The rates in effect over the whole period and usable for the band, best first.
    select
        periods.prefix_id,
        band_fallbacks.band,
        periods.valid_from,
        periods.valid_to,
        candidates.deck_id,
        candidates.prefix,
        candidates.rate_type,
        candidates.effective_from,
        row_number() over (
            partition by periods.prefix_id, band_fallbacks.band, periods.valid_from
            order by candidates.prefix_length desc, band_fallbacks.preference desc, candidates.effective_from desc
        ) as choice_rank
    from periods
    inner join candidates
        on periods.prefix_id = candidates.prefix_id
        and periods.valid_from >= candidates.effective_from
        and (candidates.effective_to is null or periods.valid_from < candidates.effective_to)
    inner join band_fallbacks
        on candidates.rate_type = band_fallbacks.rate_type

),

final as (

    select
        ranked.prefix_id,
        ranked.band,
        ranked.valid_from,
        ranked.valid_to,
        rates.deck_id,
        rates.prefix,
        rates.destination,
        rates.rate_per_minute,
        rates.currency,
        rates.first_increment,
        rates.subsequent_increment,
        rates.connect_fee,
        rates.rate_type,
        rates.effective_from,
        rates.effective_to
    from ranked
    inner join rates
        on ranked.deck_id = rates.deck_id
        and ranked.prefix = rates.prefix
        and ranked.rate_type = rates.rate_type
        and ranked.effective_from = rates.effective_from
    where ranked.choice_rank = 1

)

select * from final
