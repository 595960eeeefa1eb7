with

source as (

    select * from {{ source('connexcs', 'connexcs_cdr') }}

),

status_map as (

    select * from {{ ref('status_map_connexcs') }}

),

sip_codes as (

    select * from {{ ref('sip_response_codes') }}

),

typed as (

    select
        *,
        {{ parse_utc_timestamp('call_time') }} as placed_at,
        coalesce({{ dbt.safe_cast("nullif(trim(duration), '')", dbt.type_int()) }}, 0) as duration_seconds,
        {{ dbt.safe_cast("nullif(trim(ring_duration), '')", dbt.type_int()) }} as ring_seconds,
        {{ dbt.safe_cast("nullif(trim(sip_code), '')", dbt.type_int()) }} as sip_code_number,
        lower(nullif(trim(release_reason), '')) as release_reason_key
    from source

),

classified as (

    select
        typed.*,
        -- The SIP code decides (this vendor's map, then the SIP code table); a download without the code
        -- falls back to the release reason; without either, a connected call is answered.
        coalesce(
            code_map.call_status,
            sip_codes.call_status,
            reason_map.call_status,
            case when typed.duration_seconds > 0 then 'answered' end,
            'failed'
        ) as call_status
    from typed
    left join status_map as code_map
        on cast(typed.sip_code_number as {{ dbt.type_string() }}) = code_map.vendor_status
    left join sip_codes
        on typed.sip_code_number = sip_codes.sip_response_code
    left join status_map as reason_map
        on typed.release_reason_key = reason_map.vendor_status

),

final as (

    select
        {{ cdr_id("'connexcs'", vendor_call_key('connexcs_cdr')) }} as cdr_id,
        'connexcs' as source_vendor,
        'connexcs_cdr' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(call_id), '') as call_id,
        'voice' as call_type,
        -- Origination is traffic from the network to a DID (inbound), Termination traffic sent out to the
        -- network (outbound). A download without the Direction column is termination traffic, the
        -- carrier CDR's default; an unknown value stays null, which the field rules catch.
        case
            when nullif(trim(direction), '') is null then 'outbound'
            when lower(trim(direction)) in ('origination', 'inbound', 'in') then 'inbound'
            when lower(trim(direction)) in ('termination', 'outbound', 'out') then 'outbound'
            when lower(trim(direction)) in ('internal', 'transit') then lower(trim(direction))
        end as direction,
        call_status,
        coalesce(cast(sip_code_number as {{ dbt.type_string() }}), nullif(trim(release_reason), ''))
            as vendor_status,

        {{ canonical_number('source_number') }} as calling_number,
        {{ number_is_e164('source_number') }} as calling_number_is_e164,
        {{ canonical_number('destination') }} as called_number,
        {{ number_is_e164('destination') }} as called_number_is_e164,
        nullif(trim(destination_name), '') as destination_name,
        nullif(trim(card_id), '') as account_number,

        -- Call Time is when the call was placed; it rang for Ring Duration, then talked for Duration.
        placed_at as start_time,
        case
            when call_status = 'answered'
                then {{ dbt.dateadd('second', 'coalesce(ring_seconds, 0)', 'placed_at') }}
        end as answer_time,
        {{ dbt.dateadd('second', 'coalesce(ring_seconds, 0) + duration_seconds', 'placed_at') }} as end_time,
        duration_seconds as duration_s,
        {{ dbt.safe_cast("nullif(trim(billed_duration), '')", dbt.type_int()) }} as billable_duration_s,
        ring_seconds as ring_duration_s,
        cast(round(1000 * {{ dbt.safe_cast("nullif(trim(pdd), '')", type_money()) }}) as {{ dbt.type_int() }}) as pdd_ms,

        nullif(trim(switch), '') as originating_switch,
        nullif(trim(lrn_number), '') as routing_number,
        {{ ip_without_port('source_ip') }} as caller_ip,

        'sip' as protocol,
        sip_code_number as sip_response_code,
        coalesce(nullif(trim(release_reason), ''), nullif(trim(sip_reason), '')) as release_cause,

        -- Money is in the ConnexCS account's currency, which the download does not name. Charge is the
        -- whole cost of the call, its connection fee (Connect Cost) included.
        '{{ var("connexcs_currency") }}' as vendor_currency,
        {{ dbt.safe_cast("nullif(trim(rate), '')", type_money()) }} as vendor_rate_per_min,
        {{ dbt.safe_cast("nullif(trim(charge), '')", type_money()) }} as vendor_charge,
        {{ dbt.safe_cast("nullif(trim(connect_cost), '')", type_money()) }} as vendor_connect_fee,
        {{ dbt.safe_cast("nullif(trim(connect_cost), '')", type_money()) }} as vendor_fees

    from classified

)

select * from final
