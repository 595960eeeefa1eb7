"""Landing: each file under ``landing/`` (CDR exports) or ``rates/`` (rate decks and rating plans)
becomes rows of ``raw.<format>`` in one transaction.

Rows stream from the file into DuckDB through ``read_csv``; Python never holds them. A row the CSV
reader cannot take (wrong column count, bad encoding, broken quoting) goes to ``landing.rejects``
with its line, raw text and reason, and the good rows of the same file still land.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.formats import FAMILY_FOLDERS, DetectionError, FormatSpec, HeaderMatch, detect
from orchestration.landing.catalog import ensure_catalog, ensure_raw_table
from orchestration.landing.discovery import LandingFile, discover, read_csv_header, read_json_keys, sha256_of
from orchestration.landing.encoding import UTF8, detect_encoding, transcode_to_utf8
from orchestration.landing.readers import Batch, read_csv_batch, read_json_batch
from orchestration.landing.values import record_text_sql, sql_string
from orchestration.settings import memory_limit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileOutcome:
    file_id: int
    path: str
    sha256: str
    format: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    reason: str | None
    folder: str = "landing"
    """'landing' or 'rates' (``landing.files.folder``); ``path`` is relative to it."""

    @property
    def display_path(self) -> str:
        return self.path if self.folder == "landing" else f"{self.folder}/{self.path}"


@dataclass
class LandingReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    skipped: int = 0
    """Files already landed (same path and content): nothing to do."""

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rows_rejected(self) -> int:
        return sum(o.rows_rejected for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


Decisions = dict[str, list[tuple[str, str, str | None]]]
"""What earlier runs decided about each content (by sha256): (path, status, reason) per file."""

FILES_COLUMNS = (
    "file_id",
    "path",
    "format",
    "sha256",
    "size_bytes",
    "modified_at",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "status",
    "reason",
    "ignored_columns",
    "landed_at",
    "encoding",
    "folder",
)
"""The columns of ``landing.files``, in table order."""


class FolderLander(ABC):
    """What landing decides about the files of one folder, whatever the engine that holds the tables:
    which files are new, which content was landed before (a duplicate), which cannot be landed (with the
    reason) and which format a file has. An engine says what was landed before, records a file in
    ``landing.files`` and loads a file's rows (``Lander``: DuckDB; ``spark_loader.SparkLander``: Spark).

    ``family`` says what the folder holds: "cdr" (``landing/``, the vendor CDR formats) or "rates"
    (``rates/``, rate decks and rating plans). Files are only compared with that family's formats, and
    what was landed before (by path, by content) is looked up among that folder's files.
    """

    def __init__(self, landing_dir: Path, scratch_dir: Path, family: str = "cdr"):
        self.landing_dir = landing_dir
        self.scratch_dir = scratch_dir
        self.family = family
        self.folder = FAMILY_FOLDERS[family]

    # -- what an engine provides ------------------------------------------------------------------

    @abstractmethod
    def _landed_files(self) -> list[tuple[str, int, datetime, str, str, str | None]]:
        """(path, size_bytes, modified_at, sha256, status, reason) of this folder's ``landing.files`` rows."""

    @abstractmethod
    def _next_file_id(self) -> int:
        """The id of the next file recorded."""

    @abstractmethod
    def _insert_file_row(self, row: dict[str, object]) -> None:
        """Write one ``landing.files`` row (``FILES_COLUMNS`` -> value)."""

    @abstractmethod
    def _load(self, file: LandingFile, sha: str, match: HeaderMatch, encoding: str) -> FileOutcome:
        """Land the rows of a file whose format is known, and record it."""

    # -- deciding ---------------------------------------------------------------------------------

    def _known(self) -> tuple[set[tuple[str, int, datetime]], Decisions]:
        rows = self._landed_files()
        seen = {(path, size, modified) for path, size, modified, _, status, _ in rows if status != "rejected"}
        by_sha: Decisions = {}
        for path, _, _, sha, status, reason in rows:
            by_sha.setdefault(sha, []).append((path, status, reason))
        return seen, by_sha

    def land_all(self, progress: Callable[[LandingFile], None] | None = None) -> LandingReport:
        report = LandingReport()
        seen, by_sha = self._known()
        for file in discover(self.landing_dir, self.folder):
            if (file.relative_path, file.size_bytes, file.modified_at) in seen:
                report.skipped += 1
                continue
            if progress:
                progress(file)
            outcome = self.land_file(file, by_sha)
            if outcome is None:
                report.skipped += 1
                continue
            report.outcomes.append(outcome)
            by_sha.setdefault(outcome.sha256, []).append((outcome.path, outcome.status, outcome.reason))
        return report

    def land_file(self, file: LandingFile, by_sha: Decisions) -> FileOutcome | None:
        """Land one file, or return None when an earlier run already decided about this content."""
        if file.refused:
            link_identity = hashlib.sha256(f"link:{file.relative_path}:{file.refused}".encode()).hexdigest()
            return self._reject_once(file, link_identity, by_sha.get(link_identity, []), file.refused)
        sha = sha256_of(file.path)
        earlier = by_sha.get(sha, [])
        landed = [path for path, status, _ in earlier if status == "loaded"]
        if landed:
            if any(path == file.relative_path for path, _, _ in earlier):
                return None
            return self._record(file, sha, None, "duplicate", reason=f"same content as {landed[0]}")
        if not file.has_landable_suffix:
            reason = (
                f"unsupported file type: expected one of .csv, .csv.gz, .json, .ndjson (got {file.path.name})"
            )
            return self._reject_once(file, sha, earlier, reason)
        encoding = detect_encoding(file.path)
        try:
            match = self._detect(file, encoding)
        except DetectionError as error:
            return self._reject_once(file, sha, earlier, str(error))
        return self._load(file, sha, match, encoding)

    def _reject_once(
        self, file: LandingFile, sha: str, earlier: list[tuple[str, str, str | None]], reason: str
    ) -> FileOutcome | None:
        if any(path == file.relative_path and r == reason for path, _, r in earlier):
            return None
        return self._record(file, sha, None, "rejected", reason=reason)

    def _detect(self, file: LandingFile, encoding: str) -> HeaderMatch:
        reader = "json" if file.is_json else "csv"
        try:
            header = read_json_keys(file) if file.is_json else read_csv_header(file, encoding=encoding)
        except (OSError, EOFError, ValueError, gzip.BadGzipFile) as error:
            raise DetectionError(
                f"cannot read the {'first object' if file.is_json else 'header'}: {error}"
            ) from error
        if not any(cell.strip() for cell in header):
            what = "no JSON object" if file.is_json else "its first line is blank"
            raise DetectionError(f"the file is empty or {what}: nothing to detect a format by")
        return detect(header, pinned=file.pinned_format, reader=reader, family=self.family)

    # -- recording --------------------------------------------------------------------------------

    def _record(
        self,
        file: LandingFile,
        sha: str,
        spec: FormatSpec | None,
        status: str,
        *,
        reason: str | None = None,
        rows_loaded: int = 0,
        rows_rejected: int = 0,
        ignored_columns: str | None = None,
        encoding: str | None = None,
        file_id: int | None = None,
    ) -> FileOutcome:
        if file_id is None:
            file_id = self._next_file_id()
        outcome = FileOutcome(
            file_id,
            file.relative_path,
            sha,
            spec.name if spec else None,
            status,
            rows_loaded + rows_rejected,
            rows_loaded,
            rows_rejected,
            reason,
            self.folder,
        )
        row: dict[str, object] = {
            "file_id": file_id,
            "path": file.relative_path,
            "format": outcome.format,
            "sha256": sha,
            "size_bytes": file.size_bytes,
            "modified_at": file.modified_at,
            "rows_read": outcome.rows_read,
            "rows_loaded": rows_loaded,
            "rows_rejected": rows_rejected,
            "status": status,
            "reason": reason,
            "ignored_columns": ignored_columns,
            "landed_at": _utcnow(),
            "encoding": encoding,
            "folder": self.folder,
        }
        self._insert_file_row(row)
        log.info("%s %s: %s", status, file.display_path, reason or f"{rows_loaded} rows")
        return outcome


class Lander(FolderLander):
    """Lands the files of one folder into one open DuckDB connection. Not thread-safe: DuckDB has one
    writer."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, landing_dir: Path, scratch_dir: Path, family: str = "cdr"
    ):
        super().__init__(landing_dir, scratch_dir, family)
        self.con = con
        # Timestamps without an offset are UTC; rowid follows file order only with insertion order kept.
        con.execute("set TimeZone = 'UTC'")
        con.execute("set preserve_insertion_order = true")
        con.execute("set enable_progress_bar = false")
        ensure_catalog(con)
        self._raw_tables: set[str] = set()
        """The raw tables checked against their declaration in this session."""

    def _landed_files(self) -> list[tuple[str, int, datetime, str, str, str | None]]:
        return self.con.execute(
            "select path, size_bytes, modified_at, sha256, status, reason from landing.files where folder = ?",
            [self.folder],
        ).fetchall()

    def _next_file_id(self) -> int:
        return self.con.execute("select nextval('landing.file_id_seq')").fetchone()[0]

    def _insert_file_row(self, row: dict[str, object]) -> None:
        self.con.execute(
            f"insert into landing.files ({', '.join(FILES_COLUMNS)}) values ({', '.join('?' * len(FILES_COLUMNS))})",
            [row[column] for column in FILES_COLUMNS],
        )

    # -- loading ----------------------------------------------------------------------------------

    def _load(self, file: LandingFile, sha: str, match: HeaderMatch, encoding: str) -> FileOutcome:
        spec = match.spec
        con = self.con
        self._ensure_raw_table(spec)
        try:
            batch = self._read_batch(file, match, encoding)
        except duckdb.InvalidInputException as error:
            # The content cannot be split into records (a malformed JSON array): the file is refused whole.
            # Other errors (disk, memory) are not the file's fault: they fail the run, and it is retried.
            return self._record(file, sha, None, "rejected", reason=f"unreadable as {spec.name}: {error}")
        con.execute("begin transaction")
        try:
            file_id = self._next_file_id()
            loaded, rejected = self._insert_batch(spec, batch, file_id)
            outcome = self._record(
                file,
                sha,
                spec,
                "loaded",
                rows_loaded=loaded,
                rows_rejected=rejected,
                ignored_columns=", ".join(match.ignored) or None,
                encoding=encoding,
                file_id=file_id,
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        return outcome

    def _ensure_raw_table(self, spec: FormatSpec) -> None:
        """``ensure_raw_table`` once a session per format: its catalog lookup costs ~30 ms a file."""
        if spec.raw_table not in self._raw_tables:
            ensure_raw_table(self.con, spec)
            self._raw_tables.add(spec.raw_table)

    def _read_batch(self, file: LandingFile, match: HeaderMatch, encoding: str) -> Batch:
        """Parse the file into the session's scratch tables (see ``readers``).

        This happens outside the file's transaction so that ``rowid`` is the row's ordinal in the file.
        A legacy-encoded file is read from a UTF-8 copy in the scratch folder, removed afterwards.
        """
        if match.spec.reader == "json":
            return read_json_batch(self.con, file.path, file.is_gzip, match.spec)
        if encoding == UTF8:
            return read_csv_batch(self.con, file.path, file.is_gzip, match)
        copy = transcode_to_utf8(file.path, self.scratch_dir / f"{uuid.uuid4().hex}.csv", encoding)
        try:
            return read_csv_batch(self.con, copy, False, match)
        finally:
            copy.unlink(missing_ok=True)

    def _insert_batch(self, spec: FormatSpec, batch: Batch, file_id: int) -> tuple[int, int]:
        """Move the scratch tables into ``raw.<format>`` and ``landing.rejects``; returns (loaded, rejected)."""
        if batch.unreadable:
            self._insert_unreadable(batch, file_id)
        # The records the reader took, good and bad apart by the problem found while reading them.
        source, line = _numbered_rows(batch)
        loaded = self._insert_rows(spec, batch, file_id, source, line)
        invalid = self._insert_invalid(spec, batch, file_id, source, line)
        return loaded, batch.unreadable + invalid

    def _insert_unreadable(self, batch: Batch, file_id: int) -> None:
        """What the reader could not take, one reject per line, its reason naming the column (by the
        file's own header). A short row is reported once per missing cell: keep the first of each kind."""
        header_names = ", ".join(f"('c{i}', {sql_string(label)})" for i, label in enumerate(batch.labels))
        self.con.execute(
            f"""
            insert into landing.rejects
            with first_of_kind as (
                select
                    e.line,
                    e.error_type,
                    arg_min(e.csv_line, e.column_idx) as csv_line,
                    arg_min(e.error_message, e.column_idx) as error_message,
                    arg_min(e.column_name, e.column_idx) as column_name,
                    min(e.column_idx) as column_idx
                from temp._landing_reject_errors as e
                group by e.line, e.error_type
            )
            select
                {file_id},
                f.line,
                ltrim(any_value(f.csv_line), chr(13) || chr(10)),
                string_agg(
                    lower(cast(f.error_type as varchar))
                    || case when f.error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS') then ''
                            else coalesce(' at column "' || h.header || '"', '') end
                    || ': ' || f.error_message,
                    '; ' order by f.column_idx
                )
            from first_of_kind as f
            left join (values {header_names}) as h(cname, header) on h.cname = f.column_name
            group by f.line
            """
        )

    def _insert_rows(self, spec: FormatSpec, batch: Batch, file_id: int, source: str, line: str) -> int:
        selected = ", ".join(
            f"b.c{batch.columns[c]}" if c in batch.columns else "cast(null as varchar)"
            for c in spec.column_names
        )
        target = ", ".join(f'"{c}"' for c in spec.column_names)
        records = f" and {batch.is_record}" if batch.is_record else ""
        (loaded,) = self.con.execute(
            f"""
            insert into raw."{spec.raw_table}" (_file_id, _line, {target})
            select {file_id}, {line}, {selected}
            from {source}
            where b._problem is null{records}
            """
        ).fetchone()
        return loaded

    def _insert_invalid(self, spec: FormatSpec, batch: Batch, file_id: int, source: str, line: str) -> int:
        """Records that parsed but whose values do not parse as their kinds, with the reasons."""
        record_text = batch.raw_text or record_text_sql(
            [f"b.c{i}" for i in range(len(batch.labels))], spec.delimiter
        )
        (invalid,) = self.con.execute(
            f"""
            insert into landing.rejects
            select {file_id}, {line}, {record_text}, b._problem
            from {source}
            where b._problem is not null
            """
        ).fetchone()
        return invalid


def _numbered_rows(batch: Batch) -> tuple[str, str]:
    """The batch as ``b`` (a FROM clause) and the SQL of each row's line number."""
    if batch.lines is None:
        return "temp._landing_batch as b", f"b.rowid + {batch.first_line}"
    return f"temp._landing_batch as b join ({batch.lines}) as l on l.ordinal = b.rowid", "l.line"


def land(
    warehouse: Path,
    landing_dir: Path,
    progress: Callable[[LandingFile], None] | None = None,
    *,
    rates_dir: Path | None = None,
) -> LandingReport:
    """Land every new file under ``landing_dir`` (CDR exports) and, when given, under ``rates_dir``
    (rate decks and rating plans) into the warehouse file; one report for both.

    Scratch files (UTF-8 copies of legacy-encoded files, DuckDB's spill files) go beside the warehouse.
    DuckDB keeps to ``CDRWH_MEMORY_LIMIT`` (default 2GB) and spills the rest there, so a file of any size
    lands within a fixed memory budget.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    scratch = warehouse.parent / ".scratch"
    (scratch / "duckdb").mkdir(parents=True, exist_ok=True)
    config = {
        "temp_directory": str(scratch / "duckdb"),
        "memory_limit": memory_limit(),
        # A file's rows are written twice: to the WAL at its commit, and compressed into the database
        # at a checkpoint. Checkpointing every file (the 16MB default) rewrote each table's last, part
        # full row group again and again: a checkpoint per ~256MB of rows took a quarter less CPU.
        "checkpoint_threshold": "256MB",
    }
    with duckdb.connect(str(warehouse), config=config) as con:
        report = Lander(con, landing_dir, scratch).land_all(progress)
        if rates_dir is not None:
            rates = Lander(con, rates_dir, scratch, family="rates").land_all(progress)
            report.outcomes.extend(rates.outcomes)
            report.skipped += rates.skipped
        return report
