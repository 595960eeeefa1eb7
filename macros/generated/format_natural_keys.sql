{#- Generated from the format declarations in orchestration/formats/ by `python -m orchestration.formats.codegen`. Edit the declaration, not this file. -#}
{% macro format_natural_key(format_name) -%}
    {{ return({'flowroute_cdr': ['direction', 'start_time', 'end_time', 'callerid', 'destination'], 'callr_cdr': ['callid'], 'didww_inbound': ['start_time', 'source', 'did', 'duration'], 'didww_outbound': ['start_time', 'source', 'destination', 'duration'], 'connexcs_cdr': ['call_time', 'destination', 'duration'], 'demandflow_cdr': ['name']}[format_name]) }}
{%- endmacro %}
