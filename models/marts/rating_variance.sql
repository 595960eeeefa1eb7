with

rated as (

    -- Every rated call with its vendor's charge (int_calls__rated carries the call's columns).
    select * from {{ ref('int_calls__rated') }}

),

compared as (

    -- The check operators run on vendor invoices: what the vendor charged (converted into the deck's
    -- currency) against what our deck says, per UTC day, vendor and rated destination.
    select
        call_date,
        source_vendor,
        rated_destination as destination,
        currency,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when vendor_charge is null then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_without_vendor_charge,
        sum(charge_amount) as our_charge,
        -- Compared only where the vendor charged something we could convert (margin is known).
        sum(case when margin is not null then charge_amount end) as our_charge_compared,
        sum(charge_amount - margin) as vendor_charge,
        sum(margin) as margin,
        cast(sum(case when margin < 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as negative_margin_calls
    from rated
    where rating_status = 'rated'
    group by call_date, source_vendor, rated_destination, currency

),

final as (

    select
        *,
        vendor_charge - our_charge_compared as variance,
        round(100.0 * (vendor_charge - our_charge_compared) / nullif(our_charge_compared, 0), 2) as variance_pct,
        coalesce(
            abs(vendor_charge - our_charge_compared)
            > {{ var('rating_variance_tolerance_pct') }} / 100.0 * our_charge_compared,
            false
        ) as beyond_tolerance,
        negative_margin_calls > 0 as has_negative_margin
    from compared

)

select * from final
