with

source as (

    select * from {{ source('rerating', 'runs') }}

),

renamed as (

    select
        run_id,
        window_from,
        window_to,
        account_number,
        vendor,
        deck_id,
        min_duration_s,
        new_duration_s,
        status,
        -- A run recorded but not built yet is applied by the next build; an undo takes effect likewise.
        status in ('pending', 'applied') as is_active
    from source

)

select * from renamed
