-- depends_on: {{ ref('int_daily__days_to_refresh') }}
with

calls as (

    select * from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

),

media_legs as (

    -- The trunk that carried the media leg the vendor measured: the terminating one, else the originating one.
    select
        call_date,
        source_vendor,
        coalesce(terminating_trunk, originating_trunk) as trunk,
        codec,
        call_status = 'answered' as is_answered,
        call_status = 'answered' and quality_score is not null as is_measured,
        case when call_status = 'answered' then mos end as mos,
        case when call_status = 'answered' then jitter_ms end as jitter_ms,
        case when call_status = 'answered' then packet_loss_pct end as packet_loss_pct,
        case when call_status = 'answered' then latency_ms end as latency_ms,
        case when call_status = 'answered' then quality_score end as quality_score,
        case when call_status = 'answered' then customer_experience end as customer_experience
    from calls

),

daily as (

    select
        call_date,
        source_vendor,
        trunk,
        codec,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when is_answered then 1 else 0 end) as {{ dbt.type_bigint() }}) as answered_calls,
        cast(sum(case when is_measured then 1 else 0 end) as {{ dbt.type_bigint() }}) as measured_calls,
        avg(mos) as avg_mos,
        avg(quality_score) as avg_quality_score,
        min(quality_score) as min_quality_score,
        avg(jitter_ms) as avg_jitter_ms,
        avg(packet_loss_pct) as avg_packet_loss_pct,
        avg(latency_ms) as avg_latency_ms,
        cast(sum(case when customer_experience = 'excellent' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as excellent_calls,
        cast(sum(case when customer_experience = 'good' then 1 else 0 end) as {{ dbt.type_bigint() }}) as good_calls,
        cast(sum(case when customer_experience = 'fair' then 1 else 0 end) as {{ dbt.type_bigint() }}) as fair_calls,
        cast(sum(case when customer_experience = 'poor' then 1 else 0 end) as {{ dbt.type_bigint() }}) as poor_calls
    from media_legs
    group by call_date, source_vendor, trunk, codec

),

final as (

    select
        call_date,
        source_vendor,
        trunk,
        codec,
        calls,
        answered_calls,
        measured_calls,
        round(avg_mos, 2) as avg_mos,
        round(avg_quality_score, 1) as avg_quality_score,
        min_quality_score,
        round(avg_jitter_ms, 2) as avg_jitter_ms,
        round(avg_packet_loss_pct, 2) as avg_packet_loss_pct,
        round(avg_latency_ms, 2) as avg_latency_ms,
        excellent_calls,
        good_calls,
        fair_calls,
        poor_calls,
        round(100.0 * poor_calls / nullif(measured_calls, 0), 2) as poor_call_pct
    from daily

)

select * from final
