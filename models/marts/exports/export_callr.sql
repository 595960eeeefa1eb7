{{ export_config() }}

with

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

statuses as (

    select
        calls.cdr_id,
        -- A CALLR call keeps its own dial status where the status map takes it back to the same call_status.
        case
            when own_status.vendor_status is not null then upper(calls.vendor_status)
            else dialstatus_choices.export_status
        end as dialstatus
    from calls
    left join status_map as own_status
        on
            calls.source_vendor = 'callr'
            and lower(calls.vendor_status) = own_status.vendor_status
            and calls.call_status = own_status.call_status
    left join dialstatus_choices
        on calls.call_status = dialstatus_choices.call_status

),

-- CALLR bills in euro cents with 2 decimals ('1000.00' is 10.00 EUR): money of other vendors is converted
-- with the fx rates of the call's UTC day. A charge is a debit; a refund (negative charge) a credit.
eur_charges as (

    select
        calls.cdr_id,
        {{ convert_currency('calls.vendor_charge', 'calls.vendor_currency', 'EUR', 'vendor_fx', 'eur_fx') }} * 100
            as charge_cents
    from calls
    left join fx_rates as vendor_fx
        on {{ fx_on_day('vendor_fx', 'calls.vendor_currency', 'calls.call_date') }}
    left join fx_rates as eur_fx
        on {{ fx_on_day('eur_fx', "'EUR'", 'calls.call_date') }}

),

eur_cents as (

    select
        cdr_id,
        case
            when charge_cents > 0 then charge_cents
            when charge_cents <= 0 then 0
        end as debit_cents,
        case
            when charge_cents < 0 then -charge_cents
            when charge_cents >= 0 then 0
        end as credit_cents
    from eur_charges

),

final as (

    select
        calls.cdr_id as _cdr_id,
        calls.start_time as _start_time,
        -- '0000-00-00 00:00:00' is how CALLR writes "no datetime" (a call that was not answered).
        coalesce(
            {{ format_utc_timestamp('calls.answer_time') }}, '0000-00-00 00:00:00'
        ) as {{ export_field('answer') }},
        calls.destination_name as {{ export_field('billing_customer_cost_label') }},
        {{ export_money('eur_cents.credit_cents', 2) }} as {{ export_field('billing_customer_credit_eur') }},
        {{ export_money('eur_cents.debit_cents', 2) }} as {{ export_field('billing_customer_debit_eur') }},
        -- callid is CALLR's record key: the call's own id, else its stable cdr_id.
        coalesce(calls.call_id, calls.cdr_id) as {{ export_field('callid') }},
        calls.session_id as {{ export_field('callid_in') }},
        calls.calling_country as {{ export_field('cli_country_code') }},
        calls.calling_name as {{ export_field('cli_name') }},
        -- A withheld caller is an empty cli_number with the presentation prohibited, as CALLR writes it.
        case
            when calls.calling_number <> 'anonymous' then calls.calling_number
        end as {{ export_field('cli_number') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('cli_number_type') }},
        case
            when calls.calling_number = 'anonymous' then 'prohib_passed_screen'
            else 'allowed_passed_screen'
        end as {{ export_field('cli_pres') }},
        calls.account_number as {{ export_field('customer_field') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('did_hash') }},
        -- An inbound record names the DID called; every other one the outbound number (below).
        case
            when calls.direction = 'inbound' then calls.called_number
        end as {{ export_field('did_intl_number') }},
        statuses.dialstatus as {{ export_field('dialstatus') }},
        {{ dbt.datediff('calls.start_time', 'calls.end_time', 'second') }}
            as {{ export_field('duration') }},
        calls.duration_s as {{ export_field('duration_answered') }},
        calls.billable_duration_s as {{ export_field('duration_billed') }},
        {{ format_utc_timestamp('calls.end_time') }} as {{ export_field('hangup') }},
        calls.q850_cause as {{ export_field('hangupcause') }},
        -- DIDWW's origination / destination sides are the caller / callee.
        case
            when calls.hangup_source in ('caller', 'origination') then 'CALLER'
            when calls.hangup_source in ('callee', 'destination') then 'CALLEE'
            when calls.hangup_source = 'gateway' then 'GATEWAY'
        end as {{ export_field('hangupsource') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('invalid_number') }},
        case
            when calls.direction <> 'inbound' then calls.called_number
        end as {{ export_field('number') }},
        case
            when calls.direction <> 'inbound' then calls.called_country
        end as {{ export_field('number_country_code') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('number_type') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('package_name') }},
        calls.sip_response_code as {{ export_field('sip_response_code') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('scenario_hash') }},
        cast(null as {{ dbt.type_string() }}) as {{ export_field('scenario_name') }},
        {{ format_utc_timestamp('calls.start_time') }} as {{ export_field('start') }}
    from calls
    inner join statuses
        on calls.cdr_id = statuses.cdr_id
    inner join eur_cents
        on calls.cdr_id = eur_cents.cdr_id

)

select * from final
