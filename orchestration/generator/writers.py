"""Streaming CSV files the way the vendors deliver them: plain or gzip, written whole or not at all."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# Landing discovery skips files with this suffix, so a half-written file is never landed.
PARTIAL_SUFFIX = ".part"


class RowSink:
    """Writes row mappings in the file's header order; a header column the row lacks is a bug."""

    def __init__(self, handle: IO[str], header: Sequence[str]):
        self.header = tuple(header)
        self._writer = csv.writer(handle, lineterminator="\n")
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
def csv_file(path: Path, header: Sequence[str]) -> Iterator[RowSink]:
    """Open ``path`` for streaming rows; ``.gz`` paths are gzip-compressed.

    Rows go to ``<path>.part``, renamed to ``path`` when the block ends without error.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        with (
            _binary_target(partial, compress=path.name.endswith(".gz")) as binary,
            io.TextIOWrapper(binary, encoding="utf-8", newline="") as text,
        ):
            yield RowSink(text, header)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
