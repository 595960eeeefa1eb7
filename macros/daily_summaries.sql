{#-
    Daily summaries (models/marts/daily/) are incremental by UTC day: a build replaces exactly the days
    it is told to, and no other.

    Which days:
    - `--vars '{summary_days: ["2026-11-20", ...]}'`, or the environment variable CDRWH_SUMMARY_DAYS
      (`2026-11-20,2026-11-21`, `none` for no day; what Dagster passes for a partition range, a backfill,
      `cdrwh run --from --to`, and the days a pipeline run touched): those days;
    - no var: the days whose calls changed since the summaries were last built, that is the days of
      intermediate.int_daily__days_to_refresh (fct_calls fingerprints against the ones recorded by
      int_daily__summarised), so a plain `dbt build` is also correct.
    A first build or `--full-refresh` builds every day.
-#}

{#- A SQL predicate on `column` selecting the days this build replaces. -#}
{% macro summary_days_predicate(column='call_date') -%}
    {%- set days = summary_days_var() -%}
    {%- if days is none -%}
        {{ column }} in (select call_date from {{ ref('int_daily__days_to_refresh') }})
    {%- elif days | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ column }} in (
            {%- for day in days %}cast('{{ day }}' as date){{ ", " if not loop.last }}{% endfor -%}
        )
    {%- endif -%}
{%- endmacro %}

{#- The summary_days var as a list of ISO dates, or none when unset; anything else fails the build. -#}
{% macro summary_days_var() -%}
    {#- cdrwh passes the days in CDRWH_SUMMARY_DAYS ('none': no day): a var would make dbt parse again. -#}
    {%- set days = var('summary_days', none) -%}
    {%- if days is none -%}
        {%- set days = env_var('CDRWH_SUMMARY_DAYS', '') -%}
        {%- if days == '' -%}
            {{ return(none) }}
        {%- elif days == 'none' -%}
            {{ return([]) }}
        {%- endif -%}
    {%- endif -%}
    {%- if days is string -%}
        {%- set days = days.split(',') | map('trim') | reject('equalto', '') | list -%}
    {%- endif -%}
    {%- for day in days -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', day | string) -%}
            {{ exceptions.raise_compiler_error(
                "var summary_days: '" ~ day ~ "' is not a date (YYYY-MM-DD); give a list such as "
                ~ "[\"2026-11-20\", \"2026-11-21\"]") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(days | map('string') | list) }}
{%- endmacro %}

{#-
    Pre-hook of every daily model: remove the days being replaced before the insert. delete+insert
    alone replaces only the days that still have rows, so a day whose calls all went would keep its
    old figures.
-#}
{% macro delete_summary_days() -%}
    {{ return(adapter.dispatch('delete_summary_days', 'cdr_warehouse')()) }}
{%- endmacro %}

{% macro default__delete_summary_days() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ summary_days_predicate('call_date') }}
    {%- endif -%}
{%- endmacro %}

{#- Spark (without Delta) cannot delete: the days' partitions are dropped, and insert_overwrite writes back
    those that have rows. -#}
{% macro spark__delete_summary_days() -%}
    {%- if is_incremental() -%}
        {%- set days = summary_days_var() -%}
        {%- if days is none -%}
            {{ drop_day_partitions("select call_date from " ~ ref('int_daily__days_to_refresh')) }}
        {%- elif days | length > 0 -%}
            {{ drop_day_partitions(days) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#-
    A number that changes when any column of any row of the day changes: the sum of row hashes (exact,
    in a decimal(38, 0)) - order-free, so a day's fingerprint does not depend on how rows were read.
-#}
{% macro row_hash(relation) -%}
    {{ return(adapter.dispatch('row_hash', 'cdr_warehouse')(relation)) }}
{%- endmacro %}

{% macro default__row_hash(relation) -%}
    hash({{ _column_list(relation) }})
{%- endmacro %}

{% macro spark__row_hash(relation) -%}
    xxhash64({{ _column_list(relation) }})
{%- endmacro %}

{% macro _column_list(relation) -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {{ adapter.quote(column.name) }}{{ ", " if not loop.last }}
        {%- endfor -%}
    {%- else -%}
        1
    {%- endif -%}
{%- endmacro %}

{#- The same for a list of SQL expressions. -#}
{% macro row_hash_of(expressions) -%}
    {{ return(adapter.dispatch('row_hash_of', 'cdr_warehouse')(expressions)) }}
{%- endmacro %}

{% macro default__row_hash_of(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__row_hash_of(expressions) -%}
    xxhash64({{ expressions | join(', ') }})
{%- endmacro %}
