"""Asset keys and groups for dbt nodes: ``<schema>/<name>``, grouped by layer."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class CdrDbtTranslator(DagsterDbtTranslator):
    """Keys match the warehouse: ``marts/fct_calls``, ``raw/flowroute_cdr``, ``landing/files``.

    Sources therefore share keys with the landing asset that writes them, which links the graph.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]
