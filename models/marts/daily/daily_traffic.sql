-- depends_on: {{ ref('int_daily__days_to_refresh') }}
with

calls as (

    select * from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

),

daily as (

    select
        call_date,
        source_vendor,
        direction,
        account_number,
        called_country,
        billing_class,
        max(vendor_currency) as vendor_currency,
        max(currency) as currency,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when call_status = 'answered' then 1 else 0 end) as {{ dbt.type_bigint() }}) as answered_calls,
        cast(sum(case when call_status = 'busy' then 1 else 0 end) as {{ dbt.type_bigint() }}) as busy_calls,
        cast(sum(case when call_status = 'no_answer' then 1 else 0 end) as {{ dbt.type_bigint() }}) as no_answer_calls,
        cast(sum(case when call_status = 'failed' then 1 else 0 end) as {{ dbt.type_bigint() }}) as failed_calls,
        cast(sum(case when call_status = 'answered' then duration_s else 0 end) as {{ dbt.type_bigint() }})
            as answered_duration_s,
        cast(sum(duration_s) as {{ dbt.type_bigint() }}) as total_duration_s,
        cast(sum(coalesce(billable_duration_s, 0)) as {{ dbt.type_bigint() }}) as billed_duration_s,
        sum(vendor_charge) as vendor_charge,
        sum(charge_amount) as charge_amount,
        sum(tax_amount) as tax_amount,
        sum(margin) as margin,
        avg(mos) as avg_mos,
        avg(pdd_ms) as avg_pdd_ms,
        cast(count(distinct called_number) as {{ dbt.type_bigint() }}) as distinct_called_numbers
    from calls
    group by call_date, source_vendor, direction, account_number, called_country, billing_class

),

final as (

    select
        call_date,
        source_vendor,
        direction,
        account_number,
        called_country,
        billing_class,
        vendor_currency,
        currency,
        calls,
        answered_calls,
        busy_calls,
        no_answer_calls,
        failed_calls,
        {{ kpi_asr_pct('answered_calls', 'calls') }} as asr_pct,
        {{ kpi_ner_pct('answered_calls', 'busy_calls', 'no_answer_calls', 'calls') }} as ner_pct,
        {{ kpi_acd_s('answered_duration_s', 'answered_calls') }} as acd_s,
        round(avg_pdd_ms, 0) as avg_pdd_ms,
        answered_duration_s,
        total_duration_s,
        billed_duration_s,
        {{ kpi_minutes("billed_duration_s") }} as billed_minutes,
        vendor_charge,
        charge_amount,
        tax_amount,
        margin,
        avg_mos,
        distinct_called_numbers
    from daily

)

select * from final
