"""The HTTP API end to end: the real app, its lifespan and engine, on a tiny real checkpoint.

Every expected score comes from transformers itself (the conftest `reference`: the checkpoint
loaded independently, ids from apply_chat_template, one unpadded conversation per forward),
and every expected aggregate, verdict and limit is computed here from those references and
the published weights, never read back from the service.

Each test runs its own app on its own event loop (`asyncio.run`) through httpx's ASGI
transport, with the lifespan entered explicitly so the engine and warm-up really run. Tests
that need to hold or break the model wrap the loaded RewardModel's scorer in `GatedScorer`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import torch
from checkpoints import CONVERSATIONS, Conversation, Reference
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from reward_service.config import Settings
from reward_service.engine import BatchPlan
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.server.app import create_app

T = TypeVar("T")
Row = tuple[int, ...]
ReferenceFactory = Callable[[Path], Reference]

ATOL = 1e-4
WAIT = 5.0  # the bound on any wait for something that should happen promptly
TEST_TIMEOUT = 30.0  # the bound on a whole test body

# HelpSteer2 attribute order and the published Nemotron-4-340B-Reward aggregate weights
# (arXiv 2406.11704, section 3.2), written out here independently of reward_service.
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
PUBLISHED_WEIGHTS = {"helpfulness": 0.3, "correctness": 0.74, "coherence": 0.46, "complexity": 0.47, "verbosity": -0.33}


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(model_dir: Path) -> RewardModel:
    """The service's load of the checkpoint, shared by the module's apps."""
    return load_reward_model(model_dir)


def settings(**overrides: Any) -> Settings:
    """Settings for an app given a loaded model (no model directory), with `overrides`."""
    return Settings(**{"model": None, **overrides})


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a test body on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT))


class GatedScorer:
    """Wraps the real scorer: records every batch of rows, can hold batches at a gate, and
    can raise on batches that `fail_when` picks."""

    def __init__(self, inner: Any, *, fail_when: Callable[[list[Row]], bool] | None = None) -> None:
        self.inner = inner
        self.fail_when = fail_when
        self.batches: list[list[Row]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()  # a batch is held at the closed gate
        self._lock = threading.Lock()

    def hold(self) -> None:
        """Batches arriving from now on wait until `release`."""
        self.waiting.clear()
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # the model, pad id and pooling the engine asks about

    def score(self, plan: BatchPlan, padding_side: str = "right") -> torch.Tensor:
        self._enter([row.ids for row in plan.rows])
        return self.inner.score(plan, padding_side=padding_side)

    def _enter(self, rows: Sequence[Sequence[int]]) -> None:
        batch = [tuple(int(token) for token in row) for row in rows]
        with self._lock:
            self.batches.append(batch)
        if not self.gate.is_set():
            self.waiting.set()
            if not self.gate.wait(2 * WAIT):
                raise TimeoutError("the test never released the gate")
        if self.fail_when is not None and self.fail_when(batch):
            raise RuntimeError("injected fault")

    def computed(self) -> set[Row]:
        with self._lock:
            return {row for batch in self.batches for row in batch}

    async def wait_held(self) -> None:
        assert await asyncio.to_thread(self.waiting.wait, WAIT), "no batch reached the gate"


def gated(model: RewardModel, **kwargs: Any) -> tuple[RewardModel, GatedScorer]:
    scorer = GatedScorer(model.scorer, **kwargs)
    return dataclasses.replace(model, scorer=scorer), scorer  # type: ignore[arg-type]


@dataclass
class Server:
    app: FastAPI
    client: httpx.AsyncClient

    async def score(self, body: Mapping[str, Any]) -> httpx.Response:
        return await self.client.post("/score", json=body)

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        return parse_metrics(response.text)

    async def queue_depth(self) -> float:
        return (await self.metrics())[("reward_queue_depth", ())]

    async def wait_queue_depth(self, depth: int) -> None:
        deadline = time.monotonic() + WAIT
        while (current := await self.queue_depth()) != depth:
            assert time.monotonic() < deadline, f"queue depth stayed {current}, expected {depth}"
            await asyncio.sleep(0.005)


async def wait_ready(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + WAIT
    while (await client.get("/ready")).status_code != 200:
        assert time.monotonic() < deadline, "/ready never turned 200"
        await asyncio.sleep(0.005)


@asynccontextmanager
async def serve(config: Settings, model: RewardModel | None = None, *, ready: bool = True) -> AsyncIterator[Server]:
    """The app with its lifespan running, and a client; waits for /ready unless told not to."""
    app = create_app(config, model)
    scorer = model.scorer if model is not None else None
    async with app.router.lifespan_context(app):
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=WAIT) as client:
                if ready:
                    await wait_ready(client)
                yield Server(app, client)
        finally:
            if isinstance(scorer, GatedScorer):
                scorer.release()  # never leave the worker (and the lifespan's stop) hanging


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text -> {(sample name, sorted labels): value}, with prometheus_client's own parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def conversation_of(item: Mapping[str, Any]) -> Conversation:
    if "messages" in item:
        return [dict(message) for message in item["messages"]]
    return [{"role": "user", "content": item["prompt"]}, {"role": "assistant", "content": item["response"]}]


def as_prompt(name: str) -> dict[str, str]:
    """A two-turn conversation of the fixtures as a prompt + response item."""
    user, assistant = CONVERSATIONS[name]
    return {"prompt": user["content"], "response": assistant["content"]}


def as_messages(name: str) -> dict[str, Any]:
    return {"messages": CONVERSATIONS[name]}


def ref_ids(ref: Reference, item: Mapping[str, Any]) -> list[int]:
    return ref.ids(conversation_of(item))


def ref_scores(ref: Reference, item: Mapping[str, Any]) -> dict[str, float]:
    return dict(zip(ATTRIBUTES, ref.logits(ref_ids(ref, item)).tolist(), strict=True))


def weighted(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    return sum(weights.get(name, 0.0) * scores[name] for name in ATTRIBUTES)


def assert_scores(actual: Mapping[str, float], expected: Mapping[str, float]) -> None:
    assert list(actual) == ATTRIBUTES
    for name in ATTRIBUTES:
        assert actual[name] == pytest.approx(expected[name], abs=ATOL), name


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The stable error body: exactly {"error": {"code", "message", "details", "request_id"}},
    the id being the answer's X-Request-ID."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details", "request_id"}
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


# --- scoring ---------------------------------------------------------------------------------


def test_score_round_trip_matches_transformers(model: RewardModel, ref: Reference) -> None:
    """Prompt+response and messages items score as transformers scores each conversation alone;
    five named scores in HelpSteer2 order, the published default weights, token counts, and
    with no thresholds every item passes."""
    items = [as_prompt("single_turn"), as_messages("system_multi_turn"), as_messages("newlines_in_reply")]

    async def body() -> httpx.Response:
        async with serve(settings(), model) as server:
            return await server.score({"items": items})

    response = run(body())
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["attributes"] == ATTRIBUTES
    assert data["weights"] == pytest.approx(PUBLISHED_WEIGHTS, abs=1e-12)
    assert list(data["weights"]) == ATTRIBUTES
    assert len(data["results"]) == len(items)
    for index, (item, result) in enumerate(zip(items, data["results"], strict=True)):
        expected = ref_scores(ref, item)
        assert result["index"] == index
        assert_scores(result["scores"], expected)
        assert result["aggregate"] == pytest.approx(weighted(expected, PUBLISHED_WEIGHTS), abs=5 * ATOL)
        assert result["tokens"] == len(ref_ids(ref, item))
        assert result["truncated"] is False
        assert result["passed"] is True and result["failed"] == []


def test_request_weights_replace_the_defaults(model: RewardModel, ref: Reference) -> None:
    """`weights` {"helpfulness": 1}: the others weigh 0 and the aggregate is the helpfulness score;
    any other mix gives its own weighted sum."""
    item = as_messages("special_text_in_reply")
    expected = ref_scores(ref, item)
    mix = {"correctness": 2.0, "verbosity": -0.5}

    async def body() -> tuple[httpx.Response, httpx.Response]:
        async with serve(settings(), model) as server:
            one = await server.score({"items": [item], "weights": {"helpfulness": 1.0}})
            two = await server.score({"items": [item], "weights": mix})
            return one, two

    one, two = run(body())
    assert one.status_code == 200, one.text
    assert one.json()["weights"] == {"helpfulness": 1.0, "correctness": 0.0, "coherence": 0.0,
                                     "complexity": 0.0, "verbosity": 0.0}
    [result] = one.json()["results"]
    assert_scores(result["scores"], expected)
    assert result["aggregate"] == pytest.approx(expected["helpfulness"], abs=ATOL)
    assert two.status_code == 200, two.text
    assert two.json()["results"][0]["aggregate"] == pytest.approx(weighted(expected, mix), abs=5 * ATOL)


def test_thresholds_fail_exactly_the_unmet_bounds(model: RewardModel, ref: Reference) -> None:
    """`failed` lists exactly the attributes (and `aggregate`) outside their bounds, in the
    request's order, computed here from the reference scores; `passed` agrees."""
    items = [as_prompt("single_turn"), as_messages("reply_ends_with_marker")]
    scores = [ref_scores(ref, item) for item in items]
    values = [{**s, "aggregate": weighted(s, PUBLISHED_WEIGHTS)} for s in scores]

    def midpoint(name: str) -> float:
        low, high = sorted(v[name] for v in values)
        assert high - low > 0.01, f"the two items' {name} scores are too close to separate"
        return (low + high) / 2

    thresholds: dict[str, dict[str, float]] = {
        "helpfulness": {"min": midpoint("helpfulness")},
        "verbosity": {"max": midpoint("verbosity")},
        "aggregate": {"min": midpoint("aggregate")},
        "coherence": {
            "min": min(v["coherence"] for v in values) - 1.0,
            "max": max(v["coherence"] for v in values) + 1.0,
        },
        "correctness": {"min": midpoint("correctness") - 100.0, "max": midpoint("correctness")},
    }
    expected_failed = [
        [
            name
            for name, bound in thresholds.items()
            if ("min" in bound and v[name] < bound["min"]) or ("max" in bound and v[name] > bound["max"])
        ]
        for v in values
    ]
    assert expected_failed[0] != expected_failed[1]  # the bounds separate the two items

    async def body() -> httpx.Response:
        async with serve(settings(), model) as server:
            return await server.score({"items": items, "thresholds": thresholds})

    response = run(body())
    assert response.status_code == 200, response.text
    for result, failed in zip(response.json()["results"], expected_failed, strict=True):
        assert result["failed"] == failed
        assert result["passed"] is (not failed)


def test_aggregate_is_always_a_finite_number(model: RewardModel, ref: Reference) -> None:
    """Finite weights whose weighted sum overflows must not yield a non-number aggregate: the
    request is refused naming `weights`, or scored with a finite aggregate whose verdict holds.

    The weights below are finite (so they pass validation) but, from the reference scores,
    w_max * s_max overflows to +inf and w_min * s_min to -inf, so a plain sum is NaN: JSON null
    in the response, and NaN compares False with every bound, so an aggregate threshold passes.
    """
    item = GOOD
    scores = ref_scores(ref, item)
    high, low = max(scores, key=scores.__getitem__), min(scores, key=scores.__getitem__)
    huge = 1.7e308
    assert huge * scores[high] == math.inf and huge * scores[low] == -math.inf  # the premise holds
    bounds = {"min": 0.0, "max": 1.0}

    async def body() -> httpx.Response:
        async with serve(settings(), model) as server:
            return await server.score(
                {"items": [item], "weights": {high: huge, low: huge}, "thresholds": {"aggregate": bounds}}
            )

    response = run(body())
    if response.status_code == 422:
        error = assert_error(response, 422, "invalid_request")
        assert error["details"][0]["loc"][0] == "weights"
        return
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    aggregate = result["aggregate"]
    assert isinstance(aggregate, float) and math.isfinite(aggregate), f"aggregate is {aggregate!r}"
    assert result["passed"] is (bounds["min"] <= aggregate <= bounds["max"])


# --- the other routes ------------------------------------------------------------------------


def test_info_health_ready_docs(model: RewardModel, ref: Reference) -> None:
    """/info reports the model and the configured limits; /health, /ready, /docs, /openapi.json answer."""
    config = settings(max_items_per_request=7, queue_depth=50, max_batch_tokens=4096, max_batch_size=16,
                      max_queue_tokens=9999, max_body_bytes=4096, request_timeout_s=12.5, max_chars_per_item=3000)

    async def body() -> dict[str, httpx.Response]:
        async with serve(config, model) as server:
            return {path: await server.client.get(path) for path in
                    ("/info", "/health", "/ready", "/docs", "/openapi.json")}

    responses = run(body())
    info = responses["/info"]
    assert info.status_code == 200, info.text
    data = info.json()
    assert data["attributes"] == ATTRIBUTES
    assert data["weights"] == pytest.approx(PUBLISHED_WEIGHTS, abs=1e-12)
    assert data["dtype"] == "float32"
    assert data["device"] == "cpu"
    assert data["pooling"] == "last_non_pad"
    assert data["chat_template"] is True
    # The default 4096-token limit, capped by the checkpoint's own position limit.
    model_limit = min(4096, ref.model.config.max_position_embeddings)
    assert data["max_tokens_per_item"] == model_limit
    assert data["limits"] == {
        "max_items_per_request": 7, "max_tokens_per_item": model_limit, "max_chars_per_item": 3000,
        "max_batch_tokens": 4096, "max_batch_size": 16, "queue_depth": 50, "max_queue_tokens": 9999,
        "max_body_bytes": 4096, "request_timeout_s": 12.5,
    }
    assert responses["/health"].status_code == 200 and responses["/health"].json() == {"status": "ok"}
    assert responses["/ready"].status_code == 200 and responses["/ready"].json() == {"status": "ok"}
    assert responses["/docs"].status_code == 200 and "swagger" in responses["/docs"].text.lower()
    openapi = responses["/openapi.json"]
    assert openapi.status_code == 200
    assert {"/score", "/info", "/health", "/ready", "/metrics"} <= set(openapi.json()["paths"])


def test_not_ready_until_warm_up_finishes(model: RewardModel) -> None:
    """While warm-up cannot finish, /ready, /score and /info answer 503 not_ready with Retry-After
    and /health answers 200; once the model answers, /ready turns 200."""
    held, scorer = gated(model)
    scorer.hold()

    async def body() -> None:
        async with serve(settings(), held, ready=False) as server:
            await scorer.wait_held()  # the warm-up batch is stuck at the gate
            ready = await server.client.get("/ready")
            assert_error(ready, 503, "not_ready")
            assert ready.headers["retry-after"] == "1"
            assert_error(await server.score({"items": [as_prompt("single_turn")]}), 503, "not_ready")
            assert_error(await server.client.get("/info"), 503, "not_ready")
            assert (await server.client.get("/health")).status_code == 200
            scorer.release()
            await wait_ready(server.client)

    run(body())


def test_metrics_after_scoring(model: RewardModel, ref: Reference) -> None:
    """/metrics counts the /score request, the rows and real tokens scored, and the queue depth."""
    items = [as_prompt("single_turn"), as_messages("very_short")]
    tokens = sum(len(ref_ids(ref, item)) for item in items)

    async def body() -> tuple[dict[Any, float], dict[Any, float], str]:
        async with serve(settings(), model) as server:
            before = await server.metrics()
            response = await server.score({"items": items})
            assert response.status_code == 200, response.text
            text = (await server.client.get("/metrics")).text
            return before, parse_metrics(text), text

    before, after, text = run(body())
    for name in ("reward_requests_total", "reward_batch_rows", "reward_tokens_scored_total", "reward_queue_depth"):
        assert name in text
    score_200 = ("reward_requests_total", (("route", "/score"), ("status", "200")))
    assert before.get(score_200, 0.0) == 0.0 and after[score_200] == 1.0
    assert after[("reward_batch_rows_sum", ())] - before[("reward_batch_rows_sum", ())] == len(items)
    assert after[("reward_batch_rows_count", ())] > before[("reward_batch_rows_count", ())]
    assert after[("reward_tokens_scored_total", ())] - before[("reward_tokens_scored_total", ())] == tokens
    assert after[("reward_queue_depth", ())] == 0.0


# --- bad input -------------------------------------------------------------------------------

GOOD = {"prompt": "What is 2 + 2?", "response": "4."}
MAX_ITEMS = 3
MAX_CHARS = 2000


@dataclass(frozen=True)
class Bad:
    body: Any  # a JSON value, or raw bytes sent as they are
    status: int
    code: str
    loc: list[str | int] | None  # the first detail's loc; None: details not checked
    says: tuple[str, ...] = ()  # substrings of the message


def items_with(second: Mapping[str, Any]) -> dict[str, Any]:
    """A valid item 0 and the item under test at index 1, so the index in the error means something."""
    return {"items": [GOOD, second]}


def raw(text: str) -> bytes:
    """Raw JSON text, for what json.dumps will not write (NaN, Infinity, syntax errors); GOOD is a valid item."""
    return text.replace("GOOD", json.dumps(GOOD)).encode()


BAD_INPUTS: dict[str, Bad] = {
    "empty items": Bad({"items": []}, 422, "invalid_request", ["items"], ("items",)),
    "missing items": Bad({}, 422, "invalid_request", ["items"], ("items",)),
    "too many items": Bad({"items": [GOOD] * (MAX_ITEMS + 1)}, 413, "request_too_large", ["items"],
                          (str(MAX_ITEMS + 1), str(MAX_ITEMS))),
    "empty response": Bad(items_with({"prompt": "Hi", "response": ""}), 422, "invalid_request",
                          ["items", 1, "response"], ("items[1].response",)),
    "whitespace response": Bad(items_with({"prompt": "Hi", "response": " \n\t "}), 422, "invalid_request",
                               ["items", 1, "response"], ("items[1].response",)),
    "missing response": Bad(items_with({"prompt": "Hi"}), 422, "invalid_request", ["items", 1],
                            ("items[1]", "response")),
    "prompt and messages": Bad(
        items_with({"prompt": "Hi", "response": "Ok", "messages": CONVERSATIONS["very_short"]}),
        422, "invalid_request", ["items", 1], ("items[1]",)),
    "not ending with assistant": Bad(
        items_with({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ok"},
                                 {"role": "user", "content": "And?"}]}),
        422, "invalid_request", ["items", 1, "messages"], ("items[1].messages", "assistant")),
    "empty final assistant turn": Bad(
        items_with({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}),
        422, "invalid_request", ["items", 1, "messages"], ("items[1].messages",)),
    "no user turn": Bad(items_with({"messages": [{"role": "assistant", "content": "Ok"}]}),
                        422, "invalid_request", ["items", 1, "messages"], ("items[1].messages", "user")),
    "unknown role": Bad(
        items_with({"messages": [{"role": "user", "content": "Hi"}, {"role": "robot", "content": "beep"},
                                 {"role": "assistant", "content": "Ok"}]}),
        422, "invalid_request", ["items", 1, "messages", 1, "role"], ("items[1].messages[1].role",)),
    "unknown field": Bad(items_with({"prompt": "Hi", "response": "Ok", "score": 3}), 422, "invalid_request",
                         ["items", 1, "score"], ("items[1].score",)),
    "too many characters": Bad(items_with({"prompt": "Hi", "response": "x" * (MAX_CHARS + 1)}), 422,
                               "invalid_request", ["items", 1], ("item 1", str(MAX_CHARS))),
    "unknown weight attribute": Bad({"items": [GOOD], "weights": {"helpfulness": 1.0, "charm": 2.0}}, 422,
                                    "invalid_request", ["weights"], ("charm",)),
    "empty weights": Bad({"items": [GOOD], "weights": {}}, 422, "invalid_request", ["weights"],
                         ("weights: is empty", "every attribute 0", str(ATTRIBUTES), "leave weights out")),
    "a weight of true": Bad({"items": [GOOD], "weights": {"helpfulness": True}}, 422, "invalid_request",
                            ["weights", "helpfulness"], ("weights.helpfulness: must be a number, not true",)),
    "NaN weight": Bad(raw('{"items": [GOOD], "weights": {"helpfulness": NaN}}'),
                      422, "invalid_request", ["weights", "helpfulness"], ("weights.helpfulness", "finite")),
    "Infinity weight": Bad(raw('{"items": [GOOD], "weights": {"verbosity": -Infinity}}'),
                           422, "invalid_request", ["weights", "verbosity"], ("weights.verbosity", "finite")),
    "unknown threshold name": Bad({"items": [GOOD], "thresholds": {"charm": {"min": 1.0}}}, 422,
                                  "invalid_request", ["thresholds", "charm"], ("charm",)),
    "threshold min over max": Bad({"items": [GOOD], "thresholds": {"coherence": {"min": 2.0, "max": 1.0}}}, 422,
                                  "invalid_request", ["thresholds", "coherence"], ("thresholds.coherence",)),
    "threshold without bounds": Bad({"items": [GOOD], "thresholds": {"coherence": {}}}, 422,
                                    "invalid_request", ["thresholds", "coherence"], ("thresholds.coherence",)),
    "NaN threshold": Bad(raw('{"items": [GOOD], "thresholds": {"coherence": {"max": NaN}}}'), 422,
                         "invalid_request", ["thresholds", "coherence", "max"], ("thresholds.coherence.max",)),
    "unknown truncation": Bad({"items": [GOOD], "truncation": "right"}, 422, "invalid_request", ["truncation"],
                              ("truncation",)),
    "malformed JSON": Bad(raw('{"items": [GOOD'), 422, "invalid_request", None),
    "not an object": Bad([GOOD], 422, "invalid_request", None),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_input_is_a_4xx_naming_the_field(model: RewardModel, case: Bad) -> None:
    """Each bad request gets its 4xx (never a 500) with the stable error body, whose details
    and message point at the offending item index and field."""
    config = settings(max_items_per_request=MAX_ITEMS, max_chars_per_item=MAX_CHARS)

    async def body() -> httpx.Response:
        async with serve(config, model) as server:
            if isinstance(case.body, bytes):
                return await server.client.post(
                    "/score", content=case.body, headers={"content-type": "application/json"}
                )
            return await server.score(case.body)

    error = assert_error(run(body()), case.status, case.code)
    if case.loc is not None:
        assert error["details"], error
        assert error["details"][0]["loc"] == case.loc
    for text in case.says:
        assert text in error["message"], error["message"]


def test_empty_weights_are_refused_on_rank_too(model: RewardModel) -> None:
    """`weights: {}` would make every aggregate 0: /rank refuses it as /score does, in the same words."""

    async def body() -> tuple[httpx.Response, httpx.Response]:
        async with serve(settings(), model) as server:
            rank = await server.client.post("/rank", json={"prompt": "Hi", "responses": ["a", "b"], "weights": {}})
            return rank, await server.score({"items": [GOOD], "weights": {}})

    rank, score = run(body())
    error = assert_error(rank, 422, "invalid_request")
    assert error["details"][0]["loc"] == ["weights"]
    assert error["message"] == assert_error(score, 422, "invalid_request")["message"]


SCORE_BODY = json.dumps({"items": [GOOD]}).encode()
RANK_BODY = json.dumps({"prompt": "Hi", "responses": ["a", "b"]}).encode()
CHAT_BODY = json.dumps({"model": "m", "messages": CONVERSATIONS["very_short"]}).encode()


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded", "text/json"])
def test_a_body_not_sent_as_json_is_415_saying_what_to_send(model: RewardModel, content_type: str | None) -> None:
    """A JSON body sent as another media type, or with none, is 415 saying to send
    `Content-Type: application/json`, on /score, /rank and (in OpenAI's error body) /v1."""
    headers = {} if content_type is None else {"content-type": content_type}

    async def body() -> list[httpx.Response]:
        async with serve(settings(served_model_names=["m"]), model) as server:
            return [
                await server.client.post(path, content=content, headers=headers)
                for path, content in (("/score", SCORE_BODY), ("/rank", RANK_BODY), ("/v1/chat/completions", CHAT_BODY))
            ]

    score, rank, chat = run(body())
    if content_type is None:
        assert "content-type" not in score.request.headers  # httpx sends none with raw bytes
    for response in (score, rank):
        error = assert_error(response, 415, "unsupported_media_type")
        assert "'Content-Type: application/json'" in error["message"]
        assert (repr(content_type) if content_type else "without a Content-Type") in error["message"]
        assert error["details"] == []
    assert chat.status_code == 415
    openai_error = {"message": error["message"], "type": "invalid_request_error", "param": None}
    assert chat.json() == {"error": {**openai_error, "code": "unsupported_media_type"}}


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"]
)
def test_json_media_types_with_parameters_or_a_suffix_are_read(model: RewardModel, content_type: str) -> None:
    async def body() -> list[httpx.Response]:
        async with serve(settings(), model) as server:
            headers = {"content-type": content_type}
            return [
                await server.client.post(path, content=content, headers=headers)
                for path, content in (("/score", SCORE_BODY), ("/rank", RANK_BODY))
            ]

    for response in run(body()):
        assert response.status_code == 200, response.text


def test_an_empty_body_of_any_media_type_is_a_missing_body(model: RewardModel) -> None:
    """No body is a 422 naming `body`, whatever the Content-Type: the 415 is for a body not read."""

    async def body() -> list[httpx.Response]:
        async with serve(settings(), model) as server:
            return [
                await server.client.post("/score", content=b"", headers=headers)
                for headers in ({"content-type": "text/plain"}, {}, {"content-type": "application/json"})
            ]

    for response in run(body()):
        error = assert_error(response, 422, "invalid_request")
        assert error["details"][0]["loc"] == []


def test_body_over_the_limit_is_413(model: RewardModel) -> None:
    """A body over max_body_bytes gets 413 body_too_large, whether it declares its length or is
    streamed in chunks without one; a body just under the limit is scored."""
    limit = 1024
    big = json.dumps({"items": [{"prompt": "p" * limit, "response": "r"}]}).encode()
    small = json.dumps({"items": [GOOD]}).ljust(limit - 10).encode()
    assert len(small) < limit < len(big)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 100):
            yield big[start : start + 100]

    async def body() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with serve(settings(max_body_bytes=limit), model) as server:
            headers = {"content-type": "application/json"}
            declared = await server.client.post("/score", content=big, headers=headers)
            streamed = await server.client.post("/score", content=chunks(), headers=headers)
            fits = await server.client.post("/score", content=small, headers=headers)
            return declared, streamed, fits

    declared, streamed, fits = run(body())
    assert "content-length" in declared.request.headers
    assert "content-length" not in streamed.request.headers
    for response in (declared, streamed):
        error = assert_error(response, 413, "body_too_large")
        assert str(limit) in error["message"]
    assert fits.status_code == 200, fits.text


def test_item_over_the_token_limit(model_dir: Path, ref: Reference) -> None:
    """With max_tokens_per_item small (and the model loaded by the lifespan from settings): an item
    over it is a 422 naming its index, its token count and the limit; with truncation "left" it
    is scored on the BOS plus its last tokens, exactly as transformers scores those ids."""
    limit = 48
    short, long = as_messages("very_short"), as_messages("system_multi_turn")
    full = ref_ids(ref, long)
    assert len(ref_ids(ref, short)) <= limit < len(full)
    bos = ref.tokenizer.bos_token_id
    assert full[0] == bos
    cut = [bos, *full[-(limit - 1) :]]
    config = settings(model=model_dir, max_tokens_per_item=limit)

    async def body() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with serve(config) as server:
            refused = await server.score({"items": [short, long]})
            scored = await server.score({"items": [short, long], "truncation": "left"})
            info = await server.client.get("/info")
            return refused, scored, info

    refused, scored, info = run(body())
    error = assert_error(refused, 422, "item_too_long")
    assert error["details"][0]["loc"] == ["items", 1]
    for text in ("item 1", str(len(full)), str(limit)):
        assert text in error["message"], error["message"]
    assert scored.status_code == 200, scored.text
    first, second = scored.json()["results"]
    assert first["truncated"] is False and first["tokens"] == len(ref_ids(ref, short))
    assert_scores(first["scores"], ref_scores(ref, short))
    assert second["truncated"] is True and second["tokens"] == limit
    assert_scores(second["scores"], dict(zip(ATTRIBUTES, ref.logits(cut).tolist(), strict=True)))
    assert info.json()["max_tokens_per_item"] == limit


# --- load, failures, batching, disconnects ---------------------------------------------------


def test_full_queue_is_429_at_once_and_queued_requests_complete(model: RewardModel, ref: Reference) -> None:
    """With the model held and the queue full, the next request gets 429 overloaded with a
    Retry-After at once and is never computed; after release the queued requests get 200 with
    their reference scores.

    "At once": the 429 arrives while the blocking batch is still held at the gate (which only
    the test opens), with no other batch run and the queue as it was, so answering it waited
    for no batch and no queue space: with the gate closed neither comes."""
    held, scorer = gated(model)
    blocker, first, second, refused = (as_prompt("single_turn"), as_messages("very_short"),
                                       as_messages("newlines_in_reply"), as_messages("reply_ends_with_marker"))

    async def body() -> tuple[list[httpx.Response], httpx.Response]:
        async with serve(settings(queue_depth=2, max_items_per_request=2), held) as server:
            scorer.hold()
            head = asyncio.create_task(server.score({"items": [blocker]}))
            await scorer.wait_held()
            held_batches = len(scorer.batches)
            queued = [asyncio.create_task(server.score({"items": [item]})) for item in (first, second)]
            await server.wait_queue_depth(2)
            overflow = await asyncio.wait_for(server.score({"items": [refused]}), WAIT)
            # Answered while the worker is still in the held batch:
            assert not any(task.done() for task in (head, *queued))
            assert len(scorer.batches) == held_batches
            assert await server.queue_depth() == 2
            scorer.release()
            done = await asyncio.wait_for(asyncio.gather(head, *queued), WAIT)
            return done, overflow

    done, overflow = run(body())
    assert_error(overflow, 429, "overloaded")
    assert int(overflow.headers["retry-after"]) >= 1
    for item, response in zip((blocker, first, second), done, strict=True):
        assert response.status_code == 200, response.text
        assert_scores(response.json()["results"][0]["scores"], ref_scores(ref, item))
    assert tuple(ref_ids(ref, refused)) not in scorer.computed()


def test_model_error_fails_only_its_batch(model: RewardModel, ref: Reference) -> None:
    """A model exception answers the requests of that batch with 500 model_error; requests in
    other batches, and later ones, are scored normally."""
    poison = as_messages("special_text_in_reply")
    poison_ids = tuple(ref_ids(ref, poison))
    held, scorer = gated(model, fail_when=lambda batch: poison_ids in batch)
    blocker, other, later = as_prompt("single_turn"), as_messages("very_short"), as_messages("newlines_in_reply")

    async def body() -> tuple[list[httpx.Response], httpx.Response]:
        async with serve(settings(max_batch_size=1), held) as server:
            scorer.hold()
            head = asyncio.create_task(server.score({"items": [blocker]}))
            await scorer.wait_held()
            queued = [asyncio.create_task(server.score({"items": [item]})) for item in (poison, other)]
            await server.wait_queue_depth(2)
            scorer.release()
            responses = await asyncio.wait_for(asyncio.gather(head, *queued), WAIT)
            return responses, await server.score({"items": [later]})

    (head, failed, ok), after = run(body())
    error = assert_error(failed, 500, "model_error")
    assert "model" in error["message"] and "failed" in error["message"]
    for item, response in ((blocker, head), (other, ok), (later, after)):
        assert response.status_code == 200, response.text
        assert_scores(response.json()["results"][0]["scores"], ref_scores(ref, item))


def test_concurrent_requests_share_batches_and_keep_their_scores(model: RewardModel, ref: Reference) -> None:
    """Eight concurrent requests, each a different item, are scored in shared batches, and
    each response holds its own item's reference scores. They are queued behind a batch held at
    the gate, so they are all waiting when the worker next forms a batch, however slowly they
    arrive."""
    held, scorer = gated(model)
    items = [as_messages(name) for name in CONVERSATIONS] + [as_prompt("very_short")]
    assert len(items) == 8

    async def body() -> list[httpx.Response]:
        async with serve(settings(max_wait_ms=100), held) as server:
            scorer.hold()
            head = asyncio.create_task(server.score({"items": [as_prompt("single_turn")]}))
            await scorer.wait_held()
            warm = len(scorer.batches)  # warm-up and the held batch
            tasks = [asyncio.create_task(server.score({"items": [item]})) for item in items]
            await server.wait_queue_depth(len(items))
            scorer.release()
            responses = await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
            assert (await head).status_code == 200
            assert max(len(batch) for batch in scorer.batches[warm:]) > 1, scorer.batches[warm:]
            return responses

    for item, response in zip(items, run(body()), strict=True):
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert_scores(result["scores"], ref_scores(ref, item))
        assert result["tokens"] == len(ref_ids(ref, item))


def test_deadline_in_queue_is_504_and_never_computed(model: RewardModel, ref: Reference) -> None:
    """A request still queued at request_timeout_s gets 504 deadline_exceeded and its item is
    never computed."""
    held, scorer = gated(model)
    blocker, late = as_prompt("single_turn"), as_messages("reply_ends_with_marker")

    async def body() -> tuple[httpx.Response, httpx.Response]:
        async with serve(settings(request_timeout_s=0.2), held) as server:
            scorer.hold()
            head = asyncio.create_task(server.score({"items": [blocker]}))
            await scorer.wait_held()
            timed_out = await asyncio.wait_for(server.score({"items": [late]}), WAIT)
            scorer.release()
            await head
            # One more batch, so a late item that had stayed queued would have been computed by now.
            return timed_out, await server.score({"items": [as_messages("very_short")]})

    timed_out, after = run(body())
    assert_error(timed_out, 504, "deadline_exceeded")
    assert after.status_code == 200
    assert tuple(ref_ids(ref, late)) not in scorer.computed()


async def call_then_disconnect(app: FastAPI, body: bytes, gone: asyncio.Event) -> list[dict[str, Any]]:
    """Call the ASGI app directly: deliver `body`, then report http.disconnect once `gone` is set."""
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/score", "raw_path": b"/score", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent


def test_client_disconnect_drops_queued_items(model: RewardModel, ref: Reference) -> None:
    """A client that disconnects while its item waits in the queue has that item dropped
    without computing it; the server answers the others as usual."""
    held, scorer = gated(model)
    blocker, doomed, later = as_prompt("single_turn"), as_messages("system_multi_turn"), as_messages("very_short")

    async def body() -> tuple[list[dict[str, Any]], httpx.Response, httpx.Response]:
        async with serve(settings(), held) as server:
            scorer.hold()
            head = asyncio.create_task(server.score({"items": [blocker]}))
            await scorer.wait_held()
            gone = asyncio.Event()
            call = asyncio.create_task(
                call_then_disconnect(server.app, json.dumps({"items": [doomed]}).encode(), gone)
            )
            await server.wait_queue_depth(1)
            gone.set()
            sent = await asyncio.wait_for(call, WAIT)
            # The app answers 499 as soon as it sees the disconnect; the cancelled scoring task
            # unwinds, dropping its queued item, a few loop iterations later. Wait for that.
            await server.wait_queue_depth(0)
            scorer.release()
            first = await asyncio.wait_for(head, WAIT)
            return sent, first, await server.score({"items": [later]})

    sent, first, after = run(body())
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
    assert first.status_code == 200 and after.status_code == 200
    assert_scores(after.json()["results"][0]["scores"], ref_scores(ref, later))
    computed = scorer.computed()
    assert tuple(ref_ids(ref, doomed)) not in computed
    assert tuple(ref_ids(ref, later)) in computed  # the recording does see the batches that ran


def test_rejected_requests_leave_the_service_healthy(model: RewardModel, ref: Reference) -> None:
    """After a burst of bad requests on one app, a good request still scores as the reference."""
    item = as_messages("very_short")

    async def body() -> tuple[list[int], httpx.Response]:
        async with serve(settings(max_items_per_request=MAX_ITEMS, max_chars_per_item=MAX_CHARS), model) as server:
            statuses = []
            for case in BAD_INPUTS.values():
                if isinstance(case.body, bytes):
                    response = await server.client.post(
                        "/score", content=case.body, headers={"content-type": "application/json"}
                    )
                else:
                    response = await server.score(case.body)
                statuses.append(response.status_code)
            return statuses, await server.score({"items": [item]})

    statuses, good = run(body())
    assert statuses == [case.status for case in BAD_INPUTS.values()]
    assert good.status_code == 200
    assert_scores(good.json()["results"][0]["scores"], ref_scores(ref, item))
