{{ call_days_config('changed', 'cast(start_time as date)') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

{#- Rows that break a field rule are quarantined, never deduplicated against valid versions. -#}
{%- set valid_rows -%}
    broken_rules is null
    {%- if is_incremental() %}
        and {{ call_days_filter('changed', 'cast(start_time as date)') }}
    {%- endif %}
{%- endset %}

with

winners as (

    -- Overlapping exports carry the same call more than once: the newest file's row wins, then its last
    -- line (file ids follow landing order, and landing takes files oldest first; lines stay below 10^10).
    -- Found on three narrow columns, then the row is read: a window over whole rows sorted them all.
    select
        cdr_id,
        max(source_file_id * 10000000000 + source_line) as winning_version
    from {{ ref('int_calls__validated') }}
    where {{ valid_rows }}
    group by cdr_id

),

valid as (

    select * from {{ ref('int_calls__validated') }}
    where {{ valid_rows }}

),

final as (

    select {{ staged_cdr_column_list('valid.') }}
    from valid
    inner join winners
        on valid.cdr_id = winners.cdr_id
        and valid.source_file_id * 10000000000 + valid.source_line = winners.winning_version

)

select * from final
