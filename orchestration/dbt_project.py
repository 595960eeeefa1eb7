"""The dbt project, built once for Dagster and the CLI; its manifest is refreshed when the project changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import PROJECT_DIR, configure_environment, engine

_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")

_paths = configure_environment()

DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=_paths.dbt_target)


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = project_dir / name
        candidates = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for candidate in candidates:
            newest = max(newest, candidate.stat().st_mtime)
    return newest


PARSED_FROM = "cdrwh-parsed-from"
"""A file beside the manifest naming the project folder and the engine it was parsed for."""


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    """Run ``dbt parse`` when the manifest is missing, older than the project's files, or parsed from
    another checkout of the project.

    Not dagster-dbt's preparer: it blanks the seeds' checksums in ``partial_parse.msgpack`` (for a
    manifest built in one place and deployed in another), so every dbt invocation then parsed every seed
    and the models reading them again (19 files, ~4 s per invocation). Here the manifest lives beside the
    warehouse and is parsed again, whole, when the project folder is not the one it was parsed from.
    """
    manifest = project.manifest_path
    target = manifest.parent
    parsed_from = target / PARSED_FROM
    # The manifest holds configs rendered for one target (incremental strategies differ by engine).
    here = f"{project.project_dir.resolve()} {engine()}"
    moved = not parsed_from.exists() or parsed_from.read_text() != here
    if moved or not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(project.project_dir):
        if moved:
            (target / "partial_parse.msgpack").unlink(missing_ok=True)
        DbtCliResource(project_dir=project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
        parsed_from.write_text(here)
    return manifest


_CALL_MODEL_INPUTS = (("dbt_project.yml", "*"), ("models", "*.sql"), ("macros", "*.sql"), ("seeds", "*.csv"))


def call_models_version(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of what the call models compute from: SQL, macros, seeds and project settings (not the YAML
    docs and tests). The incremental call models record it; a different one means rebuilding them whole."""
    digest = hashlib.sha256()
    for name, pattern in _CALL_MODEL_INPUTS:
        path = project_dir / name
        files = [path] if path.is_file() else sorted(path.rglob(pattern)) if path.exists() else []
        for file in files:
            digest.update(str(file.relative_to(project_dir)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
