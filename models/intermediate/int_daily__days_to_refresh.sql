{{ config(materialized='view') }}

{#- int_daily__summarised is read without ref(): it is built downstream, from this view's answer. -#}
{%- set summarised = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_daily__summarised'
) if execute else none -%}

with

fingerprints as (

    select * from {{ ref('int_daily__fingerprints') }}

),

{% if summarised is not none -%}
summarised as (

    select * from {{ summarised }}

),

final as (

    -- A day is stale when its calls changed (new, late, re-rated, re-deduplicated...) or are gone.
    select coalesce(fingerprints.call_date, summarised.call_date) as call_date
    from fingerprints
    full outer join summarised
        on fingerprints.call_date = summarised.call_date
    where fingerprints.fingerprint is distinct from summarised.fingerprint

)
{%- else -%}
final as (

    -- Nothing summarised yet: every day.
    select call_date
    from fingerprints

)
{%- endif %}

select * from final
