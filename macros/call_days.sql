{#-
    The call models are incremental by UTC day of the call (start_time): a build rebuilds only the days
    intermediate.int_calls__days_to_build lists, and leaves the others as they are.

    - int_calls__validated appends the rows of newly landed files (landing never rewrites a file's rows);
    - int_calls__days_to_build compares each day's validated rows, the re-rating runs covering it and the
      rate decks and plans with what the last build recorded (int_calls__built_days): days that differ
      are `changed`;
    - deduplication, enrichment, rating and quality rebuild the changed days;
    - the fraud rules look across days (a trailing 7-day baseline, bursts and calls in progress across
      midnight), so int_calls__fraud, fct_calls and the day fingerprints rebuild the `affected` days: the
      changed days and those whose fraud figures they feed;
    - int_calls__built_days records what was built, last, so a failed build is redone by the next one.
    A first build and `--full-refresh` build every day; `cdrwh run` passes `--full-refresh` itself when
    the models, macros or seeds changed since the last build (CDRWH_CALL_MODELS_VERSION).
-#}

{#- A predicate on `column` selecting the days of this build: scope 'changed' or 'affected'. -#}
{% macro call_days_filter(scope, column='call_date') -%}
    {%- if scope not in ('changed', 'affected') -%}
        {{ exceptions.raise_compiler_error("call_days_filter: scope is 'changed' or 'affected', not " ~ scope) }}
    {%- endif -%}
    {{ column }} in (
        select call_date from {{ ref('int_calls__days_to_build') }}
        {%- if scope == 'changed' %} where is_changed{% endif %}
    )
{%- endmacro %}

{#- The config of a call model rebuilt by day: `{{ call_days_config('changed') }}` at the top of the model.
    `column` is its day's expression (the models before enrichment have no call_date yet). -#}
{% macro call_days_config(scope, column='call_date') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy=call_days_strategy(),
        partition_by=('call_date' if target.type == 'spark' else none),
        on_schema_change='fail',
        meta={'call_days_column': column},
        pre_hook="{{ delete_call_days('" ~ scope ~ "', '" ~ column ~ "') }}",
    ) }}
{%- endmacro %}

{% macro call_days_strategy() -%}
    {#- The pre-hook has removed the days; on Spark (without Delta) it has dropped their partitions, and the
        rows of the days that still have calls are written back by overwriting partitions. -#}
    {{ return('insert_overwrite' if target.type == 'spark' else 'append') }}
{%- endmacro %}

{#- Pre-hook: remove the days being rebuilt (a day can lose calls, e.g. to a newer version on another day). -#}
{% macro delete_call_days(scope, column='call_date') -%}
    {{ return(adapter.dispatch('delete_call_days', 'cdr_warehouse')(scope, column)) }}
{%- endmacro %}

{% macro default__delete_call_days(scope, column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ call_days_filter(scope, column) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__delete_call_days(scope, column) -%}
    {%- if is_incremental() -%}
        {%- if column != 'call_date' -%}
            {{ exceptions.raise_compiler_error("on Spark a call model rebuilt by day is partitioned by call_date, not " ~ column) }}
        {%- endif -%}
        {{ drop_day_partitions(
            "select call_date from " ~ ref('int_calls__days_to_build') ~ (" where is_changed" if scope == 'changed' else "")
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- The largest landed file id already in `relation` (-1 when empty), as a literal: a constant filter
    reaches the raw tables' scans, so an incremental build reads only the new files' rows. -#}
{% macro max_source_file_id(relation) -%}
    {%- if execute -%}
        {%- set result = run_query("select coalesce(max(source_file_id), -1) from " ~ relation) -%}
        {{ return(result.columns[0].values()[0]) }}
    {%- endif -%}
    {{ return(-1) }}
{%- endmacro %}
