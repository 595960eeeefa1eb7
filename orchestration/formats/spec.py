"""The shape of a vendor format declaration.

A format is declared once (one module per vendor in this package). Detection, landing, the
generator, the dbt sources and the docs all read the declaration; nothing else lists columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


def normalize_header(text: str) -> str:
    """The comparable form of a header cell: no BOM, no quotes, case and spacing folded."""
    text = text.replace("\ufeff", "").strip().strip('"').strip()
    return re.sub(r"\s+", " ", text).lower()


ColumnKind = Literal["text", "integer", "decimal", "timestamp"]


@dataclass(frozen=True)
class Column:
    """One column of a format, landed as ``raw.<format>.<name>`` (always VARCHAR).

    ``kind`` is checked while landing: a row whose value does not parse as its kind is rejected with
    the column and the value named, so staging's casts never meet a value they cannot read.
    """

    name: str
    description: str
    headers: tuple[str, ...] = ()
    """Header spellings accepted for this column across export generations; the name is always one."""
    required: bool = False
    """A file whose header lacks a required column is not this format."""
    kind: ColumnKind = "text"
    null_values: tuple[str, ...] = ()
    """Values that mean "none" for this column besides the empty string (e.g. '0000-00-00 00:00:00')."""

    def spellings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalize_header(h) for h in (self.name, *self.headers)))


@dataclass(frozen=True)
class FormatSpec:
    """A file layout: how to recognise it, read it, and identify one record (a call, a rate) in it."""

    name: str
    vendor: str
    description: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    """Columns that identify one call within the vendor (two rows with the same key are one call); for a
    rate format, one rate or plan."""
    one_of: tuple[tuple[str, ...], ...] = ()
    """Groups of columns of which a file must carry at least one each (e.g. CALLR inbound or outbound)."""
    reader: Literal["csv", "json"] = "csv"
    delimiter: str = ","
    family: Literal["cdr", "rates"] = "cdr"
    """What the files are: vendor CDR exports (landed from ``landing/``) or rate decks and rating plans
    (landed from ``rates/``). Detection only compares a file with the formats of its folder's family."""
    documentation: str = ""
    """Where the layout comes from (the vendor document)."""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: duplicate column names")
        for key in (*self.natural_key, *(c for group in self.one_of for c in group)):
            if key not in names:
                raise ValueError(f"{self.name}: {key!r} is not a declared column")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def label(self, column: str) -> str:
        """How files usually spell a column: its first header spelling, else its name."""
        declared = next(c for c in self.columns if c.name == column)
        return declared.headers[0] if declared.headers else declared.name

    @property
    def raw_table(self) -> str:
        return self.name

    def match_header(self, header: list[str]) -> HeaderMatch:
        """Map the cells of a file's header onto this format's columns (by name, never position)."""
        by_spelling = {s: c.name for c in self.columns for s in c.spellings()}
        positions: dict[str, int] = {}
        ignored: list[str] = []
        for index, cell in enumerate(header):
            column = by_spelling.get(normalize_header(cell))
            if column is None or column in positions:
                ignored.append(cell)
            else:
                positions[column] = index
        missing = [c for c in self.required_columns if c not in positions]
        missing_groups = [g for g in self.one_of if not any(c in positions for c in g)]
        return HeaderMatch(
            self, tuple(header), positions, tuple(ignored), tuple(missing), tuple(missing_groups)
        )


@dataclass(frozen=True)
class HeaderMatch:
    spec: FormatSpec
    header: tuple[str, ...]
    positions: dict[str, int]
    """Declared column name -> index of the header cell that carries it."""
    ignored: tuple[str, ...]
    """Header cells this format does not declare (extra trailing columns are tolerated)."""
    missing: tuple[str, ...]
    missing_groups: tuple[tuple[str, ...], ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.missing_groups

    def shortfall(self) -> str:
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(self.spec.label(c) for c in self.missing))
        for group in self.missing_groups:
            parts.append("missing one of " + " / ".join(self.spec.label(c) for c in group))
        return "; ".join(parts)
