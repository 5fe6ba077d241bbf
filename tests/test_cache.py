"""The result cache: exact repeats answered without the model, within bounds, per model.

First the cache alone (`ResultCache`: keys, LRU order, entry and byte bounds, its memory
accounting against what tracemalloc sees), then the real app on tiny checkpoints. A repeat's
values must equal the first answer's to the last bit (`==` on floats); against an app without
a cache they agree to float rounding only, since the rows sharing a batch may move the last
bits. Model work is counted where it happens: forward calls of the backbone (a hook), or the
rows each batch carried (`GatedScorer`).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import torch
from checkpoints import CheckpointFactory, Conversation, Reference
from safetensors.torch import save_file
from test_api import Server, gated, run, serve, settings

from reward_service import cache as cache_module
from reward_service.cache import ENTRY_OVERHEAD, ResultCache, entry_bytes, row_key
from reward_service.engine import Row
from reward_service.model.loading import RewardModel, load_reward_model

ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
ATOL = 1e-4  # an app without the cache, or transformers, against this one: float rounding
PROMPT = "Which number comes next: 2, 4, 8?"
HITS, MISSES = ("reward_cache_hits_total", ()), ("reward_cache_misses_total", ())
ENTRIES, BYTES = ("reward_cache_entries", ()), ("reward_cache_bytes", ())


def conversation(i: int) -> Conversation:
    return [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": f"It is {16 + i}, I think."}]


def item(i: int) -> dict[str, Any]:
    return {"messages": conversation(i)}


def scores(i: int) -> tuple[float, ...]:
    return (0.5 + i, -1.25, 3.0)


# --- the cache alone ----------------------------------------------------------------------------


def test_the_key_is_every_id_in_order_and_the_read_position() -> None:
    row = Row((5, 300, 70_000, 2**40), 3)
    assert row_key(row) == row_key(Row(tuple(row.ids), 3))
    others = [
        Row(row.ids, 2),  # another read position (another pooling rule)
        Row((5, 300, 70_000, 2**40 + 1), 3),  # one id differs
        Row((300, 5, 70_000, 2**40), 3),  # the same ids in another order
        Row((5, 300, 70_000), 2),  # a prefix
        Row((*row.ids, 0), 3),  # a longer row
    ]
    keys = {row_key(other) for other in others}
    assert len(keys) == len(others) and row_key(row) not in keys


def test_least_recently_used_is_evicted_and_a_hit_refreshes() -> None:
    cache = ResultCache(max_entries=3, max_bytes=1 << 20)
    keys = [row_key(Row((i, i + 1), 1)) for i in range(4)]
    for i in range(3):
        assert cache.put(keys[i], scores(i))
    assert cache.get(keys[0]) == scores(0)  # 0 is now the most recently used
    assert cache.put(keys[3], scores(3))
    assert [key in cache for key in keys] == [True, False, True, True]
    assert len(cache) == 3


def test_entry_and_byte_bounds_hold_under_many_distinct_items() -> None:
    """Distinct rows of random lengths, stored without lookups in between: what is kept is the
    longest run of the most recent ones within both bounds, and `bytes` is their sum."""
    generator = random.Random(3)
    max_entries, max_bytes = 50, 40_000
    cache = ResultCache(max_entries, max_bytes)
    stored: list[tuple[Any, tuple[float, ...]]] = []
    for i in range(1000):
        key = row_key(Row(tuple(generator.randrange(50_000) for _ in range(generator.randint(1, 120))), 0))
        value = scores(i)
        assert cache.put(key, value)
        stored.append((key, value))
        kept, total = [], 0
        for older in reversed(stored):
            size = entry_bytes(*older)
            if len(kept) == max_entries or total + size > max_bytes:
                break
            kept.append(older)
            total += size
        assert len(cache) == len(kept) <= max_entries
        assert cache.bytes == total <= max_bytes
        assert all(key in cache for key, _ in kept)
        if len(kept) < len(stored):
            assert stored[-len(kept) - 1][0] not in cache
    assert 0 < len(cache) < max_entries  # the byte bound was the one that bit here


def test_accounted_bytes_cover_the_memory_entries_hold() -> None:
    """tracemalloc's count of what the cache's entries allocate (key bytes, values, the dict's
    table) is within the bytes the cache accounts, and not far below it."""
    generator = random.Random(5)
    cache = ResultCache(1 << 20, 1 << 40)
    here, module = str(Path(__file__)), str(Path(cache_module.__file__))
    tracemalloc.start()
    try:
        for i in range(3000):
            ids = tuple(generator.randrange(1000, 50_000) for _ in range(generator.randint(5, 200)))
            cache.put(row_key(Row(ids, len(ids) - 1)), tuple(float(i) + j / 7 for j in range(10)))
        del ids
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ours = snapshot.filter_traces([tracemalloc.Filter(True, here), tracemalloc.Filter(True, module)])
    traced = sum(stat.size for stat in ours.statistics("filename"))
    assert traced <= cache.bytes <= 1.5 * traced, (traced, cache.bytes)


def test_an_entry_over_the_byte_bound_is_not_stored_and_evicts_nothing() -> None:
    small, large = row_key(Row((1, 2), 1)), row_key(Row(tuple(range(500)), 499))
    cache = ResultCache(10, entry_bytes(small, scores(0)) + 8 * 100)
    assert cache.put(small, scores(0))
    assert entry_bytes(large, scores(1)) > cache.max_bytes
    assert not cache.put(large, scores(1))
    assert large not in cache and small in cache and len(cache) == 1
    assert cache.bytes == entry_bytes(small, scores(0))


def test_storing_a_key_again_replaces_it_without_counting_it_twice() -> None:
    key = row_key(Row((7, 8, 9), 2))
    cache = ResultCache(10, 1 << 20)
    longer = (*scores(1), 2.0)
    cache.put(key, scores(0))
    cache.put(key, longer)
    assert len(cache) == 1 and cache.get(key) == longer
    assert cache.bytes == entry_bytes(key, longer)


def test_the_byte_count_grows_by_eight_bytes_a_token() -> None:
    value = scores(0)
    short, longer = row_key(Row(tuple(range(1000, 1010)), 9)), row_key(Row(tuple(range(1000, 1110)), 9))
    assert entry_bytes(longer, value) - entry_bytes(short, value) == 8 * 100
    assert entry_bytes(short, value) > ENTRY_OVERHEAD + 8 * 10 + sys.getsizeof(value)


@pytest.mark.parametrize(("entries", "size"), [(0, 1 << 20), (10, 0)])
def test_either_bound_zero_is_off_and_rows_pass_as_given(entries: int, size: int) -> None:
    cache = ResultCache(entries, size)
    rows = [Row((1, 2), 1), Row((1, 2), 1), Row((3,), 0)]
    lookup = cache.lookup(rows)
    assert not cache.enabled
    assert lookup.missing == tuple(rows) and lookup.found == (None, None, None)
    assert cache.fill(lookup, [scores(0), scores(0), scores(1)]) == [scores(0), scores(0), scores(1)]
    assert not cache.put(row_key(rows[2]), scores(1))
    assert len(cache) == 0 and cache.bytes == 0


def test_lookup_computes_copies_once_and_fill_keeps_the_order() -> None:
    a, b, c = Row((1, 2, 3), 2), Row((4, 5), 1), Row((1, 2, 3), 1)  # c: a's ids, read elsewhere
    cache = ResultCache(10, 1 << 20)
    stored = scores(0)
    cache.put(row_key(a), stored)
    lookup = cache.lookup([b, a, c, b, a, c])
    assert lookup.missing == (b, c)
    assert (lookup.hits, lookup.misses) == (2, 4)
    computed = [scores(1), scores(2)]
    out = cache.fill(lookup, computed)
    assert out == [scores(1), stored, scores(2), scores(1), stored, scores(2)]
    assert out[1] is stored  # the very tuple stored: nothing recomputed or rounded
    assert cache.get(row_key(b)) == scores(1) and cache.get(row_key(c)) == scores(2)
    with pytest.raises(ValueError, match="1 results for 2 rows"):
        cache.fill(cache.lookup([Row((9,), 0), Row((8,), 0)]), [scores(3)])


# --- through the app ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_dir(checkpoint: CheckpointFactory) -> Path:
    return checkpoint("llama")


@pytest.fixture(scope="module")
def plain(plain_dir: Path) -> RewardModel:
    return load_reward_model(plain_dir)


@pytest.fixture(scope="module")
def ensemble(plain_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RewardModel:
    """The plain checkpoint plus an ensemble of 4 random heads: results carry spreads too."""
    target = tmp_path_factory.mktemp("ensemble") / "model"
    shutil.copytree(plain_dir, target)
    hidden = json.loads((plain_dir / "config.json").read_text())["hidden_size"]
    heads = torch.randn(4, len(ATTRIBUTES), hidden, generator=torch.Generator().manual_seed(11)) * 0.3
    save_file({"heads": heads.contiguous()}, str(target / "uncertainty.safetensors"))
    return load_reward_model(target)


@contextmanager
def forwards(model: RewardModel) -> Iterator[list[int]]:
    """A list that grows by one at each forward call of the model's backbone."""
    calls: list[int] = []
    handle = model.scorer.backbone.register_forward_hook(lambda *_: calls.append(1))
    try:
        yield calls
    finally:
        handle.remove()


async def ok(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await server.client.post(path, json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def delta(after: dict[Any, float], before: dict[Any, float], key: Any) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_a_repeat_is_bit_identical_and_never_reaches_the_model(ensemble: RewardModel) -> None:
    """The second /score of the same items answers the first's floats exactly (scores, spreads,
    aggregates) with no forward call; /rank and the OpenAI route over the same conversations hit
    the same entries; new weights apply to the cached scores. An app without the cache gives
    the same values to float rounding."""
    items = [item(i) for i in range(6)]
    responses = [c["messages"][1]["content"] for c in items]

    async def body() -> dict[str, Any]:
        async with serve(settings(), ensemble) as server:
            with forwards(ensemble) as calls:
                first = await ok(server, "/score", {"items": items})
                computed = len(calls)
                before = await server.metrics()
                again = await ok(server, "/score", {"items": items})
                ranked = await ok(server, "/rank", {"prompt": PROMPT, "responses": responses})
                reweighted = await ok(server, "/score", {"items": items, "weights": {"helpfulness": 1.0}})
                chat = await ok(server, "/v1/chat/completions", {"model": ensemble.spec.name, **items[2]})
                repeat_calls = len(calls) - computed
                after = await server.metrics()
        async with serve(settings(cache_size=0), ensemble) as server:
            uncached = await ok(server, "/score", {"items": items})
        return {
            "first": first,
            "again": again,
            "ranked": ranked,
            "reweighted": reweighted,
            "chat": chat,
            "computed": computed,
            "repeat_calls": repeat_calls,
            "before": before,
            "after": after,
            "uncached": uncached,
        }

    out = run(body())
    assert out["computed"] >= 1 and out["repeat_calls"] == 0
    first = out["first"]["results"]
    assert all(result["uncertainty"] is not None for result in first)
    assert out["again"] == out["first"]  # every float equal, to the last bit
    for result in out["ranked"]["results"]:
        original = first[result["index"]]
        for field in ("scores", "uncertainty", "aggregate"):
            assert result[field] == original[field], field
    for result, original in zip(out["reweighted"]["results"], first, strict=True):
        assert result["scores"] == original["scores"] and result["uncertainty"] == original["uncertainty"]
        assert result["aggregate"] == original["scores"]["helpfulness"]
    logprobs = {entry["token"]: entry["logprob"] for entry in out["chat"]["choices"][0]["logprobs"]["content"]}
    assert logprobs == first[2]["scores"]
    hits = delta(out["after"], out["before"], HITS)
    assert hits == 3 * len(items) + 1 and delta(out["after"], out["before"], MISSES) == 0
    for result, reference in zip(first, out["uncached"]["results"], strict=True):
        for field in ("scores", "uncertainty"):
            assert result[field] == pytest.approx(reference[field], abs=ATOL, rel=0)


def test_copies_within_a_request_are_computed_once(plain: RewardModel) -> None:
    """With one row per batch, a request holding copies still computes each distinct row once,
    and every copy gets the same values."""
    held, scorer = gated(plain)
    items = [item(0), item(1), item(0), item(0), item(1)]

    async def body() -> tuple[dict[str, Any], list[list[tuple[int, ...]]]]:
        async with serve(settings(max_batch_size=1), held) as server:
            start = len(scorer.batches)
            data = await ok(server, "/score", {"items": items})
            return data, scorer.batches[start:]

    data, batches = run(body())
    assert len(batches) == 2 and all(len(batch) == 1 for batch in batches)
    assert batches[0] != batches[1]
    results = data["results"]
    assert results[0]["scores"] == results[2]["scores"] == results[3]["scores"]
    assert results[1]["scores"] == results[4]["scores"] != results[0]["scores"]


def test_cache_size_zero_stores_nothing_and_every_request_reaches_the_engine(plain: RewardModel) -> None:
    held, scorer = gated(plain)
    body_items = {"items": [item(0)]}

    async def body() -> tuple[list[list[tuple[int, ...]]], dict[Any, float], int]:
        async with serve(settings(cache_size=0), held) as server:
            start = len(scorer.batches)
            for _ in range(3):
                await ok(server, "/score", body_items)
            service = server.app.state.runtime.service
            return scorer.batches[start:], await server.metrics(), len(service.cache)

    batches, metrics, entries = run(body())
    assert len(batches) == 3 and batches[0] == batches[1] == batches[2]
    assert entries == 0 and metrics[ENTRIES] == 0 and metrics[BYTES] == 0
    assert metrics[HITS] == 0 and metrics[MISSES] == 0  # not counted while the cache is off


def test_metrics_count_hits_and_misses_and_the_cache_size(plain: RewardModel) -> None:
    async def body() -> list[tuple[dict[Any, float], int]]:
        async with serve(settings(), plain) as server:
            service = server.app.state.runtime.service
            seen = [(await server.metrics(), service.cache.bytes)]
            for items in ([item(0), item(1)], [item(0), item(2)], [item(2), item(2), item(1)]):
                await ok(server, "/score", {"items": items})
                seen.append((await server.metrics(), service.cache.bytes))
            return seen

    seen = run(body())
    start = seen[0][0]
    assert start[ENTRIES] == 1 and start[MISSES] == 1  # the warm-up's one conversation
    expected = [(0, 2, 3), (1, 3, 4), (4, 3, 4)]  # cumulative hits, misses; entries
    for (metrics, size), (hits, misses, entries) in zip(seen[1:], expected, strict=True):
        assert (delta(metrics, start, HITS), delta(metrics, start, MISSES)) == (hits, misses)
        assert metrics[ENTRIES] == entries
        assert metrics[BYTES] == size > 0
    assert seen[1][1] < seen[2][1] == seen[3][1]


def test_entry_and_byte_bounds_hold_in_the_server(plain: RewardModel) -> None:
    """Twelve distinct items, one request each: at most `cache_size` entries and
    `cache_max_bytes` bytes are held; the oldest item is computed again, the newest is not."""
    count, limit = 12, 4

    async def fill(server: Server) -> list[dict[Any, float]]:
        seen = []
        for i in range(count):
            await ok(server, "/score", {"items": [item(i)]})
            seen.append(await server.metrics())
        return seen

    async def body() -> dict[str, Any]:
        out: dict[str, Any] = {}
        with forwards(plain) as calls:
            async with serve(settings(cache_size=limit), plain) as server:
                out["by_entries"] = await fill(server)
                before = len(calls)
                await ok(server, "/score", {"items": [item(count - 1)]})
                out["newest_calls"] = len(calls) - before
                await ok(server, "/score", {"items": [item(0)]})
                out["oldest_calls"] = len(calls) - before
            async with serve(settings(cache_max_bytes=3000), plain) as server:
                out["by_bytes"] = await fill(server)
            async with serve(settings(cache_max_bytes=100), plain) as server:
                before = len(calls)
                for _ in range(2):
                    await ok(server, "/score", {"items": [item(0)]})
                out["too_large_calls"] = len(calls) - before
                out["too_large"] = await server.metrics()
        return out

    out = run(body())
    assert [m[ENTRIES] for m in out["by_entries"]][limit:] == [limit] * (count - limit)
    assert out["newest_calls"] == 0 and out["oldest_calls"] >= 1
    held = [m[ENTRIES] for m in out["by_bytes"]]
    assert all(m[BYTES] <= 3000 for m in out["by_bytes"])
    assert 1 <= held[-1] < count and max(held) < count
    assert out["too_large_calls"] == 2 and out["too_large"][ENTRIES] == 0
    assert out["too_large"][HITS] == 0


@pytest.mark.parametrize("other", ["model", "pooling"])
def test_another_model_or_pooling_never_hits(
    other: str, checkpoint: CheckpointFactory, reference: Any, reward_model: Any
) -> None:
    """Two apps in one process: an item scored by the first is computed afresh by the second,
    which answers its own model's scores. For "model" both read the same ids at the same
    position (the rows are equal; only the weights differ); for "pooling" the same weights read
    another position."""
    if other == "model":
        first_dir, second_dir = checkpoint("llama"), checkpoint("llama", seed=1)
    else:
        first_dir, second_dir = checkpoint("llama", pad="final"), checkpoint("llama", pad="final", pooling="last_token")
    first, second = reward_model(first_dir), reward_model(second_dir)
    ref: Reference = reference(second_dir)
    ids = ref.ids(conversation(0))
    [a] = first.encoder.encode_many([conversation(0)], max_tokens=4096)
    [b] = second.encoder.encode_many([conversation(0)], max_tokens=4096)
    assert a.row.ids == b.row.ids
    assert (a.row.read == b.row.read) is (other == "model")
    expected = ref.logits(ids) if other == "model" else ref.last_token_logits(ids)

    async def body() -> tuple[dict[str, Any], dict[str, Any], int, dict[Any, float]]:
        async with serve(settings(), first) as one, serve(settings(), second) as two:
            mine = await ok(one, "/score", {"items": [item(0)]})
            before = await two.metrics()
            with forwards(second) as calls:
                theirs = await ok(two, "/score", {"items": [item(0)]})
            after = await two.metrics()
            return mine, theirs, len(calls), {HITS: delta(after, before, HITS), MISSES: delta(after, before, MISSES)}

    mine, theirs, calls, counts = run(body())
    assert calls >= 1 and counts == {HITS: 0, MISSES: 1}
    values = theirs["results"][0]["scores"]
    assert list(values.values()) == pytest.approx(expected.tolist(), abs=ATOL, rel=0)
    assert values != mine["results"][0]["scores"]
