{#-
    The DESIGN §5 field rules a row must keep to reach fct_calls: (rule name, condition that holds).
    int_calls__validated names the rules a row breaks; such rows go to marts.quarantined_calls instead.
    A null condition counts as broken, so every condition is written to be true or false.
-#}
{% macro cdr_field_rules() -%}
    {{ return([
        ('start_time_missing', "start_time is not null"),
        ('end_time_missing', "end_time is not null"),
        ('end_before_start', "start_time is null or end_time is null or end_time >= start_time"),
        ('answer_outside_call', "answer_time is null or start_time is null or end_time is null"
            ~ " or (answer_time >= start_time and answer_time <= end_time)"),
        ('called_number_missing', "called_number is not null and called_number <> 'anonymous'"),
        ('calling_number_missing', "calling_number is not null"),
        ('call_type_unknown', "coalesce(call_type in ('voice', 'video', 'sms', 'mms', 'data', 'volte', 'vowifi',"
            ~ " 'conference', 'emergency'), false)"),
        ('direction_unknown', "coalesce(direction in ('inbound', 'outbound', 'internal', 'transit', 'forwarded'), false)"),
        ('call_status_unknown', "coalesce(call_status in ('answered', 'no_answer', 'busy', 'failed', 'abandoned',"
            ~ " 'voicemail', 'transferred', 'blocked'), false)"),
        ('negative_duration', "coalesce(duration_s, 0) >= 0 and coalesce(billable_duration_s, 0) >= 0"
            ~ " and coalesce(ring_duration_s, 0) >= 0 and coalesce(hold_duration_s, 0) >= 0"),
        ('duration_without_answer', "call_status = 'answered' or coalesce(duration_s, 0) = 0"),
        ('sip_code_out_of_range', "sip_response_code is null or sip_response_code between 100 and 699"),
        ('q850_cause_out_of_range', "q850_cause is null or q850_cause between 0 and 127"),
        ('mos_out_of_range', "mos is null or mos between 1 and 5"),
        ('packet_loss_out_of_range', "packet_loss_pct is null or packet_loss_pct between 0 and 100"),
    ]) }}
{%- endmacro %}

{#- A comma-separated list of the rules the row breaks, or null when it keeps them all. -#}
{% macro broken_field_rules() -%}
    {{ broken_rules_of(cdr_field_rules()) }}
{%- endmacro %}

{#-
    The rules a rate of a deck (int_rates__decks_validated) must keep to be used for rating; rows that
    break one go to marts.quarantined_rates instead. Same shape as cdr_field_rules.
-#}
{% macro rate_field_rules() -%}
    {{ return([
        ('deck_id_missing', "deck_id is not null and deck_id <> ''"),
        ('prefix_not_digits', "prefix is not null and " ~ regexp_full_match('prefix', '[0-9]{1,15}')),
        ('rate_missing', "rate_per_minute is not null"),
        ('negative_rate', "rate_per_minute is null or rate_per_minute >= 0"),
        ('negative_connect_fee', "connect_fee is null or connect_fee >= 0"),
        ('increment_not_positive', "first_increment > 0 and subsequent_increment > 0"),
        ('rate_type_unknown', "coalesce(rate_type in ('flat', 'peak', 'off_peak', 'weekend', 'holiday'), false)"),
        ('currency_not_iso', "currency is not null and " ~ regexp_full_match('currency', '[A-Z]{3}')),
        ('effective_from_missing', "effective_from is not null"),
        ('effective_to_not_after_from', "effective_to is null or effective_from is null or effective_to > effective_from"),
        ('time_zone_unknown', time_zone_is_known('time_zone')),
    ]) }}
{%- endmacro %}

{#- The rules a rating plan (int_rates__plans_validated) must keep; directions are the canonical ones or '*'. -#}
{% macro plan_field_rules() -%}
    {{ return([
        ('account_missing', "account_number is not null and account_number <> ''"),
        ('direction_unknown', "coalesce(direction in ('*', 'inbound', 'outbound', 'internal', 'transit', 'forwarded'),"
            ~ " false)"),
        ('deck_id_missing', "deck_id is not null and deck_id <> ''"),
        ('effective_from_missing', "effective_from is not null"),
    ]) }}
{%- endmacro %}

{#- A comma-separated list of the given (name, condition) rules the row breaks, or null when it keeps them all. -#}
{% macro broken_rules_of(rules) -%}
    nullif(concat_ws(', '
    {%- for name, condition in rules %},
        case when not coalesce({{ condition }}, false) then '{{ name }}' end
    {%- endfor %}
    ), '')
{%- endmacro %}
