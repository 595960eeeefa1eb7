"""Generated files stay in step with what generates them."""

from __future__ import annotations

import csv
import re

from orchestration import reference
from orchestration.formats import FORMATS
from orchestration.formats.codegen import generated_files
from orchestration.settings import PROJECT_DIR


def test_committed_dbt_files_match_the_format_declarations() -> None:
    stale = [
        str(path.relative_to(PROJECT_DIR))
        for path, text in generated_files().items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], f"run `python -m orchestration.formats.codegen`; stale: {stale}"


def test_every_format_has_a_source_a_staging_model_and_a_status_map() -> None:
    """Each format: its generated source, a staging model (any entity name) that reads it and is in the
    union, and its vendor's status map. A vendor may stage several formats (DIDWW inbound and outbound)."""
    unioned = (PROJECT_DIR / "models" / "intermediate" / "int_calls__unioned.sql").read_text()
    in_union = set(re.findall(r"ref\(\s*['\"](\w+)['\"]\s*\)", unioned))
    for spec in FORMATS:
        staging = PROJECT_DIR / "models" / "staging" / spec.vendor
        assert (staging / f"_{spec.vendor}__sources.yml").exists()
        reads_source = re.compile(
            rf"source\(\s*['\"]{spec.vendor}['\"]\s*,\s*['\"]{spec.raw_table}['\"]\s*\)"
        )
        readers = [
            p.stem
            for p in sorted(staging.glob(f"stg_{spec.vendor}__*.sql"))
            if reads_source.search(p.read_text())
        ]
        assert readers, f"no stg_{spec.vendor}__*.sql reads source('{spec.vendor}', '{spec.raw_table}')"
        missing = [model for model in readers if model not in in_union]
        assert not missing, f"add {missing} to int_calls__unioned"
        assert (PROJECT_DIR / "seeds" / f"status_map_{spec.vendor}.csv").exists(), spec.vendor


def _seed(name: str) -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / f"{name}.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_country_calling_codes_seed_is_what_the_script_generates() -> None:
    assert _seed("country_calling_codes") == reference.country_calling_codes()


def test_nanp_area_codes_split_us_canada_caribbean_and_toll_free() -> None:
    rows = {r["area_code"]: r for r in _seed("nanp_area_codes")}
    assert rows["206"]["iso_country"] == "US"
    assert rows["204"]["iso_country"] == "CA"
    assert rows["876"]["iso_country"] == "JM"
    assert rows["787"]["iso_country"] == "PR"
    assert {code for code, r in rows.items() if r["number_type"] == "toll_free"} == {
        "800",
        "833",
        "844",
        "855",
        "866",
        "877",
        "888",
    }
    assert rows["900"]["number_type"] == "premium"
    assert "999" not in rows


def test_shared_calling_codes_have_one_main_country() -> None:
    rows = _seed("country_calling_codes")
    mains = [r["iso_country"] for r in rows if r["calling_code"] == "44" and r["is_main_country"] == "true"]
    assert mains == ["GB"]
    assert {r["iso_country"] for r in rows if r["calling_code"] == "44"} == {"GB", "GG", "IM", "JE"}
