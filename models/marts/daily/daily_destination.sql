-- depends_on: {{ ref('int_daily__days_to_refresh') }}
with

calls as (

    select * from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

),

daily as (

    -- Money is summed per rating currency (the deck's), never across currencies; the vendor's cost
    -- is taken in that currency too (our charge less the margin, which converted it).
    select
        call_date,
        called_country,
        destination_name,
        currency,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when call_status = 'answered' then 1 else 0 end) as {{ dbt.type_bigint() }}) as answered_calls,
        cast(sum(case when call_status = 'busy' then 1 else 0 end) as {{ dbt.type_bigint() }}) as busy_calls,
        cast(sum(case when call_status = 'no_answer' then 1 else 0 end) as {{ dbt.type_bigint() }}) as no_answer_calls,
        cast(sum(case when call_status = 'answered' then duration_s else 0 end) as {{ dbt.type_bigint() }})
            as answered_duration_s,
        cast(sum(coalesce(rated_duration_s, 0)) as {{ dbt.type_bigint() }}) as rated_duration_s,
        cast(count(distinct source_vendor) as {{ dbt.type_bigint() }}) as vendors,
        sum(charge_amount) as charge_amount,
        sum(charge_amount - margin) as vendor_cost,
        sum(margin) as margin,
        cast(sum(case when margin < 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as negative_margin_calls
    from calls
    group by call_date, called_country, destination_name, currency

),

final as (

    select
        call_date,
        called_country,
        destination_name,
        currency,
        calls,
        answered_calls,
        {{ kpi_asr_pct('answered_calls', 'calls') }} as asr_pct,
        {{ kpi_ner_pct('answered_calls', 'busy_calls', 'no_answer_calls', 'calls') }} as ner_pct,
        {{ kpi_acd_s('answered_duration_s', 'answered_calls') }} as acd_s,
        answered_duration_s,
        round({{ kpi_minutes("answered_duration_s") }}, 2) as connected_minutes,
        round({{ kpi_minutes("rated_duration_s") }}, 2) as rated_minutes,
        vendors,
        charge_amount,
        vendor_cost,
        margin,
        round(100.0 * margin / nullif(charge_amount, 0), 2) as margin_pct,
        negative_margin_calls
    from daily

)

select * from final
