"""Every dbt seed, model and test as Dagster assets and asset checks."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_project import DBT_PROJECT, ensure_manifest
from orchestration.defs.dbt.translator import CdrDbtTranslator

ensure_manifest()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=CdrDbtTranslator()
)
def cdr_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # `dbt build` runs each node's tests right after it; a failing error-severity test fails the step,
    # so nothing downstream (the serving snapshot) is published from a bad build.
    yield from dbt.cli(["build"], context=context).stream()
