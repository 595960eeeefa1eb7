{{ config(meta={'dagster': {'ref': {'name': 'int_rates__decks'}}}) }}

-- A deck's time bands are read in one time zone: decks whose rates name more than one.
select
    deck_id,
    count(distinct time_zone) as time_zones,
    min(time_zone) as first_time_zone,
    max(time_zone) as last_time_zone
from {{ ref('int_rates__decks') }}
group by deck_id
having count(distinct time_zone) > 1
