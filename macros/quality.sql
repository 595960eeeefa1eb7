{#-
    Call quality: the simplified ITU-T G.107 E-model used by VoIP monitors (Cole & Rosenbluth, "Voice over IP
    performance monitoring", ACM SIGCOMM CCR 31(2), 2001). Every number here is defined once.

        effective_latency = latency_ms + 2 x jitter_ms + 10          (jitter buffer ~ 2 x jitter, 10 ms codec delay)
        Id = effective_latency / 40            when effective_latency < 160
           = (effective_latency - 120) / 10    otherwise             (continuous: both give 4 at 160)
        R  = 93.2 - Id - Ie(codec) - 2.5 x packet_loss_pct, clamped to 0..100
        MOS(R) = 1 for R < 0, 4.5 for R > 100, else 1 + 0.035 R + 7e-6 R (R - 60) (100 - R)   (G.107 Annex B)

    Ie is the codec's equipment impairment factor (ITU-T G.113 Appendix I; seeds/codec_impairments.csv).
    MOS(R) is read as at least 1: the G.107 cubic dips to 0.989 around R = 3.2 (it is below 1 for 0 < R < 6.5).
    The models call these macros with plain column names (each argument appears several times in the SQL).
-#}

{#- R from the network figures the vendor measured (missing ones passed as 0 by the caller). -#}
{% macro r_factor_from_network(latency_ms, jitter_ms, packet_loss_pct, codec_ie) -%}
    greatest(0.0, least(100.0,
        93.2
        - case
            when ({{ latency_ms }} + 2 * {{ jitter_ms }} + 10) < 160
                then ({{ latency_ms }} + 2 * {{ jitter_ms }} + 10) / 40.0
            else ({{ latency_ms }} + 2 * {{ jitter_ms }} + 10 - 120) / 10.0
        end
        - {{ codec_ie }}
        - 2.5 * {{ packet_loss_pct }}
    ))
{%- endmacro %}

{#- The MOS of the G.107 Annex B formula at a rating R, as a Jinja number (for the knots below). -#}
{% macro mos_at_r_factor(r) -%}
    {%- if r < 0 -%}
        {{ return(1.0) }}
    {%- elif r > 100 -%}
        {{ return(4.5) }}
    {%- else -%}
        {{ return(1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r)) }}
    {%- endif -%}
{%- endmacro %}

{#- MOS (1..4.5) from R (null stays null). -#}
{% macro mos_from_r_factor(r) -%}
    case
        when {{ r }} is null then null
        when {{ r }} < 0 then 1.0
        when {{ r }} > 100 then 4.5
        else greatest(1.0, 1 + 0.035 * {{ r }} + 0.000007 * {{ r }} * ({{ r }} - 60) * (100 - {{ r }}))
    end
{%- endmacro %}

{#-
    R (0..100) from a vendor MOS: the inverse of MOS(R), by linear interpolation between the exact MOS(R) at
    R = 0, 10, ..., 100 (exact at these knots, so the band edges R = 70, 80, 90 map exactly to MOS 3.597,
    4.024, 4.339). Measured error against the exact inverse (R sampled every 0.001): at most 1.36 R points
    (90..100, worst near R = 95), 0.53 in 80..90, 0.27 in 70..80, 0.13 in 60..70, under 0.93 in 10..60.
    Below R = 10 MOS(R) is not monotone (MOS 1.0 is both R = 0 and R = 6.5), so any R there is a guess.
    MOS <= 1 gives 0, MOS >= 4.5 gives 100.
-#}
{% macro r_factor_from_mos(mos) -%}
    {%- set knots = [] -%}
    {%- for r in range(0, 101, 10) -%}
        {%- do knots.append((r, mos_at_r_factor(r))) -%}
    {%- endfor -%}
    case
        when {{ mos }} is null then null
        when {{ mos }} <= {{ '%.6f' % knots[0][1] }} then 0.0
        {%- for i in range(1, knots | length) %}
        when {{ mos }} < {{ '%.6f' % knots[i][1] }}
            then {{ knots[i - 1][0] }} + ({{ mos }} - {{ '%.6f' % knots[i - 1][1] }}) * {{ knots[i][0] - knots[i - 1][0] }}
                / {{ '%.6f' % (knots[i][1] - knots[i - 1][1]) }}
        {%- endfor %}
        else 100.0
    end
{%- endmacro %}

{#- Customer experience from R (G.107 Table B.1 user satisfaction); null stays null. -#}
{% macro experience_band(r) -%}
    case
        when {{ r }} is null then null
        when {{ r }} >= 90 then 'excellent'
        when {{ r }} >= 80 then 'good'
        when {{ r }} >= 70 then 'fair'
        else 'poor'
    end
{%- endmacro %}

{#- The codec as a lookup key: lower-case letters and digits only, any '/clock-rate' dropped ('G.711' -> 'g711',
    'AMR-WB' -> 'amrwb', 'PCMU/8000' -> 'pcmu'). -#}
{% macro codec_key(codec) -%}
    nullif({{ regexp_replace_all(regexp_replace_all('lower(trim(' ~ codec ~ '))', '/.*$', ''), '[^a-z0-9]', '') }}, '')
{%- endmacro %}

{#- The E-model steps of int_calls__quality as CTEs over the calls in `calls` (a CTE or relation with cdr_id,
    call_status, codec, mos, latency_ms, jitter_ms and packet_loss_pct), ending in the CTE `calls_with_quality`:
    every column of `calls` plus codec_ie, network_r_factor, mos_r_factor, r_factor, mos_estimated,
    quality_score, customer_experience and quality_source. Each step passes the call's columns through, so
    fct_calls computes quality on its one wide row per call instead of joining a second 10M-row table. -#}
{% macro call_quality_ctes(calls) -%}
quality_codecs as (

    select * from {{ ref('codec_impairments') }}

),

quality_measured as (

    -- Only answered calls carried media. A MOS outside 1..5 is no measurement (the field rules flag it).
    select
        {{ calls }}.*,
        coalesce(quality_codecs.ie, 0) as codec_ie,
        {{ calls }}.call_status = 'answered' and (
            {{ calls }}.latency_ms is not null
            or {{ calls }}.jitter_ms is not null
            or {{ calls }}.packet_loss_pct is not null
        ) as has_network,
        case
            when {{ calls }}.call_status = 'answered' and {{ calls }}.mos between 1 and 5
                then cast({{ calls }}.mos as double)
        end as vendor_mos,
        cast(coalesce({{ calls }}.latency_ms, 0) as double) as measured_latency_ms,
        cast(coalesce({{ calls }}.jitter_ms, 0) as double) as measured_jitter_ms,
        cast(coalesce({{ calls }}.packet_loss_pct, 0) as double) as measured_packet_loss_pct
    from {{ calls }}
    left join quality_codecs
        on {{ codec_key(calls ~ '.codec') }} = quality_codecs.codec_key

),

quality_r_factors as (

    select
        quality_measured.*,
        case
            when quality_measured.has_network then {{ r_factor_from_network(
                'quality_measured.measured_latency_ms',
                'quality_measured.measured_jitter_ms',
                'quality_measured.measured_packet_loss_pct',
                'quality_measured.codec_ie'
            ) }}
        end as raw_network_r_factor,
        {{ r_factor_from_mos('quality_measured.vendor_mos') }} as raw_mos_r_factor
    from quality_measured

),

quality_chosen as (

    -- Network and MOS both given: the lower (more pessimistic) R; a tie counts as network.
    select
        quality_r_factors.*,
        case
            when quality_r_factors.raw_network_r_factor is not null
                and (
                    quality_r_factors.raw_mos_r_factor is null
                    or quality_r_factors.raw_network_r_factor <= quality_r_factors.raw_mos_r_factor
                )
                then 'network'
            when quality_r_factors.raw_mos_r_factor is not null then 'mos'
        end as quality_source
    from quality_r_factors

),

quality_scored as (

    -- R to 4 decimals (dropping float noise such as 89.99999999999999 for an exact 90).
    select
        quality_chosen.*,
        cast(round(quality_chosen.raw_network_r_factor, 4) as decimal(7, 4)) as network_r_factor,
        cast(round(quality_chosen.raw_mos_r_factor, 4) as decimal(7, 4)) as mos_r_factor,
        cast(round(
            case quality_chosen.quality_source
                when 'network' then quality_chosen.raw_network_r_factor
                when 'mos' then quality_chosen.raw_mos_r_factor
            end, 4
        ) as decimal(7, 4)) as r_factor
    from quality_chosen

),

calls_with_quality as (

    -- The score rounds the decimal R half up; the band is read from the score as shown (90.0 is excellent).
    select
        quality_scored.*,
        cast(round({{ mos_from_r_factor('cast(quality_scored.r_factor as double)') }}, 2) as decimal(3, 2))
            as mos_estimated,
        cast(round(quality_scored.r_factor, 1) as decimal(4, 1)) as quality_score,
        {{ experience_band('round(quality_scored.r_factor, 1)') }} as customer_experience
    from quality_scored

)
{%- endmacro %}
