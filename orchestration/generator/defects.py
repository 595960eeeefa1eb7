"""Delivery defects as real CDR feeds have them, injected deterministically, and the exact ledger of
what the warehouse must make of every file.

With a rate above 0 the generator damages its clean files after writing them (each in one streaming
pass, to ``.part`` and renamed) and delivers some of them again:

- row defects, each data row with probability ``rate``, spread evenly over three families:
  malformed records (a CSV row with too few or too many cells, an NDJSON line that is not JSON, a
  JSON array element that is not an object) and unparseable values in a typed column (``"12s"``,
  ``"2026-13-40 25:00:00"``) are rejected by landing (``landing.rejects``); rows that parse but break
  a field rule (end before start, empty called number) are quarantined (``marts.quarantined_calls``);
- file defects, each file with probability ``rate`` and at least one of each kind: a UTF-8 BOM, CRLF
  line endings, the same bytes delivered again under another name or folder (a ``duplicate`` file),
  an overlapping re-export of an earlier day repeating some of its calls (newer, so its versions win
  and the earlier ones are superseded), a late file (an old day's file delivered last); and exactly
  one Windows-1252 encoded Flowroute export whose DID aliases carry accents, curly quotes and ``€``.

Modification times are then set deterministically (a day's files in the early hours of the next day,
re-exports after all of them, late files last), so landing's oldest-first order is known.

:class:`Expected` is the ledger: per file its records, rejects, quarantined rows, rows a newer file
supersedes, and whether it is a duplicate of a file landed before it; in total the rows of
``landing.rejects``, ``marts.quarantined_calls``, duplicate files, superseded rows and ``marts.fct_calls``.
It is computed for every generation (with no defects: every row is a call).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import random
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import IO, Any, TypeVar

from orchestration.formats import FormatSpec
from orchestration.generator.writers import atomic_text_file, json_file

# -- what can be injected -------------------------------------------------------------------------

MALFORMED = ("too_few_cells", "too_many_cells", "invalid_json_line", "non_object_element")
"""Records the reader cannot take: one ``landing.rejects`` row each."""
BAD_VALUES = ("unparseable_number", "unparseable_timestamp")
"""Records whose typed column does not parse: one ``landing.rejects`` row each."""
RULE_BREAKS = ("end_before_start", "empty_called_number")
"""Records that parse but break a field rule: one ``marts.quarantined_calls`` row each."""
FILE_DEFECTS = (
    "utf8_bom",
    "crlf_line_endings",
    "cp1252_encoding",
    "duplicate_file",
    "overlapping_export",
    "overlapping_row",
    "late_file",
)
"""Whole-file defects (``overlapping_row`` counts the rows the overlapping exports repeat)."""
REJECTED = MALFORMED + BAD_VALUES
QUARANTINED = RULE_BREAKS

CSV_SLOTS = ("flowroute", "callr_outbound", "callr_inbound", "didww_inbound", "didww_outbound", "connexcs")
"""The CSV files the generator writes each day (DemandFlow's JSON export is the seventh)."""
CP1252_SLOT = "flowroute"

_BAD_VALUES = {
    "integer": ("12s", "N/A", "7 sec", "--"),
    "decimal": ("0,0150", "USD 0.01", "N/A", "1.2.3"),
    "timestamp": ("2026-13-40 25:00:00", "31/10/2026 10:00", "not recorded", "2026-02-30 10:00:00"),
}
_STRAY_CELLS = (" Inc.", " Republic of", "ext. 12", " Ltd")
"""What an unquoted comma inside a value splits off into a cell of its own."""

# Per format: the (start, end) columns and the called-number columns a rule-breaking row changes.
_TIMES = {
    "flowroute_cdr": ("start_time", "end_time"),
    "callr_cdr": ("start", "hangup"),
    "didww_inbound": ("start_time", "end_time"),
    "didww_outbound": ("start_time", "end_time"),
    "demandflow_cdr": ("start_time", "end_time"),
}
_CALLED = {
    "flowroute_cdr": ("destination",),
    "callr_cdr": ("number", "did_intl_number"),
    "didww_inbound": ("did",),
    "didww_outbound": ("destination",),
    "connexcs_cdr": ("destination",),
    "demandflow_cdr": ("called_number",),
}

ACCENTED_ALIASES: dict[str, str] = {
    "Main Line": "Réception principale",
    "Support": "Support “Premium”",
    "Sales": "Vertrieb Müller & Söhne",
    "Front Desk": "Accueil \u2013 Café",
    "After Hours": "Après 20h (Nuit)",
    "Billing": "Facturation €",
}
"""How the Windows-1252 export spells the DID aliases (an empty alias gets one of these too)."""


# -- the ledger -----------------------------------------------------------------------------------


@dataclass
class FileExpectation:
    """One generated file and what landing and the models must make of it."""

    path: Path
    format: str
    rows: int
    """Data records in the file (CSV rows after the header; JSON objects or the lines standing for them)."""
    rejects: int = 0
    quarantined: int = 0
    superseded: int = 0
    """Its valid rows whose calls a newer file repeats (``file_reconciliation.duplicates``)."""
    duplicate_of: Path | None = None
    """Same bytes as this file, which lands first: this one lands as ``duplicate`` and reads nothing."""
    defects: Counter[str] = field(default_factory=Counter)
    """What was injected into this file, by kind."""
    mtime: float | None = None
    """The modification time the generator set (None: left as written)."""

    @property
    def status(self) -> str:
        return "duplicate" if self.duplicate_of else "loaded"

    @property
    def rows_read(self) -> int:
        return 0 if self.duplicate_of else self.rows

    @property
    def calls(self) -> int:
        """Rows of this file that are the version of their call in ``marts.fct_calls``."""
        if self.duplicate_of:
            return 0
        return self.rows - self.rejects - self.quarantined - self.superseded


@dataclass
class Expected:
    """What the warehouse holds after landing every generated file (and nothing else)."""

    files: dict[Path, FileExpectation] = field(default_factory=dict)

    def _landed(self) -> list[FileExpectation]:
        return [f for f in self.files.values() if f.duplicate_of is None]

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self._landed())

    @property
    def rejects(self) -> int:
        """Rows of ``landing.rejects``."""
        return sum(f.rejects for f in self._landed())

    @property
    def quarantined(self) -> int:
        """Rows of ``marts.quarantined_calls``."""
        return sum(f.quarantined for f in self._landed())

    @property
    def superseded(self) -> int:
        """Valid rows replaced by a newer file's version of their call."""
        return sum(f.superseded for f in self._landed())

    @property
    def duplicate_files(self) -> int:
        """Files of ``landing.files`` with status ``duplicate``."""
        return sum(1 for f in self.files.values() if f.duplicate_of is not None)

    @property
    def calls(self) -> int:
        """Rows of ``marts.fct_calls``: the distinct valid calls."""
        return sum(f.calls for f in self._landed())

    def with_defect(self, kind: str) -> list[Path]:
        """The files a defect kind was injected into (for a duplicate: the copy)."""
        return [f.path for f in self.files.values() if f.defects[kind]]

    def describe(self) -> str:
        return (
            f"{self.calls:,} calls in marts.fct_calls, {self.rejects:,} rows in landing.rejects, "
            f"{self.quarantined:,} quarantined, {self.duplicate_files:,} duplicate files, "
            f"{self.superseded:,} rows superseded by newer exports"
        )


# -- reading and writing --------------------------------------------------------------------------


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


@contextmanager
def _open_text(path: Path, encoding: str = "utf-8-sig") -> Iterator[IO[str]]:
    with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        yield text


def _quoting(path: Path) -> int:
    """API exports quote every value, their header included."""
    with _open_binary(path) as raw:
        return csv.QUOTE_ALL if raw.read(1) == b'"' else csv.QUOTE_MINIMAL


def _json_records(handle: IO[str]) -> Iterator[str]:
    """The record lines of a generated JSON file: NDJSON lines, or a JSON array's one-per-line elements."""
    for line in handle:
        text = line.strip()
        if text in ("", "[", "]", "[]"):
            continue
        yield text.removesuffix(",")


def _is_ndjson(path: Path) -> bool:
    return path.name.removesuffix(".gz").endswith(".ndjson")


def _earlier(stamp: str, rng: random.Random) -> str:
    """The same kind of timestamp text (separator and offset kept), a few minutes to an hour earlier."""
    separator = stamp[10]
    moment = datetime.strptime(stamp[:19], f"%Y-%m-%d{separator}%H:%M:%S")
    moment -= timedelta(seconds=rng.randint(60, 3600))
    return moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + stamp[19:]


def _variant_name(path: Path, tag: str) -> str:
    stem, _, extension = path.name.partition(".")
    return f"{stem}{tag}.{extension}"


T = TypeVar("T")


def _pick(rng: random.Random, items: Sequence[T], rate: float) -> list[T]:
    """Each item with probability ``rate``, and at least one when there is any."""
    chosen = [item for item in items if rng.random() < rate]
    if not chosen and items:
        chosen = [rng.choice(items)]
    return chosen


def _midnight(day: date) -> float:
    return datetime.combine(day, time(), tzinfo=timezone.utc).timestamp()


def _discovery_order(path: Path, root: Path) -> tuple[datetime, str]:
    """How landing orders files: by modification time (UTC, as it reads it), then relative path."""
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None)
    return modified, path.relative_to(root).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- injecting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileOptions:
    bom: bool = False
    crlf: bool = False
    cp1252: bool = False


@dataclass
class _Base:
    """A file of the regular daily delivery."""

    day_index: int
    slot: str
    spec: FormatSpec
    entry: FileExpectation
    damaged: frozenset[int]
    """Ordinals of its records that are not valid calls."""


class Injector:
    """Damages the generated files (``rate`` > 0), delivers some again, and keeps the ledger.

    Every decision comes from a generator seeded by the seed and what it is about (a file's relative
    path, the plan), so the same arguments give the same defects in the same places.
    """

    def __init__(self, out_dir: Path, seed: int, rate: float, calendar: Sequence[date]):
        if not 0 <= rate <= 1:
            raise ValueError(f"the defect rate must be between 0 and 1 (got {rate})")
        self.out_dir = out_dir
        self.seed = seed
        self.rate = rate
        self.calendar = tuple(calendar)
        self.injected: Counter[str] = Counter()
        self.expected = Expected()
        self._base: list[_Base] = []
        self._mtimes: dict[Path, float] = {}
        plan = self._rng("plan")
        slots = [(d, s) for d in range(len(calendar)) for s in CSV_SLOTS]
        self._cp1252 = (min(1, len(calendar) - 1), CP1252_SLOT)
        others = [slot for slot in slots if slot != self._cp1252]
        self._bom = set(_pick(plan, others, rate)) if rate else set()
        self._crlf = set(_pick(plan, slots, rate)) if rate else set()

    def _rng(self, about: str) -> random.Random:
        return random.Random(f"{self.seed}:defects:{about}")

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def options(self, day_index: int, slot: str) -> FileOptions:
        if not self.rate:
            return FileOptions()
        key = (day_index, slot)
        return FileOptions(bom=key in self._bom, crlf=key in self._crlf, cp1252=key == self._cp1252)

    # -- the regular files ------------------------------------------------------------------------

    def add_base(self, path: Path, spec: FormatSpec, rows: int, day_index: int, slot: str) -> FileExpectation:
        """Register a file of the day's delivery (damaging it when defects are on)."""
        entry = FileExpectation(path, spec.name, rows)
        damaged: frozenset[int] = frozenset()
        if self.rate:
            rng = self._rng(self._relative(path))
            if spec.reader == "json":
                damaged = self._damage_json(path, spec, rng, entry)
            else:
                damaged = self._damage_csv(path, spec, self.options(day_index, slot), rng, entry)
            day = self.calendar[day_index]
            order = sum(1 for b in self._base if b.day_index == day_index)
            self._mtimes[path] = _midnight(day + timedelta(days=1)) + 3600 + 60 * order
        self.injected.update(entry.defects)
        self.expected.files[path] = entry
        self._base.append(_Base(day_index, slot, spec, entry, damaged))
        return entry

    def _row_defect(self, rng: random.Random) -> str | None:
        if rng.random() >= self.rate:
            return None
        return rng.choice(("malformed", "bad_value", "rule_break"))

    def _damage_csv(
        self, path: Path, spec: FormatSpec, options: FileOptions, rng: random.Random, entry: FileExpectation
    ) -> frozenset[int]:
        quoting = _quoting(path)
        damaged: set[int] = set()
        encoding = "cp1252" if options.cp1252 else "utf-8"
        with atomic_text_file(path, encoding=encoding) as target, _open_text(path) as source:
            reader = csv.reader(source)
            header = next(reader)
            positions = spec.match_header(header).positions
            kinds = {c.name: c.kind for c in spec.columns}
            typed = [(name, index) for name, index in positions.items() if kinds[name] != "text"]
            times = [positions[c] for c in _TIMES.get(spec.name, ()) if c in positions]
            called = [positions[c] for c in _CALLED[spec.name] if c in positions]
            if options.bom:
                target.write("\ufeff")
                entry.defects["utf8_bom"] += 1
            if options.crlf:
                entry.defects["crlf_line_endings"] += 1
            if options.cp1252:
                entry.defects["cp1252_encoding"] += 1
            writer = csv.writer(target, lineterminator="\r\n" if options.crlf else "\n", quoting=quoting)
            writer.writerow(header)
            for ordinal, cells in enumerate(reader):
                if options.cp1252 and "number_alias" in positions:
                    index = positions["number_alias"]
                    alias = cells[index]
                    cells[index] = ACCENTED_ALIASES.get(alias) or rng.choice(tuple(ACCENTED_ALIASES.values()))
                family = self._row_defect(rng)
                kind = None
                if family == "rule_break":
                    timed = len(times) == 2 and cells[times[0]].strip() != ""
                    breaks = (["end_before_start"] if timed else []) + (
                        ["empty_called_number"] if called else []
                    )
                    if breaks:
                        kind = rng.choice(breaks)
                        if kind == "end_before_start":
                            cells[times[1]] = _earlier(cells[times[0]], rng)
                        else:
                            for index in called:
                                cells[index] = ""
                    else:
                        family = "malformed"
                if family == "bad_value":
                    if typed:
                        name, index = rng.choice(typed)
                        cells[index] = rng.choice(_BAD_VALUES[kinds[name]])
                        kind = "unparseable_timestamp" if kinds[name] == "timestamp" else "unparseable_number"
                    else:
                        family = "malformed"
                if family == "malformed":
                    if len(cells) >= 3 and rng.random() < 0.5:
                        kind = "too_few_cells"
                        cells = cells[: -(1 if len(cells) <= 3 else rng.randint(1, 2))]
                    else:
                        kind = "too_many_cells"
                        split = rng.randrange(len(cells))
                        cells = [*cells[: split + 1], rng.choice(_STRAY_CELLS), *cells[split + 1 :]]
                writer.writerow(cells)
                if kind:
                    self._count(entry, kind)
                    damaged.add(ordinal)
        return frozenset(damaged)

    def _damage_json(
        self, path: Path, spec: FormatSpec, rng: random.Random, entry: FileExpectation
    ) -> frozenset[int]:
        keys = {c.name: c.headers[0] for c in spec.columns}
        kinds = {c.headers[0]: c.kind for c in spec.columns}
        start_key, end_key = (keys[c] for c in _TIMES[spec.name])
        (called_key,) = (keys[c] for c in _CALLED[spec.name])
        ndjson = _is_ndjson(path)
        damaged: set[int] = set()
        with json_file(path, ndjson=ndjson) as sink, _open_text(path) as source:
            for ordinal, text in enumerate(_json_records(source)):
                record: dict[str, Any] = json.loads(text)
                family = self._row_defect(rng)
                if family is None:
                    sink.write(record)
                    continue
                if family == "malformed":
                    if ndjson:
                        kind = "invalid_json_line"  # an export cut off mid-record
                        whole = json.dumps(record, ensure_ascii=False)
                        sink.write_text(whole[: rng.randint(12, len(whole) // 2)])
                    else:
                        kind = "non_object_element"  # an id where the object should be
                        sink.write_text(json.dumps(record["name"]))
                elif family == "bad_value":
                    name = rng.choice(
                        [k for k, v in record.items() if v is not None and kinds.get(k, "text") != "text"]
                    )
                    record[name] = rng.choice(_BAD_VALUES[kinds[name]])
                    kind = "unparseable_timestamp" if kinds[name] == "timestamp" else "unparseable_number"
                    sink.write(record)
                else:
                    kind = rng.choice(RULE_BREAKS)
                    if kind == "end_before_start":
                        record[end_key] = _earlier(record[start_key], rng)
                    else:
                        record[called_key] = ""
                    sink.write(record)
                self._count(entry, kind)
                damaged.add(ordinal)
        return frozenset(damaged)

    @staticmethod
    def _count(entry: FileExpectation, kind: str) -> None:
        entry.defects[kind] += 1
        if kind in REJECTED:
            entry.rejects += 1
        elif kind in QUARANTINED:
            entry.quarantined += 1

    # -- deliveries beyond the regular files ------------------------------------------------------

    def finish(self) -> list[FileExpectation]:
        """Late files, overlapping re-exports and duplicate deliveries, then the modification times;
        returns the files written here, in order. Then settles which files are duplicates."""
        extra: list[FileExpectation] = []
        if self.rate:
            rng = self._rng("deliveries")
            last_day = len(self.calendar) - 1
            after_last = _midnight(self.calendar[-1] + timedelta(days=1))
            cp1252 = [b for b in self._base if (b.day_index, b.slot) == self._cp1252]

            old = [b for b in self._base if (b.day_index < last_day or last_day == 0) and b not in cp1252]
            late = _pick(rng, old, self.rate)
            for number, base in enumerate(late):
                base.entry.defects["late_file"] += 1
                self.injected["late_file"] += 1
                self._mtimes[base.entry.path] = after_last + 4 * 3600 + 60 * number

            sources = [
                b
                for b in self._base
                if b not in late and b not in cp1252 and b.entry.rows - len(b.damaged) >= 2
            ]
            for number, base in enumerate(_pick(rng, sources, self.rate)):
                entry = self._reexport(base, rng)
                self._mtimes[entry.path] = after_last + 2 * 3600 + 60 * number
                extra.append(entry)

            copies = [b for b in self._base if b not in late]
            for number, base in enumerate(_pick(rng, copies, self.rate)):
                entry = self._copy(base, number)
                self._mtimes[entry.path] = self._mtimes[base.entry.path] + 1800 + 10 * number
                extra.append(entry)

            for path, moment in self._mtimes.items():
                os.utime(path, (moment, moment))
                self.expected.files[path].mtime = moment
        self._settle()
        return extra

    def _reexport(self, base: _Base, rng: random.Random) -> FileExpectation:
        """A second export of the base file's day repeating some of its valid calls (never all)."""
        source = base.entry.path
        target = source.with_name(_variant_name(source, "_v2"))
        valid = [i for i in range(base.entry.rows) if i not in base.damaged]
        share = rng.uniform(0.2, 0.5)
        chosen = set(rng.sample(valid[1:], max(1, min(len(valid) - 1, round(len(valid) * share)))))
        if base.spec.reader == "json":
            with json_file(target, ndjson=_is_ndjson(source)) as sink, _open_text(source) as handle:
                for ordinal, text in enumerate(_json_records(handle)):
                    if ordinal in chosen:
                        sink.write(json.loads(text))
        else:
            with atomic_text_file(target) as out, _open_text(source) as handle:
                reader = csv.reader(handle)
                writer = csv.writer(out, lineterminator="\n", quoting=_quoting(source))
                writer.writerow(next(reader))
                for ordinal, cells in enumerate(reader):
                    if ordinal in chosen:
                        writer.writerow(cells)
        base.entry.superseded += len(chosen)
        entry = FileExpectation(target, base.entry.format, len(chosen))
        entry.defects.update({"overlapping_export": 1, "overlapping_row": len(chosen)})
        self.injected.update(entry.defects)
        self.expected.files[target] = entry
        return entry

    def _copy(self, base: _Base, number: int) -> FileExpectation:
        """The same bytes delivered again: into a ``resent`` folder, or beside it as ``name (1)``."""
        source = base.entry.path
        if number % 2 == 0:
            target = self.out_dir / "resent" / self._relative(source)
        else:
            target = source.with_name(_variant_name(source, " (1)"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        entry = FileExpectation(
            target,
            base.entry.format,
            base.entry.rows,
            rejects=base.entry.rejects,
            quarantined=base.entry.quarantined,
        )
        entry.defects["duplicate_file"] += 1
        self.injected["duplicate_file"] += 1
        self.expected.files[target] = entry
        return entry

    def _settle(self) -> None:
        """Files with the same bytes land once: the first in landing's order; the others are duplicates."""
        by_content: dict[str, list[Path]] = {}
        for path in self.expected.files:
            by_content.setdefault(_sha256(path), []).append(path)
        for paths in by_content.values():
            first, *others = sorted(paths, key=lambda p: _discovery_order(p, self.out_dir))
            self.expected.files[first].duplicate_of = None
            for path in others:
                self.expected.files[path].duplicate_of = first
