{{ call_days_config('affected') }}

{#-
    Fraud rules per call (after OpenSIPS fraud_detection, CGRateS ThresholdS and CDR-Stats alarms): one boolean
    per rule, the figure it measured, a 0-100 score (the sum of the triggered rules' weights, capped) and the
    names of the triggered rules. Thresholds and weights are dbt vars (see _int_calls__fraud.yml).

    The subject of the per-customer rules (traffic_spike, over_concurrency) is the account, else (Flowroute has
    no accounts) the calling number. Withheld callers ('anonymous') without an account are no subject: they
    would lump unrelated callers together, so those two rules and short_call_burst skip them.
-#}

{%- set short_call_max_s = var('fraud_short_call_max_s') -%}
{%- set burst_min_calls = var('fraud_burst_min_calls') -%}
{%- set burst_window_s = var('fraud_burst_window_s') -%}
{%- set spike_multiplier = var('fraud_spike_multiplier') -%}
{%- set spike_min_calls = var('fraud_spike_min_calls') -%}
{%- set spike_baseline_days = var('fraud_spike_baseline_days') -%}
{%- set spike_require_history = var('fraud_spike_require_history') -%}
{%- set wangiri_max_ring_s = var('fraud_wangiri_max_ring_s') -%}
{%- set max_concurrent_calls = var('fraud_max_concurrent_calls') -%}

{#- The rules in the fixed order of fraud_indicators, with their weights. -#}
{%- set fraud_rules = fraud_rule_weights() -%}

{#- Numeric order keys for the window frames: seconds and days since the epoch. -#}
{%- set epoch_timestamp = "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}
{%- set epoch_date = "cast('1970-01-01' as date)" -%}

{#- An incremental build rebuilds the affected days (macros/call_days.sql); their rules read back over the
    previous days (the spike baseline, bursts across midnight) and calls still in progress at their start. -#}
{%- set first_rebuilt_day = "(select min(call_date) from " ~ ref('int_calls__days_to_build') ~ ")" -%}
{%- set lookback_from = "(select cast(" ~ dbt.dateadd('day', -(spike_baseline_days + 1), 'min(call_date)') ~ " as date) from " ~ ref('int_calls__days_to_build') ~ ")" %}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

rated as (

    -- int_calls__rated carries every column of the call beside its rating: one narrow read, no join.
    select
        cdr_id,
        direction,
        call_status,
        calling_number,
        called_number,
        called_number_is_e164,
        called_country,
        account_number,
        international_call,
        start_time,
        end_time,
        call_date,
        duration_s,
        ring_duration_s,
        margin,
        rating_status
    from {{ ref('int_calls__rated') }}
    {% if is_incremental() -%}
    where call_date >= {{ lookback_from }}
        or end_time >= cast({{ first_rebuilt_day }} as {{ dbt.type_timestamp() }})
    {%- endif %}

),

high_risk_destinations as (

    select
        prefix,
        description,
        risk_level,
        length(prefix) as prefix_length
    from {{ ref('high_risk_destinations') }}

),

prefix_lengths as (

    -- Only the lengths the list has: a number is cut into as many prefixes, not fifteen.
    select distinct prefix_length
    from high_risk_destinations

),

calls as (

    select
        rated.cdr_id,
        rated.call_date,
        rated.direction,
        rated.call_status,
        rated.calling_number,
        rated.called_number,
        rated.called_number_is_e164,
        rated.international_call,
        rated.duration_s,
        rated.ring_duration_s,
        coalesce(rated.account_number, rated.calling_number) as fraud_subject,
        rated.account_number is not null or rated.calling_number <> 'anonymous' as has_known_subject,
        -- Null countries form one destination of their own (a plain join key, unlike null).
        coalesce(rated.called_country, '') as destination_key,
        {{ dbt.datediff(epoch_timestamp, 'rated.start_time', 'second') }} as start_s,  -- noqa: LT05
        {{ dbt.datediff(epoch_timestamp, 'rated.end_time', 'second') }} as end_s,  -- noqa: LT05
        {{ dbt.datediff(epoch_date, 'rated.call_date', 'day') }} as day_number,  -- noqa: LT05
        {{ dbt.datediff('rated.start_time', 'rated.end_time', 'second') }} as start_to_end_s,  -- noqa: LT05
        rated.margin,
        rated.rating_status
    from rated

),

-- 1. high_risk_destination: the longest prefix of the called number in high_risk_destinations.

called_prefixes as (

    select
        calls.cdr_id,
        prefix_lengths.prefix_length,
        substr(calls.called_number, 2, prefix_lengths.prefix_length) as number_prefix
    from calls
    cross join prefix_lengths
    where calls.called_number_is_e164
        {%- if is_incremental() %}
        -- A call's own rule: only the rebuilt days' calls, not the days read back for the other rules.
        and calls.{{ call_days_filter('affected') }}
        {%- endif %}

),

high_risk_matches as (

    select
        called_prefixes.cdr_id,
        high_risk_destinations.prefix,
        high_risk_destinations.description,
        high_risk_destinations.risk_level,
        row_number() over (
            partition by called_prefixes.cdr_id
            order by high_risk_destinations.prefix_length desc
        ) as match_rank
    from called_prefixes
    inner join high_risk_destinations
        on called_prefixes.number_prefix = high_risk_destinations.prefix
        and called_prefixes.prefix_length = high_risk_destinations.prefix_length

),

high_risk_calls as (

    select
        cdr_id,
        prefix as matched_high_risk_prefix,
        description as high_risk_description,
        risk_level as high_risk_level
    from high_risk_matches
    where match_rank = 1

),

-- 2. short_call_burst: short answered calls of the same caller in the window ending at each one's start.

short_calls as (

    select
        cdr_id,
        calling_number,
        start_s
    from calls
    where call_status = 'answered'
        and duration_s <= {{ short_call_max_s }}
        and calling_number <> 'anonymous'

),

short_call_bursts as (

    select
        cdr_id,
        count(*) over (
            partition by calling_number
            order by start_s
            range between {{ burst_window_s }} preceding and current row
        ) as burst_calls
    from short_calls

),

-- 3. traffic_spike: a subject's calls to a country on a UTC day against its mean over the previous days.

subject_days as (

    select
        fraud_subject,
        destination_key,
        day_number,
        count(*) as destination_calls_day
    from calls
    where has_known_subject
    group by
        fraud_subject,
        destination_key,
        day_number

),

first_day as (

    -- The first day of all the data, not of the days read: a rebuild reads only its lookback.
    select {{ dbt.datediff(epoch_date, 'min(call_date)', 'day') }} as first_day_number
    from {{ ref('int_calls__rated') }}

),

subject_day_baselines as (

    -- The frame spans the previous days and the day itself; days without calls have no row and add 0.
    select
        fraud_subject,
        destination_key,
        day_number,
        destination_calls_day,
        first_day.first_day_number,
        sum(destination_calls_day) over (
            partition by fraud_subject, destination_key
            order by day_number
            range between {{ spike_baseline_days }} preceding and current row
        ) - destination_calls_day as baseline_period_calls
    from subject_days
    cross join first_day

),

subject_day_spikes as (

    select
        fraud_subject,
        destination_key,
        day_number,
        destination_calls_day,
        cast(round(1.0 * baseline_period_calls / {{ spike_baseline_days }}, 2) as decimal(18, 2))
            as destination_baseline_calls,
        -- calls > multiplier x (period calls / days), kept in integers: no rounding at the edge.
        destination_calls_day * {{ spike_baseline_days }} > {{ spike_multiplier }} * baseline_period_calls
        and destination_calls_day >= {{ spike_min_calls }}
        {%- if spike_require_history %}
        -- Only days whose whole baseline period lies within the data: before the first landed day there
        -- are no calls because there is no data, which is no evidence of a quiet subject.
        and day_number - {{ spike_baseline_days }} >= first_day_number
        {%- endif %} as is_traffic_spike
    from subject_day_baselines

),

-- 5. over_concurrency: a sweep over each subject's start (+1) and end (-1) events.

concurrency_events as (

    select
        fraud_subject,
        start_s as event_s,
        1 as call_change
    from calls
    where has_known_subject

    union all

    select
        fraud_subject,
        -- A call cannot end before it starts (a broken end is read as a zero-length call).
        case when end_s < start_s then start_s else end_s end as event_s,
        -1 as call_change
    from calls
    where has_known_subject

),

concurrency_instants as (

    -- Netting the changes of each instant counts ends before starts: a call is in progress on
    -- [start_time, end_time), so one ending when another starts does not overlap it, and calls starting
    -- at the same instant all count for each other.
    select
        fraud_subject,
        event_s,
        sum(call_change) as net_change
    from concurrency_events
    group by
        fraud_subject,
        event_s

),

concurrency_levels as (

    -- One running sum in (subject, instant) order, not one per subject: every call adds +1 and -1 to its own
    -- subject, so each subject's changes sum to 0 and the sum reaching a subject's first instant is 0. The
    -- same figures; DuckDB's window over millions of one- or two-call partitions took twice as long (48 s ->
    -- 26 s for this model at 10M calls). A cluster engine would want the partitioned form back (issue 8).
    select
        fraud_subject,
        event_s,
        sum(net_change) over (
            order by fraud_subject, event_s
            rows between unbounded preceding and current row
        ) as calls_in_progress
    from concurrency_instants

),

-- All rules per call.

measured as (

    select
        calls.cdr_id,
        calls.call_date,
        calls.fraud_subject,
        high_risk_calls.matched_high_risk_prefix,
        high_risk_calls.high_risk_description,
        high_risk_calls.high_risk_level,
        short_call_bursts.burst_calls,
        subject_day_spikes.destination_calls_day,
        subject_day_spikes.destination_baseline_calls,
        coalesce(subject_day_spikes.is_traffic_spike, false) as is_traffic_spike,
        -- Without ring_duration_s the unanswered call's span is its ring time; a zero span is no measurement
        -- (vendors that report only the connected duration give end_time = start_time).
        coalesce(calls.ring_duration_s, nullif(calls.start_to_end_s, 0)) as ring_time_s,
        -- A zero-length call is in progress at its start too ([start, end) is empty, but it counts itself).
        concurrency_levels.calls_in_progress
        + case when calls.end_s <= calls.start_s then 1 else 0 end as concurrent_calls,
        calls.margin,
        calls.direction,
        calls.call_status,
        calls.international_call,
        calls.rating_status
    from calls
    left join high_risk_calls
        on calls.cdr_id = high_risk_calls.cdr_id
    left join short_call_bursts
        on calls.cdr_id = short_call_bursts.cdr_id
    left join subject_day_spikes
        on calls.fraud_subject = subject_day_spikes.fraud_subject
        and calls.destination_key = subject_day_spikes.destination_key
        and calls.day_number = subject_day_spikes.day_number
        and calls.has_known_subject
    left join concurrency_levels
        on calls.fraud_subject = concurrency_levels.fraud_subject
        and calls.start_s = concurrency_levels.event_s
        and calls.has_known_subject

),

flagged as (

    select
        cdr_id,
        call_date,
        fraud_subject,
        matched_high_risk_prefix,
        high_risk_description,
        high_risk_level,
        matched_high_risk_prefix is not null as is_high_risk_destination,
        burst_calls,
        coalesce(burst_calls >= {{ burst_min_calls }}, false) as is_short_call_burst,
        destination_calls_day,
        destination_baseline_calls,
        is_traffic_spike,
        ring_time_s,
        coalesce(
            direction = 'inbound'
            and international_call
            -- The callee's phone rang and the caller gave up (busy, failed or blocked calls never rang).
            and call_status in ('no_answer', 'abandoned')
            and ring_time_s <= {{ wangiri_max_ring_s }},
            false
        ) as is_wangiri,
        concurrent_calls,
        coalesce(concurrent_calls > {{ max_concurrent_calls }}, false) as is_over_concurrency,
        margin,
        coalesce(rating_status = 'rated' and margin < 0, false) as is_negative_margin
    from measured

),

scored as (

    select
        *,
        cast(least(
            100,
            {%- for rule, weight in fraud_rules %}
            case when is_{{ rule }} then {{ weight }} else 0 end{% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as {{ dbt.type_int() }}) as fraud_score,
        nullif(concat_ws(
            ','
            {%- for rule, weight in fraud_rules %},
            case when is_{{ rule }} then '{{ rule }}' end
            {%- endfor %}
        ), '') as fraud_indicators
    from flagged

),

final as (

    select
        cdr_id,
        call_date,
        fraud_subject,
        fraud_score,
        fraud_indicators,
        is_high_risk_destination,
        matched_high_risk_prefix,
        high_risk_description,
        high_risk_level,
        is_wangiri,
        ring_time_s,
        is_short_call_burst,
        burst_calls,
        is_traffic_spike,
        destination_calls_day,
        destination_baseline_calls,
        is_over_concurrency,
        concurrent_calls,
        is_negative_margin,
        margin
    from scored
    {% if is_incremental() -%}
    where {{ call_days_filter('affected') }}
    {%- endif %}

)

select * from final
