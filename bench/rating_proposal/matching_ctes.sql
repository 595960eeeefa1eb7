-- Replaces the CTEs 'numbers_to_rate' through 'matched' of models/intermediate/int_calls__rated.sql
-- (and its 'prefix_lengths' CTE goes).
number_values as (

    -- The number's digits (after the '+'; prefixes match at most 15) as an integer right-padded with zeros to
    -- 15 digits.
    select
        banded.*,
        case when banded.called_number_is_e164 then least(length(banded.called_number) - 1, 15) end as number_digits,
        case
            when banded.called_number_is_e164
                then cast(substr(banded.called_number, 2, 15) as {{ dbt.type_bigint() }})
                * cast(power(10, 15 - least(length(banded.called_number) - 1, 15)) as {{ dbt.type_bigint() }})
        end as number_value
    from banded

),

number_keys as (

    -- The number's prefix of each length L as an integer (the padded number divided by 10^(15 - L)), null
    -- when the number is shorter: columns of their own, so the match below is a plain equi-join on integers.
    select
        number_values.*
        {%- for length in range(1, 16) %},
        case
            when number_values.number_digits >= {{ length }}
                then {{ int_div('number_values.number_value', 10 ** (15 - length)) }}
        end as number_prefix_{{ length }}
        {%- endfor %}
    from number_values

),

prefix_matches as (

    -- Longest-prefix match (never LIKE): for each length, an equi-join of the number's prefix of that length
    -- on the deck's prefixes of that length (int_rates__prefixes); the longest that joins is the number's
    -- longest prefix in the deck. A deck has one prefix per (length, value): the row count never changes.
    select
        number_keys.*,
        coalesce(
            {%- for length in range(15, 0, -1) %}
            prefixes_{{ length }}.prefix_id{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as matched_prefix_id
    from number_keys
    {%- for length in range(15, 0, -1) %}
    left join {{ ref('int_rates__prefixes') }} as prefixes_{{ length }}
        on number_keys.deck_id = prefixes_{{ length }}.deck_id
        and number_keys.number_prefix_{{ length }} = prefixes_{{ length }}.prefix_value
        and prefixes_{{ length }}.prefix_length = {{ length }}
    {%- endfor %}

),

matched as (

    -- The rate of the call's longest deck prefix, band and start (int_rates__prefix_timeline): among the rates
    -- in effect of that prefix and its shorter ones, the longest, then the band's own rate, else holiday ->
    -- weekend -> off_peak, else flat, then the latest effective.
    select
        prefix_matches.*,
        rates.deck_id as rate_deck_id,
        rates.prefix as rated_prefix,
        rates.destination as rated_destination,
        rates.rate_per_minute as rate_applied,
        rates.rate_type,
        rates.currency,
        rates.first_increment,
        rates.subsequent_increment,
        case when prefix_matches.call_status = 'answered' then rates.connect_fee else 0 end as connect_fee,
        case
            when prefix_matches.deck_id is null then 'unrated_no_plan'
            when not prefix_matches.called_number_is_e164 then 'unrated_no_number'
            when rates.deck_id is null then 'unrated_no_rate'
            else 'rated'
        end as rating_status
    from prefix_matches
    left join {{ ref('int_rates__prefix_timeline') }} as rates
        on prefix_matches.matched_prefix_id = rates.prefix_id
        and prefix_matches.band = rates.band
        and prefix_matches.start_time >= rates.valid_from
        and (rates.valid_to is null or prefix_matches.start_time < rates.valid_to)

),
