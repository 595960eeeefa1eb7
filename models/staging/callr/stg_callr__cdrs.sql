with

source as (

    select * from {{ source('callr', 'callr_cdr') }}

),

status_map as (

    select * from {{ ref('status_map_callr') }}

),

typed as (

    select
        *,
        -- CALLR exports per traffic type: a DID means inbound, an outbound number means outbound.
        case
            when upper(trim(type)) in ('IN', 'INBOUND') then 'inbound'
            when upper(trim(type)) in ('OUT', 'OUTBOUND') then 'outbound'
            when nullif(trim(did_intl_number), '') is not null then 'inbound'
            when nullif(trim(number), '') is not null then 'outbound'
        end as traffic_direction
    from source

),

renamed as (

    select
        {{ cdr_id("'callr'", vendor_call_key('callr_cdr')) }} as cdr_id,
        'callr' as source_vendor,
        'callr_cdr' as source_format,
        _file_id as source_file_id,
        _line as source_line,
        nullif(trim(callid), '') as call_id,
        nullif(trim(callid_in), '') as session_id,
        'voice' as call_type,
        traffic_direction as direction,
        nullif(trim(dialstatus), '') as vendor_status,

        {{ canonical_number('cli_number') }} as calling_number,
        {{ number_is_e164('cli_number') }} as calling_number_is_e164,
        case
            when traffic_direction = 'inbound' then {{ canonical_number('did_intl_number') }}
            else {{ canonical_number('number') }}
        end as called_number,
        case
            when traffic_direction = 'inbound' then {{ number_is_e164('did_intl_number') }}
            else {{ number_is_e164('number') }}
        end as called_number_is_e164,
        nullif(trim(cli_name), '') as calling_name,
        case
            when {{ regexp_full_match('upper(trim(cli_country_code))', '[A-Z]{2}') }}
                then upper(trim(cli_country_code))
        end as calling_country,
        case
            when
                traffic_direction = 'outbound'
                and {{ regexp_full_match('upper(trim(number_country_code))', '[A-Z]{2}') }}
                then upper(trim(number_country_code))
        end as called_country,
        nullif(trim(billing_customer_cost_label), '') as destination_name,
        nullif(trim(customer_field), '') as account_number,
        lower(nullif(trim(number_type), '')) as vendor_number_type,

        -- '0000-00-00 00:00:00' means "none" and does not parse: it becomes null.
        {{ parse_utc_timestamp('start') }} as start_time,
        {{ parse_utc_timestamp('answer') }} as answer_time,
        {{ parse_utc_timestamp('hangup') }} as end_time,
        coalesce({{ dbt.safe_cast('duration_answered', dbt.type_int()) }}, 0) as duration_s,
        {{ dbt.safe_cast('duration_billed', dbt.type_int()) }} as billable_duration_s,
        {{ dbt.safe_cast('duration', dbt.type_int()) }}
        - coalesce({{ dbt.safe_cast('duration_answered', dbt.type_int()) }}, 0) as ring_duration_s,

        'sip' as protocol,
        {{ dbt.safe_cast("nullif(trim(sip_response_code), '')", dbt.type_int()) }} as sip_response_code,
        {{ dbt.safe_cast("nullif(trim(hangupcause), '')", dbt.type_int()) }} as q850_cause,
        lower(nullif(trim(hangupsource), '')) as hangup_source,

        -- Amounts are euro cents with two decimals: '1000.00' is 10.00 EUR. Charge = debit - credit.
        'EUR' as vendor_currency,
        cast(
            (
                coalesce({{ dbt.safe_cast('billing_customer_debit_eur', type_money()) }}, 0)
                - coalesce({{ dbt.safe_cast('billing_customer_credit_eur', type_money()) }}, 0)
            ) * 0.01 as {{ type_money() }}
        ) as vendor_charge

    from typed

),

final as (

    select
        renamed.*,
        coalesce(status_map.call_status, 'failed') as call_status
    from renamed
    left join status_map
        on lower(renamed.vendor_status) = status_map.vendor_status

)

select * from final
