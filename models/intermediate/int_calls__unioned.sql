{{ config(materialized='view') }}

{#- Every vendor's staged calls in one canonical shape. A new vendor adds its staging model here.
    A view: int_calls__validated is the first table of the parsed calls (one write of them, not two). -#}
{{ union_staged_cdrs([
    ref('stg_flowroute__cdrs'),
    ref('stg_callr__cdrs'),
    ref('stg_didww__inbound_calls'),
    ref('stg_didww__outbound_calls'),
    ref('stg_connexcs__cdrs'),
    ref('stg_demandflow__cdrs'),
]) }}
