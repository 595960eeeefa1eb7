{{ export_config() }}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

status_map as (

    select * from {{ ref('status_map_didww') }}

),

sip_codes as (

    select * from {{ ref('sip_response_codes') }}

),

fx_rates as (

    {{ export_fx_intervals() }}

),

-- The SIP disconnect code most typical of each canonical call_status (macros/exports.sql).
code_choices as (

    {{ export_status_values('sip') }}

),

disconnects as (

    select
        calls.cdr_id,
        -- The call's own SIP code where DIDWW's status map takes it back to the same call_status.
        case
            when own_code.vendor_status is not null then calls.sip_response_code
            else code_choices.export_status
        end as disconnect_code
    from calls
    left join status_map as own_code
        on
            cast(calls.sip_response_code as {{ dbt.type_string() }}) = own_code.vendor_status
            and calls.call_status = own_code.call_status
    left join code_choices
        on calls.call_status = code_choices.call_status

),

-- DIDWW bills in USD: other vendors' money is converted with the fx rates of the call's UTC day.
usd_amounts as (

    select
        calls.cdr_id,
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'USD', 'vendor_fx', 'usd_fx') }}
            as charged
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
        {{ format_utc_timestamp('calls.start_time') }} as {{ export_field('Date/Time Start (UTC)') }},
        -- DIDWW leaves Connect and End empty on calls that did not connect.
        {{ format_utc_timestamp('calls.answer_time') }} as {{ export_field('Date/Time Connect (UTC)') }},
        case
            when calls.answer_time is not null then {{ format_utc_timestamp('calls.end_time') }}
        end as {{ export_field('Date/Time End (UTC)') }},
        {{ e164_digits('calls.calling_number') }} as {{ export_field('Source') }},
        {{ e164_digits('calls.called_number') }} as {{ export_field('DID') }},
        {{ e164_digits('calls.final_called_number') }} as {{ export_field('Destination') }},
        calls.duration_s as {{ export_field('Duration (secs)') }},
        -- The caller's side is the origination, the called side the destination.
        case
            when calls.hangup_source in ('origination', 'caller') then 'Origination'
            when calls.hangup_source in ('destination', 'callee') then 'Destination'
        end as {{ export_field('Disconnect Initiator') }},
        disconnects.disconnect_code as {{ export_field('Disconnect Code') }},
        coalesce(reasons.reason_phrase, calls.release_cause) as {{ export_field('Disconnect Response') }},
        -- The charge is one sum in the canonical CDR: a toll-free DID's calls bill the toll-free service,
        -- other inbound calls metered capacity; termination (forwarding to PSTN) cannot be told apart.
        case
            when calls.billing_class = 'toll_free' then {{ export_money('usd_amounts.charged', 4) }}
        end as {{ export_field('Toll-free Amount (USD)') }},
        cast(null as decimal(18, 4)) as {{ export_field('Termination Amount (USD)') }},
        case
            when calls.billing_class <> 'toll_free' or calls.billing_class is null
                then {{ export_money('usd_amounts.charged', 4) }}
        end as {{ export_field('Metered Channels Amount (USD)') }}
    from calls
    inner join disconnects
        on calls.cdr_id = disconnects.cdr_id
    inner join usd_amounts
        on calls.cdr_id = usd_amounts.cdr_id
    left join sip_codes as reasons
        on disconnects.disconnect_code = reasons.sip_response_code

)

select * from final
