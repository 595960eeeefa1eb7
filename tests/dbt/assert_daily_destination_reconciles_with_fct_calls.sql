{{ config(meta={'dagster': {'ref': {'name': 'daily_destination'}}}) }}

-- Every UTC day and rating currency of daily_destination holds exactly the calls, seconds and money of fct_calls.
with

facts as (

    select
        call_date,
        coalesce(currency, '') as currency,
        count(*) as calls,
        sum(case when call_status = 'answered' then duration_s else 0 end) as answered_duration_s,
        sum(charge_amount) as charge_amount,
        sum(margin) as margin
    from {{ ref('fct_calls') }}
    group by call_date, coalesce(currency, '')

),

summary as (

    select
        call_date,
        coalesce(currency, '') as currency,
        sum(calls) as calls,
        sum(answered_duration_s) as answered_duration_s,
        sum(charge_amount) as charge_amount,
        sum(margin) as margin
    from {{ ref('daily_destination') }}
    group by call_date, coalesce(currency, '')

)

select
    facts.*,
    summary.*
from facts
full outer join summary
    on
        facts.call_date = summary.call_date
        and facts.currency = summary.currency
where
    facts.calls is distinct from summary.calls
    or facts.answered_duration_s is distinct from summary.answered_duration_s
    or facts.charge_amount is distinct from summary.charge_amount
    or facts.margin is distinct from summary.margin
