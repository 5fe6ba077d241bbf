"""What runs on the cluster for `--ray`: the read task and the actors' callable.

Neither imports Ray at module level: they are shipped to Ray's worker processes, which have it.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import threading
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import Settings
from ..errors import CheckpointError
from ..pipeline import PipelineError, RunOptions, ScoringOptions, UsageError
from ..pipeline.local import local_backend
from ..pipeline.records import Position
from ..pipeline.runner import chunks_of, score_chunk, units_of
from ..pipeline.units import Unit
from .files import open_parts

if TYPE_CHECKING:
    import pyarrow as pa

    from ..pipeline.local import LocalBackend

PROBE = 0  # the index of the first block, which holds no records
T = TypeVar("T")


@dataclass(frozen=True)
class ModelFacts:
    """An actor's answer to the probe: what it scores with, or why it cannot score."""

    model: str
    precision: str
    problem: str | None = None


@dataclass(frozen=True)
class ChunkReader:
    """The read task: the input from `start`, as the in-process run's chunks, one per block."""

    parts: tuple[Path, ...]
    start: Position
    options: RunOptions
    max_items: int

    def __call__(self) -> Iterator[pa.Table]:
        yield _block(PROBE, [])
        source = open_parts(self.parts, self.start)
        try:
            units = units_of(source, self.options, self.max_items)
            for index, chunk in enumerate(chunks_of(units, self.options.chunk_size), start=1):
                yield _block(index, chunk)
        finally:
            source.close()


def _block(index: int, chunk: list[Unit]) -> pa.Table:
    import pyarrow as pa

    # Records are shipped pickled, not as Arrow columns: Arrow would give all records one
    # schema, unifying types across records (an integer id becoming a float) and adding
    # nulls for absent keys. Ray pickles Python objects between its processes anyway.
    return pa.table({"index": pa.array([index], pa.int64()), "chunk": pa.array([pickle.dumps(chunk)], pa.binary())})


class ChunkScorer:
    """The actors' callable: the model loaded once, then a chunk scored per call.

    Ray Data runs up to `--concurrency` calls of one actor at once, each on its own thread;
    all of them score on one event loop, the engine's, so that the engine batches across the
    chunks in flight as it does in-process (rather than idling between one chunk and the next).

    Failures travel back as data rather than exceptions: Ray Data would retry an actor whose
    constructor raised (loading a broken model again and again), and its errors would arrive
    wrapped in Ray's own.
    """

    def __init__(self, settings: Settings, scoring: ScoringOptions, window_items: int) -> None:
        import ray

        self.scoring = scoring
        self.actor = ray.get_runtime_context().get_actor_id() or str(os.getpid())
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="chunk-scorer-loop", daemon=True).start()
        self._stack = AsyncExitStack()
        self.backend: LocalBackend | None = None
        self.problem: str | None = None
        try:
            self.backend = self._run(
                self._stack.enter_async_context(local_backend(settings, window_items=window_items))
            )
            self.backend.check(scoring)
        except UsageError as exc:  # options the model cannot honour (an unknown attribute, ...)
            self.problem = str(exc)
        except Exception as exc:  # CheckpointError, ValueError (dtype, quantize), a device that is not there
            kind = "" if isinstance(exc, CheckpointError | ValueError) else f"{type(exc).__name__}: "
            self.problem = f"cannot load the model on the cluster ({self.actor}): {kind}{exc}"

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """`coroutine`'s result, run on the actor's event loop from the calling thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        indices = batch.column("index").to_pylist()
        chunks = batch.column("chunk").to_pylist()
        scored = [self._score(index, data) for index, data in zip(indices, chunks, strict=True)]
        return pa.table(
            {
                "index": pa.array(indices, pa.int64()),
                "chunk": pa.array(chunks, pa.binary()),
                "scored": pa.array(scored, pa.binary()),
                "actor": pa.array([self.actor] * len(indices), pa.string()),
            }
        )

    def _score(self, index: int, data: bytes) -> bytes:
        if index == PROBE:
            backend = self.backend
            model, precision = (backend.model, backend.precision) if backend is not None else ("", "")
            return pickle.dumps(ModelFacts(model, precision, self.problem))
        if self.backend is None or self.problem is not None:
            return pickle.dumps(self.problem or "the model is not loaded")
        chunk: list[Unit] = pickle.loads(data)
        try:
            outcomes = self._run(score_chunk(self.backend, chunk, self.scoring))
        except PipelineError as exc:
            return pickle.dumps(str(exc))
        return pickle.dumps(outcomes)
