{{ export_config() }}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

final as (

    select
        calls.cdr_id as _cdr_id,
        calls.start_time as _start_time,
        -- every column of fct_calls, in its order: a column added there is exported without a change here
        calls.*
    from calls

)

select * from final  -- noqa: AM04
