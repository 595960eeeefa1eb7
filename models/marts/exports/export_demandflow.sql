{{ export_config() }}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

-- callStatus ids: status_map_demandflow is one id per canonical status, so it reverses exactly.
status_map as (

    select * from {{ ref('status_map_demandflow') }}

),

enums as (

    select * from {{ ref('demandflow_enums') }}

),

call_types as (

    select
        enum_id,
        enum_value
    from enums
    where enum_name = 'call_type'

),

directions as (

    select
        enum_id,
        enum_value
    from enums
    where enum_name = 'direction'

),

codecs as (

    select
        enum_id,
        {{ demandflow_codec_key('enum_value') }} as codec_family
    from enums
    where enum_name = 'codec'

),

protocols as (

    select
        enum_id,
        enum_value
    from enums
    where enum_name = 'protocol'

),

billing_classes as (

    select
        enum_id,
        enum_value
    from enums
    where enum_name = 'billing_class'

),

experiences as (

    select
        enum_id,
        enum_value
    from enums
    where enum_name = 'customer_experience'

),

final as (

    select
        calls.cdr_id as _cdr_id,
        calls.start_time as _start_time,
        -- name: DemandFlow's unique identifier of the CDR; the canonical CDR's is cdr_id.
        calls.cdr_id as {{ export_field('name') }},
        calls.call_id as {{ export_field('callId') }},
        calls.session_id as {{ export_field('sessionId') }},
        cast(call_types.enum_id as {{ dbt.type_string() }}) as {{ export_field('callType') }},
        cast(directions.enum_id as {{ dbt.type_string() }}) as {{ export_field('direction') }},
        cast(status_map.vendor_status as {{ dbt.type_string() }}) as {{ export_field('callStatus') }},
        calls.calling_number as {{ export_field('callingNumber') }},
        calls.called_number as {{ export_field('calledNumber') }},
        calls.original_called_number as {{ export_field('originalCalledNumber') }},
        calls.final_called_number as {{ export_field('finalCalledNumber') }},
        calls.calling_name as {{ export_field('callingName') }},
        calls.called_name as {{ export_field('calledName') }},
        calls.imsi as {{ export_field('imsi') }},
        calls.imei as {{ export_field('imei') }},
        {{ format_utc_timestamp('calls.start_time', 'iso') }} as {{ export_field('startTime') }},
        {{ format_utc_timestamp('calls.answer_time', 'iso') }} as {{ export_field('answerTime') }},
        {{ format_utc_timestamp('calls.end_time', 'iso') }} as {{ export_field('endTime') }},
        calls.duration_s as {{ export_field('duration') }},
        calls.billable_duration_s as {{ export_field('billableDuration') }},
        calls.ring_duration_s as {{ export_field('ringDuration') }},
        calls.hold_duration_s as {{ export_field('holdDuration') }},
        calls.originating_switch as {{ export_field('originatingSwitch') }},
        calls.terminating_switch as {{ export_field('terminatingSwitch') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('transitSwitches') }},
        calls.originating_trunk as {{ export_field('originatingTrunk') }},
        calls.terminating_trunk as {{ export_field('terminatingTrunk') }},
        calls.routing_number as {{ export_field('routingNumber') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('originatingCell') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('terminatingCell') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('originatingLAC') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('terminatingLAC') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('originatingMSC') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('terminatingMSC') }},
        calls.roaming_indicator as {{ export_field('roamingIndicator') }},
        calls.international_call as {{ export_field('internationalCall') }},
        cast(codecs.enum_id as {{ dbt.type_string() }}) as {{ export_field('codec') }},
        {{ export_measure('calls.mos') }} as {{ export_field('mos') }},
        {{ export_measure('calls.jitter_ms') }} as {{ export_field('jitter') }},
        {{ export_measure('calls.packet_loss_pct') }} as {{ export_field('packetLoss') }},
        {{ export_measure('calls.latency_ms') }} as {{ export_field('latency') }},
        calls.rtp_packets_sent as {{ export_field('rtpPacketsSent') }},
        calls.rtp_packets_received as {{ export_field('rtpPacketsReceived') }},
        cast(protocols.enum_id as {{ dbt.type_string() }}) as {{ export_field('protocol') }},
        cast(calls.sip_response_code as {{ dbt.type_string() }}) as {{ export_field('sipResponseCode') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('releaseCode') }},
        calls.release_cause as {{ export_field('releaseCause') }},
        calls.q850_cause as {{ export_field('q850Cause') }},
        -- Billing as the vendor charged it (the reverse of stg_demandflow__cdrs). rateType, taxAmount and
        -- taxRate stay empty: the canonical ones belong to our rating of the call, another charge.
        calls.vendor_charge as {{ export_field('chargeAmount') }},
        calls.vendor_currency as {{ export_field('currency') }},
        calls.vendor_rate_per_min as {{ export_field('rateApplied') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('rateType') }},
        cast(billing_classes.enum_id as {{ dbt.type_string() }}) as {{ export_field('billingClass') }},
        calls.account_number as {{ export_field('accountNumber') }},
        calls.customer_code as {{ export_field('customerCode') }},
        calls.cost_center as {{ export_field('costCenter') }},
        calls.project_code as {{ export_field('projectCode') }},
        cast(null as {{ type_money() }}) as {{ export_field('taxAmount') }},
        cast(null as {{ type_money() }}) as {{ export_field('taxRate') }},
        calls.fraud_score as {{ export_field('fraudScore') }},
        calls.fraud_indicators as {{ export_field('fraudIndicators') }},
        calls.quality_score as {{ export_field('qualityScore') }},
        cast(experiences.enum_id as {{ dbt.type_string() }}) as {{ export_field('customerExperience') }},
        calls.tags as {{ export_field('tags') }}
    from calls
    left join status_map
        on calls.call_status = status_map.call_status
    left join call_types
        on calls.call_type = call_types.enum_value
    left join directions
        on calls.direction = directions.enum_value
    left join codecs
        on {{ demandflow_codec_key('calls.codec') }} = codecs.codec_family
    left join protocols
        on calls.protocol = protocols.enum_value
    left join billing_classes
        on calls.billing_class = billing_classes.enum_value
    left join experiences
        on calls.customer_experience = experiences.enum_value

)

select * from final
