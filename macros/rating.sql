{#-
    Rating arithmetic (DESIGN §7), exact: money is computed in integer micro-units, because DuckDB turns
    any decimal division into a double, and half-up rounding of a double can miss a tie.
-#}

{#- Integer division, truncating (operands are never negative here). -#}
{% macro int_div(dividend, divisor) -%}
    {{ return(adapter.dispatch('int_div', 'cdr_warehouse')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__int_div(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}

{% macro duckdb__int_div(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{#- ISO day of week: 1 Monday .. 7 Sunday. -#}
{% macro iso_day_of_week(ts) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'cdr_warehouse')(ts)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(ts) -%}
    ((dayofweek({{ ts }}) + 5) % 7 + 1)
{%- endmacro %}

{% macro duckdb__iso_day_of_week(ts) -%}
    isodow({{ ts }})
{%- endmacro %}

{#- Seconds billed: 0 unanswered; the first increment up to it; then whole subsequent increments. -#}
{% macro rated_duration(duration_s, first_increment, subsequent_increment, is_answered) -%}
    case
        when not ({{ is_answered }}) then 0
        when {{ duration_s }} <= {{ first_increment }} then {{ first_increment }}
        when coalesce({{ subsequent_increment }}, 0) <= 0 then {{ first_increment }}
        else {{ first_increment }} + {{ subsequent_increment }} * {{ int_div(
            duration_s ~ " - " ~ first_increment ~ " + " ~ subsequent_increment ~ " - 1", subsequent_increment) }}
    end
{%- endmacro %}

{#- An amount with at most 8 decimals as an integer count of 1e-8 units. -#}
{% macro money_units(amount) -%}
    cast(round(cast({{ amount }} as {{ type_money() }}) * 100000000) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- connect_fee + rate_per_minute x seconds / 60, in micro-units (1e-6), rounded half-up. -#}
{% macro charge_micros(rate_per_minute, rated_seconds, connect_fee) -%}
    {{ int_div(
        money_units(connect_fee) ~ " * 60 + " ~ money_units(rate_per_minute) ~ " * (" ~ rated_seconds ~ ") + 3000",
        "6000") }}
{%- endmacro %}

{#- amount x percent / 100, in micro-units, rounded half-up (percent with at most 4 decimals). -#}
{% macro percent_of_micros(amount_micros, percent) -%}
    {{ int_div(
        amount_micros ~ " * cast(round(cast(" ~ percent ~ " as decimal(12, 4)) * 10000) as " ~ dbt.type_bigint()
        ~ ") + 500000", "1000000") }}
{%- endmacro %}

{#- Micro-units back to a decimal amount, without a division. -#}
{% macro micros_to_money(micros) -%}
    cast(cast({{ micros }} as decimal(24, 0)) * 0.000001 as decimal(18, 6))
{%- endmacro %}

{#- A UTC timestamp (without zone) as wall-clock time in the IANA zone `tz`. -#}
{% macro utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'cdr_warehouse')(ts, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(ts, tz) -%}
    from_utc_timestamp({{ ts }}, {{ tz }})
{%- endmacro %}

{% macro duckdb__utc_to_local(ts, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ ts }}))
{%- endmacro %}
