with

design_layout as (

    select * from {{ source('rates', 'rate_deck') }}

),

switch_layout as (

    select * from {{ source('rates', 'switch_rate_deck') }}

),

files as (

    select * from {{ source('landing', 'files') }}

),

design_rates as (

    -- The DESIGN section 7 layout: every column named as in the deck, the deck named in every row.
    select
        nullif(trim(deck_id), '') as deck_id,
        {{ regexp_replace_all('trim(prefix)', '^[+]', '') }} as prefix,  -- noqa: RF04
        nullif(trim(destination), '') as destination,
        {{ dbt.safe_cast("nullif(trim(rate_per_minute), '')", type_money()) }} as rate_per_minute,
        upper(nullif(trim(currency), '')) as currency,
        {{ dbt.safe_cast("nullif(trim(first_increment), '')", dbt.type_int()) }} as first_increment,
        {{ dbt.safe_cast("nullif(trim(subsequent_increment), '')", dbt.type_int()) }} as subsequent_increment,
        coalesce({{ dbt.safe_cast("nullif(trim(connect_fee), '')", type_money()) }}, 0) as connect_fee,
        coalesce(lower(nullif(trim(rate_type), '')), 'flat') as rate_type,
        {{ parse_offset_timestamp('effective_from') }} as effective_from,
        {{ parse_offset_timestamp('effective_to') }} as effective_to,
        nullif(trim(time_zone), '') as time_zone_text,
        'rate_deck' as source_format,
        _file_id as source_file_id,
        _line as source_line
    from design_layout

),

switch_rates as (

    -- The switch layout: one deck per file, named by the file's stem (rates/wholesale_eu.csv is deck
    -- wholesale_eu); no currency column means the switch_deck_currency var, no fee 0, no rate type flat.
    select
        {{ file_stem('files.path') }} as deck_id,
        {{ regexp_replace_all('trim(switch_layout.prefix)', '^[+]', '') }} as prefix,  -- noqa: RF04
        nullif(trim(switch_layout.destination), '') as destination,
        {{ dbt.safe_cast("nullif(trim(switch_layout.rate), '')", type_money()) }} as rate_per_minute,
        coalesce(
            upper(nullif(trim(switch_layout.currency), '')), '{{ var("switch_deck_currency", "USD") }}'
        ) as currency,
        {{ dbt.safe_cast("nullif(trim(switch_layout.first_interval), '')", dbt.type_int()) }} as first_increment,
        {{ dbt.safe_cast("nullif(trim(switch_layout.sub_interval), '')", dbt.type_int()) }} as subsequent_increment,
        coalesce({{ dbt.safe_cast("nullif(trim(switch_layout.connect_fee), '')", type_money()) }}, 0) as connect_fee,
        coalesce(lower(nullif(trim(switch_layout.rate_type), '')), 'flat') as rate_type,
        {{ parse_offset_timestamp('switch_layout.start_date') }} as effective_from,
        {{ parse_offset_timestamp('switch_layout.end_date') }} as effective_to,
        nullif(trim(switch_layout.time_zone), '') as time_zone_text,
        'switch_rate_deck' as source_format,
        switch_layout._file_id as source_file_id,
        switch_layout._line as source_line
    from switch_layout
    inner join files
        on switch_layout._file_id = files.file_id

),

unioned as (

    select * from design_rates
    union all
    select * from switch_rates

),

final as (

    -- UTC (or no zone) is spelled 'UTC'; any other name is kept as written, for the field rules to check.
    select
        deck_id,
        prefix,
        destination,
        rate_per_minute,
        currency,
        first_increment,
        subsequent_increment,
        connect_fee,
        rate_type,
        effective_from,
        effective_to,
        case
            when time_zone_text is null or upper(time_zone_text) in ('UTC', 'GMT', 'Z', 'ETC/UTC') then 'UTC'
            else time_zone_text
        end as time_zone,
        source_format,
        source_file_id,
        source_line
    from unioned

)

select * from final
