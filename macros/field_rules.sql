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
    nullif(concat_ws(', '
    {%- for name, condition in cdr_field_rules() %},
        case when not coalesce({{ condition }}, false) then '{{ name }}' end
    {%- endfor %}
    ), '')
{%- endmacro %}
