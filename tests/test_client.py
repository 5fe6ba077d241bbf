"""reward_service.client: retries, backoff, chunking, concurrency, headers and typed results.

Most tests run the clients against httpx.MockTransport handlers that play a scripted server:
no network, no model, and sleeps recorded instead of taken, so delays are asserted exactly.
The last tests drive the clients through the real app (ASGI transport) on a tiny checkpoint
and compare with transformers' own scores.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from checkpoints import CONVERSATIONS, Reference

from reward_service.client import (
    AsyncRewardClient,
    ItemTooLarge,
    RetriesExhausted,
    RetryPolicy,
    RewardClient,
    ServerError,
)
from reward_service.config import Settings
from reward_service.model.loading import RewardModel
from reward_service.server.app import create_app
from reward_service.server.schemas import RankResponse, ScoreResponse

T = TypeVar("T")
URL = "http://reward.test"
NO_JITTER = RetryPolicy(max_attempts=5, backoff=0.5, max_backoff=30.0, jitter=0.0)
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
PUBLISHED_WEIGHTS = {"helpfulness": 0.3, "correctness": 0.74, "coherence": 0.46, "complexity": 0.47, "verbosity": -0.33}
ATOL = 1e-4


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


def info_body(max_items: int = 1024, max_body_bytes: int = 16 * 1024 * 1024) -> dict[str, Any]:
    limits = {
        "max_items_per_request": max_items,
        "max_tokens_per_item": 512,
        "max_chars_per_item": 200_000,
        "max_batch_tokens": 8192,
        "max_batch_size": 64,
        "queue_depth": 4096,
        "max_queue_tokens": 1_048_576,
        "max_body_bytes": max_body_bytes,
        "request_timeout_s": 300.0,
    }
    return {
        "model": "fake",
        "attributes": ["reward"],
        "weights": {"reward": 1.0},
        "pooling": "last_non_pad",
        "chat_template": True,
        "max_tokens_per_item": 512,
        "dtype": "float32",
        "device": "cpu",
        "limits": limits,
    }


def fake_score(body: dict[str, Any]) -> dict[str, Any]:
    """A made-up model whose reward is the length of the response: easy to check anywhere."""
    results = []
    for index, item in enumerate(body["items"]):
        reward = float(len(item["response"]))
        results.append(
            {
                "index": index,
                "scores": {"reward": reward},
                "aggregate": reward,
                "passed": True,
                "failed": [],
                "tokens": 1,
            }
        )
    return {"model": "fake", "attributes": ["reward"], "weights": {"reward": 1.0}, "results": results}


def error(
    status: int, code: str, headers: dict[str, str] | None = None, details: list[Any] | None = None
) -> httpx.Response:
    body = {"error": {"code": code, "message": f"{code} happened", "details": details or []}}
    return httpx.Response(status, json=body, headers=headers)


class FakeServer:
    """MockTransport handler: answers /info and /score, but first plays `script` (responses or
    exceptions to raise) for the requests to `scripted_path`. Records every request."""

    def __init__(
        self, *, script: list[httpx.Response | Exception] | None = None, scripted_path: str = "/score", **info: Any
    ) -> None:
        self.script = list(script or [])
        self.scripted_path = scripted_path
        self.info = info_body(**info)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == self.scripted_path and self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            return step
        if request.url.path == "/info":
            return httpx.Response(200, json=self.info)
        return httpx.Response(200, json=fake_score(json.loads(request.content)))

    def posted(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]


def items(*responses: str) -> list[dict[str, str]]:
    return [{"prompt": "p", "response": r} for r in responses]


def sync_client(server: Callable[[httpx.Request], httpx.Response], sleeps: list[float], **kwargs: Any) -> RewardClient:
    kwargs.setdefault("retry", NO_JITTER)
    return RewardClient(URL, transport=httpx.MockTransport(server), sleep=sleeps.append, **kwargs)


def async_client(server: Any, sleeps: list[float], **kwargs: Any) -> AsyncRewardClient:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    kwargs.setdefault("retry", NO_JITTER)
    return AsyncRewardClient(URL, transport=httpx.MockTransport(server), sleep=record, **kwargs)


# --- retries -------------------------------------------------------------------------------


def test_retries_on_429_after_retry_after() -> None:
    """429 with Retry-After: 1, then 200: one retry, after exactly the second the server asked for."""
    server = FakeServer(script=[error(429, "overloaded", {"Retry-After": "1"})])
    sleeps: list[float] = []
    with sync_client(server, sleeps) as client:
        response = client.score(items("abc"))
    assert sleeps == [1.0]
    assert [r.url.path for r in server.requests] == ["/info", "/score", "/score"]
    assert response.results[0].aggregate == 3.0


def test_async_retries_on_429_after_retry_after() -> None:
    server = FakeServer(script=[error(429, "overloaded", {"Retry-After": "1"})])
    sleeps: list[float] = []

    async def body() -> ScoreResponse:
        async with async_client(server, sleeps) as client:
            return await client.score(items("abcd"))

    response = run(body())
    assert sleeps == [1.0]
    assert response.results[0].aggregate == 4.0


def test_backoff_doubles_on_503_and_connection_errors() -> None:
    """Without Retry-After the waits are 0.5, 1, 2 s: 503s and a refused connection are retried alike."""
    server = FakeServer(
        script=[error(503, "not_ready"), error(503, "not_ready"), httpx.ConnectError("connection refused")]
    )
    sleeps: list[float] = []
    with sync_client(server, sleeps) as client:
        response = client.score(items("ab"))
    assert sleeps == [0.5, 1.0, 2.0]
    assert response.results[0].aggregate == 2.0


def test_waits_are_capped_and_http_dates_understood() -> None:
    """A Retry-After far away (seconds or an HTTP date) waits at most max_backoff."""
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server = FakeServer(
        script=[error(429, "overloaded", {"Retry-After": "120"}), error(429, "x", {"Retry-After": later})]
    )
    sleeps: list[float] = []
    with sync_client(server, sleeps, retry=RetryPolicy(max_backoff=7.0, jitter=0.0)) as client:
        client.score(items("a"))
    assert sleeps == [7.0, 7.0]


def test_jitter_stretches_waits_within_its_fraction() -> None:
    policy = RetryPolicy(backoff=1.0, jitter=0.25)
    assert policy.delay(1, None, rand=lambda: 0.0) == 1.0
    assert policy.delay(3, None, rand=lambda: 1.0) == 4.0 * 1.25
    assert policy.delay(1, 2.0, rand=lambda: 0.5) == 2.0 * 1.125


def test_gives_up_after_max_attempts_with_a_clear_error() -> None:
    server = FakeServer(script=[error(429, "overloaded", {"Retry-After": "2"})] * 10)
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=3, jitter=0.0)
    with sync_client(server, sleeps, retry=policy) as client, pytest.raises(RetriesExhausted) as caught:
        client.score(items("a"))
    assert caught.value.attempts == 3
    assert isinstance(caught.value.last, ServerError) and caught.value.last.status == 429
    assert "gave up after 3 attempts" in str(caught.value) and "429" in str(caught.value)
    assert sleeps == [2.0, 2.0]  # no wait after the last attempt
    assert sum(r.url.path == "/score" for r in server.requests) == 3


def test_async_gives_up_on_connection_errors() -> None:
    server = FakeServer(script=[httpx.ConnectError("refused")] * 5, scripted_path="/info")
    sleeps: list[float] = []

    async def body() -> None:
        async with async_client(server, sleeps, retry=RetryPolicy(max_attempts=2, jitter=0.0)) as client:
            await client.info()

    with pytest.raises(RetriesExhausted) as caught:
        run(body())
    assert isinstance(caught.value.last, httpx.ConnectError)
    assert sleeps == [0.5]


def test_client_errors_are_not_retried() -> None:
    """A 422 is the caller's to fix: raised at once with the server's code and details."""
    details = [{"loc": ["items", 0, "response"], "message": "must be a non-empty string"}]
    server = FakeServer(script=[error(422, "invalid_request", details=details)])
    sleeps: list[float] = []
    with sync_client(server, sleeps) as client, pytest.raises(ServerError) as caught:
        client.score(items("a"))
    assert (caught.value.status, caught.value.code) == (422, "invalid_request")
    assert caught.value.details[0].loc == ["items", 0, "response"]
    assert sleeps == []


# --- chunking and order --------------------------------------------------------------------


def test_chunks_by_the_server_limit_read_once() -> None:
    """8 items with a limit of 3 per request: requests of 3, 3, 2 items; results in input order with
    indices from 0; /info is read once for several calls."""
    server = FakeServer(max_items=3)
    responses = ["a" * n for n in range(1, 9)]
    with sync_client(server, []) as client:
        first = client.score(items(*responses))
        second = client.score(items("xy"))
    assert [len(body["items"]) for body in server.posted()] == [3, 3, 2, 1]
    assert [r.index for r in first.results] == list(range(8))
    assert [r.aggregate for r in first.results] == [float(n) for n in range(1, 9)]
    assert second.results[0].aggregate == 2.0
    assert sum(r.url.path == "/info" for r in server.requests) == 1


def test_a_lower_client_limit_wins() -> None:
    server = FakeServer(max_items=100)
    with sync_client(server, [], max_items_per_request=4) as client:
        client.score(items(*"abcdefghij"))
    assert [len(body["items"]) for body in server.posted()] == [4, 4, 2]


def test_chunks_by_body_size() -> None:
    """Bodies stay under the server's byte limit; an item too large for any body is named."""
    server = FakeServer(max_body_bytes=16 * 1024)
    big = "x" * 5000
    with sync_client(server, []) as client:
        client.score(items(big, big, big, big))
        sizes = [len(r.content) for r in server.requests if r.method == "POST"]
        assert len(sizes) >= 2 and max(sizes) <= 16 * 1024
        with pytest.raises(ItemTooLarge) as caught:
            client.score(items("a", "y" * 20_000))
    assert caught.value.index == 1


def test_error_details_count_from_the_start_of_the_input() -> None:
    details = [{"loc": ["items", 1, "response"], "message": "bad"}]
    server = FakeServer(
        max_items=3,
        script=[
            httpx.Response(200, json=fake_score({"items": items("a", "b", "c")})),
            error(422, "invalid_request", details=details),
        ],
    )
    with sync_client(server, []) as client, pytest.raises(ServerError) as caught:
        client.score(items(*"abcdefg"))
    assert caught.value.details[0].loc == ["items", 4, "response"]


def test_async_requests_run_concurrently_within_the_bound_and_keep_order() -> None:
    """9 items, 2 per request, concurrency 2: exactly two requests overlap at most, the first ones
    finish last, and the results still come back in input order."""
    in_flight = 0
    most = 0
    info = info_body(max_items=2)

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        if request.url.path == "/info":
            return httpx.Response(200, json=info)
        body = json.loads(request.content)
        in_flight += 1
        most = max(most, in_flight)
        for _ in range(10 - len(body["items"][0]["response"])):  # earlier chunks yield more often
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, json=fake_score(body))

    async def body() -> ScoreResponse:
        async with async_client(handler, [], concurrency=2) as client:
            return await client.score(items(*("a" * n for n in range(1, 10))))

    response = run(body())
    assert most == 2
    assert [r.aggregate for r in response.results] == [float(n) for n in range(1, 10)]
    assert [r.index for r in response.results] == list(range(9))


def test_async_failure_cancels_the_other_requests() -> None:
    started: list[int] = []
    info = info_body(max_items=1)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/info":
            return httpx.Response(200, json=info)
        length = len(json.loads(request.content)["items"][0]["response"])
        started.append(length)
        if length == 1:
            return error(500, "model_error")
        await asyncio.sleep(30)  # would time the test out if not cancelled
        return httpx.Response(500)

    async def body() -> None:
        async with async_client(handler, [], concurrency=3) as client:
            await client.score(items("a", "bb", "ccc"))

    with pytest.raises(ServerError) as caught:
        run(body())
    assert caught.value.code == "model_error"


def test_bearer_token_only_when_given() -> None:
    with_key, without = FakeServer(), FakeServer()
    with sync_client(with_key, [], api_key="secret") as client:
        client.score(items("a"))
    with sync_client(without, []) as client:
        client.info()
    assert {r.headers.get("authorization") for r in with_key.requests} == {"Bearer secret"}
    assert all("authorization" not in r.headers for r in without.requests)


def test_non_json_error_pages_are_reported() -> None:
    server = FakeServer(script=[httpx.Response(502, text="<html>Bad Gateway</html>")])
    with sync_client(server, []) as client, pytest.raises(ServerError) as caught:
        client.score(items("a"))
    assert caught.value.status == 502 and caught.value.code == "http_error" and "Bad Gateway" in caught.value.message


# --- against the real app ------------------------------------------------------------------


@asynccontextmanager
async def real_client(model: RewardModel, **settings: Any) -> AsyncIterator[AsyncRewardClient]:
    app = create_app(Settings(model=None, **settings), model)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), AsyncRewardClient(URL, transport=transport, retry=NO_JITTER) as client:
        yield client


def reference_aggregate(ref: Reference, conversation: list[dict[str, str]]) -> float:
    logits = ref.logits(ref.ids(conversation)).tolist()
    return sum(PUBLISHED_WEIGHTS[name] * value for name, value in zip(ATTRIBUTES, logits, strict=True))


def test_client_against_the_app_matches_transformers(
    model: RewardModel, model_dir: Path, reference: Callable[[Path], Reference]
) -> None:
    """score() across several requests (limit 3 for 4 items) and rank() give typed results equal to transformers'."""
    ref = reference(model_dir)
    conversations = [CONVERSATIONS[name] for name in ("single_turn", "very_short", "newlines_in_reply", "long")]
    question = [{"role": "user", "content": "What is 2 + 2?"}]
    answers = ["4", "2 + 2 = 4.", "It is 4, of course!"]

    async def body() -> tuple[ScoreResponse, RankResponse]:
        # Until the warm-up is done /info answers 503, which the client retries.
        async with real_client(model, max_items_per_request=3, queue_depth=8) as client:
            scored = await client.score([{"messages": c} for c in conversations])
            ranked = await client.rank(answers, prompt="What is 2 + 2?")
            return scored, ranked

    scored, ranked = run(body())
    assert isinstance(scored, ScoreResponse) and isinstance(ranked, RankResponse)
    for conversation, result in zip(conversations, scored.results, strict=True):
        assert result.aggregate == pytest.approx(reference_aggregate(ref, conversation), abs=ATOL)
    expected = [reference_aggregate(ref, [*question, {"role": "assistant", "content": a}]) for a in answers]
    order = sorted(range(3), key=lambda i: -expected[i])
    assert [r.index for r in ranked.results] == order
    assert (ranked.chosen, ranked.rejected) == (order[0], order[-1])
