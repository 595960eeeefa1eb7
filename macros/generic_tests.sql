{#- Generic data tests (dbt Hub packages cannot be fetched here, so these replace dbt_utils'). -#}

{#- Rows whose value lies outside [min_value, max_value]; nulls pass. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, where_clause=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
      {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
      {%- if min_value is not none and max_value is not none %} or{% endif %}
      {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}
  )
  {%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}

{#- Rows for which the boolean expression is false (or null, unless it involves only nullable parts). -#}
{% test expression_is_true(model, expression, where_clause=none) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
  {%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}

{#- Rows whose value does not match the regular expression in full; nulls pass. -#}
{% test matches_pattern(model, column_name, pattern, where_clause=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and not {{ regexp_full_match(column_name, pattern) }}
  {%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}

{#- Values of a seed/lookup column that another model uses but the lookup lacks (e.g. unmapped statuses). -#}
{% test all_values_mapped(model, column_name, to, field, where_clause=none) %}
select distinct {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (select {{ field }} from {{ to }} where {{ field }} is not null)
  {%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
