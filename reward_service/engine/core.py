"""Dynamic batching between the event loop and the model.

Requests arrive already tokenized. Their items wait in one bounded queue; a single worker
thread forms batches under a token budget (padded tokens: rows x longest row), grouping items
of similar length around the oldest waiting item so nobody starves and little is padded.
A batch closes when the queue holds a budget's worth of tokens or the oldest item has waited
`max_wait` seconds. Model work runs on the worker thread, never on the event loop; results go
back to the loop through `call_soon_threadsafe`.

The batch is chosen and planned in `select.py` (by length, or on a shared prefix) and handed
to `run(plan)`, the model's side, which carries the plan out.

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

from ..errors import DeadlineExceeded, InvalidInput, ModelFailure, Overloaded, RewardServiceError, ShuttingDown
from .limits import EngineLimits
from .plan import BatchPlan, Row
from .select import prefix_key, select

logger = logging.getLogger(__name__)

Scores = tuple[float, ...]
RunFn = Callable[[BatchPlan], Sequence[Sequence[float]]]  # one output row per plan row, in order
# Called with a phase name and its seconds, once per scored request: "queue" (from submission
# to the start of the first batch holding one of its rows) and "inference" (from there until
# its last row is scored).
PhaseFn = Callable[[str, float], None]


class RequestTooLarge(InvalidInput):
    """A single request holds more items or tokens than the whole queue may."""

    code = "request_too_large"


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
    enqueued: float
    deadline: float | None
    results: list[Scores | None] = field(default_factory=list)
    remaining: int = 0
    closed: bool = False  # settled or abandoned; guarded by the engine lock
    started: float | None = None  # when the first batch holding one of its rows began
    finished: float | None = None  # when its last row was scored

    def __post_init__(self) -> None:
        self.results = [None] * self.size
        self.remaining = self.size


@dataclass(eq=False)
class _Item:
    request: _Request
    index: int
    row: Row
    enqueued: float
    prefix_key: int | None = None  # rows with equal keys may share a prefix (`select.prefix_key`)

    @property
    def length(self) -> int:
        return len(self.row)


@dataclass(frozen=True)
class _Batch:
    items: list[_Item]
    plan: BatchPlan
    slot: list[int]  # items[i] is scored as plan.rows[slot[i]]


class BatchingEngine:
    """Queue + worker thread that scores rows in dynamic batches, each carried out by `run(plan)`."""

    def __init__(
        self,
        run: RunFn,
        limits: EngineLimits,
        *,
        on_batch: Callable[[BatchStats], None] | None = None,
        on_phase: PhaseFn | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run_plan = run
        self.limits = limits
        self._on_batch = on_batch
        self._on_phase = on_phase
        self._clock = clock  # queue ages and deadlines; a test may pass its own
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

    async def score(self, rows: Sequence[Row], *, timeout: float | None = None) -> list[Scores]:
        """Scores for each row, in order. Raises Overloaded at once when the queue is full."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        now = self._clock()
        request = _Request(
            loop=loop,
            future=loop.create_future(),
            size=len(rows),
            enqueued=now,
            deadline=None if timeout is None else now + timeout,
        )
        self._enqueue(request, rows, now)
        try:
            if timeout is None:
                scores = await asyncio.shield(request.future)
            else:
                scores = await asyncio.wait_for(asyncio.shield(request.future), timeout)
        except TimeoutError:
            self._abandon(request)
            raise DeadlineExceeded(
                f"the request was not scored within its {timeout:g} s deadline; retry later or with fewer items"
            ) from None
        except asyncio.CancelledError:
            self._abandon(request)
            raise
        self._report_phases(request)
        return scores

    def _report_phases(self, request: _Request) -> None:
        if self._on_phase is None or request.started is None or request.finished is None:
            return
        self._on_phase("queue", request.started - request.enqueued)
        self._on_phase("inference", request.finished - request.started)

    def _enqueue(self, request: _Request, rows: Sequence[Row], now: float) -> None:
        tokens = sum(len(row) for row in rows)
        limits = self.limits
        if len(rows) > limits.max_queue_items or tokens > limits.max_queue_tokens:
            raise RequestTooLarge(
                f"the request holds {len(rows)} items and {tokens} tokens; the queue takes at most "
                f"{limits.max_queue_items} items and {limits.max_queue_tokens} tokens: split it"
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

    def _item(self, request: _Request, index: int, row: Row, now: float) -> _Item:
        return _Item(request, index, row, now, prefix_key(row, self.limits.shared_prefix_min_tokens))

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
                wait = self._pending[0].enqueued + limits.max_wait - self._clock()
                full = self._queued_tokens >= limits.max_batch_tokens or len(self._pending) >= limits.max_batch_size
                if full or wait <= 0 or self._stopping:
                    break
                self._wakeup.wait(wait)
            taken, plan, slot = select(self._pending, limits)
            batch = _Batch([self._pending[i] for i in taken], plan, slot)
            chosen = set(taken)
            self._pending = [item for i, item in enumerate(self._pending) if i not in chosen]
            self._queued_tokens -= sum(item.length for item in batch.items)
            return batch

    def _drop_dead(self) -> None:
        """Remove items whose request is closed, and fail requests past their deadline."""
        now = self._clock()
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

    def _process(self, batch: _Batch) -> None:
        plan = batch.plan
        began = self._clock()
        for item in batch.items:
            if item.request.started is None:
                item.request.started = began
        started = time.perf_counter()
        try:
            scored = self._run_plan(plan)
            distinct = [tuple(float(value) for value in output) for output in scored]
            if len(distinct) != len(plan.rows):
                raise ModelFailure(f"the model returned {len(distinct)} results for {len(plan.rows)} inputs")
            if len({len(output) for output in distinct}) > 1:
                raise ModelFailure("the model returned rows of different lengths")
            outputs = [distinct[index] for index in batch.slot]
        except Exception as exc:
            logger.exception("model failed on a batch of %d rows", len(plan.rows))
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
        if seconds > 0:
            rate = tokens / seconds
            previous = self._tokens_per_second
            self._tokens_per_second = rate if previous == 0 else 0.8 * previous + 0.2 * rate
        if self._on_batch is not None:
            reused = tokens - plan.real_tokens
            self._on_batch(BatchStats(len(batch.items), tokens, plan.computed_tokens, seconds, plan.split, reused))
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
                    request.finished = self._clock()
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
