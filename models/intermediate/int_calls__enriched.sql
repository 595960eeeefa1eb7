{{ call_days_config('changed') }}

-- depends_on: {{ ref('int_calls__days_to_build') }}

with

{{ deduplication_ctes(
    ref('int_calls__validated'),
    call_days_filter('changed', 'cast(start_time as date)') if is_incremental() else none,
) }},

calls as (

    select * from deduplicated

),

files as (

    select * from {{ source('landing', 'files') }}

),

q850_causes as (

    select * from {{ ref('q850_causes') }}

),

dialing_prefixes as (

    -- Calling codes are prefix-free (ITU E.164), except that +1 splits by NANP area code.
    select
        calling_code as dialing_prefix,
        iso_country,
        cast(null as {{ dbt.type_string() }}) as number_type
    from {{ ref('country_calling_codes') }}
    where is_main_country and calling_code <> '1'

    union all

    select
        '1' || area_code as dialing_prefix,
        iso_country,
        number_type
    from {{ ref('nanp_area_codes') }}

),

prefix_lengths as (

    select 1 as prefix_length
    union all
    select 2
    union all
    select 3
    union all
    select 4

),

numbers as (

    -- Each E.164 number once (numbers repeat across calls), read narrow from int_calls__validated (every valid
    -- version, a superset of the winners' numbers): a second read of `calls` would make the database
    -- materialize every column of every call.
    select calling_number as e164_number
    from {{ ref('int_calls__validated') }}
    where
        calling_number_is_e164
        and broken_rules is null
        {%- if is_incremental() %}
        and {{ call_days_filter('changed', 'cast(start_time as date)') }}
        {%- endif %}

    union

    select called_number as e164_number
    from {{ ref('int_calls__validated') }}
    where
        called_number_is_e164
        and broken_rules is null
        {%- if is_incremental() %}
        and {{ call_days_filter('changed', 'cast(start_time as date)') }}
        {%- endif %}

),

prefix_matches as (

    -- Longest-prefix match as an equi-join on the number's generated prefixes.
    select
        numbers.e164_number,
        dialing_prefixes.iso_country,
        dialing_prefixes.number_type,
        row_number() over (
            partition by numbers.e164_number
            order by prefix_lengths.prefix_length desc
        ) as match_rank
    from numbers
    cross join prefix_lengths
    inner join dialing_prefixes
        on dialing_prefixes.dialing_prefix = substr(numbers.e164_number, 2, prefix_lengths.prefix_length)

),

number_countries as (

    select
        e164_number,
        iso_country,
        number_type
    from prefix_matches
    where match_rank = 1

),

located as (

    select
        calls.*,
        coalesce(calls.calling_country, calling_countries.iso_country) as resolved_calling_country,
        coalesce(calls.called_country, called_countries.iso_country) as resolved_called_country,
        called_countries.number_type as called_number_type,
        files.path as source_file,
        q850_causes.cause_name as q850_cause_name
    from calls
    left join number_countries as calling_countries
        on calls.calling_number_is_e164 and calls.calling_number = calling_countries.e164_number
    left join number_countries as called_countries
        on calls.called_number_is_e164 and calls.called_number = called_countries.e164_number
    left join files
        on calls.source_file_id = files.file_id
    left join q850_causes
        on calls.q850_cause = q850_causes.q850_cause

),

classified as (

    select
        *,
        coalesce(
            international_call,
            resolved_calling_country <> resolved_called_country
        ) as is_international,
        case
            when
                called_number_type = 'toll_free'
                or lower(vendor_number_type) like '%toll%free%' then 'toll_free'
            when
                called_number_type = 'premium'
                or lower(vendor_number_type) like '%premium%' then 'premium'
            when roaming_indicator then 'roaming'
            when coalesce(international_call, resolved_calling_country <> resolved_called_country)
                then 'international'
            when lower(vendor_number_type) like '%mobile%' then 'mobile'
            when
                called_number_is_e164 and calling_number_is_e164
                and left(called_number, 2) = '+1' and left(calling_number, 5) = left(called_number, 5)
                then 'local'
            else 'national'
        end as billing_class
    from located

),

final as (

    select
        cdr_id,
        source_vendor,
        source_format,
        source_file,
        source_file_id,
        source_line,
        call_id,
        session_id,
        call_type,
        direction,
        call_status,
        vendor_status,
        calling_number,
        called_number,
        calling_number_is_e164,
        called_number_is_e164,
        original_called_number,
        final_called_number,
        calling_name,
        called_name,
        imsi,
        imei,
        resolved_calling_country as calling_country,
        resolved_called_country as called_country,
        destination_name,
        account_number,
        customer_code,
        cost_center,
        project_code,
        number_alias,
        tags,
        start_time,
        answer_time,
        end_time,
        cast(start_time as date) as call_date,
        duration_s,
        billable_duration_s,
        ring_duration_s,
        hold_duration_s,
        pdd_ms,
        originating_switch,
        terminating_switch,
        originating_trunk,
        terminating_trunk,
        routing_number,
        caller_ip,
        roaming_indicator,
        is_international as international_call,
        billing_class,
        codec,
        mos,
        jitter_ms,
        packet_loss_pct,
        latency_ms,
        rtp_packets_sent,
        rtp_packets_received,
        protocol,
        sip_response_code,
        coalesce(release_cause, q850_cause_name) as release_cause,
        q850_cause,
        hangup_source,
        vendor_currency,
        vendor_rate_per_min,
        vendor_charge,
        vendor_fees,
        vendor_subtotal,
        vendor_connect_fee,
        vendor_usf_fee,
        vendor_ccrf,
        vendor_cnam_fee,
        vendor_first_increment_s,
        vendor_subsequent_increment_s
    from classified

)

select * from final
