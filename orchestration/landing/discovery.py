"""Finding landing files and reading what is needed to decide about them (size, hash, header)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from orchestration.formats import ALL_FORMATS_BY_NAME

LANDABLE_SUFFIXES = (".csv", ".csv.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz")
_IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    modified_at: datetime
    refused: str | None = None
    """Why the file must not be read at all (a link leading outside its folder)."""
    folder: str = "landing"
    """The folder under $CDRWH_HOME it was found in: 'landing' (CDR exports) or 'rates' (rate files)."""

    @property
    def display_path(self) -> str:
        """The path as people read it: relative to landing/, or 'rates/...' for a rate file."""
        return self.relative_path if self.folder == "landing" else f"{self.folder}/{self.relative_path}"

    @property
    def pinned_format(self) -> str | None:
        """A folder named after a format pins the format of every file below it."""
        for part in Path(self.relative_path).parts[:-1]:
            if part in ALL_FORMATS_BY_NAME:
                return part
        return None

    @property
    def is_gzip(self) -> bool:
        return self.path.name.lower().endswith(".gz")

    @property
    def is_json(self) -> bool:
        return self.path.name.lower().removesuffix(".gz").endswith((".json", ".ndjson"))

    @property
    def has_landable_suffix(self) -> bool:
        return self.path.name.lower().endswith(LANDABLE_SUFFIXES)


def discover(landing_dir: Path, folder: str = "landing") -> list[LandingFile]:
    """Every file under ``landing_dir`` at any depth, oldest first so newer exports land later.

    ``folder`` names the folder the files are recorded under (``landing.files.folder``).

    Hidden files and files still being written (``.tmp``, ``.part``...) are left for a later run.
    Symbolic links are not followed out of the folder: a link whose target lies outside it (or is
    missing) is returned with ``refused`` set, so it is recorded and never read.
    """
    root = landing_dir.resolve()
    found = []
    for directory, subfolders, names in os.walk(landing_dir, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in [*names, *(d for d in subfolders if (Path(directory) / d).is_symlink())]:
            path = Path(directory) / name
            if name.startswith(".") or name.lower().endswith(_IN_PROGRESS_SUFFIXES):
                continue
            refused = _refusal(path, root)
            if refused is None and not path.is_file():
                continue  # a link to a folder inside the landing folder: its files are found where they are
            stat = path.lstat() if refused else path.stat()
            found.append(
                LandingFile(
                    path=path,
                    relative_path=path.relative_to(landing_dir).as_posix(),
                    size_bytes=stat.st_size,
                    modified_at=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None),
                    refused=refused,
                    folder=folder,
                )
            )
    return sorted(found, key=lambda f: (f.modified_at, f.relative_path))


def _refusal(path: Path, root: Path) -> str | None:
    if not path.is_symlink():
        return None
    target = path.resolve()
    if not target.exists():
        return f"refused: broken symbolic link (to {os.readlink(path)})"
    if not target.is_relative_to(root):
        return f"refused: symbolic link leads outside the {root.name} folder (to {target})"
    return None


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def read_csv_header(file: LandingFile, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """The first CSV record of the file (BOM and gzip handled); empty when the file is empty."""
    raw = gzip.open(file.path, "rb") if file.is_gzip else file.path.open("rb")  # noqa: SIM115 (closed below)
    with (
        raw,
        io.TextIOWrapper(
            raw, encoding="utf-8-sig" if encoding == "utf-8" else encoding, errors="replace", newline=""
        ) as text,
    ):
        return next(csv.reader(text, delimiter=delimiter), [])


_JSON_LOOKAHEAD_CHARS = 1 << 20


def read_json_keys(file: LandingFile) -> list[str]:
    """The keys of the file's first JSON object: the first NDJSON line, or JSON array element, that is
    an object. Damaged records before it are skipped here (landing rejects them, each on its line); the
    look-ahead is bounded. ``ValueError`` when no object is found in it."""
    raw = gzip.open(file.path, "rb") if file.is_gzip else file.path.open("rb")  # noqa: SIM115 (closed below)
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace") as text:
        head = text.read(_JSON_LOOKAHEAD_CHARS)
    stripped = head.lstrip()
    if not stripped:
        return []
    candidates = _array_elements(stripped) if stripped.startswith("[") else _ndjson_values(head)
    for value in candidates:
        if isinstance(value, dict):
            return list(value)
    raise ValueError(f"no JSON object in the first {_JSON_LOOKAHEAD_CHARS:,} characters")


def _ndjson_values(text: str) -> Iterator[object]:
    for line in text.splitlines():
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a damaged line (or the look-ahead's cut-off last one)


def _array_elements(text: str) -> Iterator[object]:
    """Elements of a JSON array's beginning, decoded one by one; stops at the first undecodable one."""
    decoder = json.JSONDecoder()
    position = 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            return
        yield value
