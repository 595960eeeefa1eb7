{{ config(materialized='view') }}

{#- A view for analysts: int_calls__enriched deduplicates by the same CTEs as its first step and stores the
    result (macros/deduplication.sql); its data tests check the one row per call. -#}
with

{{ deduplication_ctes(ref('int_calls__validated')) }}

select * from deduplicated
