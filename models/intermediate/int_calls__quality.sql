{{ call_days_config('changed') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

-- Call quality by the simplified ITU-T G.107 E-model (macros/quality.sql): one row per call. fct_calls computes
-- the same columns on its own rows by the same steps (call_quality_ctes). A table, not a view: its data tests
-- would compute the model again each (50 s of tests at 10M against an 11 s build).
with

calls as (

    select
        cdr_id,
        call_date,
        call_status,
        codec,
        mos,
        latency_ms,
        jitter_ms,
        packet_loss_pct
    from {{ ref('int_calls__enriched') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('changed') }}
    {%- endif %}

),

{{ call_quality_ctes('calls') }},

final as (

    select
        cdr_id,
        call_date,
        codec_ie,
        network_r_factor,
        mos_r_factor,
        r_factor,
        mos_estimated,
        quality_score,
        customer_experience,
        quality_source
    from calls_with_quality

)

select * from final
