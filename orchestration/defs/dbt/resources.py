import importlib.metadata
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.dbt_project import DBT_PROJECT


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two costs it pays at every dbt step (~6 s a step, two steps in a
    ``cdrwh run``, measured on this machine) for things these assets do not use:

    - it runs ``dbt --version`` to learn dbt's version: 3-5 s, as dbt starts and then asks PyPI for the
      latest release. The executable is this environment's dbt-core, whose version is installed metadata.
    - it opens a dbt adapter in the Dagster process (~2 s, loading dbt's macros) for fetching column
      metadata, which these assets never ask for.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": DbtCli(project_dir=DBT_PROJECT)})
