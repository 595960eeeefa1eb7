{#-
    A data test of a model rebuilt by UTC day (macros/call_days.sql) checks the days this build rebuilt,
    not the days it left as they were (and were tested when built): the test reads
    `(select * from model where <day> in (select call_date from int_calls__days_to_build)) dbt_subquery`.

    Such a model names the expression of its day in `meta: {call_days_column: ...}`. The export views,
    computed from fct_calls, are tested likewise on the days of the calls that changed. A test's own
    `where` config still applies. This overrides dbt's get_where_subquery, which every generic test calls.
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set rebuilt_days = cdr_warehouse.rebuilt_days_condition(relation) -%}
    {%- if rebuilt_days -%}
        {%- do conditions.append('(' ~ rebuilt_days ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- `<day> in (select call_date from int_calls__days_to_build)` for a relation rebuilt by day, else ''. -#}
{% macro rebuilt_days_condition(relation) -%}
    {%- if not execute or relation.identifier is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = namespace(column=none, days=none) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- if node.alias | lower == relation.identifier | lower
            and node.schema | lower == (relation.schema or '') | lower -%}
            {%- set found.column = node.config.meta.get('call_days_column') -%}
        {%- endif -%}
        {%- if node.name == 'int_calls__days_to_build' -%}
            {%- set found.days = node -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found.column is none or found.days is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set days = adapter.get_relation(
        database=found.days.database, schema=found.days.schema, identifier=found.days.alias
    ) -%}
    {%- if days is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(found.column ~ ' in (select call_date from ' ~ days ~ ')') }}
{%- endmacro %}
