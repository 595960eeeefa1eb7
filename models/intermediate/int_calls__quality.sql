{{ call_days_config('changed') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

-- Call quality by the simplified ITU-T G.107 E-model (macros/quality.sql): one row per call.
with

calls as (

    select * from {{ ref('int_calls__enriched') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('changed') }}
    {%- endif %}

),

codec_impairments as (

    select * from {{ ref('codec_impairments') }}

),

measured as (

    -- Only answered calls carried media. A MOS outside 1..5 is no measurement (the field rules flag it).
    select
        calls.cdr_id,
        calls.call_date,
        calls.codec,
        coalesce(codec_impairments.ie, 0) as codec_ie,
        calls.call_status = 'answered' and (
            calls.latency_ms is not null
            or calls.jitter_ms is not null
            or calls.packet_loss_pct is not null
        ) as has_network,
        case
            when calls.call_status = 'answered' and calls.mos between 1 and 5 then cast(calls.mos as double)
        end as vendor_mos,
        cast(coalesce(calls.latency_ms, 0) as double) as latency_ms,
        cast(coalesce(calls.jitter_ms, 0) as double) as jitter_ms,
        cast(coalesce(calls.packet_loss_pct, 0) as double) as packet_loss_pct
    from calls
    left join codec_impairments
        on {{ codec_key('calls.codec') }} = codec_impairments.codec_key

),

rated as (

    select
        cdr_id,
        call_date,
        codec_ie,
        case
            when has_network
                then {{ r_factor_from_network('latency_ms', 'jitter_ms', 'packet_loss_pct', 'codec_ie') }}
        end as network_r_factor,
        {{ r_factor_from_mos('vendor_mos') }} as mos_r_factor
    from measured

),

chosen as (

    -- Network and MOS both given: the lower (more pessimistic) R; a tie counts as network.
    select
        cdr_id,
        call_date,
        codec_ie,
        network_r_factor,
        mos_r_factor,
        case
            when network_r_factor is not null and (mos_r_factor is null or network_r_factor <= mos_r_factor)
                then 'network'
            when mos_r_factor is not null then 'mos'
        end as quality_source
    from rated

),

scored as (

    -- R to 4 decimals (dropping float noise such as 89.99999999999999 for an exact 90).
    select
        cdr_id,
        call_date,
        codec_ie,
        quality_source,
        cast(round(network_r_factor, 4) as decimal(7, 4)) as network_r_factor,
        cast(round(mos_r_factor, 4) as decimal(7, 4)) as mos_r_factor,
        cast(round(
            case quality_source
                when 'network' then network_r_factor
                when 'mos' then mos_r_factor
            end, 4
        ) as decimal(7, 4)) as r_factor
    from chosen

),

final as (

    -- The score rounds the decimal R half up; the band is read from the score as shown (90.0 is excellent).
    select
        cdr_id,
        call_date,
        codec_ie,
        network_r_factor,
        mos_r_factor,
        r_factor,
        cast(round({{ mos_from_r_factor('cast(r_factor as double)') }}, 2) as decimal(3, 2)) as mos_estimated,
        cast(round(r_factor, 1) as decimal(4, 1)) as quality_score,
        {{ experience_band('round(r_factor, 1)') }} as customer_experience,
        quality_source
    from scored

)

select * from final
