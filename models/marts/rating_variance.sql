with

rated as (

    -- Every rated call with its vendor's charge (int_calls__rated carries the call's columns).
    select * from {{ ref('int_calls__rated') }}

),

compared as (

    -- The check operators run on vendor invoices: what the vendor charged (converted into the deck's
    -- currency) against what our deck says, per UTC day, vendor and rated destination.
    -- Input columns qualified: the output's vendor_charge (converted) is not the input's (as charged).
    select
        rated.call_date,
        rated.source_vendor,
        rated.rated_destination as destination,
        rated.currency,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        cast(sum(case when rated.vendor_charge is null then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_without_vendor_charge,
        sum(rated.charge_amount) as our_charge,
        -- Compared only where the vendor charged something we could convert (margin is known).
        sum(case when rated.margin is not null then rated.charge_amount end) as our_charge_compared,
        sum(rated.charge_amount - rated.margin) as vendor_charge,
        sum(rated.margin) as margin,
        cast(sum(case when rated.margin < 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as negative_margin_calls
    from rated
    where rated.rating_status = 'rated'
    group by rated.call_date, rated.source_vendor, rated.rated_destination, rated.currency

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
