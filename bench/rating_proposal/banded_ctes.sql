-- Replaces the CTE 'banded' of models/intermediate/int_calls__rated.sql (adds local_days before it).
local_days as (

    -- The day type and the second of the day of the call's start on the deck's clock, as columns: joining
    -- the timings on plain columns (not expressions) keeps DuckDB's row estimate of the calls right, so that
    -- every later join builds its hash table on the small side.
    select
        localised.*,
        case
            when holidays.holiday_date is not null then 'holiday'
            when {{ iso_day_of_week('localised.local_start_time') }} in (6, 7) then 'weekend'
            else 'weekday'
        end as day_type,
        extract(hour from localised.local_start_time) * 3600 + extract(minute from localised.local_start_time) * 60
        + floor(extract(second from localised.local_start_time)) as local_start_second
    from localised
    left join holidays
        on cast(localised.local_start_time as date) = holidays.holiday_date

),

banded as (

    -- The call's time band by its start on the deck's clock: holiday, weekend, else the weekday band.
    select
        local_days.*,
        coalesce(timings.band, 'flat') as band
    from local_days
    left join timings
        on local_days.day_type = timings.day_type
        and local_days.local_start_second >= timings.starts_at_second
        and local_days.local_start_second < timings.ends_at_second

),
