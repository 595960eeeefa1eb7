with

calls as (

    select * from {{ ref('int_calls__enriched') }}

),

plans as (

    select * from {{ ref('int_rates__plans') }}

),

decks as (

    select * from {{ ref('int_rates__decks') }}

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

prefix_lengths as (

    {%- for length in range(1, 16) %}
    select {{ length }} as prefix_length{% if not loop.last %} union all{% endif %}
    {%- endfor %}

),

plan_matches as (

    select
        calls.cdr_id,
        plans.deck_id,
        row_number() over (
            partition by calls.cdr_id
            order by
                case when plans.account_number = calls.account_number then 2 else 0 end
                + case when plans.direction = calls.direction then 1 else 0 end desc,
                plans.effective_from desc,
                plans.source_priority desc
        ) as plan_rank
    from calls
    inner join plans
        on (plans.account_number = calls.account_number or plans.account_number = '*')
        and (plans.direction = calls.direction or plans.direction = '*')
        and plans.effective_from <= calls.start_time

),

banded as (

    -- The call's time band by its start (decks are in UTC): holiday, weekend, else the weekday band.
    select
        calls.cdr_id,
        calls.called_number,
        calls.called_number_is_e164,
        calls.start_time,
        plan_matches.deck_id,
        coalesce(timings.band, 'flat') as band
    from calls
    left join plan_matches
        on calls.cdr_id = plan_matches.cdr_id
        and plan_matches.plan_rank = 1
    left join holidays
        on cast(calls.start_time as date) = holidays.holiday_date
    left join timings
        on timings.day_type = case
            when holidays.holiday_date is not null then 'holiday'
            when {{ iso_day_of_week('calls.start_time') }} in (6, 7) then 'weekend'
            else 'weekday'
        end
        and extract(hour from calls.start_time) * 3600 + extract(minute from calls.start_time) * 60
        + floor(extract(second from calls.start_time)) >= timings.starts_at_second
        and extract(hour from calls.start_time) * 3600 + extract(minute from calls.start_time) * 60
        + floor(extract(second from calls.start_time)) < timings.ends_at_second

),

rate_matches as (

    -- Longest-prefix match as an equi-join on the called number's generated prefixes (never LIKE),
    -- among the deck's rates in effect at the start. Within a prefix: the band's own rate, else the
    -- usual fallbacks (holiday -> weekend -> off_peak), else the flat rate.
    select
        banded.cdr_id,
        decks.deck_id,
        decks.prefix,
        decks.destination,
        decks.rate_per_minute,
        decks.currency,
        decks.first_increment,
        decks.subsequent_increment,
        decks.connect_fee,
        decks.rate_type,
        row_number() over (
            partition by banded.cdr_id
            order by
                prefix_lengths.prefix_length desc,
                case
                    when decks.rate_type = banded.band then 0
                    when decks.rate_type = 'weekend' and banded.band = 'holiday' then 1
                    when decks.rate_type = 'off_peak' and banded.band in ('holiday', 'weekend') then 2
                    else 3
                end
        ) as match_rank
    from banded
    cross join prefix_lengths
    inner join decks
        on banded.deck_id = decks.deck_id
        and decks.prefix = substr(banded.called_number, 2, prefix_lengths.prefix_length)
        and decks.effective_from <= banded.start_time
        and (decks.effective_to is null or banded.start_time < decks.effective_to)
    where banded.called_number_is_e164
        and prefix_lengths.prefix_length <= length(banded.called_number) - 1
        and (
            decks.rate_type = banded.band
            or decks.rate_type = 'flat'
            or (decks.rate_type = 'weekend' and banded.band = 'holiday')
            or (decks.rate_type = 'off_peak' and banded.band in ('holiday', 'weekend'))
        )

),

matched as (

    select
        banded.cdr_id,
        banded.deck_id as planned_deck_id,
        rate_matches.deck_id as rate_deck_id,
        rate_matches.prefix as rated_prefix,
        rate_matches.destination as rated_destination,
        rate_matches.rate_per_minute as rate_applied,
        rate_matches.rate_type,
        rate_matches.currency,
        rate_matches.first_increment,
        rate_matches.subsequent_increment,
        case when calls.call_status = 'answered' then rate_matches.connect_fee else 0 end as connect_fee,
        case
            when banded.deck_id is null then 'unrated_no_plan'
            when not banded.called_number_is_e164 then 'unrated_no_number'
            when rate_matches.deck_id is null then 'unrated_no_rate'
            else 'rated'
        end as rating_status,
        calls.call_status,
        calls.duration_s,
        calls.account_number,
        calls.call_date,
        calls.vendor_charge,
        calls.vendor_currency
    from banded
    inner join calls
        on banded.cdr_id = calls.cdr_id
    left join rate_matches
        on banded.cdr_id = rate_matches.cdr_id
        and rate_matches.match_rank = 1

),

tax_rates as (

    select trim(account_number) as account_number, cast(tax_rate as decimal(12, 4)) as tax_rate
    from {{ ref('account_tax_rates') }}

),

fx_rates as (

    select upper(currency) as currency, cast(usd_per_unit as decimal(18, 6)) as usd_per_unit,
        cast(valid_from as date) as valid_from
    from {{ ref('fx_rates') }}

),

charged as (

    select
        matched.*,
        {{ rated_duration('duration_s', 'first_increment', 'subsequent_increment', "call_status = 'answered'") }}
            as rated_duration_s
    from matched

),

priced as (

    select
        charged.*,
        case
            when rating_status = 'rated'
                then {{ charge_micros('rate_applied', 'rated_duration_s', 'connect_fee') }}
        end as charge_micros,
        coalesce(account_tax.tax_rate, default_tax.tax_rate, 0) as tax_rate
    from charged
    left join tax_rates as account_tax
        on charged.account_number = account_tax.account_number
    left join tax_rates as default_tax
        on default_tax.account_number = '*'

),

vendor_fx as (

    -- The rate of each currency on the call's day: the latest one valid from on or before it.
    select
        priced.cdr_id,
        max(case when fx_rates.currency = priced.vendor_currency then fx_rates.valid_from end) as vendor_fx_from,
        max(case when fx_rates.currency = priced.currency then fx_rates.valid_from end) as deck_fx_from
    from priced
    inner join fx_rates
        on fx_rates.currency in (priced.vendor_currency, priced.currency)
        and fx_rates.valid_from <= priced.call_date
    group by priced.cdr_id

),

final as (

    select
        priced.cdr_id,
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
        - cast(round(priced.vendor_charge * vendor_rate.usd_per_unit / deck_rate.usd_per_unit, 6) as decimal(18, 6))
            as margin,
        priced.rating_status
    from priced
    left join vendor_fx
        on priced.cdr_id = vendor_fx.cdr_id
    left join fx_rates as vendor_rate
        on vendor_rate.currency = priced.vendor_currency
        and vendor_rate.valid_from = vendor_fx.vendor_fx_from
    left join fx_rates as deck_rate
        on deck_rate.currency = priced.currency
        and deck_rate.valid_from = vendor_fx.deck_fx_from

)

select * from final
