"""The batching engine alone, driven by a fake model whose outputs are known exactly.

The fake scores a row of token ids as `(len(row), sum(row))` and records every batch it is
given, so each test can check both what came back to each request and what was computed,
batch by batch. Rows holding special marker ids make the fake block on an Event, raise, or
return a non-finite value. Every wait is bounded, so a broken engine fails a test instead of
hanging the suite.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

import pytest

from reward_service.config import Settings
from reward_service.engine import BatchingEngine, BatchPlan, BatchStats, EngineLimits, RequestTooLarge
from reward_service.engine import Row as ReadRow
from reward_service.errors import DeadlineExceeded, ModelFailure, Overloaded, ShuttingDown

T = TypeVar("T")
Row = tuple[int, ...]

BLOCK = -1  # a batch holding a row with this id waits until the fake's gate opens
FAIL = -2  # ... raises RuntimeError
NAN = -3  # ... gets NaN as that row's second score
INF = -4  # ... gets +inf as that row's second score

WAIT = 5.0  # seconds: the bound on every wait for something that should happen at once
TEST_TIMEOUT = 20.0  # seconds: the bound on a whole test body


def expected(row: Sequence[int]) -> tuple[float, float]:
    """What the fake returns for a row, computed independently of the engine."""
    return (float(len(row)), float(sum(row)))


class FakeModel:
    """The model's `score(plan)` stand-in with exactly known outputs; records each plan it runs."""

    def __init__(self) -> None:
        self.batches: list[list[Row]] = []
        self.gate = threading.Event()  # opened by the test to release a blocked batch
        self.blocked = threading.Event()  # set when a batch starts waiting at the gate
        self.drop_one_output = False  # return one result fewer than rows
        self.flat_output = False  # return one bare float per row instead of a row of scores
        self.ragged_output = False  # give the last row one score more than the others
        self.shared: list[tuple[int, int]] = []  # (prefix length, rows) of each shared-prefix plan
        self.plans: list[BatchPlan] = []
        self._lock = threading.Lock()

    def __call__(self, plan: BatchPlan) -> list[Any]:
        batch = [row.ids for row in plan.rows]
        with self._lock:
            self.batches.append(batch)
            self.plans.append(plan)
            if plan.split:
                self.shared.append((plan.split, len(plan.rows)))
        if any(BLOCK in row for row in batch):
            self.blocked.set()
            if not self.gate.wait(WAIT * 2):
                raise TimeoutError("the test never opened the gate")
        if any(FAIL in row for row in batch):
            raise RuntimeError("injected failure")
        out = [list(expected(row)) for row in batch]
        for scores, row in zip(out, batch, strict=True):
            if NAN in row:
                scores[1] = math.nan
            if INF in row:
                scores[1] = math.inf
        if self.drop_one_output:
            return out[:-1]
        if self.flat_output:
            return [scores[0] for scores in out]
        if self.ragged_output:
            out[-1].append(0.0)
        return out

    def computed_rows(self) -> list[Row]:
        with self._lock:
            return [row for batch in self.batches for row in batch]

    def batches_after_blocker(self) -> list[list[Row]]:
        """The recorded batches, less those holding the blocking row."""
        with self._lock:
            return [batch for batch in self.batches if not any(BLOCK in row for row in batch)]


class FakeClock:
    """The engine's clock (queue ages, queue deadlines), frozen until the test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


EngineFactory = Callable[..., "IdsEngine"]


def engine_limits(**changes: Any) -> EngineLimits:
    """The settings' limits with `changes`; padding unlimited unless a change sets it."""
    return dataclasses.replace(EngineLimits.from_settings(Settings()), **{"max_padding": 1.0, **changes})


class IdsEngine:
    """The engine as the tests drive it: rows given as bare ids, each read at its last token."""

    def __init__(self, engine: IdsEngine) -> None:
        self.engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    async def score(self, rows: Sequence[Sequence[int]], *, timeout: float | None = None) -> list[tuple[float, ...]]:
        return await self.engine.score([ReadRow(tuple(row), len(row) - 1) for row in rows], timeout=timeout)


@pytest.fixture
def make_engine() -> Iterator[EngineFactory]:
    """`make_engine(fake, **limits)`: a started engine; its gate is opened and it is stopped after the test.

    The fake's rows are a few tokens long, so any two differ a lot in relative length: padding
    is left unlimited (max_padding=1) unless a test sets it, so batching itself is what is tested.
    """
    made: list[tuple[BatchingEngine, FakeModel]] = []

    def make(
        fake: FakeModel,
        *,
        on_batch: Callable[[BatchStats], None] | None = None,
        share_from: int = 0,
        clock: Callable[[], float] = time.monotonic,
        **limits: Any,
    ) -> IdsEngine:
        """`share_from=N`: rows sharing N or more leading ids may be batched on that prefix."""
        limits = engine_limits(shared_prefix_min_tokens=share_from, **limits)
        engine = BatchingEngine(fake, limits, on_batch=on_batch, clock=clock)
        engine.start()
        made.append((engine, fake))
        return IdsEngine(engine)

    yield make
    for engine, fake in made:
        fake.gate.set()
        engine.stop(timeout=WAIT)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a test body on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT))


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def block_worker(engine: IdsEngine, fake: FakeModel) -> asyncio.Task[list[tuple[float, ...]]]:
    """Submit a one-row request that holds the worker at the fake's gate; return its task."""
    task = asyncio.create_task(engine.score([[BLOCK]]))
    assert await asyncio.to_thread(fake.blocked.wait, WAIT), "the worker never picked up the blocking row"
    return task


def assert_still_held(engine: IdsEngine, fake: FakeModel, blocker: asyncio.Task[Any], depth: int) -> None:
    """The worker is still in the blocked batch (the test has not opened the gate): the blocking
    request is unanswered, no other batch has run, and the queue still holds `depth` rows."""
    assert not blocker.done()
    assert fake.batches_after_blocker() == []
    assert engine.queue_depth == depth


async def release(fake: FakeModel, blocker: asyncio.Task[list[tuple[float, ...]]]) -> None:
    fake.gate.set()
    assert await asyncio.wait_for(blocker, WAIT) == [expected([BLOCK])]


def submit_all(engine: IdsEngine, requests: Sequence[Sequence[Sequence[int]]]) -> list[asyncio.Task[Any]]:
    return [asyncio.create_task(engine.score(rows)) for rows in requests]


def queue_then_release(
    engine: IdsEngine,
    fake: FakeModel,
    requests: Sequence[Sequence[Sequence[int]]],
    *,
    return_exceptions: bool = False,
) -> list[Any]:
    """Queue every request behind a blocked batch, so batches are chosen from all of them at
    once; then release the worker and return each request's outcome, in order."""

    async def body() -> list[Any]:
        blocker = await block_worker(engine, fake)
        tasks = submit_all(engine, requests)
        total = sum(len(rows) for rows in requests)
        await wait_until(lambda: engine.queue_depth == total, "all rows to be queued")
        await release(fake, blocker)
        return list(await asyncio.gather(*tasks, return_exceptions=return_exceptions))

    return run(body())


# --- results and batching --------------------------------------------------------------------


def test_each_request_gets_its_own_scores_in_order(make_engine: EngineFactory) -> None:
    """Many concurrent multi-row requests: each gets exactly its rows' scores, in its order,
    and every row is computed exactly once even though requests are split across batches."""
    rng = random.Random(1)
    requests = [[[1000 * r + k] * rng.randint(1, 13) for k in range(rng.randint(1, 4))] for r in range(24)]
    fake = FakeModel()
    engine = make_engine(fake, max_batch_size=4, max_batch_tokens=64, max_wait=0.002)

    async def body() -> list[list[tuple[float, ...]]]:
        return await asyncio.gather(*(engine.score(rows) for rows in requests))

    results = run(body())
    for rows, result in zip(requests, results, strict=True):
        assert result == [expected(row) for row in rows]
    submitted = sorted(tuple(row) for rows in requests for row in rows)
    assert sorted(fake.computed_rows()) == submitted
    assert len(fake.batches) >= math.ceil(len(submitted) / 4)


def test_empty_request_is_not_sent_to_the_model(make_engine: EngineFactory) -> None:
    """No rows: an empty result, and the model is never called."""
    fake = FakeModel()
    engine = make_engine(fake)
    assert run(engine.score([])) == []
    assert fake.batches == []


def test_concurrent_requests_share_batches(make_engine: EngineFactory) -> None:
    """Single-row requests arriving within max_wait of the first wait for one another: none is
    scored until the oldest has waited max_wait, then all go in one shared forward pass.

    The engine's clock is a fake that only the test advances, so "within max_wait" holds
    however long the requests take to arrive."""
    clock = FakeClock()
    fake = FakeModel()
    engine = make_engine(fake, clock=clock, max_wait=0.05, max_batch_size=64)
    rows = [[10 + i] * (1 + i % 5) for i in range(16)]

    async def body() -> list[list[tuple[float, ...]]]:
        tasks = submit_all(engine, [[row] for row in rows])
        await wait_until(lambda: engine.queue_depth == len(rows), "all rows to be queued")
        assert fake.batches == []  # the oldest has not waited max_wait yet
        clock.advance(0.05)
        return await asyncio.wait_for(asyncio.gather(*tasks), WAIT)

    results = run(body())
    assert results == [[expected(row)] for row in rows]
    assert [sorted(batch) for batch in fake.batches] == [sorted(tuple(row) for row in rows)]  # one pass


def test_on_batch_reports_rows_real_and_padded_tokens(make_engine: EngineFactory) -> None:
    """BatchStats match the recorded batches: rows, real tokens, rows x longest."""
    stats: list[BatchStats] = []
    fake = FakeModel()
    engine = make_engine(fake, on_batch=stats.append, max_wait=0.02)
    rows = [[1] * 3, [2] * 7, [3] * 5]

    async def body() -> None:
        await asyncio.gather(*(engine.score([row]) for row in rows))

    run(body())
    assert len(stats) == len(fake.batches)
    for stat, batch in zip(stats, fake.batches, strict=True):
        assert stat.rows == len(batch)
        assert stat.tokens == sum(len(row) for row in batch)
        assert stat.computed_tokens == len(batch) * max(len(row) for row in batch)


def test_batches_respect_token_budget_and_batch_size(make_engine: EngineFactory) -> None:
    """No batch is over rows x longest <= max_batch_tokens or max_batch_size rows; an item
    exactly at the budget is scored, alone."""
    budget, size = 64, 4
    rng = random.Random(7)
    rows = [[500 + i] * rng.randint(1, 40) for i in range(30)]
    rows.insert(11, [999] * budget)
    fake = FakeModel()
    engine = make_engine(fake, max_batch_tokens=budget, max_batch_size=size, max_wait=0.001)

    results = queue_then_release(engine, fake, [[row] for row in rows])
    assert results == [[expected(row)] for row in rows]
    batches = fake.batches_after_blocker()
    for batch in batches:
        assert len(batch) <= size, batch
        assert len(batch) * max(len(row) for row in batch) <= budget, [len(row) for row in batch]
    assert [tuple([999] * budget)] in batches
    assert sorted(fake.computed_rows()) == sorted([(BLOCK,), *(tuple(row) for row in rows)])


def fifo_padded_tokens(lengths: Sequence[int], budget: int, size: int) -> int:
    """Padded tokens if batches were cut from the queue in arrival order under the same limits."""
    padded = 0
    batch: list[int] = []
    for length in lengths:
        if batch and ((len(batch) + 1) * max(*batch, length) > budget or len(batch) == size):
            padded += len(batch) * max(batch)
            batch = []
        batch.append(length)
    return padded + len(batch) * max(batch)


def test_batches_group_items_of_similar_length(make_engine: EngineFactory) -> None:
    """Interleaved short and long items queued together are batched by length, not arrival.

    16 items of 60 tokens and 16 of 4 tokens, alternating, budget 256 and 8 rows. Batches of
    one length each cost no padding at all (4 x 60 = 240 and 8 x 4 = 32 fit), so the ideal
    padded/real ratio is 1.0, while arrival order gives 2 long + 2 short per batch, a ratio of
    1.875. Mixing even one long item into a short batch would push the ratio above 1.1. The
    oldest item (a long one) must still be in the first batch: grouping must not starve it.
    """
    budget, size = 256, 8
    lengths = [60 if i % 2 == 0 else 4 for i in range(32)]
    rows = [[100 + i] * length for i, length in enumerate(lengths)]
    fake = FakeModel()
    engine = make_engine(fake, max_batch_tokens=budget, max_batch_size=size, max_wait=0.001)

    results = queue_then_release(engine, fake, [[row] for row in rows])
    assert results == [[expected(row)] for row in rows]
    batches = fake.batches_after_blocker()
    real = sum(lengths)
    padded = sum(len(batch) * max(len(row) for row in batch) for batch in batches)
    fifo = fifo_padded_tokens(lengths, budget, size)
    assert fifo / real > 1.8  # the scenario does punish arrival order
    assert padded / real <= 1.1, [[len(row) for row in batch] for batch in batches]
    assert tuple(rows[0]) in batches[0]


# --- shared prefixes -------------------------------------------------------------------------


def shared_rows(prefix: Sequence[int], suffix_lengths: Sequence[int], first_id: int) -> list[list[int]]:
    """`prefix` followed by a distinct run of ids per row, of the given lengths."""
    return [[*prefix, *([first_id + i] * length)] for i, length in enumerate(suffix_lengths)]


def test_best_of_n_runs_the_shared_prompt_once(make_engine: EngineFactory) -> None:
    """Eight responses to one 40-token prompt: one batch computing the prompt once; each row's
    scores are its own, and the stats count the tokens actually computed."""
    rows = shared_rows(list(range(100, 140)), [3, 6, 4, 5, 6, 3, 4, 5], first_id=900)
    stats: list[BatchStats] = []
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, on_batch=stats.append, max_wait=0.05)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == [(40, 8)]
    assert stats == [BatchStats(8, sum(map(len, rows)), 40 + 8 * 6, stats[0].seconds, 40, reused_tokens=7 * 40)]


def test_rows_group_by_their_deepest_shared_prefix(make_engine: EngineFactory) -> None:
    """Answers to prompts A and B under one system turn: two batches each sharing its whole
    prompt (30 tokens), not one sharing the 10-token system turn."""
    system = list(range(100, 110))
    prompt_a = [*system, *range(200, 220)]
    prompt_b = [*system, *range(300, 320)]
    rows_a = shared_rows(prompt_a, [4, 5, 4, 6], first_id=900)
    rows_b = shared_rows(prompt_b, [5, 4, 6, 4], first_id=950)
    interleaved = [row for pair in zip(rows_a, rows_b, strict=True) for row in pair]
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.001)

    results = queue_then_release(engine, fake, [[row] for row in interleaved])
    assert results == [[expected(row)] for row in interleaved]
    assert sorted(fake.shared) == [(30, 4), (30, 4)]
    batches = [set(batch) for batch in fake.batches_after_blocker()]
    assert {tuple(row) for row in rows_a} in batches and {tuple(row) for row in rows_b} in batches


def test_prefix_mates_from_different_requests_share(make_engine: EngineFactory) -> None:
    """Sharing is not limited to one request: a pipeline's items arriving separately still share."""
    rows = shared_rows(list(range(100, 132)), [2, 3, 2, 3, 2, 3], first_id=900)
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.001)

    results = queue_then_release(engine, fake, [[row] for row in rows])
    assert results == [[expected(row)] for row in rows]
    assert fake.shared == [(32, 6)]


def test_split_stops_at_each_rows_read_position(make_engine: EngineFactory) -> None:
    """Rows equal up to their last token share everything before it: each is read there."""
    prefix = list(range(100, 119))
    rows = [[*prefix, 900 + i] for i in range(4)]
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.05)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == [(19, 4)]


@pytest.mark.parametrize("share_from", [0, 8])
def test_identical_rows_are_computed_once(make_engine: EngineFactory, share_from: int) -> None:
    """Repeated rows in a batch reach the model once and all get that one result (so identical
    conversations score identically), with or without prefix sharing; the stats count the
    repeats as reused tokens."""
    row, other = list(range(100, 120)), list(range(100, 118))
    stats: list[BatchStats] = []
    fake = FakeModel()
    engine = make_engine(fake, share_from=share_from, on_batch=stats.append, max_wait=0.05)

    assert run(engine.score([row, other, row, row])) == [expected(row), expected(other)] + [expected(row)] * 2
    assert sorted(fake.computed_rows()) == sorted([tuple(row), tuple(other)])
    assert sum(stat.rows for stat in stats) == 4
    # Computed real tokens: both rows in full, or, shared, `other` up to its last token once
    # (17 ids, where it is read) plus each row's own rest.
    computed = 17 + (20 - 17) + (18 - 17) if share_from else 20 + 18
    assert sum(stat.tokens - stat.reused_tokens for stat in stats) == computed


def test_no_sharing_when_it_would_compute_more(make_engine: EngineFactory) -> None:
    """A short shared prefix and very different suffix lengths: sharing would save 10 tokens but
    needs a pass per suffix (padding the short one to 60 would cost more), and two extra forward
    passes cost more than 10 tokens, so the rows go through the plain path."""
    rows = shared_rows(list(range(100, 110)), [1, 60], first_id=900)
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.05)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == []
    assert sorted(fake.computed_rows()) == sorted(tuple(row) for row in rows)


def test_rows_sharing_less_than_the_minimum_are_not_shared(make_engine: EngineFactory) -> None:
    rows = shared_rows(list(range(100, 107)), [2, 2, 2], first_id=900)  # 7 shared ids, minimum 8
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.05)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == []


def test_shared_batches_respect_batch_size_and_token_budget(make_engine: EngineFactory) -> None:
    """Twenty prefix-mates with max_batch_size 4 and a budget of 3 full rows: each shared batch
    holds at most 4 rows and is told to run its suffixes in passes within the budget, which
    its stats count (the 50-token prefix once, then passes of 3 and 1 five-token suffixes)."""
    rows = shared_rows(list(range(100, 150)), [5] * 20, first_id=900)
    stats: list[BatchStats] = []
    fake = FakeModel()
    engine = make_engine(
        fake, share_from=8, on_batch=stats.append, max_batch_size=4, max_batch_tokens=3 * 55, max_wait=0.001
    )

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == [(50, 4)] * 5
    # Each plan's passes hold at most 4 rows, each row counting the prefix it attends to.
    assert [[len(chunk) for chunk in plan.passes] for plan in fake.plans] == [[3, 1]] * 5
    assert all(len(chunk) * 55 <= 165 for plan in fake.plans for chunk in plan.passes)
    assert [stat.computed_tokens for stat in stats] == [50 + 3 * 5 + 1 * 5] * 5
    assert sorted(fake.computed_rows()) == sorted(tuple(row) for row in rows)


def test_shared_suffixes_run_in_passes_of_similar_length(make_engine: EngineFactory) -> None:
    """One prompt, answers of 2 and of 30 tokens: one shared batch (the prompt runs once) whose
    stats count two suffix passes, since widening the short answers' pass to 30 would pad more
    (3 x 28 tokens) than a pass of its own costs; answers of 2 and 3 tokens share one pass."""
    rows = shared_rows(list(range(100, 140)), [2, 30, 2, 30, 2, 30], first_id=900)
    close = shared_rows(list(range(100, 140)), [2, 3, 2, 3], first_id=950)
    stats: list[BatchStats] = []
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, on_batch=stats.append, max_wait=0.05)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert run(engine.score(close)) == [expected(row) for row in close]
    assert fake.shared == [(40, 6), (40, 4)]
    assert [stat.computed_tokens for stat in stats] == [40 + 3 * 2 + 3 * 30, 40 + 4 * 3]


def test_batch_size_one_never_shares(make_engine: EngineFactory) -> None:
    rows = shared_rows(list(range(100, 140)), [3, 3, 3], first_id=900)
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_batch_size=1, max_wait=0.001)

    assert run(engine.score(rows)) == [expected(row) for row in rows]
    assert fake.shared == []
    assert all(len(batch) == 1 for batch in fake.batches)


def test_a_failing_shared_batch_fails_only_its_requests(make_engine: EngineFactory) -> None:
    """FAIL in one suffix: the shared batch's requests get ModelFailure, the others their scores."""
    prefix = list(range(100, 140))
    failing = [[*prefix, 900, FAIL], [*prefix, 901, 901]]
    other = [[7] * 5]
    fake = FakeModel()
    engine = make_engine(fake, share_from=8, max_wait=0.001)

    bad, good = queue_then_release(engine, fake, [failing, other], return_exceptions=True)
    assert isinstance(bad, ModelFailure)
    assert good == [expected(other[0])]
    assert fake.shared == [(40, 2)]


# --- queue bounds ----------------------------------------------------------------------------


def test_full_queue_by_items_is_refused_at_once(make_engine: EngineFactory) -> None:
    """Beyond max_queue_items the next request raises Overloaded immediately (retry_after >= 1);
    a request with more items than the whole queue is RequestTooLarge; the queued ones complete.

    "Immediately": each refusal arrives while the worker is held at the fake's gate, so the
    call waited for no batch and no queue space (with the gate closed neither ever comes, and
    the call would time out instead)."""
    fake = FakeModel()
    engine = make_engine(fake, max_queue_items=4, max_wait=0.001)
    queued_rows = [[20 + i] * 3 for i in range(3)]

    async def body() -> None:
        blocker = await block_worker(engine, fake)
        tasks = submit_all(engine, [[row] for row in queued_rows])
        await wait_until(lambda: engine.queue_depth == 3, "three rows to be queued")
        with pytest.raises(Overloaded) as two:  # 3 + 2 > 4
            await asyncio.wait_for(engine.score([[30], [31]]), WAIT)
        assert_still_held(engine, fake, blocker, 3)
        assert two.value.retry_after >= 1
        tasks.append(asyncio.create_task(engine.score([[32]])))  # 3 + 1 fits exactly
        await wait_until(lambda: engine.queue_depth == 4, "the queue to fill")
        with pytest.raises(Overloaded) as full:
            await asyncio.wait_for(engine.score([[33]]), WAIT)
        assert_still_held(engine, fake, blocker, 4)
        assert full.value.retry_after >= 1
        with pytest.raises(RequestTooLarge):
            await asyncio.wait_for(engine.score([[40 + i] for i in range(5)]), WAIT)
        assert_still_held(engine, fake, blocker, 4)
        await release(fake, blocker)
        results = await asyncio.gather(*tasks)
        assert results == [[expected(row)] for row in [*queued_rows, [32]]]

    run(body())
    computed = fake.computed_rows()
    assert not {(30,), (31,), (33,)} & set(computed)


def test_full_queue_by_tokens_is_refused_at_once(make_engine: EngineFactory) -> None:
    """max_queue_tokens bounds the queue too, refusing at once (while the worker is held, as
    above); a request over the whole token bound is RequestTooLarge."""
    fake = FakeModel()
    engine = make_engine(fake, max_queue_items=100, max_queue_tokens=50, max_wait=0.001)
    queued_rows = [[1] * 20, [2] * 20]

    async def body() -> None:
        blocker = await block_worker(engine, fake)
        tasks = submit_all(engine, [[row] for row in queued_rows])
        await wait_until(lambda: engine.queued_tokens == 40, "40 tokens to be queued")
        with pytest.raises(Overloaded) as excinfo:
            await asyncio.wait_for(engine.score([[3] * 11]), WAIT)
        assert_still_held(engine, fake, blocker, 2)
        assert engine.queued_tokens == 40
        assert excinfo.value.retry_after >= 1
        tasks.append(asyncio.create_task(engine.score([[4] * 10])))  # 40 + 10 fits exactly
        await wait_until(lambda: engine.queued_tokens == 50, "the queue to fill")
        with pytest.raises(Overloaded):
            await asyncio.wait_for(engine.score([[8]]), WAIT)  # 50 + 1 > 50
        assert_still_held(engine, fake, blocker, 3)
        with pytest.raises(RequestTooLarge):
            await asyncio.wait_for(engine.score([[5] * 51]), WAIT)
        await release(fake, blocker)
        results = await asyncio.gather(*tasks)
        assert results == [[expected(row)] for row in [*queued_rows, [4] * 10]]
        # With the queue empty again, a request over the whole bound is still refused.
        with pytest.raises(RequestTooLarge):
            await asyncio.wait_for(engine.score([[6] * 30, [7] * 21]), WAIT)

    run(body())
    assert {len(row) for row in fake.computed_rows()} == {1, 20, 10}
    assert (8,) not in fake.computed_rows()


# --- failures --------------------------------------------------------------------------------


def test_model_exception_fails_only_its_batch(make_engine: EngineFactory) -> None:
    """A raising model fails the requests of that batch with ModelFailure; the other batch and
    later requests are scored normally (the worker keeps serving)."""
    fake = FakeModel()
    engine = make_engine(fake, max_batch_size=2, max_wait=0.001)
    rows = [[FAIL, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]

    async def body() -> tuple[list[Any], list[tuple[float, ...]]]:
        blocker = await block_worker(engine, fake)
        tasks = submit_all(engine, [[row] for row in rows])
        await wait_until(lambda: engine.queue_depth == len(rows), "all rows to be queued")
        await release(fake, blocker)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        after = await engine.score([[5, 5]])
        return outcomes, after

    outcomes, after = run(body())
    failing = next(batch for batch in fake.batches if any(FAIL in row for row in batch))
    assert len(failing) <= 2
    for row, outcome in zip(rows, outcomes, strict=True):
        if tuple(row) in failing:
            assert isinstance(outcome, ModelFailure), outcome
            assert "model failed" in str(outcome) and "RuntimeError" in str(outcome)
        else:
            assert outcome == [expected(row)]
    assert sum(not isinstance(outcome, BaseException) for outcome in outcomes) >= 2
    assert after == [expected([5, 5])]


@pytest.mark.parametrize("marker", [NAN, INF], ids=["nan", "inf"])
def test_non_finite_output_fails_only_that_rows_request(make_engine: EngineFactory, marker: int) -> None:
    """A NaN/inf score fails the request owning that row, naming the item; its batch-mates succeed."""
    fake = FakeModel()
    engine = make_engine(fake, max_batch_size=8, max_wait=0.001)
    bad_request = [[1, 2], [marker, 5]]
    good_request = [[3, 4], [6]]

    bad, good = queue_then_release(engine, fake, [bad_request, good_request], return_exceptions=True)
    assert len(fake.batches_after_blocker()) == 1  # the rows really shared one batch
    assert isinstance(bad, ModelFailure), bad
    assert "non-finite" in str(bad) and "item 1" in str(bad)
    assert good == [expected(row) for row in good_request]


def test_wrong_output_count_is_a_model_failure(make_engine: EngineFactory) -> None:
    """Fewer results than rows fails that batch with ModelFailure naming both counts; the next succeeds."""
    fake = FakeModel()
    engine = make_engine(fake)
    fake.drop_one_output = True

    async def body() -> list[tuple[float, ...]]:
        with pytest.raises(ModelFailure, match=r"\b1\b.*\b2\b"):
            await engine.score([[1, 2], [3]])
        fake.drop_one_output = False
        return await engine.score([[7, 8]])

    assert run(body()) == [expected([7, 8])]


def test_malformed_output_rows_fail_the_batch_not_the_worker(make_engine: EngineFactory) -> None:
    """A model returning the right number of results, but not rows of scores, fails that batch
    with ModelFailure; the request is answered (not left hanging) and the worker keeps serving."""
    fake = FakeModel()
    engine = make_engine(fake)
    fake.flat_output = True

    async def body() -> list[tuple[float, ...]]:
        with pytest.raises(ModelFailure):
            await asyncio.wait_for(engine.score([[1, 2], [3]]), 2.0)
        fake.flat_output = False
        return await asyncio.wait_for(engine.score([[7, 8]]), 2.0)

    assert run(body()) == [expected([7, 8])]


def test_ragged_output_rows_are_a_model_failure(make_engine: EngineFactory) -> None:
    """Rows of scores of different lengths fail that batch with ModelFailure; the next succeeds."""
    fake = FakeModel()
    engine = make_engine(fake)
    fake.ragged_output = True

    async def body() -> list[tuple[float, ...]]:
        with pytest.raises(ModelFailure, match="different lengths"):
            await asyncio.wait_for(engine.score([[1, 2], [3]]), 2.0)
        fake.ragged_output = False
        return await asyncio.wait_for(engine.score([[7, 8]]), 2.0)

    assert run(body()) == [expected([7, 8])]


# --- deadlines, cancellation, shutdown -------------------------------------------------------


def test_deadline_in_queue_raises_and_skips_computation(make_engine: EngineFactory) -> None:
    """A request whose deadline (the engine's clock at submission plus its timeout) has passed
    when the worker next takes from the queue raises DeadlineExceeded, and its rows are never
    given to the model; a request whose deadline has not passed, one without a deadline, and
    later requests are scored.

    The engine's clock is a fake that only the test advances, and the timeouts are far longer
    than the test takes, so the event loop's own timeout (next test) cannot be what fires."""
    clock = FakeClock()
    fake = FakeModel()
    engine = make_engine(fake, clock=clock, max_batch_size=1)  # one row closes a batch: no queue ages
    late = [[777] * 3, [778]]

    async def body() -> list[tuple[float, ...]]:
        blocker = await block_worker(engine, fake)
        other = asyncio.create_task(engine.score([[5] * 2]))
        doomed = asyncio.create_task(engine.score(late, timeout=60.0))
        patient = asyncio.create_task(engine.score([[4] * 3], timeout=600.0))
        await wait_until(lambda: engine.queue_depth == 4, "all rows to be queued")
        clock.advance(61.0)  # past the doomed request's deadline, not the patient one's
        await release(fake, blocker)
        with pytest.raises(DeadlineExceeded, match="passed in the queue"):
            await asyncio.wait_for(doomed, WAIT)
        assert await asyncio.wait_for(other, WAIT) == [expected([5] * 2)]
        assert await asyncio.wait_for(patient, WAIT) == [expected([4] * 3)]
        return await engine.score([[6]])

    assert run(body()) == [expected([6])]
    computed = fake.computed_rows()
    assert not {tuple(row) for row in late} & set(computed)
    assert {(5, 5), (4, 4, 4), (6,)} <= set(computed)


def test_timeout_while_queued_raises_and_drops_the_rows(make_engine: EngineFactory) -> None:
    """`score(timeout=t)` also bounds the wait on the event loop's clock: with the worker held
    in a batch (so it never looks at the queue) and the engine's clock frozen (so the queue-side
    deadline never passes), the call still raises DeadlineExceeded, its rows leave the queue at
    once and are never given to the model; the other queued request is scored."""
    clock = FakeClock()
    fake = FakeModel()
    engine = make_engine(fake, clock=clock, max_batch_size=1)
    late = [[777] * 3, [778]]

    async def body() -> list[tuple[float, ...]]:
        blocker = await block_worker(engine, fake)
        other = asyncio.create_task(engine.score([[5] * 2]))
        await wait_until(lambda: engine.queue_depth == 1, "the other row to be queued")
        with pytest.raises(DeadlineExceeded, match=r"within its 0\.05 s deadline"):
            await asyncio.wait_for(engine.score(late, timeout=0.05), WAIT)
        assert_still_held(engine, fake, blocker, 1)  # raised by the caller's side; the late rows are gone
        await release(fake, blocker)
        assert await asyncio.wait_for(other, WAIT) == [expected([5] * 2)]
        return await engine.score([[6]])

    assert run(body()) == [expected([6])]
    computed = fake.computed_rows()
    assert not {tuple(row) for row in late} & set(computed)
    assert (5, 5) in computed


def test_cancelled_request_is_never_computed(make_engine: EngineFactory) -> None:
    """Cancelling the awaiting task (client gone) drops its queued rows; the others complete."""
    fake = FakeModel()
    engine = make_engine(fake, max_wait=0.001)
    gone = [[888] * 4, [889] * 2]
    staying = [[[11] * 3], [[12] * 5, [13]]]

    async def body() -> list[Any]:
        blocker = await block_worker(engine, fake)
        tasks = submit_all(engine, staying)
        doomed = asyncio.create_task(engine.score(gone))
        await wait_until(lambda: engine.queue_depth == 5, "all rows to be queued")
        doomed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(doomed, WAIT)
        await release(fake, blocker)
        return await asyncio.gather(*tasks)

    results = run(body())
    assert results == [[expected(row) for row in rows] for rows in staying]
    computed = set(fake.computed_rows())
    assert not {tuple(row) for row in gone} & computed
    assert {tuple(row) for rows in staying for row in rows} <= computed


def test_stop_finishes_queued_work_then_refuses_new_work(make_engine: EngineFactory) -> None:
    """stop() answers every queued request with its scores at once (without waiting out max_wait),
    refuses new work from the moment it is called, and returns when the queue is drained.

    The engine's clock is frozen, so max_wait never runs out: the queued rows can only be
    answered because stop() closes their batch."""
    fake = FakeModel()
    clock = FakeClock()
    # The 8-token blocker fills the budget, so it is taken at once; the queued rows below
    # (3 tokens) would otherwise wait for company until max_wait passed on the engine's clock.
    engine = make_engine(fake, clock=clock, max_batch_tokens=8, max_wait=5.0)
    queued = [[[21]], [[22]], [[23]]]

    async def body() -> list[Any]:
        task = asyncio.create_task(engine.score([[BLOCK] * 8]))
        assert await asyncio.to_thread(fake.blocked.wait, WAIT)
        tasks = submit_all(engine, queued)
        await wait_until(lambda: engine.queue_depth == 3, "all rows to be queued")
        stopping = asyncio.create_task(asyncio.to_thread(engine.stop, WAIT))
        await wait_until(lambda: not engine.running, "the engine to stop accepting work")
        with pytest.raises(ShuttingDown):
            await engine.score([[24]])
        fake.gate.set()
        await asyncio.wait_for(stopping, WAIT)
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        assert engine.queue_depth == 0
        with pytest.raises(ShuttingDown):
            await engine.score([[25]])
        assert await task == [expected([BLOCK] * 8)]
        return [t.result() for t in tasks]

    assert run(body()) == [[expected(row) for row in rows] for rows in queued]
    assert not {(24,), (25,)} & set(fake.computed_rows())


def test_score_before_start_is_refused() -> None:
    """An engine that was never started accepts no work."""
    engine = BatchingEngine(FakeModel(), engine_limits())
    with pytest.raises(ShuttingDown):
        run(engine.score([ReadRow((1,), 0)]))


def test_batches_carry_at_most_max_padding(make_engine: EngineFactory) -> None:
    """With a padding cap, items of very different lengths are not padded into one batch."""
    fake = FakeModel()
    engine = make_engine(fake, max_padding=0.1, max_wait=0.05)
    rows = [tuple(range(1, 1 + n)) for n in (10, 11, 12, 40, 41, 42)]

    results = queue_then_release(engine, fake, [[row] for row in rows])  # all queued together
    assert results == [[expected(row)] for row in rows]
    batches = fake.batches_after_blocker()
    for batch in batches:
        padded = len(batch) * max(map(len, batch))
        assert padded - sum(map(len, batch)) <= 0.1 * padded, batch
    assert sorted(len(row) for batch in batches for row in batch) == [10, 11, 12, 40, 41, 42]
    assert any(len(batch) > 1 for batch in batches)
