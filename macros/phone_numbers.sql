{#-
    Telephone number normalisation (DESIGN §3): E.164 '+' form where it can be derived, 'anonymous' for
    an empty or withheld caller, otherwise the number as received.

    Derivation, in order, on the user part of the value (a 'sip:'/'tel:' URI is reduced to it):
      '+' followed by digits          -> '+' and the digits (spaces, dots, dashes, brackets dropped)
      '00' international prefix       -> '+' and the rest
      '011' NANP international prefix -> '+' and the rest            (default calling code 1 only)
      10 digits starting 2-9          -> '+1' and the digits         (default calling code 1 only)
      8 to 15 digits not starting 0   -> '+' and the digits (E.164 sent without its '+')
    and the result must be '+', a non-zero digit and 6 to 14 more digits. Letters make it underivable.
-#}

{% macro number_user_part(expr) -%}
    trim(regexp_extract(trim({{ expr }}), '^(?:sips?:|tel:)?([^@;]*)', 1))
{%- endmacro %}

{% macro is_withheld_number(expr) -%}
    (
        {{ expr }} is null
        or trim({{ expr }}) = ''
        or lower(trim({{ expr }})) in (
            'anonymous', 'restricted', 'private', 'withheld', 'unknown', 'unavailable', 'blocked'
        )
    )
{%- endmacro %}

{#-
    The '+' form the rules above give, before validation (a value without a leading '+' fails it); null
    where the user part is not a number. Each step is one regexp_replace of the previous step's result, so
    the value is parsed a fixed few times: a `case` naming the digits in every branch had the database
    extract and strip them again for each branch (70 regular expressions per number, most of validation's
    time at 10M calls).
-#}
{% macro e164_candidate(expr, default_calling_code) -%}
    {%- set user = number_user_part(expr) -%}
    {#- The '+' (only ever leading: the pattern check) and the digits. -#}
    {%- set plus_digits = "case when " ~ regexp_full_match(user, '[+]?[0-9 ().-]+') ~ " then "
        ~ regexp_replace_all(user, '[^0-9+]', '') ~ " end" -%}
    {%- if default_calling_code | string == '1' -%}
        {%- set international = regexp_replace_all(plus_digits, '^(?:00|011)', '+') -%}
        {%- set national = regexp_replace_all(international, '^([2-9][0-9]{9})$', '+1' ~ regexp_group(1)) -%}
    {%- else -%}
        {%- set national = regexp_replace_all(plus_digits, '^00', '+') -%}
    {%- endif -%}
    {{ regexp_replace_all(national, '^([1-9][0-9]{7,14})$', '+' ~ regexp_group(1)) }}
{%- endmacro %}

{% macro to_e164(expr, default_calling_code=var('cdr_default_calling_code')) -%}
    case
        when {{ is_withheld_number(expr) }} then null
        else nullif(regexp_extract({{ e164_candidate(expr, default_calling_code) }}, '^([+][1-9][0-9]{6,14})$', 1), '')
    end
{%- endmacro %}

{#- The number as the canonical CDR keeps it: E.164 where derivable, 'anonymous', or as received. -#}
{% macro canonical_number(expr, default_calling_code=var('cdr_default_calling_code')) -%}
    case
        when {{ is_withheld_number(expr) }} then 'anonymous'
        else coalesce({{ to_e164(expr, default_calling_code) }}, trim({{ expr }}))
    end
{%- endmacro %}

{% macro number_is_e164(expr, default_calling_code=var('cdr_default_calling_code')) -%}
    ({{ to_e164(expr, default_calling_code) }} is not null)
{%- endmacro %}
