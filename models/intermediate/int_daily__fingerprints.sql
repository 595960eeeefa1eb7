{{ call_days_config('affected') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

calls as (

    select * from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

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
