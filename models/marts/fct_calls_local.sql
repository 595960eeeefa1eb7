{{ config(materialized='view', meta={'call_days_column': 'call_date'}) }}

{#- Stored times stay UTC; this view shows them on the reporting time zone's clock (var reporting_time_zone).
    Its data tests check the days fct_calls rebuilt (macros/tests_on_rebuilt_days.sql). -#}
{%- set tz = "'" ~ var('reporting_time_zone') ~ "'" -%}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

final as (

    select
        cdr_id,
        {{ tz }} as reporting_time_zone,
        {{ utc_to_local('start_time', tz) }} as start_time_local,
        {{ utc_to_local('answer_time', tz) }} as answer_time_local,
        {{ utc_to_local('end_time', tz) }} as end_time_local,
        cast({{ utc_to_local('start_time', tz) }} as date) as local_date,
        extract(hour from {{ utc_to_local('start_time', tz) }}) as local_hour,
        start_time,
        call_date,
        source_vendor,
        direction,
        call_type,
        call_status,
        account_number,
        calling_number,
        called_number,
        called_country,
        destination_name,
        billing_class,
        duration_s,
        billable_duration_s,
        vendor_currency,
        vendor_charge,
        currency,
        charge_amount,
        margin,
        quality_score,
        fraud_score
    from calls

)

select * from final
