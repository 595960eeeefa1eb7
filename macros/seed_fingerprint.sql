{#
    A seed table records which file (and column types) it was loaded from, as its comment, so a run can
    leave out the seeds that have not changed and the tests that read only them (orchestration/seeds.py
    computes the same fingerprint from the manifest and compares).

    Loading a seed clears its comment (post-hook in dbt_project.yml); it is written at the end of the build,
    only for a seed that loaded and whose tests all passed. A seed whose test failed (or warned) has none, so
    the next build loads and tests it again rather than skipping a bad file (or one reverted to a fingerprint
    the table no longer holds).
#}

{% macro seed_fingerprint(node) -%}
    {{ return(local_md5(node.checksum.checksum ~ '|' ~ tojson(node.config.column_types))) }}
{%- endmacro %}

{% macro record_seed_fingerprints(results) -%}
    {%- if execute -%}
        {%- set not_passed = [] -%}
        {%- for result in results if result.node.resource_type == 'test' and result.status != 'pass' -%}
            {%- do not_passed.extend(result.node.depends_on.nodes) -%}
        {%- endfor -%}
        {%- for result in results
            if result.node.resource_type == 'seed'
            and result.status == 'success'
            and result.node.unique_id not in not_passed -%}
            {%- set relation = api.Relation.create(
                database=result.node.database, schema=result.node.schema, identifier=result.node.alias
            ) -%}
            {%- do run_query(
                'comment on table ' ~ relation ~ " is '" ~ seed_fingerprint(result.node) ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
