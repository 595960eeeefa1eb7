{{ config(
    materialized='incremental',
    incremental_strategy=call_days_strategy(),
    on_schema_change='fail',
    meta={'call_days_column': 'cast(start_time as date)'},
    pre_hook="{{ delete_call_days('changed', 'cast(start_time as date)') }}",
) }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

valid as (

    -- Rows that break a field rule are quarantined, never deduplicated against valid versions.
    select * from {{ ref('int_calls__validated') }}
    where broken_rules is null
    {% if is_incremental() -%}
        and {{ call_days_filter('changed', 'cast(start_time as date)') }}
    {%- endif %}

),

ranked as (

    -- Overlapping exports carry the same call more than once: the newest file's row wins
    -- (file ids follow landing order, and landing takes files oldest first).
    select
        *,
        row_number() over (
            partition by cdr_id
            order by source_file_id desc, source_line desc
        ) as version_rank
    from valid

),

final as (

    select {{ staged_cdr_column_list() }}
    from ranked
    where version_rank = 1

)

select * from final
