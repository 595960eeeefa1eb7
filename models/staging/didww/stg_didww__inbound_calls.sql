with

source as (

    select * from {{ source('didww', 'didww_inbound') }}

),

status_map as (

    select * from {{ ref('status_map_didww') }}

),

sip_codes as (

    select * from {{ ref('sip_response_codes') }}

),

typed as (

    select
        *,
        {{ parse_utc_timestamp('start_time') }} as started_at,
        {{ parse_utc_timestamp('connect_time') }} as connected_at,
        {{ parse_utc_timestamp('end_time') }} as ended_at,
        coalesce({{ dbt.safe_cast("nullif(trim(duration), '')", dbt.type_int()) }}, 0) as duration_seconds
    from source

),

renamed as (

    select
        -- The key names the direction: a test call from one DID to another gives an outbound and an
        -- inbound record with the same start, parties and duration, and they are two calls.
        {{ cdr_id("'didww'", "'inbound|' || " ~ vendor_call_key('didww_inbound')) }} as cdr_id,
        'didww' as source_vendor,
        'didww_inbound' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(call_id), '') as call_id,
        'voice' as call_type,
        'inbound' as direction,
        nullif(trim(disconnect_code), '') as vendor_status,

        {{ canonical_number('source') }} as calling_number,
        {{ number_is_e164('source') }} as calling_number_is_e164,
        {{ canonical_number('did') }} as called_number,
        {{ number_is_e164('did') }} as called_number_is_e164,
        -- Where DIDWW delivered the call: a SIP URI or a number (reduced to E.164 where it is one).
        case
            when nullif(trim(destination), '') is not null then {{ canonical_number('destination') }}
        end as final_called_number,
        nullif(trim(customer_id), '') as account_number,

        started_at as start_time,
        -- Connect and End are empty on calls that did not connect; legacy exports carry neither.
        connected_at as answer_time,
        coalesce(
            ended_at,
            {{ dbt.dateadd('second', 'duration_seconds', 'coalesce(connected_at, started_at)') }}
        ) as end_time,
        duration_seconds as duration_s,
        case
            when connected_at is not null then {{ dbt.datediff('started_at', 'connected_at', 'second') }}
        end as ring_duration_s,

        'sip' as protocol,
        {{ dbt.safe_cast("nullif(trim(disconnect_code), '')", dbt.type_int()) }} as sip_response_code,
        nullif(trim(disconnect_reason), '') as release_cause,
        case lower(trim(disconnect_initiator))
            when 'origination' then 'origination'
            when 'destination' then 'destination'
        end as hangup_source,

        -- Every amount DIDWW charged for the call, in USD; an empty amount is nothing charged.
        'USD' as vendor_currency,
        cast(
            coalesce({{ dbt.safe_cast("nullif(trim(tollfree_amount), '')", type_money()) }}, 0)
            + coalesce({{ dbt.safe_cast("nullif(trim(termination_amount), '')", type_money()) }}, 0)
            + coalesce({{ dbt.safe_cast("nullif(trim(metered_channels_amount), '')", type_money()) }}, 0)
            as {{ type_money() }}
        ) as vendor_charge

    from typed

),

final as (

    select
        renamed.*,
        coalesce(status_map.call_status, sip_codes.call_status, 'failed') as call_status
    from renamed
    left join status_map
        on lower(renamed.vendor_status) = status_map.vendor_status
    left join sip_codes
        on renamed.sip_response_code = sip_codes.sip_response_code

)

select * from final
