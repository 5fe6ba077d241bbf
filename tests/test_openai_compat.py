"""The OpenAI-compatible routes (NVIDIA's hosted reward API) through the official `openai` client.

The real app runs under uvicorn on a loopback port in a thread (`uvicorn_server`, shared with
the pipeline tests), with the tiny llama checkpoint; the clients are `openai.OpenAI` and
`openai.AsyncOpenAI` pointed at its `/v1`, as code written for Nemotron-4-340B-Reward would
be. Scores read from an answer (its content string and its logprobs) must equal what POST
/score gives for the same conversation, and /score itself must equal transformers' logits
for it (the conftest `reference`), so the chain ends at the reference implementation.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from checkpoints import CONVERSATIONS, Conversation, Reference
from test_pipeline import uvicorn_server

from reward_service.cli import add_settings_flags, settings_from_args
from reward_service.config import Settings
from reward_service.model.loading import RewardModel

ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
ALIAS = "nvidia/nemotron-4-340b-reward"
ATOL_SAME_PATH = 1e-6  # this route against /score: the same computation
ATOL_REFERENCE = 1e-4  # /score against transformers, as in test_parity
KEY = "secret-key"
LIMITS: dict[str, Any] = {"max_body_bytes": 65_536}
CONVERSATION_NAMES = ["single_turn", "system_multi_turn"]


@pytest.fixture(scope="module")
def url(model: RewardModel) -> Iterator[str]:
    """One open server (no API keys) for the module, answering to the model's name and ALIAS."""
    with uvicorn_server(model, [], served_model_names=[ALIAS], **LIMITS) as base:
        yield base


@pytest.fixture(scope="module")
def keyed_url(model: RewardModel) -> Iterator[str]:
    with uvicorn_server(model, [], api_keys=[KEY]) as base:
        yield base


def client(base: str, api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=api_key, max_retries=0, timeout=30)


def score(base: str, conversations: list[Conversation], **headers: str) -> dict[str, Any]:
    """POST /score for the conversations, as a plain HTTP client."""
    body = {"items": [{"messages": conversation} for conversation in conversations]}
    response = httpx.post(f"{base}/score", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def from_content(content: str) -> dict[str, float]:
    """NVIDIA's content string, parsed as its clients do: split on "," then ":"."""
    pairs = [part.split(":") for part in content.split(",")]
    return {name: float(value) for name, value in pairs}


def from_logprobs(completion: Any) -> dict[str, float]:
    return {entry.token: entry.logprob for entry in completion.choices[0].logprobs.content}


def assert_close(actual: dict[str, float], expected: dict[str, float], atol: float) -> None:
    assert list(actual) == list(expected)
    for name in expected:
        assert math.isclose(actual[name], expected[name], rel_tol=0, abs_tol=atol), (name, actual, expected)


# --- scores ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONVERSATION_NAMES)
def test_sync_client_scores_equal_score_and_transformers(
    url: str, model: RewardModel, ref: Reference, name: str
) -> None:
    """Content string and logprobs hold /score's scores in attribute order; /score equals
    transformers; usage counts the conversation's tokens as /score does; the rest of the
    answer is shaped as NVIDIA's."""
    conversation = CONVERSATIONS[name]
    completion = client(url).chat.completions.create(model=model.spec.name, messages=conversation)  # type: ignore[arg-type]
    scored = score(url, [conversation])
    result = scored["results"][0]
    expected = dict(zip(ATTRIBUTES, ref.logits(ref.ids(conversation)).tolist(), strict=True))
    assert scored["attributes"] == ATTRIBUTES
    assert_close(result["scores"], expected, ATOL_REFERENCE)
    assert_close(from_content(completion.choices[0].message.content or ""), result["scores"], ATOL_SAME_PATH)
    assert_close(from_logprobs(completion), result["scores"], ATOL_SAME_PATH)
    # Both forms come from one score: equal to the last bit.
    assert from_content(completion.choices[0].message.content or "") == from_logprobs(completion)

    assert completion.object == "chat.completion" and completion.id.startswith("chatcmpl-")
    assert completion.model == model.spec.name and completion.created > 0
    (choice,) = completion.choices
    assert (choice.index, choice.finish_reason, choice.message.role) == (0, "length", "assistant")
    assert choice.logprobs is not None and choice.logprobs.content is not None
    assert all(entry.bytes is None and entry.top_logprobs == [] for entry in choice.logprobs.content)
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == result["tokens"] == len(ref.ids(conversation))
    assert (completion.usage.completion_tokens, completion.usage.total_tokens) == (1, result["tokens"] + 1)


def test_the_raw_answer_has_every_field_nvidia_sends(url: str, model: RewardModel) -> None:
    """Null `bytes` and empty `top_logprobs` are in the JSON itself, not defaults of the client's
    models; the content string writes each value at full precision (its repr)."""
    conversation = CONVERSATIONS["single_turn"]
    response = httpx.post(f"{url}/v1/chat/completions", json={"model": ALIAS, "messages": conversation}, timeout=30)
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == {"id", "object", "created", "model", "choices", "usage"}
    assert data["model"] == ALIAS
    (choice,) = data["choices"]
    entries = choice["logprobs"]["content"]
    assert [entry["token"] for entry in entries] == ATTRIBUTES
    assert all(entry["bytes"] is None and entry["top_logprobs"] == [] for entry in entries)
    assert choice["message"]["content"] == ",".join(f"{e['token']}:{e['logprob']!r}" for e in entries)
    assert data["usage"]["completion_tokens"] == 1


def test_async_client_concurrent_requests_equal_score(url: str, model: RewardModel) -> None:
    """AsyncOpenAI, several requests at once under the alias: each answer is its own
    conversation's /score result (batching together changes nothing beyond float noise)."""
    conversations = [CONVERSATIONS[name] for name in CONVERSATION_NAMES] + [
        [{"role": "user", "content": f"Count to {n}."}, {"role": "assistant", "content": " ".join(map(str, range(n)))}]
        for n in range(1, 7)
    ]

    async def ask() -> list[Any]:
        async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=30) as aclient:
            return await asyncio.gather(
                *(aclient.chat.completions.create(model=ALIAS, messages=c) for c in conversations)  # type: ignore[arg-type]
            )

    completions = asyncio.run(ask())
    results = score(url, conversations)["results"]
    for completion, result in zip(completions, results, strict=True):
        assert completion.model == ALIAS
        assert_close(from_logprobs(completion), result["scores"], ATOL_SAME_PATH)
        assert_close(from_content(completion.choices[0].message.content), result["scores"], ATOL_SAME_PATH)
        assert completion.usage.prompt_tokens == result["tokens"]


def test_fields_a_chat_client_sends_are_accepted_and_ignored(url: str, model: RewardModel) -> None:
    """Sampling options, logprobs=True, n=1, extra message fields and fields the server never
    heard of change nothing."""
    conversation = CONVERSATIONS["single_turn"]
    plain = client(url).chat.completions.create(model=ALIAS, messages=conversation)  # type: ignore[arg-type]
    messages = [{**conversation[0], "name": "alice"}, {**conversation[1], "refusal": None, "tool_calls": None}]
    busy = client(url).chat.completions.create(
        model=ALIAS,
        messages=messages,  # type: ignore[arg-type]
        temperature=0.2,
        top_p=0.9,
        max_tokens=1,
        max_completion_tokens=1,
        n=1,
        stop=["\n"],
        seed=7,
        logprobs=True,
        top_logprobs=3,
        user="someone",
        presence_penalty=0.5,
        frequency_penalty=0.5,
        response_format={"type": "text"},
        stream=False,
        extra_body={"a_field_from_the_future": {"x": 1}, "nvext": {"guided_json": None}},
    )
    assert_close(from_logprobs(busy), from_logprobs(plain), ATOL_SAME_PATH)
    assert busy.usage is not None and plain.usage is not None
    assert busy.usage.prompt_tokens == plain.usage.prompt_tokens


# --- models --------------------------------------------------------------------------------------


def test_models_list_names_the_model_and_its_alias(url: str, model: RewardModel) -> None:
    models = list(client(url).models.list())
    assert [m.id for m in models] == [model.spec.name, ALIAS]
    assert all(m.object == "model" and m.owned_by == "reward_service" and m.created > 0 for m in models)


def test_an_unknown_model_is_not_found(url: str, model: RewardModel) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        client(url).chat.completions.create(model="gpt-4o", messages=CONVERSATIONS["single_turn"])  # type: ignore[arg-type]
    error = raised.value
    assert error.status_code == 404 and error.code == "model_not_found" and error.param == "model"
    assert "'gpt-4o'" in error.message and model.spec.name in error.message and ALIAS in error.message


# --- refusals --------------------------------------------------------------------------------------


def test_streaming_is_refused_with_a_readable_400(url: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client(url).chat.completions.create(model=ALIAS, messages=CONVERSATIONS["single_turn"], stream=True)  # type: ignore[arg-type]
    error = raised.value
    assert "streaming is not supported" in error.message and "drop stream" in error.message
    assert (error.param, error.type) == ("stream", "invalid_request_error")


def test_more_than_one_choice_is_refused(url: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client(url).chat.completions.create(model=ALIAS, messages=CONVERSATIONS["single_turn"], n=2)  # type: ignore[arg-type]
    assert raised.value.param == "n" and "n must be 1" in raised.value.message


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


# name: (messages, the index of the message at fault)
BAD: dict[str, tuple[Conversation, int]] = {
    "ends with a user turn": ([turn("user", "Hi"), turn("assistant", "Hello!"), turn("user", "And?")], 2),
    "two user turns": ([turn("user", "Hi"), turn("user", "Anyone?"), turn("assistant", "Hello!")], 1),
    "empty assistant turn": ([turn("user", "Hi"), turn("assistant", "  ")], 1),
    "system turn later": ([turn("user", "Hi"), turn("system", "Be brief."), turn("assistant", "Ok.")], 1),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_conversation_is_refused_naming_the_message_as_score_words_it(url: str, name: str) -> None:
    """The rule and the message are /score's, with the turn named `messages[i]`."""
    messages, index = BAD[name]
    with pytest.raises(openai.BadRequestError) as raised:
        client(url).chat.completions.create(model=ALIAS, messages=messages)  # type: ignore[arg-type]
    error = raised.value
    assert f"messages[{index}]" in error.message, error.message
    assert (error.status_code, error.code, error.param) == (400, "invalid_request", "messages")
    response = httpx.post(f"{url}/score", json={"items": [{"messages": messages}]}, timeout=30)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert f"turn {index}" in detail["message"]
    assert detail["message"].replace(f"turn {index}", f"messages[{index}]") in error.message


def test_a_wrong_type_names_the_field(url: str) -> None:
    """Body validation (here a role OpenAI has and the rule has not) is 400 with OpenAI's body."""
    messages = [turn("user", "Hi"), turn("tool", "42"), turn("assistant", "Hello!")]
    with pytest.raises(openai.BadRequestError) as raised:
        client(url).chat.completions.create(model=ALIAS, messages=messages)  # type: ignore[arg-type]
    assert raised.value.param == "messages[1].role" and "messages[1].role" in raised.value.message


@pytest.mark.parametrize(
    "body",
    [b"{oops", b'{"model": "x"}', b'{"model": "x", "messages": "Hi"}', b"[]"],
    ids=["not JSON", "no messages", "messages not a list", "not an object"],
)
def test_invalid_bodies_get_openai_error_bodies_and_score_keeps_its_own(url: str, body: bytes) -> None:
    headers = {"content-type": "application/json"}
    response = httpx.post(f"{url}/v1/chat/completions", content=body, headers=headers, timeout=30)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    other = httpx.post(f"{url}/score", content=body, headers=headers, timeout=30)
    assert other.status_code == 422 and set(other.json()["error"]) == {"code", "message", "details", "request_id"}


def test_a_conversation_over_the_token_limit_is_refused(url: str, model: RewardModel) -> None:
    """/score's limit (the loaded model's) and error, phrased for this route (which offers no truncation)."""
    long = [turn("user", "Tell me a story."), turn("assistant", " ".join(["word"] * 2000))]
    with pytest.raises(openai.BadRequestError) as raised:
        client(url).chat.completions.create(model=ALIAS, messages=long)  # type: ignore[arg-type]
    error = raised.value
    assert error.code == "item_too_long" and error.param == "messages"
    assert "messages: the conversation is" in error.message
    assert f"over the limit of {model.spec.max_tokens};" in error.message


def test_a_body_over_the_limit_gets_an_openai_413(url: str) -> None:
    big = {"model": ALIAS, "messages": [turn("user", "x" * LIMITS["max_body_bytes"]), turn("assistant", "y")]}
    with pytest.raises(openai.APIStatusError) as raised:
        client(url).chat.completions.create(**big)
    assert raised.value.status_code == 413 and raised.value.code == "body_too_large"


# --- API keys --------------------------------------------------------------------------------------


def test_api_keys_are_checked_and_refusals_are_openai_401s(keyed_url: str, model: RewardModel) -> None:
    conversation = CONVERSATIONS["single_turn"]
    completion = client(keyed_url, KEY).chat.completions.create(model=model.spec.name, messages=conversation)  # type: ignore[arg-type]
    assert_close(
        from_logprobs(completion),
        score(keyed_url, [conversation], authorization=f"Bearer {KEY}")["results"][0]["scores"],
        ATOL_SAME_PATH,
    )
    assert [m.id for m in client(keyed_url, KEY).models.list()] == [model.spec.name]
    for call in (
        lambda c: c.chat.completions.create(model=model.spec.name, messages=conversation),
        lambda c: c.models.list(),
    ):
        with pytest.raises(openai.AuthenticationError) as raised:
            call(client(keyed_url, "wrong-key"))
        assert raised.value.code == "unauthorized" and "Authorization: Bearer" in raised.value.message
    missing = httpx.post(f"{keyed_url}/v1/chat/completions", json={"model": "x", "messages": conversation})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    error = missing.json()["error"]
    assert error["type"] == "invalid_request_error" and "missing" in error["message"]
    # Only the OpenAI-compatible routes changed shape.
    other = httpx.post(f"{keyed_url}/score", json={"items": [{"messages": conversation}]})
    assert other.status_code == 401 and set(other.json()["error"]) == {"code", "message", "details", "request_id"}


# --- settings --------------------------------------------------------------------------------------


def test_served_model_names_from_repeated_flag_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REWARD_SERVICE_SERVED_MODEL_NAMES", raising=False)
    parser = argparse.ArgumentParser()
    add_settings_flags(parser)
    args = parser.parse_args(["--served-model-name", ALIAS, "--served-model-name", "reward"])
    assert settings_from_args(args).served_model_names == [ALIAS, "reward"]
    assert settings_from_args(parser.parse_args([])).served_model_names == []
    for text in (f'["{ALIAS}", "reward"]', f"{ALIAS}, reward"):
        monkeypatch.setenv("REWARD_SERVICE_SERVED_MODEL_NAMES", text)
        assert Settings().served_model_names == [ALIAS, "reward"]
    with pytest.raises(ValueError, match="served model name is empty"):
        Settings(served_model_names=["a", " "])
