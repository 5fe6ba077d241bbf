"""Input records, streamed: JSONL line by line, or Parquet row batch by row batch.

Each record carries its line (JSONL) or row (Parquet) number, so that an error names it, and
the `Position` just after it, so that an interrupted run can resume exactly there. Memory is
bounded by one record (at most MAX_RECORD_BYTES) or one Parquet batch, however large the input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .errors import UsageError

MAX_RECORD_BYTES = 64 * 1024 * 1024  # one JSONL line; a longer one is reported, not loaded
PARQUET_SUFFIXES = (".parquet", ".pq")
_BLOCK = 1024 * 1024
_PARQUET_BATCH = 1024


@dataclass(frozen=True)
class Position:
    """How far the input has been consumed: after `records` records, the last on `line`.

    For JSONL, `offset` is the byte just past that record and `last_start` where it began,
    `digest` the sha256 of its bytes, so that a resumed run can seek there and check that the
    input is still the one it was reading. For Parquet these are row counts and no digest.
    """

    records: int = 0
    line: int = 0
    offset: int = 0
    last_start: int = 0
    digest: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Position:
        return cls(**value)


@dataclass(frozen=True)
class RawRecord:
    """One input record: its parsed value, or why it could not be parsed (then `text` holds it)."""

    line: int
    value: Any
    error: str | None
    text: str | None
    end: Position


class Source(Protocol):
    unit: str  # "line" or "row": what `RawRecord.line` counts

    def records(self) -> Iterator[RawRecord]: ...

    def estimated_total(self) -> int | None: ...

    def close(self) -> None: ...


def open_source(path: Path, start: Position) -> Source:
    """The reader for `path` (Parquet by suffix, JSONL otherwise), positioned at `start`."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return ParquetSource(path, start)
    return JsonlSource(path, start)


class JsonlSource:
    """JSON Lines: one JSON object per line; blank lines are not records and are skipped."""

    unit = "line"

    def __init__(self, path: Path, start: Position) -> None:
        self.path = path
        self.start = start
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as exc:
            raise UsageError(f"cannot read the input {path}: {exc.strerror or exc}") from exc
        if start.offset:
            self._check_resume_point()

    def _check_resume_point(self) -> None:
        start = self.start
        self._file.seek(start.last_start)
        last = self._file.read(start.offset - start.last_start)
        if len(last) != start.offset - start.last_start or hashlib.sha256(last).hexdigest() != start.digest:
            raise UsageError(
                f"cannot resume: {self.path} is not the input the interrupted run read (line {start.line}, the "
                "last one it finished, differs or is gone); resume with the same input, or start over with --overwrite"
            )

    def records(self) -> Iterator[RawRecord]:
        file, position = self._file, self.start
        file.seek(position.offset)
        line, offset, count = position.line, position.offset, position.records
        while True:
            start = offset
            raw = file.readline(MAX_RECORD_BYTES + 1)
            if not raw:
                return
            line += 1
            digest = hashlib.sha256(raw)
            size = len(raw)
            too_long = size > MAX_RECORD_BYTES and not raw.endswith(b"\n")
            if too_long:
                size += _skip_line(file, digest)
            offset = start + size
            if not raw.strip():
                continue
            count += 1
            end = Position(count, line, offset, start, digest.hexdigest())
            if too_long:
                yield RawRecord(line, None, f"the line is over {MAX_RECORD_BYTES} bytes", _preview(raw), end)
                continue
            try:
                value = json.loads(raw)
            except UnicodeDecodeError as exc:
                yield RawRecord(line, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})", _preview(raw), end)
            except json.JSONDecodeError as exc:
                yield RawRecord(line, None, f"invalid JSON: {exc.msg} (column {exc.colno})", _preview(raw), end)
            else:
                yield RawRecord(line, value, None, None, end)

    def estimated_total(self) -> int | None:
        """Lines in the file (blank ones included): a fast count for the progress bar."""
        lines, last = 0, b"\n"
        with self.path.open("rb") as file:
            while block := file.read(_BLOCK):
                lines += block.count(b"\n")
                last = block[-1:]
        return lines + (last != b"\n")

    def close(self) -> None:
        self._file.close()


def _skip_line(file: BinaryIO, digest: Any) -> int:
    """Read past the rest of an over-long line without keeping it; the number of bytes skipped."""
    skipped = 0
    while block := file.readline(_BLOCK):
        digest.update(block)
        skipped += len(block)
        if block.endswith(b"\n"):
            break
    return skipped


def _preview(raw: bytes, limit: int = 10_000) -> str:
    text = raw[:limit].decode("utf-8", errors="replace").rstrip("\r\n")
    return text + ("..." if len(raw) > limit else "")


class ParquetSource:
    """Parquet, read one row batch at a time; needs the `parquet` extra (pyarrow)."""

    unit = "row"

    def __init__(self, path: Path, start: Position) -> None:
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise UsageError(
                f"{path} is Parquet, which needs pyarrow: pip install 'reward-service[parquet]' "
                "(or convert it to JSONL)"
            ) from exc
        self.path = path
        self.start = start
        try:
            self._file = pq.ParquetFile(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise UsageError(f"cannot read the Parquet input {path}: {exc}") from exc
        if start.records > self._file.metadata.num_rows:
            raise UsageError(
                f"cannot resume: {path} has {self._file.metadata.num_rows} rows, fewer than the {start.records} "
                "the interrupted run finished; resume with the same input, or start over with --overwrite"
            )

    def records(self) -> Iterator[RawRecord]:
        metadata = self._file.metadata
        first_group, row = 0, 0
        # Skip whole row groups that were finished before, without decoding them.
        while first_group < metadata.num_row_groups and row + metadata.row_group(first_group).num_rows <= (
            self.start.records
        ):
            row += metadata.row_group(first_group).num_rows
            first_group += 1
        groups = list(range(first_group, metadata.num_row_groups))
        if not groups:
            return
        for batch in self._file.iter_batches(batch_size=_PARQUET_BATCH, row_groups=groups):
            for value in batch.to_pylist():
                row += 1
                if row <= self.start.records:
                    continue
                yield RawRecord(row, value, None, None, Position(row, row, row, row - 1, ""))

    def estimated_total(self) -> int | None:
        return int(self._file.metadata.num_rows)

    def close(self) -> None:
        self._file.close()
