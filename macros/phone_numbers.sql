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

{#- The '+' form the rules above give, before validation; null where no rule applies. -#}
{% macro e164_candidate(expr, default_calling_code) -%}
    {%- set user = number_user_part(expr) -%}
    {%- set digits = regexp_replace_all(user, '[^0-9]', '') -%}
    case
        when not {{ regexp_full_match(user, '[+]?[0-9 ().-]+') }} then null
        when substr({{ user }}, 1, 1) = '+' then '+' || {{ digits }}
        when substr({{ digits }}, 1, 2) = '00' then '+' || substr({{ digits }}, 3)
        {%- if default_calling_code | string == '1' %}
        when substr({{ digits }}, 1, 3) = '011' then '+' || substr({{ digits }}, 4)
        when length({{ digits }}) = 10 and substr({{ digits }}, 1, 1) between '2' and '9' then '+1' || {{ digits }}
        {%- endif %}
        when length({{ digits }}) between 8 and 15 and substr({{ digits }}, 1, 1) <> '0' then '+' || {{ digits }}
    end
{%- endmacro %}

{% macro to_e164(expr, default_calling_code=var('cdr_default_calling_code')) -%}
    {%- set candidate = e164_candidate(expr, default_calling_code) -%}
    case
        when {{ is_withheld_number(expr) }} then null
        when {{ regexp_full_match(candidate, '[+][1-9][0-9]{6,14}') }} then {{ candidate }}
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
