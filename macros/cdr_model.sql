{#-
    The canonical CDR contract between staging and the intermediate models.

    Staging models select the columns their vendor carries, named and typed as here; the union fills
    the rest with typed nulls, so a sixth vendor needs no change outside its own staging model.
-#}

{% macro staged_cdr_columns() -%}
    {%- set string = dbt.type_string() -%}
    {%- set ts = dbt.type_timestamp() -%}
    {%- set int = dbt.type_int() -%}
    {%- set bigint = dbt.type_bigint() -%}
    {%- set num = dbt.type_float() -%}
    {%- set money = type_money() -%}
    {%- set bool = dbt.type_boolean() -%}
    {{ return([
        ('cdr_id', string), ('source_vendor', string), ('source_format', string),
        ('source_file_id', bigint), ('source_line', bigint), ('call_id', string), ('session_id', string),
        ('call_type', string), ('direction', string), ('call_status', string), ('vendor_status', string),
        ('calling_number', string), ('called_number', string),
        ('calling_number_is_e164', bool), ('called_number_is_e164', bool),
        ('original_called_number', string), ('final_called_number', string),
        ('calling_name', string), ('called_name', string), ('imsi', string), ('imei', string),
        ('calling_country', string), ('called_country', string), ('destination_name', string),
        ('account_number', string), ('customer_code', string), ('cost_center', string),
        ('project_code', string), ('number_alias', string), ('tags', string),
        ('start_time', ts), ('answer_time', ts), ('end_time', ts),
        ('duration_s', int), ('billable_duration_s', int), ('ring_duration_s', int), ('hold_duration_s', int),
        ('pdd_ms', int),
        ('originating_switch', string), ('terminating_switch', string),
        ('originating_trunk', string), ('terminating_trunk', string), ('routing_number', string),
        ('caller_ip', string), ('roaming_indicator', bool), ('international_call', bool),
        ('vendor_billing_class', string), ('vendor_number_type', string),
        ('codec', string), ('mos', num), ('jitter_ms', num), ('packet_loss_pct', num), ('latency_ms', num),
        ('rtp_packets_sent', bigint), ('rtp_packets_received', bigint),
        ('protocol', string), ('sip_response_code', int), ('release_cause', string), ('q850_cause', int),
        ('hangup_source', string),
        ('vendor_currency', string), ('vendor_rate_per_min', money), ('vendor_charge', money),
        ('vendor_fees', money), ('vendor_subtotal', money), ('vendor_connect_fee', money),
        ('vendor_usf_fee', money), ('vendor_ccrf', money), ('vendor_cnam_fee', money),
        ('vendor_first_increment_s', int), ('vendor_subsequent_increment_s', int),
    ]) }}
{%- endmacro %}

{#- union_all of staging models into the canonical shape (like dbt_utils.union_relations). -#}
{% macro union_staged_cdrs(relations) -%}
    {%- for relation in relations %}
    select
        {%- set present = [] -%}
        {%- if execute -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif %}
        {%- for name, type in staged_cdr_columns() %}
        {% if name in present -%}
        cast({{ name }} as {{ type }}) as {{ name }}
        {%- else -%}
        cast(null as {{ type }}) as {{ name }}
        {%- endif -%}
        {{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#-
    The vendor's call key: the natural key columns its format declaration names (orchestration/formats),
    given to dbt by the generated macro format_natural_key. Values are trimmed and lower-cased; a row
    with none of them is keyed by its file and line.
-#}
{% macro vendor_call_key(format_name) -%}
    {%- set parts = [] -%}
    {%- for column in format_natural_key(format_name) -%}
        {%- do parts.append("coalesce(lower(trim(" ~ column ~ ")), '')") -%}
    {%- endfor -%}
    {%- set key = parts | join(" || '|' || ") -%}
    {#- A row without any key value is a call of its own: it must not merge with other keyless rows. -#}
    case
        when {{ key }} = '{{ "|" * (parts | length - 1) }}'
            then '#' || cast(_file_id as {{ dbt.type_string() }}) || ':' || cast(_line as {{ dbt.type_string() }})
        else {{ key }}
    end
{%- endmacro %}

{% macro cdr_id(vendor_expr, key_expr) -%}
    {{ dbt.hash(vendor_expr ~ " || '|' || " ~ key_expr) }}
{%- endmacro %}

{% macro staged_cdr_column_list(prefix='') -%}
    {%- for name, _ in staged_cdr_columns() -%}
        {{ prefix }}{{ name }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The columns of int_calls__enriched, in its order. int_calls__rated passes them through so that fct_calls
    reads one wide row per call and joins only narrow per-call results (a join whose build side is 10M wide
    rows does not fit a 2 GB DuckDB memory limit and spills). -#}
{% macro enriched_call_columns() -%}
    {{ return([
        'cdr_id', 'source_vendor', 'source_format', 'source_file', 'source_file_id', 'source_line', 'call_id',
        'session_id', 'call_type', 'direction', 'call_status', 'vendor_status', 'calling_number', 'called_number',
        'calling_number_is_e164', 'called_number_is_e164', 'original_called_number', 'final_called_number',
        'calling_name', 'called_name', 'imsi', 'imei', 'calling_country', 'called_country', 'destination_name',
        'account_number', 'customer_code', 'cost_center', 'project_code', 'number_alias', 'tags',
        'start_time', 'answer_time', 'end_time', 'call_date', 'duration_s', 'billable_duration_s',
        'ring_duration_s', 'hold_duration_s', 'pdd_ms', 'originating_switch', 'terminating_switch',
        'originating_trunk', 'terminating_trunk', 'routing_number', 'caller_ip', 'roaming_indicator',
        'international_call', 'billing_class', 'codec', 'mos', 'jitter_ms', 'packet_loss_pct', 'latency_ms',
        'rtp_packets_sent', 'rtp_packets_received', 'protocol', 'sip_response_code', 'release_cause',
        'q850_cause', 'hangup_source', 'vendor_currency', 'vendor_rate_per_min', 'vendor_charge', 'vendor_fees',
        'vendor_subtotal', 'vendor_connect_fee', 'vendor_usf_fee', 'vendor_ccrf', 'vendor_cnam_fee',
        'vendor_first_increment_s', 'vendor_subsequent_increment_s',
    ]) }}
{%- endmacro %}
