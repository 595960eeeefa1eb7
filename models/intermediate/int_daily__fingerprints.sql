with

calls as (

    select * from {{ ref('fct_calls') }}

),

hashed as (

    select
        call_date,
        cast({{ row_hash(ref('fct_calls')) }} as decimal(38, 0)) as row_hash
    from calls

),

final as (

    select
        call_date,
        count(*) as calls,
        sum(row_hash) as fingerprint
    from hashed
    group by call_date

)

select * from final
