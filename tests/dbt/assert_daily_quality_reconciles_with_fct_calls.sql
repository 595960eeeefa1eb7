{{ config(meta={'dagster': {'ref': {'name': 'daily_quality'}}}) }}

-- Every UTC day and vendor of daily_quality holds exactly the calls, answered calls and scored calls of fct_calls.
with

facts as (

    select
        call_date,
        source_vendor,
        count(*) as calls,
        sum(case when call_status = 'answered' then 1 else 0 end) as answered_calls,
        sum(case when call_status = 'answered' and quality_score is not null then 1 else 0 end) as measured_calls
    from {{ ref('fct_calls') }}
    group by call_date, source_vendor

),

summary as (

    select
        call_date,
        source_vendor,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(measured_calls) as measured_calls
    from {{ ref('daily_quality') }}
    group by call_date, source_vendor

)

select
    facts.*,
    summary.*
from facts
full outer join summary
    on
        facts.call_date = summary.call_date
        and facts.source_vendor = summary.source_vendor
where
    facts.calls is distinct from summary.calls
    or facts.answered_calls is distinct from summary.answered_calls
    or facts.measured_calls is distinct from summary.measured_calls
