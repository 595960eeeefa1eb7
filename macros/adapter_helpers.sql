{#-
    Adapter-dispatched helpers: everything DuckDB-specific stays here, so the models run on Spark too.
-#}

{#- dbt.safe_cast is a plain cast on DuckDB; a bad value must become null, not fail the build. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- A timestamp string written in UTC without an offset ('2012-04-24 23:42:00'); invalid values are null. -#}
{% macro parse_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'cdr_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
    {{ dbt.safe_cast("nullif(trim(" ~ expr ~ "), '')", api.Column.translate_type("timestamp")) }}
{%- endmacro %}

{#- A timestamp string carrying an offset ('2019-06-25 18:18:54+00'), converted to a UTC timestamp. -#}
{% macro parse_offset_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_offset_timestamp', 'cdr_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__parse_offset_timestamp(expr) -%}
    to_utc_timestamp(to_timestamp(nullif(trim({{ expr }}), '')), 'UTC')
{%- endmacro %}

{% macro duckdb__parse_offset_timestamp(expr) -%}
    (try_cast(nullif(trim({{ expr }}), '') as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'cdr_warehouse')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- A back-reference to capture group n in a regexp_replace replacement: \1 (RE2, DuckDB), $1 (Java, Spark). -#}
{% macro regexp_group(n) -%}
    {{ return(adapter.dispatch('regexp_group', 'cdr_warehouse')(n)) }}
{%- endmacro %}

{% macro default__regexp_group(n) -%}
    {{ return('$' ~ n) }}
{%- endmacro %}

{% macro duckdb__regexp_group(n) -%}
    {{ return('\\' ~ n) }}
{%- endmacro %}

{#- True when the whole string matches the pattern. -#}
{% macro regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'cdr_warehouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Decimal type for money: vendors send up to 8 decimals. -#}
{% macro type_money() -%}
    decimal(18, 8)
{%- endmacro %}

{#- An IP address with any ':port' removed: '203.0.113.5:5060' and '[2001:db8::1]:5060' lose the port. -#}
{% macro ip_without_port(expr) -%}
    case
        when trim({{ expr }}) = '' then null
        when left(trim({{ expr }}), 1) = '[' then regexp_extract(trim({{ expr }}), '^\[([^\]]*)\]', 1)
        when {{ regexp_full_match('trim(' ~ expr ~ ')', '[0-9.]+:[0-9]+') }}
            then regexp_extract(trim({{ expr }}), '^([0-9.]+):', 1)
        else trim({{ expr }})
    end
{%- endmacro %}

{#- The name of a file without its folders and its extension (and .gz): 'eu/wholesale_eu.csv.gz' -> 'wholesale_eu'. -#}
{% macro file_stem(path) -%}
    {{ regexp_replace_all(regexp_replace_all(path, '^.*/', ''), '[.][^./]+([.][gG][zZ])?$', '') }}
{%- endmacro %}

{#- True when the text names a time zone the engine knows (IANA names such as 'Europe/Paris'). -#}
{% macro time_zone_is_known(expr) -%}
    {{ return(adapter.dispatch('time_zone_is_known', 'cdr_warehouse')(expr)) }}
{%- endmacro %}

{#- Engines without a list of their zones accept any name; a wrong one shows when it is used. -#}
{% macro default__time_zone_is_known(expr) -%}
    ({{ expr }} is not null)
{%- endmacro %}

{% macro duckdb__time_zone_is_known(expr) -%}
    ({{ expr }} in (select name from pg_timezone_names()))
{%- endmacro %}
