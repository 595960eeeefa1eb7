{#- A view on DuckDB, computed when read; a table on Spark, whose views Python cannot read (orchestration/spark.py). -#}
{{ config(materialized=('table' if target.type == 'spark' else 'view')) }}

{#- int_daily__summarised is read without ref(): it is built downstream, from this view's answer. -#}
{%- set summarised_relation = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_daily__summarised'
) if execute else none -%}

with

fingerprints as (

    select * from {{ ref('int_daily__fingerprints') }}

),

summarised as (

    {% if summarised_relation is not none -%}
    select
        call_date,
        fingerprint
    from {{ summarised_relation }}
    {%- else -%}
    -- Nothing summarised yet: every day is stale.
    select
        cast(null as date) as call_date,
        cast(null as decimal(38, 0)) as fingerprint
    where 1 = 0
    {%- endif %}

),

final as (

    -- A day is stale when its calls changed (new, late, re-rated, re-deduplicated...) or are gone.
    select coalesce(fingerprints.call_date, summarised.call_date) as call_date
    from fingerprints
    full outer join summarised
        on fingerprints.call_date = summarised.call_date
    where fingerprints.fingerprint is distinct from summarised.fingerprint

)

select * from final
