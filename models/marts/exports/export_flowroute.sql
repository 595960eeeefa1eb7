{{ export_config() }}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

status_map as (

    select * from {{ ref('status_map_flowroute') }}

),

sip_codes as (

    select * from {{ ref('sip_response_codes') }}

),

countries as (

    select * from {{ ref('country_calling_codes') }}

),

fx_rates as (

    {{ export_fx_intervals() }}

),

-- The result word Flowroute most typically writes for each canonical call_status (macros/exports.sql).
result_choices as (

    {{ export_status_values('flowroute') }}

),

sip_code_choices as (

    {{ export_status_values('sip') }}

),

statuses as (

    select
        calls.cdr_id,
        -- A Flowroute call keeps its own result where the status map takes it back to the same call_status.
        case
            when own_result.vendor_status is not null then calls.vendor_status
            else result_choices.export_status
        end as result,
        -- Failed attempts carry a SIP code: the call's own where it means the same status, else the typical one.
        case
            when calls.call_status in ('answered', 'voicemail', 'transferred') then null
            when own_code.sip_response_code is not null then calls.sip_response_code
            else sip_code_choices.export_status
        end as call_fail_sip_code
    from calls
    left join status_map as own_result
        on
            calls.source_vendor = 'flowroute'
            and lower(calls.vendor_status) = own_result.vendor_status
            and calls.call_status = own_result.call_status
    left join result_choices
        on calls.call_status = result_choices.call_status
    left join sip_codes as own_code
        on
            calls.sip_response_code = own_code.sip_response_code
            and calls.call_status = own_code.call_status
    left join sip_code_choices
        on calls.call_status = sip_code_choices.call_status

),

-- Flowroute bills in USD: other vendors' money is converted with the fx rates of the call's UTC day.
usd_amounts as (

    select
        calls.cdr_id,
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as total_cost,
        {{ convert_currency('calls.vendor_rate_per_min', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as rate,
        -- Without Flowroute's breakdown, the subtotal is the charge less the fees the vendor named (a connect fee).
        {{ convert_currency(
            'coalesce(calls.vendor_subtotal, calls.vendor_charge - coalesce(calls.vendor_fees, 0))',
            'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx'
        ) }} as cost_subtotal,
        {{ convert_currency(
            'case when calls.vendor_subtotal is not null then calls.vendor_connect_fee else calls.vendor_fees end',
            'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx'
        ) }} as connect_fee,
        {{ convert_currency('calls.vendor_usf_fee', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usf_fee,
        {{ convert_currency('calls.vendor_ccrf', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }} as ccrf,
        {{ convert_currency('calls.vendor_cnam_fee', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as cnam_lookup_fee
    from calls
    left join fx_rates as vendor_fx
        on {{ fx_on_day('vendor_fx', 'calls.vendor_currency', 'calls.call_date') }}
    left join fx_rates as usd_fx
        on {{ fx_on_day('usd_fx', "'USD'", 'calls.call_date') }}

),

final as (

    select
        calls.cdr_id as _cdr_id,
        calls.start_time as _start_time,
        case
            when calls.direction = 'inbound' then 'Inbound'
            when calls.direction in ('outbound', 'forwarded', 'transit') then 'Outbound'
        end as {{ export_field('direction') }},
        {{ format_utc_timestamp('calls.start_time') }} || '+00' as {{ export_field('start_time') }},
        {{ format_utc_timestamp('calls.end_time') }} || '+00' as {{ export_field('end_time') }},
        {{ e164_digits('calls.called_number') }} as {{ export_field('destination') }},
        calls.number_alias as {{ export_field('number_alias') }},
        calls.calling_number as {{ export_field('callerid') }},
        {{ export_money('usd_amounts.total_cost', 8) }} as {{ export_field('total_cost') }},
        coalesce(calls.destination_name, called_countries.country_name) as {{ export_field('destination_name') }},
        coalesce(calls.calling_country, 'N/A') as {{ export_field('callerid_country') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('line_information') }},
        statuses.result as {{ export_field('result') }},
        statuses.call_fail_sip_code as {{ export_field('call_fail_sip_code') }},
        case
            when statuses.call_fail_sip_code is not null then coalesce(fail_reasons.reason_phrase, calls.release_cause)
        end as {{ export_field('call_fail_reason') }},
        calls.duration_s as {{ export_field('duration') }},
        calls.billable_duration_s as {{ export_field('billed_duration') }},
        {{ export_money('usd_amounts.rate', 8) }} as {{ export_field('rate') }},
        cast(null as {{ dbt.type_int() }}) as {{ export_field('first_increment') }},
        cast(null as {{ dbt.type_int() }}) as {{ export_field('subsequent_increment') }},
        {{ export_money('usd_amounts.cost_subtotal', 8) }} as {{ export_field('cost_subtotal') }},
        {{ export_money('usd_amounts.connect_fee', 8) }} as {{ export_field('connect_fee') }},
        {{ export_money('usd_amounts.usf_fee', 8) }} as {{ export_field('usf_fee') }},
        {{ export_money('usd_amounts.ccrf', 8) }} as {{ export_field('ccrf') }},
        {{ export_money('usd_amounts.cnam_lookup_fee', 8) }} as {{ export_field('cnam_lookup_fee') }},
        nullif(calls.tags, '[]') as {{ export_field('custom_x_tag') }},
        calls.caller_ip as {{ export_field('customer_ip') }},
        calls.call_id as {{ export_field('sip_callid') }}
    from calls
    inner join statuses
        on calls.cdr_id = statuses.cdr_id
    inner join usd_amounts
        on calls.cdr_id = usd_amounts.cdr_id
    left join sip_codes as fail_reasons
        on statuses.call_fail_sip_code = fail_reasons.sip_response_code
    left join countries as called_countries
        on calls.called_country = called_countries.iso_country

)

select * from final
