"""API keys, CORS and logging of conversation text, through the real app with its lifespan."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from checkpoints import CheckpointFactory
from test_api import run, serve, settings

from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model

ITEM = {"items": [{"prompt": "What is 2 + 2?", "response": "4."}]}


@pytest.fixture(scope="module")
def model(checkpoint: CheckpointFactory) -> RewardModel:
    return load_reward_model(checkpoint("llama"))


def test_without_keys_everything_is_open(model: RewardModel) -> None:
    async def body() -> None:
        async with serve(settings(), model) as server:
            assert (await server.score(ITEM)).status_code == 200

    run(body())


@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic c2VjcmV0LWtleQ==", "Bearer ", "secret-key"])
def test_missing_or_wrong_key_is_401_with_bearer_challenge(model: RewardModel, header: str | None) -> None:
    async def body() -> None:
        async with serve(settings(api_keys=["secret-key", "other-key"]), model) as server:
            headers = {} if header is None else {"Authorization": header}
            for method, path in (("POST", "/score"), ("GET", "/info")):
                response = await server.client.request(method, path, json=ITEM, headers=headers)
                assert response.status_code == 401, (path, response.text)
                assert response.headers["www-authenticate"].startswith("Bearer")
                error = response.json()["error"]
                assert error["code"] == "unauthorized" and "Authorization: Bearer" in error["message"]

    run(body())


def test_each_configured_key_is_accepted_and_probes_stay_open(model: RewardModel) -> None:
    async def body() -> None:
        async with serve(settings(api_keys=["secret-key", "other-key"]), model) as server:
            for key in ("secret-key", "other-key"):
                response = await server.client.post("/score", json=ITEM, headers={"Authorization": f"Bearer {key}"})
                assert response.status_code == 200, response.text
            for path in ("/health", "/ready", "/metrics", "/openapi.json"):
                assert (await server.client.get(path)).status_code == 200, path

    run(body())


def test_metrics_can_be_protected(model: RewardModel) -> None:
    async def body() -> None:
        async with serve(settings(api_keys=["k"], protect_metrics=True), model) as server:
            assert (await server.client.get("/metrics")).status_code == 401
            assert (await server.client.get("/metrics", headers={"Authorization": "Bearer k"})).status_code == 200
            assert (await server.client.get("/health")).status_code == 200

    run(body())


def test_keys_from_a_file_and_from_the_environment(
    model: RewardModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys.txt"
    key_file.write_text("# one key per line\nfile-key\n\n")
    monkeypatch.setenv("REWARD_SERVICE_API_KEYS", "env-key-1,env-key-2")
    config = Settings(model=None, api_key_file=key_file)
    assert config.api_keys == ["env-key-1", "env-key-2"]

    async def body() -> None:
        async with serve(config, model) as server:
            for key in ("file-key", "env-key-1", "env-key-2"):
                headers = {"Authorization": f"Bearer {key}"}
                assert (await server.client.post("/score", json=ITEM, headers=headers)).status_code == 200
            assert (await server.client.post("/score", json=ITEM)).status_code == 401

    run(body())


def test_cors_is_off_by_default_and_follows_the_allow_list(model: RewardModel) -> None:
    origin = {"Origin": "https://tools.example"}

    async def body() -> None:
        async with serve(settings(), model) as server:
            response = await server.client.post("/score", json=ITEM, headers=origin)
            assert "access-control-allow-origin" not in response.headers
        async with serve(settings(cors_origins=["https://tools.example"], api_keys=["k"]), model) as server:
            preflight = await server.client.options(
                "/score",
                headers={
                    **origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization",
                },
            )
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == "https://tools.example"
            allowed = await server.client.post("/score", json=ITEM, headers={**origin, "Authorization": "Bearer k"})
            assert allowed.headers["access-control-allow-origin"] == "https://tools.example"
            other = await server.client.post(
                "/score", json=ITEM, headers={"Origin": "https://evil.example", "Authorization": "Bearer k"}
            )
            assert "access-control-allow-origin" not in other.headers

    run(body())


def test_conversation_text_is_never_logged(model: RewardModel, caplog: pytest.LogCaptureFixture) -> None:
    secret = "zebra-quartz-secret-phrase"
    good = {"items": [{"prompt": f"Tell me {secret}", "response": f"Here: {secret}"}]}
    bad = {"items": [{"prompt": f"Tell me {secret}", "response": "   "}]}

    async def body() -> None:
        async with serve(settings(), model) as server:
            assert (await server.score(good)).status_code == 200
            assert (await server.score(bad)).status_code == 422

    with caplog.at_level(logging.DEBUG):
        run(body())
    assert caplog.records, "expected the server to log something at DEBUG"
    assert all(secret not in record.getMessage() for record in caplog.records)
