with

source as (

    select * from {{ source('rates', 'rating_plan') }}

),

final as (

    -- Which deck rates an account's calls in a direction, from when ('*' matches any account or direction).
    select
        trim(account_number) as account_number,
        lower(trim(direction)) as direction,
        nullif(trim(deck_id), '') as deck_id,
        {{ parse_offset_timestamp('effective_from') }} as effective_from,
        'rating_plan' as source_format,
        _file_id as source_file_id,
        _line as source_line
    from source

)

select * from final
