"""`weights: {}` is refused everywhere, in the same words: it would weigh every attribute 0
and so make every aggregate 0, which no caller means. POST /score and /rank answer 422 naming
`weights` (tests/test_api.py); here the pipelines, in-process (`--weights '{}'`) and through a
server (`--url`), and the Python client, which passes the server's refusal on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from reward_service.cli import main
from reward_service.client import AsyncRewardClient, RetryPolicy, ServerError
from reward_service.config import Settings
from reward_service.model.loading import RewardModel
from reward_service.pipeline import ScoringOptions
from reward_service.pipeline.errors import UsageError
from reward_service.pipeline.remote import remote_backend
from reward_service.server.app import create_app

T = TypeVar("T")
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
URL = "http://reward.test"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


@asynccontextmanager
async def app_transport(model: RewardModel) -> AsyncIterator[httpx.ASGITransport]:
    """The real app, its lifespan running and the model ready, as an httpx transport."""
    app = create_app(Settings(model=None), model)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=URL) as client:
        for _ in range(500):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        yield transport


def server_message(model: RewardModel) -> str:
    async def go() -> str:
        async with app_transport(model) as transport, httpx.AsyncClient(transport=transport, base_url=URL) as client:
            body = {"items": [{"prompt": "Hi", "response": "Hello"}], "weights": {}}
            response = await client.post("/score", json=body)
            assert response.status_code == 422
            return str(response.json()["error"]["message"])

    return run(go())


def test_the_message_says_what_is_wrong_and_what_would_do(model: RewardModel) -> None:
    message = server_message(model)
    assert message.startswith("weights: is empty, which would weigh every attribute 0")
    assert str(ATTRIBUTES) in message and '{"helpfulness": 1.0}' in message
    assert "leave weights out for the model's defaults" in message


def test_the_in_process_pipeline_refuses_it_before_scoring(
    model: RewardModel, model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"prompt": "Hi", "response": "Hello"}) + "\n")
    out = tmp_path / "out.jsonl"
    status = main(["score", str(source), "-o", str(out), "--model", str(model_dir), "--weights", "{}"])
    assert status == 2
    assert capsys.readouterr().err.strip() == f"reward-service score: {server_message(model)}"
    assert not out.exists()


def test_the_remote_pipeline_refuses_it_before_sending_anything(model: RewardModel) -> None:
    async def go() -> str:
        async with (
            app_transport(model) as transport,
            remote_backend(
                URL, api_key=None, concurrency=1, timeout=5.0, retry=RetryPolicy(), transport=transport
            ) as backend,
        ):
            with pytest.raises(UsageError) as refused:
                backend.check(ScoringOptions(weights={}))
            return str(refused.value)

    assert run(go()) == server_message(model)


def test_the_client_passes_the_servers_refusal_on(model: RewardModel) -> None:
    async def go() -> list[ServerError]:
        refusals = []
        async with app_transport(model) as transport, AsyncRewardClient(URL, transport=transport) as client:
            for call in (
                client.score([{"prompt": "Hi", "response": "Hello"}], weights={}),
                client.rank(["a", "b"], prompt="Hi", weights={}),
            ):
                with pytest.raises(ServerError) as refused:
                    await call
                refusals.append(refused.value)
        return refusals

    for error in run(go()):
        assert (error.status, error.code, error.message) == (422, "invalid_request", server_message(model))
        assert [detail.loc for detail in error.details] == [["weights"]]
