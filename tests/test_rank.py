"""POST /rank end to end: the real app and engine on a tiny checkpoint.

Expected orders come from transformers' own scores (the conftest `reference`) and the published
weights written out here; /rank is also checked against /score on the same conversations.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from checkpoints import CheckpointFactory, Reference

from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.server.app import create_app
from reward_service.service import rank_order

T = TypeVar("T")
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
PUBLISHED_WEIGHTS = {"helpfulness": 0.3, "correctness": 0.74, "coherence": 0.46, "complexity": 0.47, "verbosity": -0.33}
ATOL = 1e-4

QUESTION = "What is 2 + 2?"
ANSWERS = ["4", "2 + 2 = 4.", "It is 4, of course!", "The answer is 42, according to the book.", "5"]
SYSTEM_CONTEXT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "How many days are in a leap year?"},
    {"role": "assistant", "content": "There are 366 days."},
    {"role": "user", "content": "And in a normal year?"},
]
SYSTEM_ANSWERS = ["365 days, of course!", "365.", "Water boils at 100 degrees Celsius at sea level."]


@pytest.fixture(scope="module")
def model_dir(checkpoint: CheckpointFactory) -> Path:
    return checkpoint("qwen2")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


@asynccontextmanager
async def serve(model: RewardModel, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(model=None, **settings), model)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(500):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        yield client


def post(model: RewardModel, path: str, body: dict[str, Any], **settings: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with serve(model, **settings) as client:
            return await client.post(path, json=body)

    return run(go())


def reference_scores(ref: Reference, conversation: list[dict[str, str]]) -> dict[str, float]:
    return dict(zip(ATTRIBUTES, ref.logits(ref.ids(conversation)).tolist(), strict=True))


def weighted(scores: dict[str, float], weights: dict[str, float]) -> float:
    return sum(weights.get(name, 0.0) * scores[name] for name in ATTRIBUTES)


def expected_order(aggregates: list[float]) -> list[int]:
    """Best first; the test's own sort, checked to have no near-ties that float noise could flip."""
    order = sorted(range(len(aggregates)), key=lambda i: -aggregates[i])
    gaps = [aggregates[a] - aggregates[b] for a, b in itertools.pairwise(order)]
    assert min(gaps) > 10 * ATOL, f"the fixtures' aggregates are too close to rank reliably: {aggregates}"
    return order


@pytest.mark.parametrize(
    ("context", "answers"),
    [({"prompt": QUESTION}, ANSWERS), ({"messages": SYSTEM_CONTEXT}, SYSTEM_ANSWERS)],
    ids=["prompt", "messages"],
)
def test_rank_sorts_by_aggregate_with_input_indices(
    model: RewardModel, ref: Reference, context: dict[str, Any], answers: list[str]
) -> None:
    """Results best first, each with its input index and transformers' scores; chosen and rejected
    are the first and last; tokens match the reference ids."""
    turns = context.get("messages") or [{"role": "user", "content": context["prompt"]}]
    conversations = [[*turns, {"role": "assistant", "content": a}] for a in answers]
    scores = [reference_scores(ref, c) for c in conversations]
    aggregates = [weighted(s, PUBLISHED_WEIGHTS) for s in scores]
    order = expected_order(aggregates)

    response = post(model, "/rank", {**context, "responses": answers})
    assert response.status_code == 200, response.text
    data = response.json()
    assert [r["index"] for r in data["results"]] == order
    assert (data["chosen"], data["rejected"]) == (order[0], order[-1])
    assert data["attributes"] == ATTRIBUTES
    for result in data["results"]:
        index = result["index"]
        assert result["scores"] == pytest.approx(scores[index], abs=ATOL)
        assert result["aggregate"] == pytest.approx(aggregates[index], abs=5 * ATOL)
        assert result["tokens"] == len(ref.ids(conversations[index]))
        assert result["passed"] is True and result["failed"] == [] and result["truncated"] is False


def test_rank_equals_score_of_the_same_conversations(model: RewardModel) -> None:
    """Same weights and thresholds through /rank and /score: identical numbers and verdicts."""
    options = {"weights": {"correctness": 1.0, "verbosity": -0.5}, "thresholds": {"aggregate": {"min": 0.0}}}
    conversations = [
        [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": answer}] for answer in ANSWERS
    ]

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with serve(model, max_batch_size=1) as client:
            ranked = await client.post("/rank", json={"prompt": QUESTION, "responses": ANSWERS, **options})
            scored = await client.post("/score", json={"items": [{"messages": c} for c in conversations], **options})
            return ranked, scored

    ranked, scored = run(go())
    assert ranked.status_code == 200 and scored.status_code == 200, (ranked.text, scored.text)
    by_index = {r["index"]: r for r in scored.json()["results"]}
    assert ranked.json()["weights"] == scored.json()["weights"]
    for result in ranked.json()["results"]:
        assert result == by_index[result["index"]]  # one item per batch: bit for bit
    assert [r["index"] for r in ranked.json()["results"]] == rank_order(
        [by_index[i]["aggregate"] for i in range(len(ANSWERS))]
    )


def test_ties_keep_request_order(model: RewardModel) -> None:
    """Identical responses score identically: they stay in request order; chosen is the first, rejected the last."""
    response = post(model, "/rank", {"prompt": QUESTION, "responses": ["4", "4", "4"]}, max_batch_size=1)
    assert response.status_code == 200, response.text
    data = response.json()
    assert [r["index"] for r in data["results"]] == [0, 1, 2]
    assert (data["chosen"], data["rejected"]) == (0, 2)


def test_thresholds_and_truncation_apply_as_in_score(model: RewardModel, ref: Reference) -> None:
    conversations = [[{"role": "user", "content": QUESTION}, {"role": "assistant", "content": a}] for a in ANSWERS]
    aggregates = [weighted(reference_scores(ref, c), PUBLISHED_WEIGHTS) for c in conversations]
    cut = sorted(aggregates)[2] - 10 * ATOL  # the three best pass
    response = post(
        model, "/rank", {"prompt": QUESTION, "responses": ANSWERS, "thresholds": {"aggregate": {"min": cut}}}
    )
    assert response.status_code == 200, response.text
    verdicts = [(r["passed"], r["failed"]) for r in response.json()["results"]]
    assert verdicts == [(True, [])] * 3 + [(False, ["aggregate"])] * 2


def assert_error(response: httpx.Response, status: int, code: str, loc: list[Any]) -> None:
    """The stable error body, with the offending field (and index) in its details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details", "request_id"}
    assert body["error"]["code"] == code
    assert loc in [d["loc"] for d in body["error"]["details"]], body


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"prompt": QUESTION, "responses": ["4", "5", "  "]}, ["responses", 2]),
        ({"prompt": QUESTION, "responses": ["4"]}, ["responses"]),
        ({"prompt": QUESTION, "responses": ["4", 5]}, ["responses", 1]),
        ({"messages": [*SYSTEM_CONTEXT, {"role": "assistant", "content": "x"}], "responses": ["4", "5"]}, ["messages"]),
        ({"messages": [], "responses": ["4", "5"]}, ["messages"]),
        ({"prompt": QUESTION, "messages": SYSTEM_CONTEXT, "responses": ["4", "5"]}, []),
        ({"responses": ["4", "5"]}, []),
        ({"prompt": QUESTION, "responses": ["4", "5"], "weights": {"kindness": 1.0}}, ["weights"]),
        (
            {"prompt": QUESTION, "responses": ["4", "5"], "thresholds": {"kindness": {"min": 1}}},
            ["thresholds", "kindness"],
        ),
        ({"prompt": QUESTION, "responses": ["4", "5"], "extra": 1}, ["extra"]),
    ],
    ids=[
        "blank-response",
        "one-response",
        "not-a-string",
        "ends-with-assistant",
        "empty-messages",
        "prompt-and-messages",
        "no-context",
        "unknown-weight",
        "unknown-threshold",
        "unknown-field",
    ],
)
def test_invalid_requests_name_the_field(model: RewardModel, body: dict[str, Any], loc: list[Any]) -> None:
    assert_error(post(model, "/rank", body), 422, "invalid_request", loc)


def test_too_many_responses_is_413(model: RewardModel) -> None:
    response = post(model, "/rank", {"prompt": QUESTION, "responses": ["a", "b", "c", "d"]}, max_items_per_request=3)
    assert_error(response, 413, "request_too_large", ["responses"])


def test_a_response_over_the_token_limit_is_named(model: RewardModel, ref: Reference) -> None:
    """A response too long for the model is rejected with its index; with truncation=left it is scored."""
    long_answer = " ".join(["The sea is wide; the waves are grey."] * 80)
    assert len(ref.ids([{"role": "user", "content": QUESTION}, {"role": "assistant", "content": long_answer}])) > 512
    body = {"prompt": QUESTION, "responses": ["4", long_answer, "5"]}
    assert_error(post(model, "/rank", body), 422, "item_too_long", ["responses", 1])
    truncated = post(model, "/rank", {**body, "truncation": "left"})
    assert truncated.status_code == 200, truncated.text
    flags = {r["index"]: r["truncated"] for r in truncated.json()["results"]}
    assert flags == {0: False, 1: True, 2: False}


def test_openapi_documents_rank(model: RewardModel) -> None:
    async def go() -> dict[str, Any]:
        async with serve(model) as client:
            return (await client.get("/openapi.json")).json()

    spec = run(go())
    operation = spec["paths"]["/rank"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RankRequest")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/RankResponse")
    for status in ("413", "422", "429", "500", "503", "504"):
        assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorResponse"
        )


LONG_PROMPT = (
    "Here is a long question about the weather in the mountains, the rivers that run through "
    "the valleys and the birds that sing there in the morning. Which of them is the loudest?"
)
SHORT_ANSWERS = ["The birds.", "The river, by far.", "Neither: the wind.", "I cannot say.", "Birds sing loudest."]


def reused_prefix_tokens(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith("reward_tokens_reused_total "):
            return float(line.split()[1])
    raise AssertionError("the reused-tokens counter is missing from /metrics")


@pytest.mark.parametrize(
    ("arch", "pad"),
    [("qwen2", "pad"), ("gemma2", "eos"), ("mistral", "final"), ("phi3", "none"), ("nemotron", "pad")],
)
def test_rank_computes_the_prompt_once_with_transformers_scores(
    checkpoint: CheckpointFactory, reference: Callable[[Path], Reference], arch: str, pad: str
) -> None:
    """Responses to one long prompt go through the shared-prefix path (the server counts the
    prompt tokens it did not recompute) and every score still equals transformers scoring that
    conversation alone, on architectures with full, sliding-window and other attention."""
    directory = checkpoint(arch, pad=pad)
    ref = reference(directory)
    conversations = [
        [{"role": "user", "content": LONG_PROMPT}, {"role": "assistant", "content": answer}] for answer in SHORT_ANSWERS
    ]
    prompt_tokens = len(ref.ids(conversations[0][:1]))
    assert prompt_tokens >= 32, "the prompt must be long enough to be worth sharing"

    async def go() -> tuple[httpx.Response, str]:
        async with serve(load_reward_model(directory), max_wait_ms=50) as client:
            ranked = await client.post("/rank", json={"prompt": LONG_PROMPT, "responses": SHORT_ANSWERS})
            return ranked, (await client.get("/metrics")).text

    ranked, metrics = run(go())
    assert ranked.status_code == 200, ranked.text
    assert reused_prefix_tokens(metrics) >= (len(SHORT_ANSWERS) - 1) * 32
    for result in ranked.json()["results"]:
        expected = reference_scores(ref, conversations[result["index"]])
        assert result["scores"] == pytest.approx(expected, abs=ATOL)


def test_prefix_sharing_can_be_turned_off(model: RewardModel) -> None:
    """shared_prefix_min_tokens=0: the same request computes every row in full."""

    async def go() -> str:
        async with serve(model, shared_prefix_min_tokens=0, max_wait_ms=50) as client:
            response = await client.post("/rank", json={"prompt": LONG_PROMPT, "responses": SHORT_ANSWERS})
            assert response.status_code == 200, response.text
            return (await client.get("/metrics")).text

    assert reused_prefix_tokens(run(go())) == 0
