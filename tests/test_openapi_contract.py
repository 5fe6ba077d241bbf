"""The OpenAPI document as a contract: a body valid by it is taken, one invalid by it refused.

Each body below is checked both ways: against the request schema of the document the running
app serves (with jsonschema_rs, a Draft 2020-12 validator, the dialect of OpenAPI 3.1), and
by posting it to the real app on a tiny checkpoint. The rules the document can only state in
words are listed too (`UNSAID`): valid by the schema, refused by the server, and named in the
description a client reads. schemathesis fuzzes the same contract at scale (test_fuzz.py).
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import jsonschema_rs
import pytest
from checkpoints import CheckpointFactory
from fastapi import FastAPI

from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.spec import ModelSpec
from reward_service.server.app import create_app
from reward_service.server.contract import NON_BLANK, describe_requests

T = TypeVar("T")
ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
MAX_ITEMS, MAX_CHARS = 4, 300
LIMITS = {"max_items_per_request": MAX_ITEMS, "max_chars_per_item": MAX_CHARS, "queue_depth": 64}
REF = "#/components/schemas/"


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


HI = [turn("user", "Hi"), turn("assistant", "Hello!")]
PAIR = {"prompt": "What is 2 + 2?", "response": "4."}


@pytest.fixture(scope="module")
def model(checkpoint: CheckpointFactory) -> RewardModel:
    return load_reward_model(checkpoint("llama"))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


@dataclass
class Served:
    app: FastAPI
    client: httpx.AsyncClient
    spec: dict[str, Any]

    def errors(self, path: str, body: Any) -> list[str]:
        """What makes `body` invalid by the request schema of POST `path` (empty: valid)."""
        schema = self.spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": self.spec["components"]})
        return [error.message for error in validator.iter_errors(body)]


@asynccontextmanager
async def serve(model: RewardModel, **overrides: Any) -> AsyncIterator[Served]:
    app = create_app(Settings(**{"model": None, **LIMITS, **overrides}), model)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(500):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        yield Served(app, client, (await client.get("/openapi.json")).json())


def exchange(model: RewardModel, path: str, body: Any) -> tuple[list[str], httpx.Response]:
    """The document's verdict on `body` and the server's answer to it."""

    async def go() -> tuple[list[str], httpx.Response]:
        async with serve(model) as served:
            return served.errors(path, body), await served.client.post(path, json=body)

    return run(go())


# --- bodies valid by the document are scored -------------------------------------------------

VALID: dict[str, tuple[str, Any]] = {
    "prompt and response": ("/score", {"items": [PAIR]}),
    "messages": ("/score", {"items": [{"messages": HI}]}),
    "both forms in one request": ("/score", {"items": [PAIR, {"messages": HI}]}),
    "system turn, empty": ("/score", {"items": [{"messages": [turn("system", ""), *HI]}]}),
    "two exchanges": ("/score", {"items": [{"messages": [*HI, turn("user", "And?"), turn("assistant", "Ok.")]}]}),
    "the other form's fields null": (
        "/score",
        {"items": [{**PAIR, "messages": None}, {"messages": HI, "prompt": None}]},
    ),
    "as many items as the limit": ("/score", {"items": [PAIR] * MAX_ITEMS}),
    "text at the character limit": ("/score", {"items": [{"prompt": "p", "response": "r" * (MAX_CHARS - 1)}]}),
    "options": (
        "/score",
        {
            "items": [PAIR],
            "weights": {"helpfulness": 1, "verbosity": -0.5},
            "thresholds": {"aggregate": {"min": -100}, "coherence": {"max": 100, "min": None}},
            "truncation": "left",
        },
    ),
    "options null": ("/score", {"items": [PAIR], "weights": None, "thresholds": None}),
    "rank a prompt": ("/rank", {"prompt": "Hi", "responses": ["Hello!", "Hey."]}),
    "rank a context": (
        "/rank",
        {"messages": [turn("system", "Be brief."), turn("user", "Hi")], "responses": ["a", "b"]},
    ),
    "rank a longer context": ("/rank", {"messages": [*HI, turn("user", "And?")], "responses": ["a", "b", "c"]}),
    "rank with options": ("/rank", {"prompt": "Hi", "responses": ["a", "b"], "weights": {"coherence": 2.0}}),
}


@pytest.mark.parametrize("name", list(VALID))
def test_a_body_valid_by_the_document_is_scored(model: RewardModel, name: str) -> None:
    path, body = VALID[name]
    errors, response = exchange(model, path, body)
    assert errors == []
    assert response.status_code == 200, response.text


# --- bodies invalid by the document are refused ----------------------------------------------

INVALID: dict[str, tuple[str, Any, int]] = {
    "prompt, response and messages": ("/score", {"items": [{**PAIR, "messages": HI}]}, 422),
    "prompt without response": ("/score", {"items": [{"prompt": "Hi"}]}, 422),
    "messages and response": ("/score", {"items": [{"messages": HI, "response": "Hello!"}]}, 422),
    "an empty item": ("/score", {"items": [{}]}, 422),
    "no items": ("/score", {"items": []}, 422),
    "more items than the limit": ("/score", {"items": [PAIR] * (MAX_ITEMS + 1)}, 413),
    "a blank response": ("/score", {"items": [{"prompt": "Hi", "response": " \n\t"}]}, 422),
    # U+001C is whitespace to Python (so blank to the server) but not to ECMA 262's \s.
    "a response of U+001C": ("/score", {"items": [{"prompt": "Hi", "response": "\x1c"}]}, 422),
    "text over the character limit": ("/score", {"items": [{"prompt": "p", "response": "r" * (MAX_CHARS + 1)}]}, 422),
    "an unknown field": ("/score", {"items": [{**PAIR, "score": 3}]}, 422),
    "starting with an assistant turn": ("/score", {"items": [{"messages": HI[::-1]}]}, 422),
    "a system turn later": ("/score", {"items": [{"messages": [*HI, turn("system", "x"), *HI]}]}, 422),
    "a single user turn": ("/score", {"items": [{"messages": HI[:1]}]}, 422),
    "an empty later user turn": ("/score", {"items": [{"messages": [*HI, turn("user", ""), HI[1]]}]}, 422),
    "empty weights": ("/score", {"items": [PAIR], "weights": {}}, 422),
    "a weight for no attribute": ("/score", {"items": [PAIR], "weights": {"charm": 1.0}}, 422),
    "a weight of true": ("/score", {"items": [PAIR], "weights": {"helpfulness": True}}, 422),
    "a bound of false": ("/score", {"items": [PAIR], "thresholds": {"coherence": {"max": False}}}, 422),
    "a threshold without bounds": ("/score", {"items": [PAIR], "thresholds": {"coherence": {}}}, 422),
    "a threshold of nulls": ("/score", {"items": [PAIR], "thresholds": {"coherence": {"min": None}}}, 422),
    "a threshold for no attribute": ("/score", {"items": [PAIR], "thresholds": {"charm": {"min": 1}}}, 422),
    "max_uncertainty without an ensemble": (
        "/score",
        {"items": [PAIR], "thresholds": {"coherence": {"max_uncertainty": 1}}},
        422,
    ),
    "an unknown truncation": ("/score", {"items": [PAIR], "truncation": "right"}, 422),
    "rank both contexts": ("/rank", {"prompt": "Hi", "messages": HI[:1], "responses": ["a", "b"]}, 422),
    "rank no context": ("/rank", {"responses": ["a", "b"]}, 422),
    "rank one response": ("/rank", {"prompt": "Hi", "responses": ["a"]}, 422),
    "rank a blank response": ("/rank", {"prompt": "Hi", "responses": ["a", "  "]}, 422),
    "rank a blank prompt": ("/rank", {"prompt": "\u3000", "responses": ["a", "b"]}, 422),
    "rank more responses than the limit": ("/rank", {"prompt": "Hi", "responses": ["a"] * (MAX_ITEMS + 1)}, 413),
    "rank a context starting with the assistant": ("/rank", {"messages": HI[::-1][:1], "responses": ["a", "b"]}, 422),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_a_body_invalid_by_the_document_is_refused(model: RewardModel, name: str) -> None:
    path, body, status = INVALID[name]
    errors, response = exchange(model, path, body)
    assert errors, "valid by the document"
    assert response.status_code == status, response.text


# --- what the document says only in words ----------------------------------------------------

# name: (path, body, a phrase of the description that states the rule, the schema it is in)
UNSAID: dict[str, tuple[str, Any, str, str]] = {
    "turns not alternating": (
        "/score",
        {"items": [{"messages": [*HI, turn("assistant", "Again.")]}]},
        "strictly alternating",
        "Conversation",
    ),
    "ending with a user turn": (
        "/score",
        {"items": [{"messages": [*HI, turn("user", "And?")]}]},
        "the last one the assistant's",
        "Conversation",
    ),
    "a context ending with an assistant turn": (
        "/rank",
        {"messages": HI, "responses": ["a", "b"]},
        "the last one the user's",
        "Context",
    ),
    "a whole conversation over the character limit": (
        "/score",
        {"items": [{"prompt": "p" * MAX_CHARS, "response": "r"}]},
        f"all turns together, may hold at most {MAX_CHARS} characters",
        "ScoreItem",
    ),
    "min over max": (
        "/score",
        {"items": [PAIR], "thresholds": {"coherence": {"min": 2, "max": 1}}},
        "`min` must not be over `max`",
        "ValueThreshold",
    ),
}


@pytest.mark.parametrize("name", list(UNSAID))
def test_what_json_schema_cannot_say_is_described_and_refused(model: RewardModel, name: str) -> None:
    path, body, phrase, where = UNSAID[name]

    async def go() -> tuple[list[str], httpx.Response, dict[str, Any]]:
        async with serve(model) as served:
            errors = served.errors(path, body)
            return errors, await served.client.post(path, json=body), served.spec["components"]["schemas"]

    errors, response, schemas = run(go())
    assert errors == []
    assert response.status_code == 422, response.text
    assert phrase in described(schemas[where])


def described(schema: dict[str, Any]) -> str:
    """Every description in `schema`, its forms' included."""
    texts = [schema.get("description", "")]
    texts += [form.get("description", "") for form in schema.get("oneOf", [])]
    return " ".join(texts)


# --- the document's shape --------------------------------------------------------------------


def forms(schema: dict[str, Any]) -> list[tuple[set[str], set[str]]]:
    """(required, the non-null fields) of each form of a oneOf, each closed to other fields."""
    out = []
    for form in schema["oneOf"]:
        assert form["type"] == "object" and form["additionalProperties"] is False
        fields = {name for name, field in form["properties"].items() if field.get("type") != "null"}
        out.append((set(form["required"]), fields))
    return out


def test_the_two_forms_are_a_oneof_of_closed_objects_with_their_required_fields(model: RewardModel) -> None:
    async def go() -> dict[str, Any]:
        async with serve(model) as served:
            return served.spec

    spec = run(go())
    schemas = spec["components"]["schemas"]
    assert forms(schemas["ScoreItem"]) == [
        ({"prompt", "response"}, {"prompt", "response"}),
        ({"messages"}, {"messages"}),
    ]
    options = {"weights", "thresholds", "truncation"}
    assert forms(schemas["RankRequest"]) == [
        ({"prompt", "responses"}, {"prompt", "responses", *options}),
        ({"messages", "responses"}, {"messages", "responses", *options}),
    ]
    assert "Message" not in schemas  # every turn is one of a given role now
    score = schemas["ScoreRequest"]["properties"]
    assert (score["items"]["minItems"], score["items"]["maxItems"]) == (1, MAX_ITEMS)
    assert schemas["ScoreItem"]["oneOf"][0]["properties"]["response"]["maxLength"] == MAX_CHARS
    assert schemas["Weights"]["minProperties"] == 1
    assert set(schemas["Weights"]["properties"]) == set(ATTRIBUTES)
    assert set(schemas["Thresholds"]["properties"]) == {*ATTRIBUTES, "aggregate"}
    for path in ("/score", "/rank"):
        assert "415" in spec["paths"][path]["post"]["responses"]


def test_the_document_follows_the_settings(model: RewardModel) -> None:
    async def go() -> dict[str, Any]:
        async with serve(model, max_items_per_request=7, max_chars_per_item=99) as served:
            return served.spec["components"]["schemas"]

    schemas = run(go())
    assert schemas["ScoreRequest"]["properties"]["items"]["maxItems"] == 7
    assert schemas["RankRequest"]["oneOf"][0]["properties"]["responses"]["maxItems"] == 7
    assert schemas["UserTurn"]["properties"]["content"]["maxLength"] == 99


def test_attribute_names_appear_once_the_model_is_loaded(checkpoint: CheckpointFactory) -> None:
    """Before the lifespan loads the model the document takes any name; then only the model's."""
    app = create_app(Settings(model=checkpoint("llama"), **LIMITS))
    before = app.openapi()["components"]["schemas"]
    assert "properties" not in before["Weights"] and before["Weights"]["additionalProperties"] == {"type": "number"}

    async def go() -> dict[str, Any]:
        async with app.router.lifespan_context(app):
            return app.openapi()["components"]["schemas"]

    after = run(go())
    assert list(after["Weights"]["properties"]) == ATTRIBUTES and after["Weights"]["additionalProperties"] is False


def test_max_uncertainty_only_where_the_model_reports_uncertainty() -> None:
    for uncertainty in (False, True):
        spec = ModelSpec(name="m", attributes=("a", "b"), uncertainty=uncertainty)
        fastapis = FastAPI.openapi(create_app(Settings(model=None)))  # the document as FastAPI makes it
        document = describe_requests(copy.deepcopy(fastapis), Settings(model=None), spec)
        schemas = document["components"]["schemas"]
        attribute = "Threshold" if uncertainty else "ValueThreshold"
        assert schemas["Thresholds"]["properties"] == {
            "a": {"$ref": REF + attribute},
            "b": {"$ref": REF + attribute},
            "aggregate": {"$ref": REF + "ValueThreshold"},
        }
        validate = validator_of(document, "Thresholds")
        assert validate({"a": {"max_uncertainty": 0.5}}) == uncertainty
        assert not validate({"aggregate": {"max_uncertainty": 0.5}})
        assert validate({"aggregate": {"max": 1, "max_uncertainty": None}})


def validator_of(document: dict[str, Any], name: str) -> Callable[[Any], bool]:
    validator = jsonschema_rs.Draft202012Validator({"$ref": REF + name, "components": document["components"]})
    return validator.is_valid


# --- non-blank text ---------------------------------------------------------------------------


def test_non_blank_is_what_str_strip_leaves_something_of() -> None:
    """The pattern matches a string of one character exactly when `str.strip` keeps it, for every
    code point, as Python's `re` reads it (hypothesis generates from it) and as a JSON Schema
    validator does (schemathesis checks with it)."""
    pattern = re.compile(NON_BLANK)
    validator = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": NON_BLANK})
    whitespace = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert whitespace and all(pattern.search(char) is None for char in whitespace)
    assert not any(validator.is_valid(char) for char in whitespace)
    assert not validator.is_valid(" \t\n" + "".join(whitespace))
    kept = [chr(code) for code in range(0x110000) if not chr(code).isspace() and not 0xD800 <= code < 0xE000]
    assert all(pattern.search(char) for char in kept)
    # Where ECMA 262's \s and Python disagree, and a sample of the rest, through the validator.
    for char in ["\ufeff", "\u180e", "\u200b", "a", "\x00", "\U0001d11e", *kept[::997]]:
        assert validator.is_valid(char), repr(char)
        assert validator.is_valid(f"  {char}\n")


def test_the_served_document_is_the_apps(model: RewardModel) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with serve(model) as served:
            return served.spec, served.app.openapi()

    served, built = run(go())
    assert served == built
