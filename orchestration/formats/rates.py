"""Rate decks and rating plans (DESIGN §7), landed from ``$CDRWH_HOME/rates/`` like CDR files.

Three layouts, told apart by header:

- ``rate_deck``: the DESIGN §7 deck, one row per rate, the deck named in every row (``deck_id``);
- ``switch_rate_deck``: the layout softswitches and carriers export (``Destination, Prefix, First
  Interval, Sub Interval, Rate, Start Date, End Date``), one deck per file, named by the file's stem
  (``rates/wholesale_eu.csv`` is deck ``wholesale_eu``); its money is in the optional ``Currency``
  column, else in the dbt var ``switch_deck_currency`` (default USD);
- ``rating_plan``: which deck rates which account and direction, from when.

The switch layout's columns are named after its own headers (``first_interval``, ``rate``,
``start_date``...), not after the DESIGN deck's, so a DESIGN deck header never satisfies it.
Whether a value may be empty or negative is a field rule (``marts.quarantined_rates``), not a
landing reject; landing rejects values that are not their column's kind.
"""

from orchestration.formats.spec import Column, FormatSpec

_RATES_DOC = "DESIGN section 7 (Rating)"

_TIME_ZONE = Column(
    "time_zone",
    "IANA name of the time zone the deck's time bands (peak, off-peak, weekend, holiday) are read in, "
    "e.g. 'Europe/Paris'; UTC when absent or empty. One per deck.",
    headers=("Time Zone", "Timezone", "TZ"),
)

RATE_DECK = FormatSpec(
    name="rate_deck",
    vendor="rates",
    family="rates",
    description="Rate deck CSV in the DESIGN section 7 layout: one row per rate of a deck named in every row.",
    documentation=_RATES_DOC,
    columns=(
        Column(
            "deck_id",
            "Deck identifier; rating plans point at it.",
            headers=("deck_id", "Deck ID"),
            required=True,
        ),
        Column(
            "prefix",
            "E.164 digits (no '+') the rate applies to; the longest matching prefix wins.",
            required=True,
        ),
        Column(
            "destination",
            "Destination name, e.g. 'France mobile'.",
            headers=("destination", "Destination Name"),
        ),
        Column(
            "rate_per_minute",
            "Price per minute in the deck's currency.",
            required=True,
            kind="decimal",
        ),
        Column("currency", "ISO 4217 currency of the deck's money.", required=True),
        Column(
            "first_increment",
            "Seconds billed for the first increment (the minimum for an answered call).",
            required=True,
            kind="integer",
        ),
        Column(
            "subsequent_increment",
            "Seconds of each further increment.",
            required=True,
            kind="integer",
        ),
        Column(
            "connect_fee",
            "Fee per answered call in the deck's currency; 0 when absent or empty.",
            headers=("Connect Fee",),
            kind="decimal",
        ),
        Column(
            "rate_type",
            "flat, peak, off_peak, weekend or holiday; flat when absent or empty.",
            headers=("Rate Type",),
        ),
        Column(
            "effective_from",
            "First moment (UTC; a date alone is its midnight) the rate applies to calls starting then or later.",
            required=True,
            kind="timestamp",
        ),
        Column(
            "effective_to",
            "Moment (UTC) from which the rate no longer applies; empty for open-ended.",
            kind="timestamp",
        ),
        _TIME_ZONE,
    ),
    natural_key=("deck_id", "prefix", "rate_type", "effective_from"),
)

SWITCH_RATE_DECK = FormatSpec(
    name="switch_rate_deck",
    vendor="rates",
    family="rates",
    description=(
        "Rate deck CSV in the common switch layout (Destination, Prefix, First Interval, Sub Interval, Rate, "
        "Start Date, End Date): one deck per file, named by the file's stem."
    ),
    documentation=_RATES_DOC + " and the deck exports of softswitches",
    columns=(
        Column(
            "destination",
            'Destination name, often quoted ("Korea, Republic of").',
            headers=("Destination", "Destination Name", "Description"),
        ),
        Column(
            "prefix",
            "E.164 digits the rate applies to.",
            headers=("Prefix", "Dial Code", "Dialcode", "Code"),
            required=True,
        ),
        Column(
            "first_interval",
            "Seconds billed for the first increment.",
            headers=("First Interval", "Initial Interval", "Min Interval", "First Increment"),
            required=True,
            kind="integer",
        ),
        Column(
            "sub_interval",
            "Seconds of each further increment.",
            headers=("Sub Interval", "Subsequent Interval", "Next Interval", "Subsequent Increment"),
            required=True,
            kind="integer",
        ),
        Column(
            "rate",
            "Price per minute.",
            headers=("Rate", "Rate Per Minute", "Rate/Min", "Price"),
            required=True,
            kind="decimal",
        ),
        Column(
            "start_date",
            "First day (or moment, UTC) the rate applies.",
            headers=("Start Date", "Effective Date", "Effective From", "Valid From"),
            required=True,
            kind="timestamp",
        ),
        Column(
            "end_date",
            "Day (or moment, UTC) from which the rate no longer applies; usually empty (open-ended).",
            headers=("End Date", "Expiry Date", "Effective To", "Valid To"),
            kind="timestamp",
        ),
        Column(
            "currency",
            "ISO 4217 currency; the dbt var switch_deck_currency (default USD) when absent or empty.",
            headers=("Currency",),
        ),
        Column(
            "connect_fee",
            "Fee per answered call; 0 when absent or empty.",
            headers=("Connect Fee", "Connection Fee", "Setup Fee"),
            kind="decimal",
        ),
        Column(
            "rate_type",
            "flat, peak, off_peak, weekend or holiday; flat when absent or empty.",
            headers=("Rate Type", "Period"),
        ),
        _TIME_ZONE,
    ),
    natural_key=("prefix", "rate_type", "start_date"),
)

RATING_PLAN = FormatSpec(
    name="rating_plan",
    vendor="rates",
    family="rates",
    description="Rating plan CSV: which deck rates an account's calls in a direction, from when.",
    documentation=_RATES_DOC,
    columns=(
        Column(
            "account_number",
            "Account the plan applies to, or '*' for any account.",
            headers=("account_number", "Account Number", "Account"),
            required=True,
        ),
        Column(
            "direction",
            "Call direction (inbound, outbound, ...) or '*' for any direction.",
            headers=("direction", "Direction"),
            required=True,
        ),
        Column(
            "deck_id", "The deck the plan assigns.", headers=("deck_id", "Deck ID", "Deck"), required=True
        ),
        Column(
            "effective_from",
            "First moment (UTC; a date alone is its midnight) the plan applies.",
            headers=("effective_from", "Effective From", "Start Date"),
            required=True,
            kind="timestamp",
        ),
    ),
    natural_key=("account_number", "direction", "effective_from"),
)
