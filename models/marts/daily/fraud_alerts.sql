{#-
    Fraud alerts: one row per UTC call day x subject x triggered rule, from the per-call flags of
    int_calls__fraud and the canonical calls of fct_calls (days, numbers and money as fct_calls reports them).
    The thresholds are int_calls__fraud's vars; the weights (macro fraud_rule_weights) give the severity.
-#}

{%- set short_call_max_s = var('fraud_short_call_max_s') -%}
{%- set burst_window_s = var('fraud_burst_window_s') -%}
{%- set spike_multiplier = var('fraud_spike_multiplier') -%}
{%- set spike_baseline_days = var('fraud_spike_baseline_days') -%}
{%- set wangiri_max_ring_s = var('fraud_wangiri_max_ring_s') -%}
{%- set max_concurrent_calls = var('fraud_max_concurrent_calls') -%}

{#-
    Per rule: its weight, its flag, the figure it measured and which end of the figure is worse
    ('desc': the highest, 'asc': the lowest).
-#}
{%- set figures = {
    'high_risk_destination': ('duration_s', 'desc'),
    'wangiri': ('ring_time_s', 'asc'),
    'short_call_burst': ('burst_calls', 'desc'),
    'traffic_spike': ('destination_calls_day', 'desc'),
    'over_concurrency': ('concurrent_calls', 'desc'),
    'negative_margin': ('margin', 'asc'),
} -%}
{%- set fraud_rules = [] -%}
{%- for name, weight in fraud_rule_weights() -%}
    {%- do fraud_rules.append({'name': name, 'weight': weight, 'figure': figures[name][0], 'worst': figures[name][1]}) -%}
{%- endfor -%}

{%- set text = dbt.type_string() -%}

-- depends_on: {{ ref('int_daily__days_to_refresh') }}
with

calls as (

    select
        cdr_id,
        call_date,
        start_time,
        account_number,
        calling_number,
        called_country,
        duration_s,
        charge_amount,
        vendor_charge
    from {{ ref('fct_calls') }}
    {% if is_incremental() -%}
    where {{ summary_days_predicate('call_date') }}
    {%- endif %}

),

fraud as (

    select * from {{ ref('int_calls__fraud') }}
    where fraud_score > 0

),

flagged as (

    select
        calls.*,
        fraud.fraud_subject,
        fraud.is_high_risk_destination,
        fraud.matched_high_risk_prefix,
        fraud.high_risk_description,
        fraud.high_risk_level,
        fraud.is_wangiri,
        fraud.ring_time_s,
        fraud.is_short_call_burst,
        fraud.burst_calls,
        fraud.is_traffic_spike,
        fraud.destination_calls_day,
        fraud.destination_baseline_calls,
        fraud.is_over_concurrency,
        fraud.concurrent_calls,
        fraud.is_negative_margin,
        fraud.margin
    from fraud
    inner join calls
        on fraud.cdr_id = calls.cdr_id

),

flagged_calls as (

    {%- for rule in fraud_rules %}

    select
        call_date,
        fraud_subject as subject,
        account_number,
        '{{ rule.name }}' as rule,  -- noqa: RF04
        '{{ "high" if rule.weight >= 30 else ("medium" if rule.weight >= 20 else "low") }}' as severity,
        cdr_id,
        start_time,
        calling_number,
        called_country,
        charge_amount,
        vendor_charge,
        matched_high_risk_prefix,
        high_risk_description,
        high_risk_level,
        destination_baseline_calls,
        cast({{ rule.figure }} as decimal(18, 6)) as figure,
        {%- if rule.worst == 'asc' %}
        -1 * cast({{ rule.figure }} as decimal(18, 6)) as badness
        {%- else %}
        cast({{ rule.figure }} as decimal(18, 6)) as badness
        {%- endif %}
    from flagged
    where is_{{ rule.name }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by call_date, subject, rule
            order by badness desc, start_time asc, cdr_id asc
        ) as badness_rank
    from flagged_calls

),

alerts as (

    select
        call_date,
        subject,
        rule,
        max(account_number) as account_number,
        max(severity) as severity,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls,
        min(start_time) as first_call_at,
        max(start_time) as last_call_at,
        sum(figure) as total_figure,
        sum(charge_amount) as charge_amount,
        sum(vendor_charge) as vendor_charge
    from flagged_calls
    group by
        call_date,
        subject,
        rule

),

worst_calls as (

    select * from ranked
    where badness_rank = 1

),

explained as (

    select
        alerts.call_date,
        alerts.subject,
        alerts.account_number,
        alerts.rule,
        alerts.severity,
        case alerts.rule
            when 'high_risk_destination' then
                cast(alerts.calls as {{ text }})
                || case when alerts.calls = 1 then ' call' else ' calls' end
                || ' to high-risk ranges, e.g. +' || worst_calls.matched_high_risk_prefix
                || ' ' || worst_calls.high_risk_description || ' (' || worst_calls.high_risk_level || ' risk)'
                || '; longest connected '
                || cast(cast(worst_calls.figure as {{ dbt.type_bigint() }}) as {{ text }}) || ' s'
            when 'wangiri' then
                cast(alerts.calls as {{ text }})
                || ' unanswered international inbound'
                || case when alerts.calls = 1 then ' call' else ' calls' end
                || ' ringing <= {{ wangiri_max_ring_s }} s, e.g. from ' || worst_calls.calling_number
                || ' (rang ' || cast(cast(worst_calls.figure as {{ dbt.type_bigint() }}) as {{ text }}) || ' s)'
            when 'short_call_burst' then
                cast(cast(worst_calls.figure as {{ dbt.type_bigint() }}) as {{ text }})
                || ' short calls (<= {{ short_call_max_s }} s) within {{ burst_window_s }} s from '
                || worst_calls.calling_number
            when 'traffic_spike' then
                cast(cast(worst_calls.figure as {{ dbt.type_bigint() }}) as {{ text }})
                || ' calls to ' || coalesce(nullif(worst_calls.called_country, ''), 'an unknown country')
                || ' on ' || cast(alerts.call_date as {{ text }})
                || ', more than {{ spike_multiplier }} x the {{ spike_baseline_days }}-day mean of '
                || cast(worst_calls.destination_baseline_calls as {{ text }}) || ' a day'
            when 'over_concurrency' then
                cast(cast(worst_calls.figure as {{ dbt.type_bigint() }}) as {{ text }})
                || ' calls in progress at once (limit {{ max_concurrent_calls }})'
            when 'negative_margin' then
                cast(alerts.calls as {{ text }})
                || case when alerts.calls = 1 then ' rated call' else ' rated calls' end
                || ' charged below vendor cost: margin '
                || cast(cast(alerts.total_figure as decimal(18, 6)) as {{ text }}) || ' in total, worst '
                || cast(worst_calls.figure as {{ text }})
        end as reason,
        alerts.calls,
        alerts.first_call_at,
        alerts.last_call_at,
        worst_calls.figure as max_figure,
        alerts.charge_amount,
        alerts.vendor_charge,
        worst_calls.cdr_id as sample_cdr_id
    from alerts
    inner join worst_calls
        on alerts.call_date = worst_calls.call_date
        and alerts.subject = worst_calls.subject
        and alerts.rule = worst_calls.rule

),

final as (

    select
        call_date,
        subject,
        account_number,
        rule,
        severity,
        reason,
        calls,
        first_call_at,
        last_call_at,
        max_figure,
        charge_amount,
        vendor_charge,
        sample_cdr_id
    from explained

)

select * from final
