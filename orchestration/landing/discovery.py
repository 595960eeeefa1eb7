"""Finding landing files and reading what is needed to decide about them (size, hash, header)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from orchestration.formats import FORMATS_BY_NAME

LANDABLE_SUFFIXES = (".csv", ".csv.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz")
_IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    modified_at: datetime

    @property
    def pinned_format(self) -> str | None:
        """A folder named after a format pins the format of every file below it."""
        for part in Path(self.relative_path).parts[:-1]:
            if part in FORMATS_BY_NAME:
                return part
        return None

    @property
    def is_gzip(self) -> bool:
        return self.path.name.lower().endswith(".gz")

    @property
    def has_landable_suffix(self) -> bool:
        return self.path.name.lower().endswith(LANDABLE_SUFFIXES)


def discover(landing_dir: Path) -> list[LandingFile]:
    """Every file under ``landing_dir`` at any depth, oldest first so newer exports land later.

    Hidden files and files still being written (``.tmp``, ``.part``...) are left for a later run.
    """
    found = []
    for path in landing_dir.rglob("*"):
        name = path.name
        if not path.is_file() or name.startswith(".") or name.lower().endswith(_IN_PROGRESS_SUFFIXES):
            continue
        if any(part.startswith(".") for part in path.relative_to(landing_dir).parts):
            continue
        stat = path.stat()
        found.append(
            LandingFile(
                path=path,
                relative_path=path.relative_to(landing_dir).as_posix(),
                size_bytes=stat.st_size,
                modified_at=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None),
            )
        )
    return sorted(found, key=lambda f: (f.modified_at, f.relative_path))


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def read_csv_header(file: LandingFile, delimiter: str = ",") -> list[str]:
    """The first CSV record of the file (BOM and gzip handled); empty when the file is empty."""
    raw = gzip.open(file.path, "rb") if file.is_gzip else file.path.open("rb")  # noqa: SIM115 (closed by the with below)
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text:
        return next(csv.reader(text, delimiter=delimiter), [])
