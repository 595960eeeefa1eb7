{{ export_config() }}

with

-- Referenced once (every lookup is joined to it in mapped_calls): the export is a view read for a window of
-- _start_time, and that filter reaches the fct_calls scan only if no CTE of its rows is read twice.
calls as (

    select * from {{ ref('fct_calls') }}

),

status_map as (

    select * from {{ ref('status_map_didww') }}

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

-- The SIP disconnect code most typical of each canonical call_status (macros/exports.sql).
code_choices as (

    {{ export_status_values('sip') }}

),

-- Each call with its SIP disconnect code in DIDWW's terms and its money in USD.
mapped_calls as (

    select
        calls.*,
        -- The call's own SIP code where DIDWW's status map takes it back to the same call_status.
        case
            when own_code.vendor_status is not null then calls.sip_response_code
            else code_choices.export_status
        end as export_disconnect_code,
        -- DIDWW bills in USD: other vendors' money is converted with the fx rates of the call's UTC day.
        {{ convert_currency('calls.vendor_rate_per_min', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_rate,
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as usd_charged
    from calls
    left join status_map as own_code
        on
            cast(calls.sip_response_code as {{ dbt.type_string() }}) = own_code.vendor_status
            and calls.call_status = own_code.call_status
    left join code_choices
        on calls.call_status = code_choices.call_status
    left join fx_rates as vendor_fx
        on {{ fx_on_day('vendor_fx', 'calls.vendor_currency', 'calls.call_date') }}
    left join fx_rates as usd_fx
        on {{ fx_on_day('usd_fx', "'USD'", 'calls.call_date') }}

),

final as (

    select
        mapped_calls.cdr_id as _cdr_id,
        mapped_calls.start_time as _start_time,
        {{ format_utc_timestamp('mapped_calls.start_time') }} as {{ export_field('Date/Time Start (UTC)') }},
        -- DIDWW leaves Connect and End empty on calls that did not connect.
        {{ format_utc_timestamp('mapped_calls.answer_time') }} as {{ export_field('Date/Time Connect (UTC)') }},
        case
            when mapped_calls.answer_time is not null then {{ format_utc_timestamp('mapped_calls.end_time') }}
        end as {{ export_field('Date/Time End (UTC)') }},
        {{ e164_digits('mapped_calls.calling_number') }} as {{ export_field('Source') }},
        -- One caller ID is known: the CLI passed on is the one received (no Replace CLI known).
        {{ e164_digits('mapped_calls.calling_number') }} as {{ export_field('CLI') }},
        {{ e164_digits('mapped_calls.called_number') }} as {{ export_field('Destination') }},
        mapped_calls.duration_s as {{ export_field('Duration (secs)') }},
        mapped_calls.billable_duration_s as {{ export_field('Billing Duration') }},
        mapped_calls.export_disconnect_code as {{ export_field('Disconnect Code') }},
        coalesce(reasons.reason_phrase, mapped_calls.release_cause) as {{ export_field('Disconnect Reason') }},
        {{ export_money('mapped_calls.usd_rate', 4) }} as {{ export_field('Rate (USD per minute)') }},
        {{ export_money('mapped_calls.usd_charged', 4) }} as {{ export_field('Charged (USD)') }},
        -- DIDWW's Origin based (calls within the EEA) cannot be told from the canonical flag.
        case
            when mapped_calls.international_call then 'International'
            when not mapped_calls.international_call then 'Local'
        end as {{ export_field('CDR Type') }},
        called_countries.country_name as {{ export_field('Country Name') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('Network Name') }},
        mapped_calls.terminating_trunk as {{ export_field('Trunk Name') }}
    from mapped_calls
    left join sip_codes as reasons
        on mapped_calls.export_disconnect_code = reasons.sip_response_code
    left join countries as called_countries
        on mapped_calls.called_country = called_countries.iso_country

)

select * from final
