"""Telling UTF-8 files from legacy 8-bit ones (Latin-1 / Windows-1252) and transcoding the latter.

DuckDB's reader takes UTF-8 (and Latin-1, but not Windows-1252's curly quotes and euro sign), so a
legacy file is rewritten to UTF-8 in fixed-size chunks before it is read: memory stays bounded.
"""

from __future__ import annotations

import codecs
import gzip
import shutil
from pathlib import Path
from typing import BinaryIO

UTF8 = "utf-8"
LEGACY = "cp1252"
_CHUNK = 1 << 20


def open_bytes(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def detect_encoding(path: Path) -> str:
    """Windows-1252 (a superset of Latin-1's letters) when the file is not UTF-8, holds no multi-byte
    UTF-8 character at all, and decodes as Windows-1252; UTF-8 otherwise.

    So a file written by a legacy Windows or Latin-1 system is decoded, while a UTF-8 file with a few
    damaged rows stays UTF-8 and the reader rejects those rows with their line.
    """
    decoder = codecs.getincrementaldecoder(UTF8)(errors="replace")
    saw_invalid, legacy_ok = False, True
    with open_bytes(path) as handle:
        while chunk := handle.read(_CHUNK):
            if chunk.isascii():
                continue
            text = decoder.decode(chunk)
            if any(ord(ch) > 127 and ch != "\ufffd" for ch in text):
                return UTF8
            saw_invalid = saw_invalid or "\ufffd" in text
            try:
                chunk.decode(LEGACY)
            except UnicodeDecodeError:
                legacy_ok = False
    return LEGACY if saw_invalid and legacy_ok else UTF8


def transcode_to_utf8(path: Path, target: Path, encoding: str = LEGACY) -> Path:
    """Write ``path`` (possibly gzipped) as plain UTF-8 to ``target``, chunk by chunk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        open_bytes(path) as source,
        codecs.getreader(encoding)(source) as text,
        target.open("w", encoding=UTF8, newline="") as out,
    ):
        shutil.copyfileobj(text, out, _CHUNK)
    return target
