{{ call_days_config('changed') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

calls as (

    -- Every column of the call: they pass through to fct_calls (macros/cdr_model.sql, enriched_call_columns).
    select
        enriched.*,
        coalesce(enriched.account_number, '') as account_key,
        coalesce(enriched.direction, '') as direction_key
    from {{ ref('int_calls__enriched') }} as enriched
    {% if is_incremental() -%}
    where {{ call_days_filter('changed') }}
    {%- endif %}

),

call_keys as (

    -- The same calls' (account, direction) pairs, read narrow from the model: calls is read once (decked), as
    -- DuckDB materializes a CTE read more than once whole, every column of every call.
    select distinct
        coalesce(account_number, '') as account_key,
        coalesce(direction, '') as direction_key
    from {{ ref('int_calls__enriched') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('changed') }}
    {%- endif %}

),

rerating_calls as (

    -- The same calls again, narrow: what the re-rating runs' windows and filters look at.
    select
        cdr_id,
        source_vendor,
        coalesce(account_number, '') as account_key,
        duration_s,
        start_time
    from {{ ref('int_calls__enriched') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('changed') }}
    {%- endif %}

),

plans as (

    select * from {{ ref('int_rates__plans') }}

),

decks as (

    select
        deck_id,
        time_zone
    from {{ ref('int_rates__decks') }}

),

deck_zones as (

    -- Time bands follow the deck's clock (one time zone per deck, UTC unless the deck sets one).
    select deck_id, max(time_zone) as time_zone
    from decks
    group by deck_id

),

prefix_rates as (

    select * from {{ ref('int_rates__prefix_timeline') }}

),

reratings as (

    select * from {{ ref('stg_rerating__runs') }}
    where is_active

),

timings as (

    select
        rate_type as band,
        day_type,
        cast(substr(start_time, 1, 2) as {{ dbt.type_int() }}) * 3600
        + cast(substr(start_time, 4, 2) as {{ dbt.type_int() }}) * 60
        + cast(substr(start_time, 7, 2) as {{ dbt.type_int() }}) as starts_at_second,
        cast(substr(end_time, 1, 2) as {{ dbt.type_int() }}) * 3600
        + cast(substr(end_time, 4, 2) as {{ dbt.type_int() }}) * 60
        + cast(substr(end_time, 7, 2) as {{ dbt.type_int() }}) as ends_at_second
    from {{ ref('rate_timings') }}

),

holidays as (

    select cast(holiday_date as date) as holiday_date from {{ ref('holidays') }}

),

tax_rates as (

    select trim(account_number) as account_number, cast(tax_rate as decimal(12, 4)) as tax_rate
    from {{ ref('account_tax_rates') }}

),

fx_intervals as (

    -- Each currency's rate from valid_from until the next one, so a call joins its day's rate directly.
    select
        upper(currency) as currency,
        cast(usd_per_unit as decimal(18, 6)) as usd_per_unit,
        cast(valid_from as date) as valid_from,
        lead(cast(valid_from as date)) over (partition by upper(currency) order by valid_from) as valid_to
    from {{ ref('fx_rates') }}

),

plan_candidates as (

    -- Plans are chosen once per (account, direction), not per call: '*' matches any.
    select
        call_keys.account_key,
        call_keys.direction_key,
        plans.deck_id,
        plans.effective_from,
        plans.source_priority,
        case when plans.account_number = call_keys.account_key then 2 else 0 end
        + case when plans.direction = call_keys.direction_key then 1 else 0 end as specificity
    from call_keys
    inner join plans
        on (plans.account_number = call_keys.account_key or plans.account_number = '*')
        and (plans.direction = call_keys.direction_key or plans.direction = '*')

),

plan_winners as (

    -- At each moment a candidate becomes effective, the winner among those effective by then: the most
    -- specific, then the latest, then a file over a seed. The winner holds until the next such moment.
    select
        moments.account_key,
        moments.direction_key,
        moments.effective_from as valid_from,
        candidates.deck_id,
        row_number() over (
            partition by moments.account_key, moments.direction_key, moments.effective_from
            order by candidates.specificity desc, candidates.effective_from desc, candidates.source_priority desc
        ) as winner_rank
    from plan_candidates as moments
    inner join plan_candidates as candidates
        on moments.account_key = candidates.account_key
        and moments.direction_key = candidates.direction_key
        and candidates.effective_from <= moments.effective_from

),

plan_intervals as (

    select
        account_key,
        direction_key,
        deck_id,
        valid_from,
        lead(valid_from) over (partition by account_key, direction_key order by valid_from) as valid_to
    from (select distinct account_key, direction_key, deck_id, valid_from from plan_winners where winner_rank = 1)

),

rerating_matches as (

    -- Re-rating runs (cdrwh rerate) whose window and filters take the call; few runs, so a small join.
    select
        rerating_calls.cdr_id,
        reratings.run_id,
        reratings.deck_id,
        reratings.new_duration_s,
        case
            when reratings.min_duration_s is not null and rerating_calls.duration_s >= reratings.min_duration_s then 1
            else 0
        end as adjusts_duration
    from rerating_calls
    inner join reratings
        on rerating_calls.start_time >= reratings.window_from
        and rerating_calls.start_time < reratings.window_to
        and (reratings.account_number is null or rerating_calls.account_key = reratings.account_number)
        and (reratings.vendor is null or rerating_calls.source_vendor = reratings.vendor)

),

deck_reratings as (

    -- The latest run that re-rates the call with another deck wins ...
    select cdr_id, run_id, deck_id
    from (
        select
            cdr_id,
            run_id,
            deck_id,
            row_number() over (partition by cdr_id order by run_id desc) as run_rank
        from rerating_matches
        where deck_id is not null
    ) as ranked
    where run_rank = 1

),

duration_reratings as (

    -- ... and, independently, the latest run that bills the call as another duration.
    select cdr_id, run_id, new_duration_s
    from (
        select
            cdr_id,
            run_id,
            new_duration_s,
            row_number() over (partition by cdr_id order by run_id desc) as run_rank
        from rerating_matches
        where adjusts_duration = 1
    ) as ranked
    where run_rank = 1

),

decked as (

    -- The deck that rates the call: a re-rating run's, else the plan's; its clock for the time band.
    select
        calls.*,
        coalesce(deck_reratings.deck_id, plan_intervals.deck_id) as deck_id,
        deck_reratings.run_id as rerate_deck_run_id,
        duration_reratings.run_id as rerate_duration_run_id,
        coalesce(duration_reratings.new_duration_s, calls.duration_s) as rating_duration_s
    from calls
    left join plan_intervals
        on calls.account_key = plan_intervals.account_key
        and calls.direction_key = plan_intervals.direction_key
        and calls.start_time >= plan_intervals.valid_from
        and (plan_intervals.valid_to is null or calls.start_time < plan_intervals.valid_to)
    left join deck_reratings
        on calls.cdr_id = deck_reratings.cdr_id
    left join duration_reratings
        on calls.cdr_id = duration_reratings.cdr_id

),

localised as (

    select
        decked.*,
        case
            when coalesce(deck_zones.time_zone, 'UTC') = 'UTC' then decked.start_time
            else {{ utc_to_local('decked.start_time', 'deck_zones.time_zone') }}
        end as local_start_time
    from decked
    left join deck_zones
        on decked.deck_id = deck_zones.deck_id

),

local_days as (

    -- The day type and the second of the day of the call's start on the deck's clock, as columns: joining
    -- the timings on plain columns (not expressions) keeps the engine's row estimate of the calls right, so
    -- that every later join builds its hash table on the small side.
    select
        localised.*,
        case
            when holidays.holiday_date is not null then 'holiday'
            when {{ iso_day_of_week('localised.local_start_time') }} in (6, 7) then 'weekend'
            else 'weekday'
        end as day_type,
        extract(hour from localised.local_start_time) * 3600 + extract(minute from localised.local_start_time) * 60
        + floor(extract(second from localised.local_start_time)) as local_start_second
    from localised
    left join holidays
        on cast(localised.local_start_time as date) = holidays.holiday_date

),

banded as (

    -- The call's time band by its start on the deck's clock: holiday, weekend, else the weekday band.
    select
        local_days.*,
        coalesce(timings.band, 'flat') as band
    from local_days
    left join timings
        on local_days.day_type = timings.day_type
        and local_days.local_start_second >= timings.starts_at_second
        and local_days.local_start_second < timings.ends_at_second

),

number_values as (

    -- The number's E.164 digits (after the '+'; prefixes match at most 15) as an integer right-padded with
    -- zeros to 15 digits.
    select
        banded.*,
        case
            when banded.called_number_is_e164 then least(length(banded.called_number) - 1, 15)
        end as number_digits,
        case
            when banded.called_number_is_e164
                then
                    cast(substr(banded.called_number, 2, 15) as {{ dbt.type_bigint() }})
                    * cast(power(10, 15 - least(length(banded.called_number) - 1, 15)) as {{ dbt.type_bigint() }})
        end as number_value
    from banded

),

number_keys as (

    -- The number's prefix of each length L as an integer (the padded number divided by 10^(15 - L)), null
    -- when the number is shorter: columns of their own, so that the match below is a plain equi-join.
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
    -- on the deck's prefixes of that length (int_rates__prefixes, narrow: read from the table each time);
    -- the longest that joins is the number's longest prefix in the deck. A deck has one prefix per (length,
    -- value), so the joins never add rows.
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

    -- The rate of the call's longest deck prefix, band and start (int_rates__prefix_timeline): among the
    -- rates in effect of that prefix and its shorter ones, the longest, then the band's own rate, else
    -- holiday -> weekend -> off_peak, else flat, then the latest effective.
    select
        prefix_matches.*,
        prefix_rates.deck_id as rate_deck_id,
        prefix_rates.prefix as rated_prefix,
        prefix_rates.destination as rated_destination,
        prefix_rates.rate_per_minute as rate_applied,
        prefix_rates.rate_type,
        prefix_rates.currency,
        prefix_rates.first_increment,
        prefix_rates.subsequent_increment,
        case when prefix_matches.call_status = 'answered' then prefix_rates.connect_fee else 0 end as connect_fee,
        case
            when prefix_matches.deck_id is null then 'unrated_no_plan'
            when not prefix_matches.called_number_is_e164 then 'unrated_no_number'
            when prefix_rates.deck_id is null then 'unrated_no_rate'
            else 'rated'
        end as rating_status
    from prefix_matches
    left join prefix_rates
        on prefix_matches.matched_prefix_id = prefix_rates.prefix_id
        and prefix_matches.band = prefix_rates.band
        and prefix_matches.start_time >= prefix_rates.valid_from
        and (prefix_rates.valid_to is null or prefix_matches.start_time < prefix_rates.valid_to)

),

charged as (

    select
        matched.*,
        {{ rated_duration('rating_duration_s', 'first_increment', 'subsequent_increment', "call_status = 'answered'") }}
            as rated_duration_s
    from matched

),

priced as (

    select
        charged.*,
        case
            when rating_status = 'rated' then {{ charge_micros('rate_applied', 'rated_duration_s', 'connect_fee') }}
        end as charge_micros,
        coalesce(account_tax.tax_rate, default_tax.tax_rate, 0) as tax_rate
    from charged
    left join tax_rates as account_tax
        on charged.account_key = account_tax.account_number
    left join tax_rates as default_tax
        on default_tax.account_number = '*'

),

final as (

    select
        {%- for column in enriched_call_columns() %}
        priced.{{ column }},
        {%- endfor %}
        priced.rate_deck_id,
        priced.rated_prefix,
        priced.rated_destination,
        priced.rate_applied,
        priced.rate_type,
        priced.rated_duration_s,
        priced.connect_fee,
        {{ micros_to_money('priced.charge_micros') }} as charge_amount,
        priced.tax_rate,
        {{ micros_to_money(percent_of_micros('priced.charge_micros', 'priced.tax_rate')) }} as tax_amount,
        priced.currency,
        -- Our charge less what the vendor charged, converted to the deck's currency (rounded to 6 places).
        {{ micros_to_money('priced.charge_micros') }}
        - cast(round(priced.vendor_charge * vendor_fx.usd_per_unit / deck_fx.usd_per_unit, 6) as decimal(18, 6))
            as margin,
        priced.rating_status,
        priced.rerate_deck_run_id,
        priced.rerate_duration_run_id
    from priced
    left join fx_intervals as vendor_fx
        on priced.vendor_currency = vendor_fx.currency
        and priced.call_date >= vendor_fx.valid_from
        and (vendor_fx.valid_to is null or priced.call_date < vendor_fx.valid_to)
    left join fx_intervals as deck_fx
        on priced.currency = deck_fx.currency
        and priced.call_date >= deck_fx.valid_from
        and (deck_fx.valid_to is null or priced.call_date < deck_fx.valid_to)

)

select * from final
