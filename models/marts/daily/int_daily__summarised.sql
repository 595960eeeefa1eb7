-- depends_on: {{ ref('int_daily__days_to_refresh') }}
-- Kept with the daily models (same incremental config); stored in intermediate, it is bookkeeping.
{{ config(schema='intermediate') }}

-- Built after every daily summary, so it records the days they were just rebuilt from:
-- depends_on: {{ ref('daily_traffic') }}
-- depends_on: {{ ref('daily_vendor_summary') }}
-- depends_on: {{ ref('daily_destination') }}
-- depends_on: {{ ref('daily_quality') }}
-- depends_on: {{ ref('fraud_alerts') }}

with

fingerprints as (

    select * from {{ ref('int_daily__fingerprints') }}

),

final as (

    select
        call_date,
        calls,
        fingerprint,
        {{ dbt.current_timestamp() }} as summarised_at
    from fingerprints
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

)

select * from final
