{{ call_days_config('affected') }}

-- Built after the last call model, so it records what they were just built from (macros/call_days.sql):
-- depends_on: {{ ref('fct_calls') }}
-- depends_on: {{ ref('int_daily__fingerprints') }}

with

days_to_build as (

    select * from {{ ref('int_calls__days_to_build') }}

),

final as (

    select
        call_date,
        validated_rows,
        validated_fingerprint,
        rerating_fingerprint,
        rates_fingerprint,
        {#- Read when the model runs, not when parsed: dbt parses a file again whenever an env var it read while
            parsing changes. #}
        '{{ env_var("CDRWH_CALL_MODELS_VERSION", "") if execute }}' as call_models_version,
        {{ dbt.current_timestamp() }} as built_at
    from days_to_build

)

select * from final
