{#- The UTC days the call models rebuild in this build (macros/call_days.sql): one row per day. -#}

{%- set spike_baseline_days = var('fraud_spike_baseline_days') -%}
{#- int_calls__built_days is read without ref(): it is written downstream, from this table. A full refresh
    rebuilds every day, as if nothing had been built. -#}
{%- set built_relation = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_calls__built_days'
) if execute and not flags.FULL_REFRESH else none -%}

with

validated as (

    select
        cdr_id,
        cast(start_time as date) as call_date,
        end_time,
        source_file_id,
        source_line
    from {{ ref('int_calls__validated') }}
    where broken_rules is null

),

valid_days as (

    -- Landing only adds rows, so a day's rows changed exactly when this changes.
    select
        call_date,
        count(*) as validated_rows,
        sum(cast({{ row_hash_of(['source_file_id', 'source_line']) }} as decimal(38, 0))) as validated_fingerprint
    from validated
    group by call_date

),

rerating_days as (

    -- Re-rating runs (and their undoing) change the days of their window.
    select
        valid_days.call_date,
        sum(cast({{ row_hash_of(['runs.run_id', 'runs.is_active']) }} as decimal(38, 0))) as rerating_fingerprint
    from valid_days
    inner join {{ ref('stg_rerating__runs') }} as runs
        on valid_days.call_date between cast(runs.window_from as date) and cast(runs.window_to as date)
    group by valid_days.call_date

),

rates as (

    -- Any change to a rate deck or rating plan can re-rate any day.
    select
        coalesce((
            select sum(cast({{ row_hash(ref('int_rates__decks')) }} as decimal(38, 0)))
            from {{ ref('int_rates__decks') }}
        ), 0)
        + coalesce((
            select sum(cast({{ row_hash(ref('int_rates__plans')) }} as decimal(38, 0)))
            from {{ ref('int_rates__plans') }}
        ), 0) as rates_fingerprint

),

current_days as (

    select
        valid_days.call_date,
        valid_days.validated_rows,
        valid_days.validated_fingerprint,
        coalesce(rerating_days.rerating_fingerprint, 0) as rerating_fingerprint,
        rates.rates_fingerprint
    from valid_days
    cross join rates
    left join rerating_days
        on valid_days.call_date = rerating_days.call_date

),

built as (

    {% if built_relation is not none -%}
    select
        call_date,
        validated_rows,
        validated_fingerprint,
        rerating_fingerprint,
        rates_fingerprint
    from {{ built_relation }}
    {%- else -%}
    -- Nothing built yet: every day is changed.
    select
        cast(null as date) as call_date,
        cast(null as {{ dbt.type_bigint() }}) as validated_rows,
        cast(null as decimal(38, 0)) as validated_fingerprint,
        cast(null as decimal(38, 0)) as rerating_fingerprint,
        cast(null as decimal(38, 0)) as rates_fingerprint
    where 1 = 0
    {%- endif %}

),

moved_days as (

    select current_days.call_date
    from current_days
    left join built
        on current_days.call_date = built.call_date
    where built.call_date is null
        or current_days.validated_rows <> built.validated_rows
        or current_days.validated_fingerprint <> built.validated_fingerprint
        or current_days.rerating_fingerprint <> built.rerating_fingerprint
        or current_days.rates_fingerprint <> built.rates_fingerprint

),

changed_days as (

    -- A call keeps one cdr_id; should a newer version of it start on another day, the day of the older
    -- version changes too (deduplication moves the call).
    select distinct validated.call_date
    from validated
    where validated.cdr_id in (
        select moved.cdr_id
        from validated as moved
        where moved.call_date in (select call_date from moved_days)
    )

),

spans as (

    -- A changed day feeds the fraud figures of the days after it: the trailing baseline of the spike rule
    -- (and bursts across midnight) for the next days, and calls still in progress on the days they end.
    select
        changed_days.call_date as first_day,
        greatest(
            cast({{ dbt.dateadd('day', spike_baseline_days + 1, 'changed_days.call_date') }} as date),
            max(cast(validated.end_time as date))
        ) as last_day
    from changed_days
    inner join validated
        on changed_days.call_date = validated.call_date
    group by changed_days.call_date

    union all

    -- Calls before the first day built give earlier days a full baseline period.
    select
        min(changed_days.call_date) as first_day,
        cast({{ dbt.dateadd('day', spike_baseline_days + 1, '(select min(call_date) from built)') }} as date)
            as last_day
    from changed_days
    having min(changed_days.call_date) < (select min(call_date) from built)

),

final as (

    select
        current_days.call_date,
        current_days.call_date in (select call_date from changed_days) as is_changed,
        current_days.validated_rows,
        current_days.validated_fingerprint,
        current_days.rerating_fingerprint,
        current_days.rates_fingerprint
    from current_days
    where exists (
        select 1
        from spans
        where current_days.call_date between spans.first_day and spans.last_day
    )

)

select * from final
