{{ config(meta={'dagster': {'ref': {'name': 'daily_traffic'}}}) }}

-- Every UTC day and vendor of daily_traffic holds exactly the calls, seconds and money of fct_calls.
with

facts as (

    select
        call_date,
        source_vendor,
        count(*) as calls,
        sum(duration_s) as total_duration_s,
        sum(coalesce(billable_duration_s, 0)) as billed_duration_s,
        sum(vendor_charge) as vendor_charge,
        sum(charge_amount) as charge_amount
    from {{ ref('fct_calls') }}
    group by call_date, source_vendor

),

summary as (

    select
        call_date,
        source_vendor,
        sum(calls) as calls,
        sum(total_duration_s) as total_duration_s,
        sum(billed_duration_s) as billed_duration_s,
        sum(vendor_charge) as vendor_charge,
        sum(charge_amount) as charge_amount
    from {{ ref('daily_traffic') }}
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
    or facts.total_duration_s is distinct from summary.total_duration_s
    or facts.billed_duration_s is distinct from summary.billed_duration_s
    or facts.vendor_charge is distinct from summary.vendor_charge
    or facts.charge_amount is distinct from summary.charge_amount
