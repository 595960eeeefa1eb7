{#- Call KPIs (DESIGN §6), one definition each, rounded to 2 decimals. Null where the divisor is 0. -#}

{#- ASR: answered calls per 100 attempts. -#}
{% macro kpi_asr_pct(answered, attempts) -%}
    round(100.0 * {{ answered }} / nullif({{ attempts }}, 0), 2)
{%- endmacro %}

{#- NER: attempts the network delivered (answered, busy or unanswered) per 100 attempts. -#}
{% macro kpi_ner_pct(answered, busy, no_answer, attempts) -%}
    round(100.0 * ({{ answered }} + {{ busy }} + {{ no_answer }}) / nullif({{ attempts }}, 0), 2)
{%- endmacro %}

{#- ACD: connected seconds per answered call, never per attempt. -#}
{% macro kpi_acd_s(connected_seconds, answered) -%}
    round(1.0 * {{ connected_seconds }} / nullif({{ answered }}, 0), 2)
{%- endmacro %}

{#- Seconds as minutes, a double on every engine: `/ 60.0` is a double on DuckDB but a decimal of scale 6 on
    Spark, and the two differ from the sixth decimal. -#}
{% macro kpi_minutes(seconds) -%}
    cast({{ seconds }} as double) / 60
{%- endmacro %}
