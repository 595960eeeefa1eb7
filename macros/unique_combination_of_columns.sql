{#-
    Rows of a model's grain that occur more than once (like dbt_utils.unique_combination_of_columns).
    The grain is grouped as GROUP BY groups it: nulls count as equal values, so two rows with the same
    day and a null account_number are a duplicate. Plain columns only, no expressions or concatenation.
-#}
{% test unique_combination_of_columns(model, combination_of_columns, where_clause=none) %}
{%- set columns = [combination_of_columns] if combination_of_columns is string else combination_of_columns -%}
{%- if not columns -%}
    {{ exceptions.raise_compiler_error("unique_combination_of_columns needs at least one column") }}
{%- endif %}
select
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    count(*) as n_records
from {{ model }}
{%- if where_clause %}
where {{ where_clause }}
{%- endif %}
group by
    {%- for column in columns %}
    {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
having count(*) > 1
{% endtest %}
