import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_PROJECT


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT)})
