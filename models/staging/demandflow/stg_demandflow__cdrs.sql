with

source as (

    select * from {{ source('demandflow', 'demandflow_cdr') }}

),

status_map as (

    select * from {{ ref('status_map_demandflow') }}

),

enums as (

    select * from {{ ref('demandflow_enums') }}

),

renamed as (

    select
        {{ cdr_id("'demandflow'", vendor_call_key('demandflow_cdr')) }} as cdr_id,
        'demandflow' as source_vendor,
        'demandflow_cdr' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(call_id), '') as call_id,
        nullif(trim(session_id), '') as session_id,
        trim(call_type) as call_type_id,
        trim(direction) as direction_id,
        trim(call_status) as vendor_status,
        trim(codec) as codec_id,
        trim(protocol) as protocol_id,
        trim(billing_class) as billing_class_id,

        {{ canonical_number('calling_number') }} as calling_number,
        {{ number_is_e164('calling_number') }} as calling_number_is_e164,
        {{ canonical_number('called_number') }} as called_number,
        {{ number_is_e164('called_number') }} as called_number_is_e164,
        nullif(trim(original_called_number), '') as original_called_number,
        nullif(trim(final_called_number), '') as final_called_number,
        nullif(trim(calling_name), '') as calling_name,
        nullif(trim(called_name), '') as called_name,
        nullif(trim(imsi), '') as imsi,
        nullif(trim(imei), '') as imei,

        nullif(trim(account_number), '') as account_number,
        nullif(trim(customer_code), '') as customer_code,
        nullif(trim(cost_center), '') as cost_center,
        nullif(trim(project_code), '') as project_code,
        nullif(trim(tags), '') as tags,

        -- ISO-8601 with any offset; stored as the UTC instant.
        {{ parse_offset_timestamp('start_time') }} as start_time,
        {{ parse_offset_timestamp('answer_time') }} as answer_time,
        {{ parse_offset_timestamp('end_time') }} as end_time,
        cast(round({{ dbt.safe_cast('duration', type_money()) }}) as {{ dbt.type_int() }}) as duration_s,
        cast(round({{ dbt.safe_cast('billable_duration', type_money()) }}) as {{ dbt.type_int() }})
            as billable_duration_s,
        cast(round({{ dbt.safe_cast('ring_duration', type_money()) }}) as {{ dbt.type_int() }}) as ring_duration_s,
        cast(round({{ dbt.safe_cast('hold_duration', type_money()) }}) as {{ dbt.type_int() }}) as hold_duration_s,

        nullif(trim(originating_switch), '') as originating_switch,
        nullif(trim(terminating_switch), '') as terminating_switch,
        nullif(trim(originating_trunk), '') as originating_trunk,
        nullif(trim(terminating_trunk), '') as terminating_trunk,
        nullif(trim(routing_number), '') as routing_number,
        lower(trim(roaming_indicator)) in ('true', '1', 'yes') as roaming_indicator,
        case
            when lower(trim(international_call)) in ('true', '1', 'yes') then true
            when lower(trim(international_call)) in ('false', '0', 'no') then false
        end as international_call,

        {{ dbt.safe_cast('mos', dbt.type_float()) }} as mos,
        {{ dbt.safe_cast('jitter', dbt.type_float()) }} as jitter_ms,
        {{ dbt.safe_cast('packet_loss', dbt.type_float()) }} as packet_loss_pct,
        {{ dbt.safe_cast('latency', dbt.type_float()) }} as latency_ms,
        {{ dbt.safe_cast('rtp_packets_sent', dbt.type_bigint()) }} as rtp_packets_sent,
        {{ dbt.safe_cast('rtp_packets_received', dbt.type_bigint()) }} as rtp_packets_received,

        {{ dbt.safe_cast("nullif(trim(sip_response_code), '')", dbt.type_int()) }} as sip_response_code,
        coalesce(nullif(trim(release_cause), ''), nullif(trim(release_code), '')) as release_cause,
        {{ dbt.safe_cast("nullif(trim(q850_cause), '')", dbt.type_int()) }} as q850_cause,

        -- currency is a CURRENCY reference: a code, or an object carrying one.
        coalesce(
            nullif(regexp_extract(currency, '"(?:code|isoCode|name)"\s*:\s*"([A-Za-z]{3})"', 1), ''),
            nullif(upper(trim(currency)), '')
        ) as vendor_currency,
        {{ dbt.safe_cast('rate_applied', type_money()) }} as vendor_rate_per_min,
        {{ dbt.safe_cast('charge_amount', type_money()) }} as vendor_charge

    from source

),

decoded as (

    select
        renamed.*,
        call_types.enum_value as call_type,
        directions.enum_value as direction,
        codecs.enum_value as codec,
        protocols.enum_value as protocol,
        billing_classes.enum_value as vendor_billing_class,
        status_map.call_status
    from renamed
    left join enums as call_types
        on call_types.enum_name = 'call_type' and renamed.call_type_id = call_types.enum_id
    left join enums as directions
        on directions.enum_name = 'direction' and renamed.direction_id = directions.enum_id
    left join enums as codecs
        on codecs.enum_name = 'codec' and renamed.codec_id = codecs.enum_id
    left join enums as protocols
        on protocols.enum_name = 'protocol' and renamed.protocol_id = protocols.enum_id
    left join enums as billing_classes
        on billing_classes.enum_name = 'billing_class' and renamed.billing_class_id = billing_classes.enum_id
    left join status_map
        on renamed.vendor_status = status_map.vendor_status

)

select * from decoded
