{#-
    A data test of a model rebuilt by UTC day (macros/call_days.sql) checks the days this build rebuilt,
    not the days it left as they were (and were tested when built): the test reads
    `(select * from model where <day> in (<the days of int_calls__days_to_build>)) dbt_subquery`; a build
    that rebuilt no day tests none.

    Such a model names the expression of its day in `meta: {call_days_column: ...}`; a vendor's staging
    view names its file id in `meta: {new_files_column: ...}` (new_files_condition below). The export views,
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

{#- `<day> in (<the days of int_calls__days_to_build>)` for a relation rebuilt by day, else ''. -#}
{% macro rebuilt_days_condition(relation) -%}
    {%- if not execute or relation.identifier is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = namespace(column=none, days=none, new_files=none, validated=none) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- if node.alias | lower == relation.identifier | lower
            and node.schema | lower == (relation.schema or '') | lower -%}
            {%- set found.column = node.config.meta.get('call_days_column') -%}
            {%- set found.new_files = node.config.meta.get('new_files_column') -%}
        {%- endif -%}
        {%- if node.name == 'int_calls__validated' -%}
            {%- set found.validated = node -%}
        {%- endif -%}
        {%- if node.name == 'int_calls__days_to_build' -%}
            {%- set found.days = node -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found.new_files is not none and found.validated is not none -%}
        {{ return(cdr_warehouse.new_files_condition(found.new_files, found.validated)) }}
    {%- endif -%}
    {%- if found.column is none or found.days is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set days = adapter.get_relation(
        database=found.days.database, schema=found.days.schema, identifier=found.days.alias
    ) -%}
    {%- if days is none -%}
        {{ return('') }}
    {%- endif -%}
    {#- The days as literals: a constant list reaches the table scan, a subquery would not. -#}
    {%- set listed = run_query('select distinct call_date from ' ~ days ~ ' order by 1').columns[0].values() -%}
    {%- if listed | length == 0 -%}
        {{ return('1 = 0') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in listed -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(found.column ~ ' in (' ~ literals | join(', ') ~ ')') }}
{%- endmacro %}

{#-
    The vendors' staging views parse every landed row whenever they are read: their tests check the rows of
    the files landed since the last build, `<column> > <largest file id in int_calls__validated>` (read
    before this build appends to it, as its tests run before it is rebuilt).
-#}
{% macro new_files_condition(column, validated_node) -%}
    {%- set validated = adapter.get_relation(
        database=validated_node.database, schema=validated_node.schema, identifier=validated_node.alias
    ) -%}
    {%- if validated is none or flags.FULL_REFRESH -%}
        {{ return('') }}
    {%- endif -%}
    {%- set largest = run_query('select coalesce(max(source_file_id), -1) from ' ~ validated).columns[0].values()[0] -%}
    {{ return(column ~ ' > ' ~ largest) }}
{%- endmacro %}
