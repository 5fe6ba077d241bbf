"""What a conversation may be, enforced alike by POST /score, POST /rank and the pipelines.

The rule (README, "What a conversation may be"): an optional system turn first, then user and
assistant turns strictly alternating from a user turn; /score's conversation ends with the
assistant turn it scores, /rank's context with the user turn its candidates answer. User and
assistant turns hold text; a system turn may be empty. Each case below is sent to all four
surfaces, which must all accept it or all refuse it with the same message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from reward_service.cli import main
from reward_service.config import Settings
from reward_service.model.loading import RewardModel
from reward_service.server.app import create_app

Turns = list[dict[str, str]]


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


# Conversations ending with the scored assistant turn; /rank gets all but that turn as context.
VALID: dict[str, Turns] = {
    "one exchange": [turn("user", "Hi"), turn("assistant", "Hello!")],
    "system first": [turn("system", "Be brief."), turn("user", "Hi"), turn("assistant", "Hello!")],
    "empty system turn": [turn("system", ""), turn("user", "Hi"), turn("assistant", "Hello!")],
    "two exchanges": [turn("user", "Hi"), turn("assistant", "Hello!"), turn("user", "And?"), turn("assistant", "Ok.")],
}

# name: (conversation, what the message must say), for a fault before the scored turn, so that
# /rank's context holds it too.
INVALID: dict[str, tuple[Turns, str]] = {
    "two user turns in a row": (
        [turn("user", "Hi"), turn("user", "Anyone?"), turn("assistant", "Hello!")],
        "turn 1 is 'user' where 'assistant' was expected after a 'user' turn",
    ),
    "two assistant turns in a row": (
        [turn("user", "Hi"), turn("assistant", "Hello!"), turn("assistant", "Still here."), turn("user", "Ok?"),
         turn("assistant", "Yes.")],
        "turn 2 is 'assistant' where 'user' was expected after a 'assistant' turn",
    ),
    "starting with an assistant turn": (
        [turn("assistant", "Welcome!"), turn("user", "Hi"), turn("assistant", "Hello!")],
        "turn 0 is 'assistant' where 'user' was expected as the first turn",
    ),
    "a system turn after the first": (
        [turn("user", "Hi"), turn("system", "Be brief."), turn("user", "Hi"), turn("assistant", "Hello!")],
        "turn 1 is a system turn: a system turn may only come first",
    ),
    "two system turns": (
        [turn("system", "A"), turn("system", "B"), turn("user", "Hi"), turn("assistant", "Hello!")],
        "turn 1 is a system turn: a system turn may only come first",
    ),
    "an empty user turn": (
        [turn("user", " \n"), turn("assistant", "Hello!")],
        "turn 0 (user) is empty: user and assistant turns must hold text",
    ),
    "an empty earlier assistant turn": (
        [turn("user", "Hi"), turn("assistant", ""), turn("user", "Hello?"), turn("assistant", "Sorry, hi!")],
        "turn 1 (assistant) is empty",
    ),
}


@asynccontextmanager
async def serve(model: RewardModel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(model=None), model)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(500):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        yield client


def post_both(model: RewardModel, conversation: Turns) -> tuple[httpx.Response, httpx.Response]:
    """/score with the whole conversation, /rank with its context and the scored turn as a candidate."""
    score = {"items": [{"prompt": "Hi", "response": "Hello!"}, {"messages": conversation}]}
    rank = {"messages": conversation[:-1], "responses": [conversation[-1]["content"], "Something else."]}

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with serve(model) as client:
            return await client.post("/score", json=score), await client.post("/rank", json=rank)

    return asyncio.run(asyncio.wait_for(go(), 30))


def pipeline_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, model_dir: Path, command: str, record: dict[str, Any]
) -> list[dict[str, Any]]:
    """The errors file of `reward-service COMMAND` over one record."""
    source = tmp_path / f"{command}.jsonl"
    source.write_text(json.dumps(record) + "\n")
    out = tmp_path / f"{command}.out.jsonl"
    capsys.readouterr()
    status = main([command, str(source), "-o", str(out), "--model", str(model_dir)])
    assert status == 0, capsys.readouterr().err
    errors = Path(f"{out}.errors.jsonl")
    return [json.loads(line) for line in errors.read_text().splitlines()] if errors.exists() else []


def message_of(response: httpx.Response) -> str:
    [detail] = response.json()["error"]["details"]
    return str(detail["message"])


@pytest.mark.parametrize("conversation", list(VALID.values()), ids=list(VALID))
def test_valid_conversations_are_scored_everywhere(
    model: RewardModel, model_dir: Path, conversation: Turns, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    score, rank = post_both(model, conversation)
    assert score.status_code == 200, score.text
    assert rank.status_code == 200, rank.text
    assert pipeline_errors(capsys, tmp_path, model_dir, "score", {"messages": conversation}) == []
    record = {"messages": conversation[:-1], "responses": [conversation[-1]["content"], "Something else."]}
    assert pipeline_errors(capsys, tmp_path, model_dir, "rank", record) == []


@pytest.mark.parametrize(("conversation", "says"), list(INVALID.values()), ids=list(INVALID))
def test_invalid_conversations_are_refused_alike_everywhere(
    model: RewardModel,
    model_dir: Path,
    conversation: Turns,
    says: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    score, rank = post_both(model, conversation)
    assert (score.status_code, rank.status_code) == (422, 422), (score.text, rank.text)
    assert score.json()["error"]["details"][0]["loc"] == ["items", 1, "messages"]
    assert rank.json()["error"]["details"][0]["loc"] == ["messages"]
    assert says in message_of(score)
    assert message_of(rank) == message_of(score)  # one rule, one wording

    [score_error] = pipeline_errors(capsys, tmp_path, model_dir, "score", {"messages": conversation})
    record = {"messages": conversation[:-1], "responses": [conversation[-1]["content"], "Something else."]}
    [rank_error] = pipeline_errors(capsys, tmp_path, model_dir, "rank", record)
    assert score_error["error"] == rank_error["error"] == f"messages: {message_of(score)}"


@pytest.mark.parametrize("prompt", ["", "  \n\t"])
def test_an_empty_prompt_is_refused_like_an_empty_response(
    model: RewardModel, model_dir: Path, prompt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async def go() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with serve(model) as client:
            return (
                await client.post("/score", json={"items": [{"prompt": prompt, "response": "Hello!"}]}),
                await client.post("/score", json={"items": [{"prompt": "Hi", "response": prompt}]}),
                await client.post("/rank", json={"prompt": prompt, "responses": ["Hello!", "Hi!"]}),
            )

    empty_prompt, empty_response, rank = asyncio.run(asyncio.wait_for(go(), 30))
    for response, loc in ((empty_prompt, ["items", 0, "prompt"]), (empty_response, ["items", 0, "response"])):
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["loc"] == loc
        assert message_of(response).startswith("must be a non-empty string")
    assert rank.status_code == 422 and rank.json()["error"]["details"][0]["loc"] == ["prompt"]
    assert "empty user turn" in message_of(empty_prompt) and message_of(rank) == message_of(empty_prompt)

    [error] = pipeline_errors(capsys, tmp_path, model_dir, "score", {"prompt": prompt, "response": "Hello!"})
    assert error["error"] == f"prompt: {message_of(empty_prompt)}"
    [error] = pipeline_errors(capsys, tmp_path, model_dir, "rank", {"prompt": prompt, "responses": ["Hello!", "Hi!"]})
    assert error["error"] == f"prompt: {message_of(empty_prompt)}"
