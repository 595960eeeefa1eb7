{#- The fraud rules in the order of fraud_indicators, each with its weight (dbt var fraud_weight_<rule>). -#}
{% macro fraud_rule_weights() -%}
    {%- set rules = [] -%}
    {%- for name in [
        'high_risk_destination', 'wangiri', 'short_call_burst', 'traffic_spike', 'over_concurrency',
        'negative_margin',
    ] -%}
        {%- do rules.append((name, var('fraud_weight_' ~ name))) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
