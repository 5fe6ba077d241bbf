"""Where a run on Ray reads and writes: directories of part files, and Parquet outputs.

Input: a file (JSONL, or Parquet by its suffix, as in-process) or a directory of part files.
A directory reads as its parts one after another, in name order (files whose names start with
`.` or `_`, such as `_SUCCESS`, are not parts); line or row numbers and positions run on from
one part into the next, so an error names the record as it would in the parts concatenated,
and `--resume` works as for one file.

Output, per role (OUT, --rejected, --pairs): a JSONL file; a Parquet file (suffix `.parquet` or
`.pq`); or, when the path is an existing directory, part files `part-00000.jsonl`,
`part-00001.jsonl`, ... of `records_per_part` lines each (`.parquet` parts when the directory's
own name ends in `.parquet`), whose concatenation in name order is the JSONL output. The run
writes JSONL in either case, for the non-JSONL ones to a staging file beside them
(`NAME.partial.jsonl`) which the progress file tracks and `--resume` continues, and which is
converted once the run is complete. Parquet columns are inferred from every line of the output
(an integer field that also holds fractions becomes a float column); a field a record lacks
reads back as null.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..pipeline import UsageError
from ..pipeline.outputs import progress_path
from ..pipeline.records import PARQUET_SUFFIXES, Position, RawRecord, Source, open_source

STAGING_SUFFIX = ".partial.jsonl"
PART_PREFIX = "part-"
PARQUET_BATCH = 4096  # lines per row group while converting


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


# --- input -----------------------------------------------------------------------------------


def input_parts(path: Path) -> tuple[Path, ...]:
    """The files a run reads, in order: `path` itself, or a directory's parts by name."""
    if not path.is_dir():
        return (path,)
    parts = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
    if not parts:
        raise UsageError(f"{path} is a directory without part files (files not starting with '.' or '_')")
    if len({is_parquet(part) for part in parts}) > 1:
        raise UsageError(f"{path} holds Parquet and JSONL parts; keep one format per directory")
    return tuple(part.resolve() for part in parts)


def open_parts(parts: Sequence[Path], start: Position) -> Source:
    """The records of `parts` from `start` on: the file's own reader for one file (exactly the
    in-process run's), else the parts read one after another."""
    if len(parts) == 1:
        return open_source(parts[0], start)
    return PartsSource(parts, start)


class PartsSource:
    """Parts read one after another as one input; positions count across them.

    A JSONL position's byte offsets are offsets into the parts laid end to end, a Parquet
    position's rows are rows across all parts, so a progress file means what it means for
    one file.
    """

    def __init__(self, parts: Sequence[Path], start: Position) -> None:
        self.parts = tuple(parts)
        self.start = start
        self.parquet = is_parquet(self.parts[0])
        self.unit = "row" if self.parquet else "line"
        self._sizes = [self._size(part) for part in self.parts]
        self._open: Source | None = None

    def _size(self, part: Path) -> int:
        """Bytes of a JSONL part, rows of a Parquet one."""
        if not self.parquet:
            try:
                return part.stat().st_size
            except OSError as exc:
                raise UsageError(f"cannot read the input {part}: {exc.strerror or exc}") from exc
        source = open_source(part, Position())
        try:
            return source.estimated_total() or 0
        finally:
            source.close()

    def records(self) -> Iterator[RawRecord]:
        position, base = self.start, 0  # where the input stands; where the current part begins
        for part, size in zip(self.parts, self._sizes, strict=True):
            local = self._local_start(position, base, size)
            if local is None:
                base += size
                continue
            self._open = open_source(part, local)
            try:
                for raw in self._open.records():
                    raw = self._shifted(raw, base)
                    position = raw.end
                    yield raw
            finally:
                self._open.close()
                self._open = None
            base += size

    def _local_start(self, position: Position, base: int, size: int) -> Position | None:
        """Where to start reading the part at `base` (bytes or rows) of `size`; None to skip it."""
        if self.parquet:
            done = position.records - base  # rows of this part finished before
            return None if done >= size else Position(max(0, done), 0, 0, 0, "")
        if position.offset > base + size:
            return None
        if position.offset > base:  # the last finished record is in this part: its reader checks it
            return dataclasses.replace(position, offset=position.offset - base, last_start=position.last_start - base)
        return Position(position.records, position.line, 0, 0, "")  # from its start, counting on

    def _shifted(self, raw: RawRecord, base: int) -> RawRecord:
        """A part's record with its position counted across parts: a JSONL reader counts lines
        and records on from its start position already, but offsets bytes in its own file; a
        Parquet reader counts rows from its file's start."""
        end = raw.end
        if not self.parquet:
            shifted = dataclasses.replace(end, offset=end.offset + base, last_start=end.last_start + base)
            return dataclasses.replace(raw, end=shifted)
        rows = Position(end.records + base, end.line + base, end.offset + base, end.last_start + base, "")
        return dataclasses.replace(raw, line=raw.line + base, end=rows)

    def estimated_total(self) -> int | None:
        total = 0
        for part in self.parts:
            source = open_source(part, Position())
            try:
                total += source.estimated_total() or 0
            finally:
                source.close()
        return total

    def close(self) -> None:
        if self._open is not None:
            self._open.close()


# --- output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where one output role ends up, and in which layout."""

    path: Path
    layout: Literal["file", "parts"]
    format: Literal["jsonl", "parquet"]

    @classmethod
    def of(cls, path: Path) -> Destination:
        return cls(path, "parts" if path.is_dir() else "file", "parquet" if is_parquet(path) else "jsonl")

    @property
    def staged(self) -> bool:
        """Written elsewhere first: anything but a JSONL file."""
        return (self.layout, self.format) != ("file", "jsonl")

    @property
    def written(self) -> Path:
        """The JSONL file the run appends to: the output itself, or its staging file."""
        return self.path.with_name(self.path.name + STAGING_SUFFIX) if self.staged else self.path

    def occupied(self) -> list[Path]:
        """What a fresh run would replace: the file, or the directory's part files."""
        if self.layout == "parts":
            return self.existing_parts()
        return [self.path] if self.path.exists() and self.path.stat().st_size > 0 else []

    def existing_parts(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.name.startswith(PART_PREFIX) and p.is_file())


def destinations(paths: dict[str, Path]) -> dict[str, Destination]:
    """The layout of every output role; the errors file is always one JSONL file."""
    out = {role: Destination.of(path) for role, path in paths.items()}
    errors = out["errors"]
    if errors.staged:
        raise UsageError(f"{errors.path}: the errors file is one JSONL file; name a file such as errors.jsonl")
    return out


def publish(destination: Destination, records_per_part: int) -> None:
    """Turn a finished staging file into its destination, then remove the staging file."""
    staged = destination.written
    if destination.layout == "parts":
        for old in destination.existing_parts():
            old.unlink()
        if destination.format == "jsonl":
            _split_jsonl(staged, destination.path, records_per_part)
        else:
            _write_parquet(staged, destination.path, records_per_part)
    else:
        _write_parquet(staged, destination.path, None)
    staged.unlink()
    progress = progress_path(staged)
    if progress.exists():
        progress.unlink()


def part_name(index: int, format: str) -> str:
    return f"{PART_PREFIX}{index:05d}.{format}"


def _split_jsonl(staged: Path, folder: Path, per_part: int) -> None:
    with staged.open("rb") as source:
        index, written, target = 0, 0, None
        for line in source:
            if target is None:
                target = (folder / part_name(index, "jsonl")).open("wb")
            target.write(line)
            written += 1
            if written == per_part:
                target.close()
                target, written, index = None, 0, index + 1
        if target is not None:
            target.close()


def _batches(staged: Path, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    with staged.open("rb") as source:
        for line in source:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _write_parquet(staged: Path, target: Path, per_part: int | None) -> None:
    """One Parquet file (`per_part` None) or parts of `per_part` rows, all with one schema:
    inferred from every line first, then the lines written in a second pass."""
    import pyarrow as pa

    try:
        _convert(staged, target, per_part)
    except pa.ArrowException as exc:  # a field holding numbers in some records and text in others, ...
        _temporary(target).unlink(missing_ok=True)
        raise UsageError(
            f"cannot write {target} as Parquet ({exc}): a Parquet column holds one type. Every record is in "
            f"{staged} (JSONL); write JSONL instead (-o NAME.jsonl), or convert that file yourself"
        ) from exc


def _convert(staged: Path, target: Path, per_part: int | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pa.Table.from_pylist(batch).schema for batch in _batches(staged, PARQUET_BATCH)]
    schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    if per_part:
        for index, batch in enumerate(_batches(staged, per_part)):
            pq.write_table(pa.Table.from_pylist(batch, schema=schema), target / part_name(index, "parquet"))
        return
    with pq.ParquetWriter(_temporary(target), schema) as writer:
        for batch in _batches(staged, PARQUET_BATCH):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    os.replace(_temporary(target), target)


def _temporary(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")
