{{ config(meta={'dagster': {'ref': {'name': 'daily_vendor_summary'}}}) }}

-- Every UTC day and vendor of daily_vendor_summary holds exactly the calls and money of fct_calls.
with

facts as (

    select
        call_date,
        source_vendor,
        count(*) as num_calls,
        sum(vendor_charge) as total_cost,
        sum(coalesce(vendor_fees, 0)) as fees
    from {{ ref('fct_calls') }}
    group by call_date, source_vendor

),

summary as (

    -- Summed per day and vendor, so a duplicated summary row shows up as a difference.
    select
        call_date,
        source_vendor,
        sum(num_calls) as num_calls,
        sum(total_cost) as total_cost,
        sum(connect_fees + usf_fees + ccrf + cnam_lookup_fees) as fees
    from {{ ref('daily_vendor_summary') }}
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
    facts.num_calls is distinct from summary.num_calls
    or facts.total_cost is distinct from summary.total_cost
    or facts.fees is distinct from summary.fees
