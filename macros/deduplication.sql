{#-
    Deduplication as CTEs over `validated` (int_calls__validated), ending in the CTE `deduplicated`: of each
    valid call (cdr_id), the one version that wins, with the staged columns. Overlapping exports carry the
    same call more than once: the newest file's row wins, then its last line (file ids follow landing
    order, and landing takes files oldest first; lines stay below 10^10). Rows that break a field rule are
    quarantined, never deduplicated against valid versions. `condition`, when given, limits the rows
    looked at (the days a build rebuilds).

    The winners are found on three narrow columns, then the row is read: a window over whole rows sorted
    them all. int_calls__enriched deduplicates this way as its first step, so the deduplicated calls are
    not written as a table of their own (a 10M-row copy of every column, ~40 s at 10M);
    int_calls__deduplicated is the same CTEs as a view.
-#}
{% macro deduplication_ctes(validated, condition=none) -%}
{%- set valid_rows -%}
    broken_rules is null
    {%- if condition %}
        and {{ condition }}
    {%- endif %}
{%- endset -%}
dedup_winners as (

    select
        cdr_id,
        max(source_file_id * 10000000000 + source_line) as winning_version
    from {{ validated }}
    where {{ valid_rows }}
    group by cdr_id

),

dedup_valid as (

    select * from {{ validated }}
    where {{ valid_rows }}

),

deduplicated as (

    select {{ staged_cdr_column_list('dedup_valid.') }}
    from dedup_valid
    inner join dedup_winners
        on dedup_valid.cdr_id = dedup_winners.cdr_id
        and dedup_valid.source_file_id * 10000000000 + dedup_valid.source_line = dedup_winners.winning_version

)
{%- endmacro %}
