{#
    A seed table records which file (and column types) it was loaded from, as its comment, so a run can
    leave out the seeds that have not changed and their tests (orchestration/seeds.py computes the same
    fingerprint from the manifest and compares).
#}

{% macro seed_fingerprint(node) -%}
    {{ return(local_md5(node.checksum.checksum ~ '|' ~ tojson(node.config.column_types))) }}
{%- endmacro %}

{% macro record_seed_fingerprint() -%}
    comment on table {{ this }} is '{{ seed_fingerprint(model) }}'
{%- endmacro %}
