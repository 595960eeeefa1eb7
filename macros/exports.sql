{#-
    Helpers of the export marts (models/marts/exports, DESIGN §8): each mart writes the calls of
    marts.fct_calls in one vendor's layout, reverse-mapping the canonical CDR into the vendor's fields.
    Everything engine-specific (identifier quoting, timestamp formatting) is dispatched here.
-#}

{#- A layout field name as the vendor spells it ('Date/Time Start (UTC)', 'callType'), quoted for the engine:
    "..." on DuckDB, `...` on Spark (adapter.quote knows each adapter's quote character). -#}
{% macro export_field(name) -%}
    {{ adapter.quote(name) }}
{%- endmacro %}

{#- Spark: layout names carry spaces and brackets, which Parquet tables reject; Delta accepts them with
    column mapping by name. Called at the top of every export mart; a no-op on other engines. -#}
{% macro export_config() -%}
    {%- if target.type in ('spark', 'databricks') -%}
        {{ config(
            file_format='delta',
            tblproperties={
                'delta.columnMapping.mode': 'name',
                'delta.minReaderVersion': '2',
                'delta.minWriterVersion': '5',
            },
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- A UTC timestamp as text, in one of the vendors' styles:
      'sql'  2019-06-25 18:18:54   (CALLR, DIDWW; Flowroute appends '+00')
      'iso'  2019-06-25T18:18:54Z  (DemandFlow API)
    Whole seconds, as the vendors write them. Stored timestamps are UTC (fct_calls), so no conversion here;
    on Spark the session time zone must be UTC (spark.sql.session.timeZone), as the DuckDB profile sets. -#}
{% macro format_utc_timestamp(expr, style='sql') -%}
    {{ return(adapter.dispatch('format_utc_timestamp', 'cdr_warehouse')(expr, style)) }}
{%- endmacro %}

{% macro default__format_utc_timestamp(expr, style) -%}
    {%- if style == 'iso' -%}
        date_format({{ expr }}, "yyyy-MM-dd'T'HH:mm:ss'Z'")
    {%- else -%}
        date_format({{ expr }}, 'yyyy-MM-dd HH:mm:ss')
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__format_utc_timestamp(expr, style) -%}
    {%- if style == 'iso' -%}
        strftime({{ expr }}, '%Y-%m-%dT%H:%M:%SZ')
    {%- else -%}
        strftime({{ expr }}, '%Y-%m-%d %H:%M:%S')
    {%- endif -%}
{%- endmacro %}

{#- A decimal amount at the vendor's scale (rounded half away from zero by the cast), kept numeric so that
    CSV shows every decimal ('0.00550000') and Parquet keeps a decimal type. -#}
{% macro export_money(expr, scale) -%}
    cast({{ expr }} as decimal(18, {{ scale }}))
{%- endmacro %}

{#- An E.164 number without its '+' (Flowroute destination, DIDWW numbers); anything else as it is. -#}
{% macro e164_digits(expr) -%}
    case
        when {{ regexp_full_match(expr, '[+][1-9][0-9]{6,14}') }} then substr({{ expr }}, 2)
        else {{ expr }}
    end
{%- endmacro %}

{#-
    The value a vendor most typically writes for each canonical call_status: what a call takes in that
    vendor's layout unless it came from that vendor with a status of its own that maps back to the same
    call_status through the vendor's status map seed (then its own value is kept).

    Every value here maps back to its call_status through the vendor's seed (status_map_<vendor>, or
    sip_response_codes for the 'sip' codes) where the seed knows the status; the data test
    export_layout (status_maps_back) checks it on every build. voicemail and transferred calls connected, so they
    take the answered value; blocked calls take the vendor's "not dialled / refused" value.
-#}
{% macro export_status_choices() -%}
    {{ return({
        'flowroute': {
            'answered': 'Completed', 'no_answer': 'No Answer', 'busy': 'Busy', 'failed': 'Failed',
            'abandoned': 'Cancelled', 'voicemail': 'Completed', 'transferred': 'Completed', 'blocked': 'Failed',
        },
        'callr': {
            'answered': 'ANSWER', 'no_answer': 'NOANSWER', 'busy': 'BUSY', 'failed': 'CHANUNAVAIL',
            'abandoned': 'CANCEL', 'voicemail': 'ANSWER', 'transferred': 'ANSWER', 'blocked': 'NODIAL',
        },
        'sip': {
            'answered': 200, 'no_answer': 480, 'busy': 486, 'failed': 503,
            'abandoned': 487, 'voicemail': 200, 'transferred': 200, 'blocked': 403,
        },
    }) }}
{%- endmacro %}

{#- The choices of one vendor as rows (call_status, export_status): the body of a CTE. -#}
{% macro export_status_values(vendor) -%}
    {%- set choices = export_status_choices()[vendor] -%}
    {%- for call_status, value in choices.items() %}
    select
        '{{ call_status }}' as call_status,
        {% if value is string -%}
        '{{ value }}'
        {%- else -%}
        cast({{ value }} as {{ dbt.type_int() }})
        {%- endif %} as export_status
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Currency conversion through the fx_rates seed: each currency's USD value from valid_from until the next
    one, so a call joins the rate of its UTC day directly (as int_calls__rated does for margin). -#}
{% macro export_fx_intervals() -%}
    select
        upper(currency) as currency,
        cast(usd_per_unit as decimal(18, 6)) as usd_per_unit,
        cast(valid_from as date) as valid_from,
        lead(cast(valid_from as date)) over (partition by upper(currency) order by cast(valid_from as date))
            as valid_to
    from {{ ref('fx_rates') }}
{%- endmacro %}

{#- An amount in the call's vendor_currency converted into `to_currency` with the fx rates of the call's
    day (from_fx / to_fx: the joined fx interval rows); unchanged when already in it, null when no rate. -#}
{% macro convert_currency(amount, currency, to_currency, from_fx, to_fx) -%}
    case
        when {{ currency }} = '{{ to_currency }}' then {{ amount }}
        else {{ amount }} * {{ from_fx }}.usd_per_unit / {{ to_fx }}.usd_per_unit
    end
{%- endmacro %}

{#- Join condition of an fx interval on a call's day. -#}
{% macro fx_on_day(fx, currency, day) -%}
    {{ fx }}.currency = {{ currency }}
    and {{ day }} >= {{ fx }}.valid_from
    and ({{ fx }}.valid_to is null or {{ day }} < {{ fx }}.valid_to)
{%- endmacro %}

{#- The DemandFlow codec enum's family of a codec name: PCMU / PCMA / G.711u are G.711, G.729A/B are G.729,
    G.722.2 is AMR-WB; others by their own key (codec_key: lower case, letters and digits only). -#}
{% macro demandflow_codec_key(codec) -%}
    {%- set key = codec_key(codec) -%}
    case
        when {{ key }} in ('pcmu', 'pcma', 'g711u', 'g711a', 'g711') then 'g711'
        when {{ key }} in ('g729a', 'g729b', 'g729ab') then 'g729'
        when {{ key }} in ('g7222', 'amrwb') then 'amrwb'
        else {{ key }}
    end
{%- endmacro %}

{#-
    Data test of an export layout: every rule of the layout checked in one read of the export view (a view is
    computed whenever it is read, so a test per column computed it a dozen times: 450 s of tests at 10M calls).
    Fails with one row per offending call (cdr_id, failure) naming every rule the call breaks:

    - the export has exactly one row per call of fct_calls: "missing from the export", "not a call of
      fct_calls" (this also catches a null _cdr_id), "exported N times";
    - _start_time and each column of `required` are never null: "<column> is null";
    - each column of `accepted_values` ({column: [values]}) takes only those values (nulls pass);
    - each column of `status_maps_back` ({column: seed}) maps back through the vendor's status map seed
      (vendor_status -> call_status) to the call's own call_status, for every call_status that seed knows.

    Both sides are read on the days this build rebuilt (macros/tests_on_rebuilt_days.sql).
-#}
{% test export_layout(model, required=[], accepted_values={}, status_maps_back={}) %}

{%- set checked_columns = (required + accepted_values.keys() | list + status_maps_back.keys() | list) | unique | list %}
{%- set rebuilt_days = cdr_warehouse.rebuilt_days_condition(ref('fct_calls')) %}

with

calls as (

    select
        cdr_id,
        call_status
    from {{ ref('fct_calls') }}
    {%- if rebuilt_days %}
    where {{ rebuilt_days }}
    {%- endif %}

),

exported as (

    select
        _cdr_id,
        _start_time,
        {%- for column in checked_columns %}
        {{ adapter.quote(column) }} as checked_{{ loop.index }},
        {%- endfor %}
        true as is_exported
    from {{ model }}

),

{%- for column, seed in status_maps_back.items() %}

status_map_{{ loop.index }} as (

    select
        lower(cast(vendor_status as {{ dbt.type_string() }})) as vendor_status,
        call_status
    from {{ ref(seed) }}

),

known_statuses_{{ loop.index }} as (

    select distinct call_status
    from {{ ref(seed) }}

),
{%- endfor %}

joined as (

    select
        coalesce(exported._cdr_id, calls.cdr_id) as cdr_id,
        exported.is_exported,
        calls.cdr_id is not null as is_call,
        concat_ws(
            '; ',
            case when exported.is_exported and exported._cdr_id is null then '_cdr_id is null' end,
            case when exported.is_exported and exported._start_time is null then '_start_time is null' end
            {%- for column in required %}
            , case
                when exported.is_exported and exported.checked_{{ checked_columns.index(column) + 1 }} is null
                    then '{{ column }} is null'
            end
            {%- endfor %}
            {%- for column, values in accepted_values.items() %}
            {%- set checked = 'exported.checked_' ~ (checked_columns.index(column) + 1) %}
            , case
                when cast({{ checked }} as {{ dbt.type_string() }}) not in (
                    {%- for value in values %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor -%}
                )
                    then '{{ column }} ' || cast({{ checked }} as {{ dbt.type_string() }})
                        || ' is not one of {{ values | join(", ") }}'
            end
            {%- endfor %}
            {%- for column, seed in status_maps_back.items() %}
            {%- set checked = 'exported.checked_' ~ (checked_columns.index(column) + 1) %}
            , case
                when exported.is_exported
                    and known_statuses_{{ loop.index }}.call_status is not null
                    and coalesce(status_map_{{ loop.index }}.call_status <> calls.call_status, true)
                    then '{{ column }} ' || coalesce(cast({{ checked }} as {{ dbt.type_string() }}), 'null')
                        || ' maps back to ' || coalesce(status_map_{{ loop.index }}.call_status, 'no call_status')
                        || ' in {{ seed }}, the call is ' || calls.call_status
            end
            {%- endfor %}
        ) as row_failure
    from exported
    full outer join calls
        on exported._cdr_id = calls.cdr_id
    {%- for column, seed in status_maps_back.items() %}
    {%- set checked = 'exported.checked_' ~ (checked_columns.index(column) + 1) %}
    left join status_map_{{ loop.index }}
        on lower(cast({{ checked }} as {{ dbt.type_string() }})) = status_map_{{ loop.index }}.vendor_status
    left join known_statuses_{{ loop.index }}
        on calls.call_status = known_statuses_{{ loop.index }}.call_status
    {%- endfor %}

),

per_call as (

    select
        cdr_id,
        count(is_exported) as export_rows,
        count(case when is_call then 1 end) as call_rows,
        max(row_failure) as row_failure
    from joined
    group by cdr_id

),

failures as (

    select
        cdr_id,
        concat_ws(
            '; ',
            case when call_rows = 0 then 'not a call of fct_calls' end,
            case when export_rows = 0 then 'missing from the export' end,
            case when export_rows > 1 then 'exported ' || cast(export_rows as {{ dbt.type_string() }}) || ' times' end,
            nullif(row_failure, '')
        ) as failure
    from per_call

)

select
    cdr_id,
    failure
from failures
where failure <> ''

{% endtest %}

{#- A measured value (MOS, jitter, ...) stored as a 4-byte float, as a double rounded to 3 decimals: 4.16
    rather than the float's 4.159999847412109 in JSON and CSV. -#}
{% macro export_measure(expr) -%}
    round(cast({{ expr }} as double), 3)
{%- endmacro %}
