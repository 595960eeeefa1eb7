with

unioned as (

    select * from {{ ref('int_calls__unioned') }}

),

final as (

    select
        *,
        {{ broken_field_rules() }} as broken_rules
    from unioned

)

select * from final
