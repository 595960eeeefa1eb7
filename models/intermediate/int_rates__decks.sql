with

validated as (

    select * from {{ ref('int_rates__decks_validated') }}

),

file_decks as (

    -- Decks that landed files define (any of their rows, valid or not): the file replaces a seed deck of
    -- the same id entirely.
    select distinct deck_id
    from validated
    where deck_source = 'file' and deck_id is not null

),

valid as (

    -- Rates that break a field rule are quarantined (marts.quarantined_rates), never used or deduplicated.
    select validated.*
    from validated
    left join file_decks
        on validated.deck_id = file_decks.deck_id
    where
        validated.broken_rules is null
        and (validated.deck_source = 'file' or file_decks.deck_id is null)

),

ranked as (

    -- The same rate (deck, prefix, rate type, effective_from) in several files: the newest file's row wins
    -- (file ids follow landing order, and landing takes files oldest first), then the file's last line.
    select
        *,
        row_number() over (
            partition by deck_id, prefix, rate_type, effective_from
            order by coalesce(source_file_id, 0) desc, coalesce(source_line, 0) desc
        ) as version_rank
    from valid

),

final as (

    -- Every rate of every deck in use: the default deck seed and the decks landed from $CDRWH_HOME/rates/.
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
        time_zone,
        deck_source,
        source_format,
        source_file_id,
        source_line
    from ranked
    where version_rank = 1

)

select * from final
