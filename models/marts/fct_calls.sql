{{ call_days_config('affected') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

enriched as (

    select * from {{ ref('int_calls__enriched') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

),

rated as (

    select * from {{ ref('int_calls__rated') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

),

quality as (

    select * from {{ ref('int_calls__quality') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

),

fraud as (

    select * from {{ ref('int_calls__fraud') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

),

final as (

    select
        -- identity and lineage
        enriched.cdr_id,
        source_vendor,
        source_format,
        source_file,
        source_file_id,
        source_line,
        call_id,
        session_id,
        -- classification
        call_type,
        direction,
        call_status,
        vendor_status,
        -- parties
        calling_number,
        called_number,
        calling_number_is_e164,
        called_number_is_e164,
        original_called_number,
        final_called_number,
        calling_name,
        called_name,
        imsi,
        imei,
        calling_country,
        called_country,
        destination_name,
        -- account
        account_number,
        customer_code,
        cost_center,
        project_code,
        number_alias,
        tags,
        -- timing (UTC)
        start_time,
        answer_time,
        end_time,
        enriched.call_date,
        duration_s,
        billable_duration_s,
        ring_duration_s,
        hold_duration_s,
        pdd_ms,
        -- network
        originating_switch,
        terminating_switch,
        originating_trunk,
        terminating_trunk,
        routing_number,
        caller_ip,
        roaming_indicator,
        international_call,
        billing_class,
        -- quality (int_calls__quality: ITU-T G.107 E-model)
        codec,
        mos,
        jitter_ms,
        packet_loss_pct,
        latency_ms,
        rtp_packets_sent,
        rtp_packets_received,
        quality.quality_score,
        quality.customer_experience,
        -- protocol
        protocol,
        sip_response_code,
        release_cause,
        q850_cause,
        hangup_source,
        -- vendor billing, as charged
        vendor_currency,
        vendor_rate_per_min,
        vendor_charge,
        vendor_fees,
        vendor_subtotal,
        vendor_connect_fee,
        vendor_usf_fee,
        vendor_ccrf,
        vendor_cnam_fee,
        -- our rating (int_calls__rated, DESIGN §7)
        rated.rate_deck_id,
        rated.rated_prefix,
        rated.rate_applied,
        rated.rate_type,
        rated.rated_duration_s,
        rated.connect_fee,
        rated.charge_amount,
        rated.tax_rate,
        rated.tax_amount,
        rated.currency,
        rated.margin,
        rated.rating_status,
        rated.rerate_deck_run_id,
        rated.rerate_duration_run_id,
        -- fraud (int_calls__fraud)
        fraud.fraud_score,
        fraud.fraud_indicators
    from enriched
    left join rated
        on enriched.cdr_id = rated.cdr_id
    left join quality
        on enriched.cdr_id = quality.cdr_id
    left join fraud
        on enriched.cdr_id = fraud.cdr_id

)

select * from final
