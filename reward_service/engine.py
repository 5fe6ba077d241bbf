"""Dynamic batching between the event loop and the model.

Requests arrive already tokenized. Their items wait in one bounded queue; a single worker
thread forms batches under a token budget (padded tokens: rows x longest row), grouping items
of similar length around the oldest waiting item so nobody starves and little is padded.
A batch closes when the queue holds a budget's worth of tokens or the oldest item has waited
`max_wait` seconds. Model work runs on the worker thread, never on the event loop; results go
back to the loop through `call_soon_threadsafe`.

Rows that share a long leading run of tokens (best-of-N: one prompt, several responses) can be
batched around that prefix instead: the model computes the prefix once and each row's suffix
on top of it (`PrefixSharing`). The oldest item's prefix-mates are looked up first; the batch
is taken when it computes fewer tokens than the same rows would unshared.

Every request's future is settled exactly once: with its scores, or with the error of the
batch that failed it, a deadline, or shutdown. Items of a request that was cancelled (client
gone, deadline passed) are dropped from the queue without being computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .config import DEFAULT_SHARED_PREFIX_MIN_TOKENS, Settings
from .errors import DeadlineExceeded, InvalidInput, ModelFailure, Overloaded, RewardServiceError, ShuttingDown
from .prefix import FORWARD_PASS_TOKENS, common_prefix_length, suffix_chunks, suffix_chunks_tokens

logger = logging.getLogger(__name__)

Scores = tuple[float, ...]
BatchFn = Callable[[Sequence[Sequence[int]]], Sequence[Sequence[float]]]


class SharedFn(Protocol):
    def __call__(
        self,
        prefix: Sequence[int],
        suffixes: Sequence[Sequence[int]],
        *,
        max_batch_tokens: int,
        max_rows: int,
    ) -> Sequence[Sequence[float]]:
        """Scores of the rows `prefix + suffixes[i]`, the prefix computed once and the suffixes
        in the passes `prefix.suffix_chunks` forms under these limits."""
        ...


class RequestTooLarge(InvalidInput):
    """A single request holds more items or tokens than the whole queue may."""

    code = "request_too_large"


@dataclass(frozen=True)
class EngineLimits:
    max_batch_tokens: int = 8192  # rows x longest row, per forward pass
    max_batch_size: int = 64
    max_wait: float = 0.002  # seconds the oldest item may wait for company
    # Padding share a batch may carry. On CPU one long item already nears the matmul peak, so
    # a batch pays off only when it adds little padding (see BENCHMARKS.md).
    max_padding: float = 0.1
    max_queue_items: int = 4096
    max_queue_tokens: int = 1_048_576

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineLimits:
        return cls(
            max_batch_tokens=settings.max_batch_tokens,
            max_batch_size=settings.max_batch_size,
            max_wait=settings.max_wait_ms / 1000,
            max_padding=settings.max_padding,
            max_queue_items=settings.queue_depth,
            max_queue_tokens=settings.max_queue_tokens,
        )


@dataclass(frozen=True)
class PrefixSharing:
    """How the engine may score rows that share a prefix: `score_shared(prefix, suffixes)` gives
    the scores of the rows `prefix + suffixes[i]`, computing the prefix once.

    `read(row)` is the index a row is scored at; a prefix never reaches past it, so every row
    is read inside its own suffix. Rows sharing fewer than `min_tokens` leading ids are not
    worth the extra forward pass over the prefix.
    """

    score_shared: SharedFn
    read: Callable[[Sequence[int]], int]
    min_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS
    # Prefix-mates of the oldest item considered per batch: bounds the work of choosing a batch.
    max_candidates: int = 256


@dataclass(frozen=True)
class BatchStats:
    rows: int
    tokens: int  # real tokens of the rows
    computed_tokens: int  # rows x longest row; prefix + rows x longest suffix when shared
    seconds: float
    shared_prefix: int = 0  # tokens computed once for every row of the batch
    reused_tokens: int = 0  # real tokens not computed: shared prefixes and repeated rows


@dataclass(eq=False)
class _Request:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[Scores]]
    size: int
    deadline: float | None
    results: list[Scores | None] = field(default_factory=list)
    remaining: int = 0
    closed: bool = False  # settled or abandoned; guarded by the engine lock

    def __post_init__(self) -> None:
        self.results = [None] * self.size
        self.remaining = self.size


@dataclass(eq=False)
class _Item:
    request: _Request
    index: int
    token_ids: Sequence[int]
    enqueued: float
    read: int = 0  # where the row is scored; prefixes stop at or before it
    prefix_key: int | None = None  # hash of the first `min_tokens` ids, when a prefix could be shared

    @property
    def length(self) -> int:
        return len(self.token_ids)


@dataclass(frozen=True)
class _Batch:
    items: list[_Item]
    shared_prefix: int = 0  # > 0: items[i].token_ids[:shared_prefix] is the same for every item


def _distinct(rows: Sequence[Sequence[int]]) -> tuple[list[tuple[int, ...]], list[int]]:
    """The distinct rows in first-seen order, and each row's index among them."""
    slots: dict[tuple[int, ...], int] = {}
    index = [slots.setdefault(tuple(row), len(slots)) for row in rows]
    return list(slots), index


class BatchingEngine:
    """Queue + worker thread that scores token rows with `score_batch` in dynamic batches."""

    def __init__(
        self,
        score_batch: BatchFn,
        limits: EngineLimits = EngineLimits(),
        *,
        sharing: PrefixSharing | None = None,
        on_batch: Callable[[BatchStats], None] | None = None,
    ) -> None:
        self._score_batch = score_batch
        self.limits = limits
        self._sharing = sharing
        self._on_batch = on_batch
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._pending: list[_Item] = []
        self._queued_tokens = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._tokens_per_second = 0.0  # moving average, for Retry-After

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("engine already started")
        self._thread = threading.Thread(target=self._run, name="reward-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Refuse new work, finish everything queued, then stop the worker. Blocking."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    @property
    def queued_tokens(self) -> int:
        return self._queued_tokens

    # -- submission (event loop side) ------------------------------------------------------

    async def score(self, rows: Sequence[Sequence[int]], *, timeout: float | None = None) -> list[Scores]:
        """Scores for each row, in order. Raises Overloaded at once when the queue is full."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        request = _Request(
            loop=loop,
            future=loop.create_future(),
            size=len(rows),
            deadline=None if timeout is None else now + timeout,
        )
        self._enqueue(request, rows, now)
        try:
            if timeout is None:
                return await asyncio.shield(request.future)
            return await asyncio.wait_for(asyncio.shield(request.future), timeout)
        except TimeoutError:
            self._abandon(request)
            raise DeadlineExceeded(
                f"the request was not scored within its {timeout:g} s deadline; retry later or with fewer items"
            ) from None
        except asyncio.CancelledError:
            self._abandon(request)
            raise

    def _enqueue(self, request: _Request, rows: Sequence[Sequence[int]], now: float) -> None:
        tokens = sum(len(row) for row in rows)
        limits = self.limits
        if len(rows) > limits.max_queue_items or tokens > limits.max_queue_tokens:
            raise RequestTooLarge(
                f"the request holds {len(rows)} items and {tokens} tokens; the queue takes at most "
                f"{limits.max_queue_items} items and {limits.max_queue_tokens} tokens: split it",
                loc=("items",),
            )
        with self._wakeup:
            if self._stopping or self._thread is None:
                raise ShuttingDown("the server is shutting down and accepts no new work")
            if (
                len(self._pending) + len(rows) > limits.max_queue_items
                or self._queued_tokens + tokens > limits.max_queue_tokens
            ):
                raise Overloaded(
                    f"the queue is full ({len(self._pending)} items, {self._queued_tokens} tokens waiting)",
                    retry_after=self._retry_after(),
                )
            self._pending.extend(self._item(request, i, row, now) for i, row in enumerate(rows))
            self._queued_tokens += tokens
            self._wakeup.notify()

    def _item(self, request: _Request, index: int, row: Sequence[int], now: float) -> _Item:
        sharing = self._sharing
        if sharing is None:
            return _Item(request, index, row, now)
        read = sharing.read(row)
        key = hash(tuple(row[: sharing.min_tokens])) if read >= sharing.min_tokens else None
        return _Item(request, index, row, now, read, key)

    def _retry_after(self) -> float:
        rate = self._tokens_per_second
        if rate <= 0:
            return 1.0
        return float(min(60, max(1, math.ceil(self._queued_tokens / rate))))

    def _abandon(self, request: _Request) -> None:
        """The caller stopped waiting: its queued items are dropped at the next batch."""
        with self._lock:
            request.closed = True
            # Drop its items now, so they stop counting against the queue's bounds.
            kept = [item for item in self._pending if item.request is not request]
            self._queued_tokens -= sum(item.length for item in self._pending if item.request is request)
            self._pending = kept
        request.future.cancel()

    # -- worker thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._process(batch)
        except BaseException as exc:  # a bug in the loop itself must not leave futures hanging
            logger.exception("batching worker crashed")
            self._fail_all(ModelFailure(f"the scoring worker stopped unexpectedly ({type(exc).__name__})"))
            raise

    def _next_batch(self) -> _Batch | None:
        limits = self.limits
        with self._wakeup:
            while True:
                self._drop_dead()
                if not self._pending:
                    if self._stopping:
                        return None
                    self._wakeup.wait()
                    continue
                wait = self._pending[0].enqueued + limits.max_wait - time.monotonic()
                full = self._queued_tokens >= limits.max_batch_tokens or len(self._pending) >= limits.max_batch_size
                if full or wait <= 0 or self._stopping:
                    break
                self._wakeup.wait(wait)
            batch = self._select_shared(self._pending) or _Batch(self._select(self._pending))
            chosen = {id(item) for item in batch.items}
            self._pending = [item for item in self._pending if id(item) not in chosen]
            self._queued_tokens -= sum(item.length for item in batch.items)
            return batch

    def _drop_dead(self) -> None:
        """Remove items whose request is closed, and fail requests past their deadline."""
        now = time.monotonic()
        keep = []
        for item in self._pending:
            request = item.request
            if not request.closed and request.deadline is not None and now > request.deadline:
                self._settle_locked(request, error=DeadlineExceeded("the request's deadline passed in the queue"))
            if request.closed:
                self._queued_tokens -= item.length
            else:
                keep.append(item)
        self._pending = keep

    def _select(self, pending: list[_Item]) -> list[_Item]:
        """The oldest item plus the neighbours in length that add the least padding, while the
        batch stays within the token budget and its padding share within `max_padding`."""
        limits = self.limits
        by_length = sorted(pending, key=lambda item: item.length)
        start = by_length.index(pending[0])
        lo, hi = start, start + 1  # by_length[lo:hi] is the batch
        longest = real = pending[0].length
        while hi - lo < limits.max_batch_size:
            rows = hi - lo + 1
            options = []  # (padding added, padded tokens after, real tokens after, direction)
            if lo > 0:  # a shorter item: the batch stays as wide
                shorter = by_length[lo - 1].length
                options.append((longest - shorter, rows * longest, real + shorter, -1))
            if hi < len(by_length):  # a longer item widens every row
                wider = by_length[hi].length
                options.append(((wider - longest) * (rows - 1), rows * wider, real + wider, +1))
            fitting = [
                option
                for option in options
                if option[1] <= limits.max_batch_tokens and option[1] - option[2] <= limits.max_padding * option[1]
            ]
            if not fitting:
                break
            _, _, real, direction = min(fitting)
            if direction < 0:
                lo -= 1
            else:
                longest = by_length[hi].length
                hi += 1
        return by_length[lo:hi]

    def _select_shared(self, pending: list[_Item]) -> _Batch | None:
        """The oldest item and prefix-mates scored on their shared prefix, when that computes
        fewer tokens than scoring the same rows unshared, counting the fixed cost of each extra
        forward pass; else None.

        Candidates share the oldest item's first `min_tokens` ids. Each distinct depth of
        sharing with it is a possible split (8 answers to one prompt share the whole prompt,
        while every conversation may share a system turn). At each, the oldest mates (up to
        `max_batch_size` rows) are taken, their suffixes planned into forward passes by length
        under the batch limits, and the split that saves the most tokens is kept.
        """
        sharing, limits = self._sharing, self.limits
        anchor = pending[0]
        if sharing is None or anchor.prefix_key is None or limits.max_batch_size < 2:
            return None
        mates = [item for item in pending[1:] if item.prefix_key == anchor.prefix_key][: sharing.max_candidates]
        depth = {id(item): min(common_prefix_length((anchor.token_ids, item.token_ids)), item.read) for item in mates}
        best: _Batch | None = None
        best_saved = 0
        for level in sorted({d for d in depth.values() if d >= sharing.min_tokens}, reverse=True):
            split = min(level, anchor.read)
            members = [anchor, *(item for item in mates if depth[id(item)] >= level)][: limits.max_batch_size]
            suffixes = [item.length - split for item in members]
            passes = self._suffix_passes(suffixes, split)
            # Each suffix pass is a forward the plain path might not need: count its fixed cost.
            computed = suffix_chunks_tokens(suffixes, split, passes) + FORWARD_PASS_TOKENS * len(passes)
            saved = sum(item.length for item in members) - computed
            if saved > best_saved:
                best, best_saved = _Batch(members, split), saved
        return best

    def _suffix_passes(self, suffixes: Sequence[int], split: int) -> list[list[int]]:
        limits = self.limits
        # No padding cap: within one prefix, a pass closes when widening it would cost more
        # than a pass of its own, a finer rule than a share. Scorer.score_shared plans the same.
        return suffix_chunks(
            suffixes,
            split,
            max_batch_tokens=limits.max_batch_tokens,
            max_rows=limits.max_batch_size,
            pass_tokens=FORWARD_PASS_TOKENS,
        )

    def _shared_tokens(self, suffixes: Sequence[int], split: int) -> int:
        """Tokens a shared batch computes: the prefix once, then its suffix passes padded."""
        return suffix_chunks_tokens(suffixes, split, self._suffix_passes(suffixes, split))

    def _process(self, batch: _Batch) -> None:
        # Identical rows are computed once: less work, and identical conversations get identical
        # scores (a batched matmul may round two copies of one row differently).
        rows, slot = _distinct([item.token_ids for item in batch.items])
        split = batch.shared_prefix if len(rows) > 1 else 0
        started = time.perf_counter()
        try:
            if split:
                assert self._sharing is not None  # only then are shared batches formed
                limits = self.limits
                scored = self._sharing.score_shared(
                    rows[0][:split],
                    [row[split:] for row in rows],
                    max_batch_tokens=limits.max_batch_tokens,
                    max_rows=limits.max_batch_size,
                )
            else:
                scored = self._score_batch(rows)
            distinct = [tuple(float(value) for value in output) for output in scored]
            if len(distinct) != len(rows):
                raise ModelFailure(f"the model returned {len(distinct)} results for {len(rows)} inputs")
            if len({len(output) for output in distinct}) > 1:
                raise ModelFailure("the model returned rows of different lengths")
            outputs = [distinct[index] for index in slot]
        except Exception as exc:
            logger.exception("model failed on a batch of %d rows", len(rows))
            error = (
                exc
                if isinstance(exc, ModelFailure)
                else ModelFailure(f"the model failed on the batch holding this request ({type(exc).__name__})")
            )
            with self._lock:
                for item in batch.items:
                    self._settle_locked(item.request, error=error)
            return
        seconds = time.perf_counter() - started
        tokens = sum(item.length for item in batch.items)
        if split:
            computed = self._shared_tokens([len(row) - split for row in rows], split)
        else:
            computed = len(rows) * max(len(row) for row in rows)
        unique = split + sum(len(row) - split for row in rows)  # the real tokens that ran
        if seconds > 0:
            rate = tokens / seconds
            previous = self._tokens_per_second
            self._tokens_per_second = rate if previous == 0 else 0.8 * previous + 0.2 * rate
        if self._on_batch is not None:
            self._on_batch(BatchStats(len(batch.items), tokens, computed, seconds, split, tokens - unique))
        with self._lock:
            for item, output in zip(batch.items, outputs, strict=True):
                request = item.request
                if request.closed:
                    continue
                if not all(math.isfinite(value) for value in output):
                    self._settle_locked(
                        request, error=ModelFailure(f"the model returned non-finite scores for item {item.index}")
                    )
                    continue
                request.results[item.index] = output
                request.remaining -= 1
                if request.remaining == 0:
                    self._settle_locked(request, result=[r for r in request.results if r is not None])

    def _fail_all(self, error: RewardServiceError) -> None:
        with self._lock:
            for item in self._pending:
                self._settle_locked(item.request, error=error)
            self._pending = []
            self._queued_tokens = 0
            self._stopping = True

    @staticmethod
    def _settle_locked(
        request: _Request, *, result: list[Scores] | None = None, error: BaseException | None = None
    ) -> None:
        """Resolve the request's future once; later calls for the same request do nothing."""
        if request.closed:
            return
        request.closed = True

        def resolve() -> None:
            if request.future.done():
                return
            if error is not None:
                request.future.set_exception(error)
            else:
                request.future.set_result(result or [])

        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            request.loop.call_soon_threadsafe(resolve)
