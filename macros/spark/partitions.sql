{#-
    Spark without Delta or Iceberg cannot delete rows: a model rebuilt by day is partitioned by call_date,
    and its pre-hook drops the partitions of the days being rebuilt (the DuckDB models delete their rows).
    `days` is a list of ISO dates or a query giving them.
-#}
{% macro drop_day_partitions(days) -%}
    {%- if execute -%}
        {%- if days is string -%}
            {%- set days = run_query(days).columns[0].values() -%}
        {%- endif -%}
        {%- if days | length > 0 -%}
            alter table {{ this }} drop if exists
            {%- for day in days %} partition (call_date = '{{ day }}'){{ "," if not loop.last }}{% endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
