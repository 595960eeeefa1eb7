with

source as (

    select * from {{ source('flowroute', 'flowroute_cdr') }}

),

status_map as (

    select * from {{ ref('status_map_flowroute') }}

),

sip_codes as (

    select * from {{ ref('sip_response_codes') }}

),

renamed as (

    select
        {{ cdr_id("'flowroute'", vendor_call_key('flowroute_cdr')) }} as cdr_id,
        'flowroute' as source_vendor,
        'flowroute_cdr' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(sip_callid), '') as call_id,
        'voice' as call_type,
        lower(trim(direction)) as direction,
        nullif(trim(result), '') as vendor_status,

        {{ canonical_number('callerid') }} as calling_number,
        {{ number_is_e164('callerid') }} as calling_number_is_e164,
        {{ canonical_number('destination') }} as called_number,
        {{ number_is_e164('destination') }} as called_number_is_e164,
        case
            when {{ regexp_full_match('upper(trim(callerid_country))', '[A-Z]{2}') }}
                then upper(trim(callerid_country))
        end as calling_country,
        nullif(trim(destination_name), '') as destination_name,
        nullif(trim(number_alias), '') as number_alias,
        nullif(trim(custom_x_tag), '') as tags,

        {{ parse_offset_timestamp('start_time') }} as start_time,
        {{ parse_offset_timestamp('end_time') }} as end_time,
        {{ dbt.safe_cast('duration', dbt.type_int()) }} as duration_s,
        {{ dbt.safe_cast('billed_duration', dbt.type_int()) }} as billable_duration_s,

        {{ ip_without_port('customer_ip') }} as caller_ip,
        {{ dbt.safe_cast("nullif(trim(call_fail_sip_code), '')", dbt.type_int()) }} as sip_response_code,
        nullif(trim(call_fail_reason), '') as release_cause,
        'sip' as protocol,

        'USD' as vendor_currency,
        {{ dbt.safe_cast('rate', type_money()) }} as vendor_rate_per_min,
        {{ dbt.safe_cast('total_cost', type_money()) }} as vendor_charge,
        {{ dbt.safe_cast('cost_subtotal', type_money()) }} as vendor_subtotal,
        {{ dbt.safe_cast('connect_fee', type_money()) }} as vendor_connect_fee,
        {{ dbt.safe_cast('usf_fee', type_money()) }} as vendor_usf_fee,
        {{ dbt.safe_cast('ccrf', type_money()) }} as vendor_ccrf,
        {{ dbt.safe_cast('cnam_lookup_fee', type_money()) }} as vendor_cnam_fee,
        {{ dbt.safe_cast('first_increment', dbt.type_int()) }} as vendor_first_increment_s,
        {{ dbt.safe_cast('subsequent_increment', dbt.type_int()) }} as vendor_subsequent_increment_s

    from source

),

classified as (

    select
        renamed.*,
        coalesce(status_map.call_status, sip_codes.call_status, 'failed') as call_status
    from renamed
    left join status_map
        on lower(renamed.vendor_status) = status_map.vendor_status
    left join sip_codes
        on renamed.sip_response_code = sip_codes.sip_response_code

),

final as (

    select
        classified.*,
        -- Flowroute gives connected seconds and the end, not the answer time: answer = end - duration.
        case
            when classified.call_status = 'answered'
                then {{ dbt.dateadd('second', '-1 * duration_s', 'end_time') }}
        end as answer_time,
        coalesce(classified.vendor_connect_fee, 0) + coalesce(classified.vendor_usf_fee, 0)
        + coalesce(classified.vendor_ccrf, 0) + coalesce(classified.vendor_cnam_fee, 0) as vendor_fees
    from classified

)

select * from final
