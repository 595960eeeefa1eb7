with

source as (

    select * from {{ source('didww', 'didww_outbound') }}

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
        coalesce({{ dbt.safe_cast("nullif(trim(duration), '')", dbt.type_int()) }}, 0) as duration_seconds,
        -- The caller ID the customer's gateway sent; CLI is what DIDWW passed on (after any Replace CLI).
        coalesce(nullif(trim(source), ''), cli) as caller,
        nullif(trim(network_name), '') as network
    from source

),

renamed as (

    select
        -- The key names the direction: a test call from one DID to another gives an outbound and an
        -- inbound record with the same start, parties and duration, and they are two calls.
        {{ cdr_id("'didww'", "'outbound|' || " ~ vendor_call_key('didww_outbound')) }} as cdr_id,
        'didww' as source_vendor,
        'didww_outbound' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(call_id), '') as call_id,
        'voice' as call_type,
        'outbound' as direction,
        nullif(trim(disconnect_code), '') as vendor_status,

        {{ canonical_number('caller') }} as calling_number,
        {{ number_is_e164('caller') }} as calling_number_is_e164,
        -- Digits without '+', or a SIP URI ('sip:+44...@host') whose user part is the number.
        {{ canonical_number('destination') }} as called_number,
        {{ number_is_e164('destination') }} as called_number_is_e164,
        case
            when nullif(trim(country_name), '') is not null
                then trim(country_name) || coalesce(' - ' || network, '')
        end as destination_name,
        lower(network) as vendor_number_type,
        nullif(trim(customer_id), '') as account_number,

        started_at as start_time,
        -- Connect and End are empty on calls that did not connect; legacy exports carry neither.
        connected_at as answer_time,
        coalesce(
            ended_at,
            {{ dbt.dateadd('second', 'duration_seconds', 'coalesce(connected_at, started_at)') }}
        ) as end_time,
        duration_seconds as duration_s,
        {{ dbt.safe_cast("nullif(trim(billing_duration), '')", dbt.type_int()) }} as billable_duration_s,
        case
            when connected_at is not null then {{ dbt.datediff('started_at', 'connected_at', 'second') }}
        end as ring_duration_s,

        nullif(trim(trunk_name), '') as terminating_trunk,
        -- CDR Type: International is international, Local is not; Origin based (within the EEA) may be
        -- either, so the countries decide (int_calls__enriched).
        case lower(trim(cdr_type))
            when 'international' then true
            when 'local' then false
        end as international_call,
        nullif(trim(cdr_type), '') as vendor_billing_class,

        'sip' as protocol,
        {{ dbt.safe_cast("nullif(trim(disconnect_code), '')", dbt.type_int()) }} as sip_response_code,
        nullif(trim(disconnect_reason), '') as release_cause,

        -- Every amount DIDWW charged for the call, in USD; an empty amount is nothing charged.
        'USD' as vendor_currency,
        {{ dbt.safe_cast("nullif(trim(rate), '')", type_money()) }} as vendor_rate_per_min,
        cast(
            coalesce({{ dbt.safe_cast("nullif(trim(charged), '')", type_money()) }}, 0)
            + coalesce({{ dbt.safe_cast("nullif(trim(tollfree_amount), '')", type_money()) }}, 0)
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
