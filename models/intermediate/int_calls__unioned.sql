{#- Every vendor's staged calls in one canonical shape. A new vendor adds its staging model here. -#}
{{ union_staged_cdrs([
    ref('stg_flowroute__cdrs'),
    ref('stg_callr__cdrs'),
]) }}
