{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

with

unioned as (

    select * from {{ ref('int_calls__unioned') }}
    {% if is_incremental() -%}
    -- Landing only ever adds files (with growing ids): a build validates the rows of the new ones.
    where source_file_id > {{ max_source_file_id(this) }}
    {%- endif %}

),

final as (

    select
        *,
        {{ broken_field_rules() }} as broken_rules
    from unioned

)

select * from final
