"""The streaming loop shared by `score`, `filter` and `rank`.

    read -> units -> chunks -> score (a bounded window of chunks in flight) -> write in input order

A reader thread parses the input a chunk at a time; up to `concurrency` chunks are being scored
at once; the oldest is written as soon as it is done, so output order is input order and memory
holds at most `concurrency` chunks (plus one rank group) however large the input. A chunk is
scored in calls of about `backend.call_items` conversations, and the progress bar counts each
call's records as it returns, not when the chunk is written: a chunk can take minutes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from ..server.schemas import ItemResult
from .backends import Backend, ScoringOptions, score_each
from .errors import UsageError
from .outputs import Outputs, progress_path
from .progress import Progress
from .records import Position, Source, open_source
from .render import Command, Layout, Outcome, count_written, failures_of, render
from .summary import Report
from .units import Fields, Unit, grouped, to_candidates, to_item

OnError = Literal["skip", "stop"]


@dataclass(frozen=True)
class RunOptions:
    """One run of `score`, `filter` or `rank`, as its flags describe it."""

    command: Command
    input: Path
    output: Path
    rejected: Path | None = None  # filter: where records failing a threshold go (default OUT.rejected.jsonl)
    pairs: Path | None = None  # rank: preference pairs
    errors: Path | None = None  # malformed records (default OUT.errors.jsonl)
    fields: Fields = field(default_factory=Fields)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    min_gap: float = 0.0  # rank: a pair only when best and worst aggregates differ by more
    on_error: OnError = "skip"
    resume: bool = False
    overwrite: bool = False
    chunk_size: int = 256  # records (rank: responses) scored together
    concurrency: int = 4  # chunks in flight
    progress: bool = False

    def paths(self) -> dict[str, Path]:
        """Output files by role."""
        paths = {"output": self.output}
        if self.command == "filter":
            paths["rejected"] = self.rejected or _beside(self.output, ".rejected.jsonl")
        if self.command == "rank" and self.pairs is not None:
            paths["pairs"] = self.pairs
        paths["errors"] = self.errors or _beside(self.output, ".errors.jsonl")
        return paths


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


async def run_pipeline(options: RunOptions, backend: Backend, *, stream: TextIO | None = None) -> Report:
    """Run the command to the end of the input (or to the first bad record with on_error="stop").

    The progress bar, and nothing else, goes to `stream` (default: stderr). Raises UsageError
    before writing anything when the options cannot work, and PipelineError when scoring fails
    midway: the outputs then hold every record before the failing chunk, and `--resume`
    continues from there. The report covers the whole output, a resumed run's included.
    """
    started = time.monotonic()
    backend.check(options.scoring)
    paths = options.paths()
    check_paths(options.input, paths)
    fingerprint = fingerprint_of(options, paths, model=backend.model, precision=backend.precision)
    if options.resume:
        outputs = Outputs.resume(paths, fingerprint)
    else:
        open_source(options.input, Position()).close()  # a missing input fails before outputs are touched
        outputs = Outputs.start(paths, fingerprint, overwrite=options.overwrite)
    with ExitStack() as closing:
        closing.callback(outputs.close)
        source = open_source(options.input, outputs.state.position)
        closing.callback(source.close)
        layout = layout_of(options, source.unit)
        done = outputs.state.position.records
        report = Report(options.command, source.unit, resumed_after=done)
        if options.resume:
            await asyncio.to_thread(count_earlier, report, layout, outputs)
        total = await asyncio.to_thread(source.estimated_total) if options.progress else None
        stream = stream or sys.stderr
        progress = Progress(enabled=options.progress, total=total, initial=done, unit="rec", stream=stream)
        closing.callback(progress.close)
        writer = Writer(options, outputs, report, layout)
        chunks = chunks_of(units_of(source, options, backend.max_items), options.chunk_size)
        await _stream(chunks, backend, options, writer, progress, done)
        if report.stopped is None:
            progress.finish()
    report.seconds = time.monotonic() - started
    return report


def count_earlier(report: Report, layout: Layout, outputs: Outputs) -> None:
    """Count what the earlier runs wrote, so that the summary covers the whole output."""
    report.counts["records"] = report.resumed_after
    try:
        count_written(report, layout, outputs.written)
    except ValueError as exc:
        raise UsageError(
            f"cannot resume: {', '.join(map(str, outputs.paths.values()))} do not hold what the interrupted run "
            f"wrote ({exc}), so they were changed since; start over with --overwrite"
        ) from exc


async def _stream(
    chunks: Iterator[list[Unit]], backend: Backend, options: RunOptions, writer: Writer, progress: Progress, done: int
) -> None:
    """Score `chunks` with up to `options.concurrency` in flight; write each, oldest first.

    `done` is the number of records before the first chunk, from which each call's count follows.
    """
    window: deque[tuple[list[Unit], asyncio.Task[list[list[Outcome]]]]] = deque()
    exhausted = False
    try:
        while True:
            while not exhausted and len(window) < options.concurrency:
                chunk = await asyncio.to_thread(next, chunks, None)
                if chunk is None:
                    exhausted = True
                else:
                    task = asyncio.create_task(score_chunk(backend, chunk, options.scoring, progress, done))
                    window.append((chunk, task))
                    done = chunk[-1].end.records
            if not window:
                return
            chunk, task = window.popleft()
            if not writer.write(chunk, await task):
                return
    finally:
        for _, task in window:
            task.cancel()
        await asyncio.gather(*(task for _, task in window), return_exceptions=True)


async def score_chunk(
    backend: Backend, chunk: list[Unit], scoring: ScoringOptions, progress: Progress | None = None, done: int = 0
) -> list[list[Outcome]]:
    """Each unit's outcomes, from concurrent calls of about `backend.call_items` conversations.

    A call's records count on the bar (if any) as soon as it returns, `done` being the records
    before the chunk; the first call to fail cancels the rest.
    """
    calls = []
    for units in chunks_of(iter(chunk), backend.call_items):
        records = units[-1].end.records - done
        calls.append(asyncio.create_task(_score_units(backend, units, scoring, progress, records)))
        done = units[-1].end.records
    try:
        return [outcomes for per_unit in await asyncio.gather(*calls) for outcomes in per_unit]
    finally:
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)


async def _score_units(
    backend: Backend, units: list[Unit], scoring: ScoringOptions, progress: Progress | None, records: int
) -> list[list[Outcome]]:
    conversations = [conversation for unit in units for conversation in unit.conversations]
    outcomes = await score_each(backend, conversations, scoring) if conversations else []
    if progress is not None:
        progress.advance(records, sum(o.tokens for o in outcomes if isinstance(o, ItemResult)))
    per_unit, start = [], 0
    for unit in units:
        per_unit.append(outcomes[start : start + len(unit.conversations)])
        start += len(unit.conversations)
    return per_unit


class Writer:
    """Renders scored chunks in input order and commits them to the outputs."""

    def __init__(self, options: RunOptions, outputs: Outputs, report: Report, layout: Layout) -> None:
        self.stop_on_error = options.on_error == "stop"
        self.outputs = outputs
        self.report = report
        self.layout = layout

    def write(self, chunk: list[Unit], outcomes: list[list[Outcome]]) -> bool:
        """Commit the chunk; False when the run stops here (a bad record with on_error="stop")."""
        lines: dict[str, list[bytes]] = defaultdict(list)
        before = self.outputs.state.position
        end: Position | None = None
        carry_on = True
        for unit, unit_outcomes in zip(chunk, outcomes, strict=True):
            if self.stop_on_error and (failures := failures_of(unit, unit_outcomes, self.layout)):
                self.report.stopped = f"{self.layout.unit} {failures[0].line}: {failures[0].message}"
                carry_on = False
                break
            for role, rendered in render(unit, unit_outcomes, self.layout, self.report).items():
                lines[role].extend(rendered)
            end = unit.end
        if end is not None:
            self.outputs.commit({role: b"".join(rendered) for role, rendered in lines.items()}, end)
            self.report.counts["records"] += end.records - before.records
        return carry_on


def units_of(source: Source, options: RunOptions, max_items: int) -> Iterator[Unit]:
    """The units of work the command makes of the records; a record or group holds at most
    `max_items` conversations."""
    records, fields = source.records(), options.fields
    if options.command != "rank":
        return (to_item(raw, fields) for raw in records)
    if fields.group is not None:
        return grouped((to_item(raw, fields) for raw in records), fields, max_items)
    return (to_candidates(raw, fields, max_items) for raw in records)


def chunks_of(units: Iterator[Unit], size: int) -> Iterator[list[Unit]]:
    """Consecutive units holding about `size` conversations (a rank group is never split)."""
    chunk: list[Unit] = []
    weight = 0
    for unit in units:
        chunk.append(unit)
        weight += max(1, len(unit.conversations))
        if weight >= size:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def layout_of(options: RunOptions, unit: str) -> Layout:
    """How records are rendered, `unit` being what the input counts (`line` or `row`)."""
    return Layout(
        command=options.command,
        unit=unit,
        thresholds=bool(options.scoring.thresholds),
        truncation=options.scoring.truncation == "left",
        responses_field=options.fields.responses,
        group_field=options.fields.group,
        pairs=options.pairs is not None,
        min_gap=options.min_gap,
    )


def check_paths(source: Path, paths: dict[str, Path]) -> None:
    resolved = {role: path.resolve() for role, path in paths.items()}
    everything = [*resolved.values(), progress_path(resolved["output"])]
    if source.resolve() in everything:
        raise UsageError(f"{source} is both the input and an output; write the output elsewhere")
    if len(set(everything)) != len(everything):
        raise UsageError(f"two outputs are the same file ({', '.join(map(str, paths.values()))}); give distinct paths")


def fingerprint_of(options: RunOptions, paths: dict[str, Path], *, model: str, precision: str) -> dict[str, Any]:
    """What makes two runs' outputs the same kind of output; a resumed run must match it."""
    return {
        "command": options.command,
        "input": str(options.input.resolve()),
        "outputs": {role: str(path.resolve()) for role, path in paths.items()},
        "fields": asdict(options.fields),
        "model": model,
        "precision": precision,
        "weights": options.scoring.weights,
        "thresholds": {name: list(bounds) for name, bounds in options.scoring.thresholds.items()},
        "truncation": options.scoring.truncation,
        "min_gap": options.min_gap if options.command == "rank" else None,
    }
