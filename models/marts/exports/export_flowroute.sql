{{ export_config() }}

with

-- Referenced once (every lookup is joined to it in mapped_calls): the export is a view read for a window of
-- _start_time, and that filter reaches the fct_calls scan only if no CTE of its rows is read twice.
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

-- Each call with its result and SIP code in Flowroute's terms and its money in USD.
mapped_calls as (

    select
        calls.*,
        -- A Flowroute call keeps its own result where the status map takes it back to the same call_status.
        case
            when own_result.vendor_status is not null then calls.vendor_status
            else result_choices.export_status
        end as export_result,
        -- Failed attempts carry a SIP code: the call's own where it means the same status, else the typical one.
        case
            when calls.call_status in ('answered', 'voicemail', 'transferred') then null
            when own_code.sip_response_code is not null then calls.sip_response_code
            else sip_code_choices.export_status
        end as export_fail_sip_code,
        -- Flowroute bills in USD: other vendors' money is converted with the fx rates of the call's UTC day.
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_total_cost,
        {{ convert_currency('calls.vendor_rate_per_min', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_rate,
        -- Without Flowroute's breakdown, the subtotal is the charge less the fees the vendor named (a connect fee).
        {{ convert_currency(
            'coalesce(calls.vendor_subtotal, calls.vendor_charge - coalesce(calls.vendor_fees, 0))',
            'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx'
        ) }} as usd_cost_subtotal,
        {{ convert_currency(
            'case when calls.vendor_subtotal is not null then calls.vendor_connect_fee else calls.vendor_fees end',
            'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx'
        ) }} as usd_connect_fee,
        {{ convert_currency('calls.vendor_usf_fee', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_usf_fee,
        {{ convert_currency('calls.vendor_ccrf', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_ccrf,
        {{ convert_currency('calls.vendor_cnam_fee', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_cnam_lookup_fee
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
    left join fx_rates as vendor_fx
        on {{ fx_on_day('vendor_fx', 'calls.vendor_currency', 'calls.call_date') }}
    left join fx_rates as usd_fx
        on {{ fx_on_day('usd_fx', "'USD'", 'calls.call_date') }}

),

final as (

    select
        mapped_calls.cdr_id as _cdr_id,
        mapped_calls.start_time as _start_time,
        case
            when mapped_calls.direction = 'inbound' then 'Inbound'
            when mapped_calls.direction in ('outbound', 'forwarded', 'transit') then 'Outbound'
        end as {{ export_field('direction') }},
        {{ format_utc_timestamp('mapped_calls.start_time') }} || '+00' as {{ export_field('start_time') }},
        {{ format_utc_timestamp('mapped_calls.end_time') }} || '+00' as {{ export_field('end_time') }},
        {{ e164_digits('mapped_calls.called_number') }} as {{ export_field('destination') }},
        mapped_calls.number_alias as {{ export_field('number_alias') }},
        mapped_calls.calling_number as {{ export_field('callerid') }},
        {{ export_money('mapped_calls.usd_total_cost', 8) }} as {{ export_field('total_cost') }},
        coalesce(mapped_calls.destination_name, called_countries.country_name)
            as {{ export_field('destination_name') }},
        coalesce(mapped_calls.calling_country, 'N/A') as {{ export_field('callerid_country') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('line_information') }},
        mapped_calls.export_result as {{ export_field('result') }},
        mapped_calls.export_fail_sip_code as {{ export_field('call_fail_sip_code') }},
        case
            when mapped_calls.export_fail_sip_code is not null
                then coalesce(fail_reasons.reason_phrase, mapped_calls.release_cause)
        end as {{ export_field('call_fail_reason') }},
        mapped_calls.duration_s as {{ export_field('duration') }},
        mapped_calls.billable_duration_s as {{ export_field('billed_duration') }},
        {{ export_money('mapped_calls.usd_rate', 8) }} as {{ export_field('rate') }},
        cast(null as {{ dbt.type_int() }}) as {{ export_field('first_increment') }},
        cast(null as {{ dbt.type_int() }}) as {{ export_field('subsequent_increment') }},
        {{ export_money('mapped_calls.usd_cost_subtotal', 8) }} as {{ export_field('cost_subtotal') }},
        {{ export_money('mapped_calls.usd_connect_fee', 8) }} as {{ export_field('connect_fee') }},
        {{ export_money('mapped_calls.usd_usf_fee', 8) }} as {{ export_field('usf_fee') }},
        {{ export_money('mapped_calls.usd_ccrf', 8) }} as {{ export_field('ccrf') }},
        {{ export_money('mapped_calls.usd_cnam_lookup_fee', 8) }} as {{ export_field('cnam_lookup_fee') }},
        nullif(mapped_calls.tags, '[]') as {{ export_field('custom_x_tag') }},
        mapped_calls.caller_ip as {{ export_field('customer_ip') }},
        mapped_calls.call_id as {{ export_field('sip_callid') }}
    from mapped_calls
    left join sip_codes as fail_reasons
        on mapped_calls.export_fail_sip_code = fail_reasons.sip_response_code
    left join countries as called_countries
        on mapped_calls.called_country = called_countries.iso_country

)

select * from final
