"""Write each vendor's dbt sources file from the format declarations.

``python -m orchestration.formats.codegen`` rewrites ``models/staging/<vendor>/_<vendor>__sources.yml``
(the rate formats: ``models/staging/rates/_rates__sources.yml``) and the CDR formats' natural key macro;
a test fails when a committed file differs from what the declarations give.
"""

from __future__ import annotations

import copy
from itertools import groupby
from pathlib import Path

import yaml

from orchestration.formats import FAMILY_FOLDERS, FORMATS, RATE_FORMATS, FormatSpec
from orchestration.settings import PROJECT_DIR

_HEADER = (
    "# Generated from the format declarations in orchestration/formats/ by\n"
    "# `python -m orchestration.formats.codegen`. Edit the declaration, not this file.\n"
)

_LINEAGE_COLUMNS = [
    {
        "name": "_file_id",
        "description": "landing.files.file_id of the file the row came from.",
        "data_tests": ["not_null"],
    },
    {
        "name": "_line",
        "description": "CSV record number in that file (the header is line 1).",
        "data_tests": ["not_null"],
    },
]


def _table(spec: FormatSpec) -> dict:
    return {
        "name": spec.raw_table,
        "description": f"{spec.description} Landed as text by cdrwh; source: {spec.documentation}.",
        "config": {"meta": {"natural_key": list(spec.natural_key), "format": spec.name}},
        "columns": copy.deepcopy(_LINEAGE_COLUMNS)
        + [
            {
                "name": c.name,
                "description": c.description
                + (f" Header spellings: {', '.join(c.headers)}." if c.headers else ""),
            }
            for c in spec.columns
        ],
    }


def _source_description(vendor: str, specs: list[FormatSpec]) -> str:
    family = specs[0].family
    if family == "cdr":
        return f"Raw {vendor} CDR rows as landed from $CDRWH_HOME/landing (all VARCHAR)."
    return (
        f"Rate decks and rating plans as landed from $CDRWH_HOME/{FAMILY_FOLDERS[family]} (all VARCHAR); "
        "landing.files.folder is 'rates' for their files."
    )


def sources_yaml(vendor: str, specs: list[FormatSpec]) -> str:
    document = {
        "version": 2,
        "sources": [
            {
                "name": vendor,
                "schema": "raw",
                "description": _source_description(vendor, specs),
                "tables": [_table(s) for s in specs],
            }
        ],
    }
    return _HEADER + yaml.safe_dump(document, sort_keys=False, width=110)


def natural_keys_macro() -> str:
    """A macro mapping each CDR format to its natural key columns, for ``vendor_call_key`` in staging.
    The rate formats are left out: no call key is built from them."""
    keys = ", ".join(f"'{spec.name}': {list(spec.natural_key)!r}" for spec in FORMATS)
    return (
        "{#- " + _HEADER.replace("# ", "").replace("\n", " ").strip() + " -#}\n"
        "{% macro format_natural_key(format_name) -%}\n"
        f"    {{{{ return({{{keys}}}[format_name]) }}}}\n"
        "{%- endmacro %}\n"
    )


def generated_files(project_dir: Path = PROJECT_DIR) -> dict[Path, str]:
    specs = (*FORMATS, *RATE_FORMATS)
    by_vendor = groupby(sorted(specs, key=lambda f: f.vendor), key=lambda f: f.vendor)
    files = {
        project_dir / "models" / "staging" / vendor / f"_{vendor}__sources.yml": sources_yaml(
            vendor, list(specs)
        )
        for vendor, specs in by_vendor
    }
    files[project_dir / "macros" / "generated" / "format_natural_keys.sql"] = natural_keys_macro()
    return files


def main() -> None:
    for path, text in generated_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
