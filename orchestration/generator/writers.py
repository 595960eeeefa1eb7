"""Streaming vendor files the way the vendors deliver them: plain or gzip, written whole or not at all.

Every writer streams into ``<path>.part`` and renames it to ``path`` only when the block ends without
error (landing skips ``.part`` files), and gzip output carries no name and mtime 0, so the same rows
always give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# Landing discovery skips files with this suffix, so a half-written file is never landed.
PARTIAL_SUFFIX = ".part"


class RowSink:
    """Writes row mappings in the file's header order; a header column the row lacks is a bug."""

    def __init__(self, handle: IO[str], header: Sequence[str], quoting: int = csv.QUOTE_MINIMAL):
        self.header = tuple(header)
        self._writer = csv.writer(handle, lineterminator="\n", quoting=quoting)
        self._writer.writerow(self.header)
        self.rows = 0

    def write(self, row: Mapping[str, str]) -> None:
        self._writer.writerow([row[column] for column in self.header])
        self.rows += 1


@contextmanager
def _binary_target(path: Path, compress: bool) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if not compress:
            yield raw
            return
        # No file name and mtime=0 in the gzip header: the same rows give the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
            yield packed


@contextmanager
def atomic_text_file(
    path: Path, *, encoding: str = "utf-8", newline: str = "", errors: str = "strict"
) -> Iterator[IO[str]]:
    """A text handle on ``<path>.part`` (gzip-compressed for ``.gz`` paths), renamed to ``path`` when
    the block ends without error and removed when it does not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        with (
            _binary_target(partial, compress=path.name.endswith(".gz")) as binary,
            io.TextIOWrapper(binary, encoding=encoding, newline=newline, errors=errors) as text,
        ):
            yield text
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


@contextmanager
def csv_file(path: Path, header: Sequence[str], quoting: int = csv.QUOTE_MINIMAL) -> Iterator[RowSink]:
    """Open ``path`` for streaming rows; ``.gz`` paths are gzip-compressed.

    ``quoting`` is the :mod:`csv` quoting of every record (``csv.QUOTE_ALL`` writes an empty value
    as ``""``, as API exports do). Rows go to ``<path>.part``, renamed to ``path`` when complete.
    """
    with atomic_text_file(path) as text:
        yield RowSink(text, header, quoting)


class ObjectSink:
    """Writes JSON objects one per line: NDJSON, or the elements of one JSON array."""

    def __init__(self, handle: IO[str], ndjson: bool):
        self._handle = handle
        self.ndjson = ndjson
        self.rows = 0
        """Records written (objects, or the lines standing in for them)."""

    def write(self, value: Mapping[str, Any]) -> None:
        self.write_text(json.dumps(value, ensure_ascii=False))

    def write_text(self, text: str) -> None:
        """One record given as its JSON text (which need not be valid: that is how damage is written)."""
        if self.ndjson:
            self._handle.write(text + "\n")
        else:
            self._handle.write(("[\n" if self.rows == 0 else ",\n") + text)
        self.rows += 1

    def close(self) -> None:
        if not self.ndjson:
            self._handle.write("[]\n" if self.rows == 0 else "\n]\n")


@contextmanager
def json_file(path: Path, *, ndjson: bool) -> Iterator[ObjectSink]:
    """Open ``path`` for streaming JSON objects (UTF-8): NDJSON, or a JSON array with one element a line."""
    with atomic_text_file(path) as text:
        sink = ObjectSink(text, ndjson)
        yield sink
        sink.close()
