-- depends_on: {{ ref('int_daily__days_to_refresh') }}
with

calls as (

    select * from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

),

final as (

    -- The figures of a Flowroute export summary, per UTC day and vendor, in the vendor's currency.
    select
        call_date,
        source_vendor,
        max(vendor_currency) as vendor_currency,
        count(*) as num_calls,
        {{ kpi_minutes("sum(coalesce(billable_duration_s, 0))") }} as billed_minutes,
        sum(vendor_charge) as total_cost,
        sum(coalesce(vendor_subtotal, vendor_charge - coalesce(vendor_fees, 0))) as call_subtotal,
        sum(coalesce(vendor_connect_fee, 0)) as connect_fees,
        sum(coalesce(vendor_usf_fee, 0)) as usf_fees,
        sum(coalesce(vendor_ccrf, 0)) as ccrf,
        sum(coalesce(vendor_cnam_fee, 0)) as cnam_lookup_fees
    from calls
    group by call_date, source_vendor

)

select * from final
