{{ config(materialized='view') }}

-- Call quality by the simplified ITU-T G.107 E-model (macros/quality.sql): one row per call. A view: fct_calls
-- computes the same columns on its own rows with the same steps (call_quality_ctes), so nothing is stored twice.
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
