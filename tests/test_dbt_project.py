"""How the dbt project is prepared and invoked: what each dbt step costs before any model runs."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import dagster_dbt.core.resource
import msgpack
import pytest
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.dbt_project import PARSED_FROM, ensure_manifest
from orchestration.defs.dbt.resources import DbtCli
from orchestration.settings import PROJECT_DIR


def _seed_checksums(target: Path) -> dict[str, str]:
    with open(target / "partial_parse.msgpack", "rb") as f:
        saved = msgpack.unpack(f, raw=False, strict_map_key=False)
    return {
        name: entry["checksum"]["checksum"]
        for name, entry in saved["files"].items()
        if entry.get("parse_file_type") == "seed"
    }


def test_manifest_is_parsed_once_with_real_seed_checksums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=tmp_path / "target")
    manifest = ensure_manifest(project)

    assert manifest.exists()
    assert (tmp_path / "target" / PARSED_FROM).read_text() == f"{PROJECT_DIR.resolve()} duckdb"
    # dagster-dbt's own preparer blanks these, and every dbt invocation then parsed the seeds again.
    checksums = _seed_checksums(tmp_path / "target")
    assert "cdr_warehouse://seeds/q850_causes.csv" in checksums
    assert all(set(checksum) != {"0"} for checksum in checksums.values())

    parses: list[list[str]] = []

    class Invocation:
        def wait(self) -> None:
            pass

    def cli(self: DbtCliResource, args: list[str], **kwargs: object) -> Invocation:
        parses.append(args)
        return Invocation()

    monkeypatch.setattr(DbtCliResource, "cli", cli)
    ensure_manifest(project)
    assert parses == [], "an up-to-date manifest is not parsed again"

    # Parsed from another checkout: parsed again, from scratch (the saved parse names the other folder).
    (tmp_path / "target" / PARSED_FROM).write_text("/somewhere/else")
    ensure_manifest(project)
    assert parses == [["parse", "--quiet"]]
    assert not (tmp_path / "target" / "partial_parse.msgpack").exists()

    # Parsed for the other engine: configs are rendered per target (incremental strategies), parse again.
    (tmp_path / "target" / PARSED_FROM).write_text(f"{PROJECT_DIR.resolve()} duckdb")
    monkeypatch.setenv("CDRWH_ENGINE", "spark")
    ensure_manifest(project)
    assert parses == [["parse", "--quiet"]] * 2


def test_dbt_resource_starts_dbt_once_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # What DbtCli overrides must still exist in dagster-dbt, or the overrides silently stop applying.
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_subprocess)
    dbt = DbtCli(project_dir=str(PROJECT_DIR))
    assert dbt._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
