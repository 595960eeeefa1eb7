{{ export_config() }}

with

-- Referenced once (every lookup is joined to it in mapped_calls): the export is a view read for a window of
-- _start_time, and that filter reaches the fct_calls scan only if no CTE of its rows is read twice.
calls as (

    select * from {{ ref('fct_calls') }}

),

status_map as (

    select * from {{ ref('status_map_callr') }}

),

fx_rates as (

    {{ export_fx_intervals() }}

),

-- The dial status CALLR most typically writes for each canonical call_status (macros/exports.sql).
dialstatus_choices as (

    {{ export_status_values('callr') }}

),

-- Each call with its dial status in CALLR's terms and its charge in euro cents.
mapped_calls as (

    select
        calls.*,
        -- A CALLR call keeps its own dial status where the status map takes it back to the same call_status.
        case
            when own_status.vendor_status is not null then upper(calls.vendor_status)
            else dialstatus_choices.export_status
        end as export_dialstatus,
        -- CALLR bills in euro cents with 2 decimals ('1000.00' is 10.00 EUR): money of other vendors is
        -- converted with the fx rates of the call's UTC day.
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'EUR', 'vendor_fx', 'eur_fx') }} * 100
            as eur_charge_cents
    from calls
    left join status_map as own_status
        on
            calls.source_vendor = 'callr'
            and lower(calls.vendor_status) = own_status.vendor_status
            and calls.call_status = own_status.call_status
    left join dialstatus_choices
        on calls.call_status = dialstatus_choices.call_status
    left join fx_rates as vendor_fx
        on {{ fx_on_day('vendor_fx', 'calls.vendor_currency', 'calls.call_date') }}
    left join fx_rates as eur_fx
        on {{ fx_on_day('eur_fx', "'EUR'", 'calls.call_date') }}

),

-- A charge is a debit; a refund (negative charge) a credit.
billed_calls as (

    select
        mapped_calls.*,
        case
            when mapped_calls.eur_charge_cents > 0 then mapped_calls.eur_charge_cents
            when mapped_calls.eur_charge_cents <= 0 then 0
        end as eur_debit_cents,
        case
            when mapped_calls.eur_charge_cents < 0 then -mapped_calls.eur_charge_cents
            when mapped_calls.eur_charge_cents >= 0 then 0
        end as eur_credit_cents
    from mapped_calls

),

final as (

    select
        billed_calls.cdr_id as _cdr_id,
        billed_calls.start_time as _start_time,
        -- '0000-00-00 00:00:00' is how CALLR writes "no datetime" (a call that was not answered).
        coalesce(
            {{ format_utc_timestamp('billed_calls.answer_time') }}, '0000-00-00 00:00:00'
        ) as {{ export_field('answer') }},
        billed_calls.destination_name as {{ export_field('billing_customer_cost_label') }},
        {{ export_money('billed_calls.eur_credit_cents', 2) }} as {{ export_field('billing_customer_credit_eur') }},
        {{ export_money('billed_calls.eur_debit_cents', 2) }} as {{ export_field('billing_customer_debit_eur') }},
        -- callid is CALLR's record key: the call's own id, else its stable cdr_id.
        coalesce(billed_calls.call_id, billed_calls.cdr_id) as {{ export_field('callid') }},
        billed_calls.session_id as {{ export_field('callid_in') }},
        billed_calls.calling_country as {{ export_field('cli_country_code') }},
        billed_calls.calling_name as {{ export_field('cli_name') }},
        -- A withheld caller is an empty cli_number with the presentation prohibited, as CALLR writes it.
        case
            when billed_calls.calling_number <> 'anonymous' then billed_calls.calling_number
        end as {{ export_field('cli_number') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('cli_number_type') }},
        case
            when billed_calls.calling_number = 'anonymous' then 'prohib_passed_screen'
            else 'allowed_passed_screen'
        end as {{ export_field('cli_pres') }},
        billed_calls.account_number as {{ export_field('customer_field') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('did_hash') }},
        -- An inbound record names the DID called; every other one the outbound number (below).
        case
            when billed_calls.direction = 'inbound' then billed_calls.called_number
        end as {{ export_field('did_intl_number') }},
        billed_calls.export_dialstatus as {{ export_field('dialstatus') }},
        {{ dbt.datediff('billed_calls.start_time', 'billed_calls.end_time', 'second') }}
            as {{ export_field('duration') }},
        billed_calls.duration_s as {{ export_field('duration_answered') }},
        billed_calls.billable_duration_s as {{ export_field('duration_billed') }},
        {{ format_utc_timestamp('billed_calls.end_time') }} as {{ export_field('hangup') }},
        billed_calls.q850_cause as {{ export_field('hangupcause') }},
        -- DIDWW's origination / destination sides are the caller / callee.
        case
            when billed_calls.hangup_source in ('caller', 'origination') then 'CALLER'
            when billed_calls.hangup_source in ('callee', 'destination') then 'CALLEE'
            when billed_calls.hangup_source = 'gateway' then 'GATEWAY'
        end as {{ export_field('hangupsource') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('invalid_number') }},
        case
            when billed_calls.direction <> 'inbound' then billed_calls.called_number
        end as {{ export_field('number') }},
        case
            when billed_calls.direction <> 'inbound' then billed_calls.called_country
        end as {{ export_field('number_country_code') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('number_type') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('package_name') }},
        billed_calls.sip_response_code as {{ export_field('sip_response_code') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('scenario_hash') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('scenario_name') }},
        {{ format_utc_timestamp('billed_calls.start_time') }} as {{ export_field('start') }}
    from billed_calls

)

select * from final
