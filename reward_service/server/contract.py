"""The OpenAPI document: FastAPI's, with the request bodies of /score and /rank stated as the
server checks them.

Pydantic validates every request (`schemas`), but the JSON Schema it derives says less than it
checks: its fields are all optional where the server wants one of two forms, and its rules in
code (non-blank text, the shape of a conversation, the limits in the settings, the names the
model knows) do not show. Here the request schemas are rewritten so that a body valid by the
document is, as far as JSON Schema can say it, a body the server takes:

* a /score item is `prompt` + `response` or `messages`, and /rank's context `prompt` or
  `messages` (plus `responses`): a `oneOf` of closed forms, each with its `required` fields
  (the other form's fields may only be null, which the server takes as absent);
* text that must hold something has a non-whitespace character (`NON_BLANK`, as `str.strip`
  sees whitespace), and no text is longer than `max_chars_per_item`;
* `items` and `responses` hold at most `max_items_per_request`;
* a conversation starts with an optional system turn, then a user turn (for /score, then an
  assistant turn); every later turn is a user or an assistant turn holding text;
* `weights` names at least one attribute; `thresholds` bound the model's attributes or
  `aggregate`, each with at least one bound, and `max_uncertainty` only where the model
  reports uncertainty. The names are the loaded model's: the document is built again once the
  model is loaded, and until then any name is shown.

What JSON Schema cannot say is in the descriptions, and the server answers 422 for it: user
and assistant turns strictly alternating and the turn a conversation ends with, the
characters and tokens of a whole conversation (the limits count all of its turns), `min` over
`max`, and weights so large that an aggregate overflows.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from ..config import Settings

if TYPE_CHECKING:
    from ..model.spec import ModelSpec
    from .routes import Runtime

Schema = dict[str, Any]

# Every character `str.isspace()` calls whitespace, which is what `str.strip()` removes: the
# server's test for blank text. Spelled as \u escapes, which ECMA 262 (JSON Schema's regex
# dialect), Python and Rust read alike; their own `\S` disagree on a few characters (U+001C..F,
# U+0085, U+FEFF).
NON_BLANK = "[^\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
REF = "#/components/schemas/"


def install_openapi(app: FastAPI, runtime: Runtime) -> None:
    """Make `app.openapi()` (and so /openapi.json) the document described above.

    It is built on first use, and again once the runtime has a model (before that, any
    attribute name is shown); it is a copy: FastAPI's own document stays as FastAPI made it.
    """
    generate = app.openapi
    built: list[tuple[ModelSpec | None, Schema]] = []

    def openapi() -> Schema:
        spec = None if runtime.model is None else runtime.model.spec
        if not built or built[0][0] is not spec:
            built[:] = [(spec, describe_requests(copy.deepcopy(generate()), runtime.settings, spec))]
        return built[0][1]

    app.openapi = openapi  # type: ignore[method-assign]


def describe_requests(document: Schema, settings: Settings, spec: ModelSpec | None) -> Schema:
    """`document` with the request schemas of /score and /rank rewritten in place; returns it."""
    schemas: dict[str, Schema] = document["components"]["schemas"]
    bodies = Bodies(settings.max_chars_per_item, settings.max_items_per_request)
    threshold = schemas["Threshold"]

    schemas.update(bodies.turns())
    schemas["Conversation"] = bodies.conversation(last="assistant")
    schemas["Context"] = bodies.conversation(last="user")
    schemas["Threshold"] = bodies.threshold(threshold, uncertainty=True)
    schemas["ValueThreshold"] = bodies.threshold(threshold, uncertainty=False)
    schemas["Weights"] = bodies.weights(spec)
    schemas["Thresholds"] = bodies.thresholds(spec)
    schemas["ScoreItem"] = bodies.score_item(schemas["ScoreItem"])
    schemas["ScoreRequest"] = bodies.score_request(schemas["ScoreRequest"])
    schemas["RankRequest"] = bodies.rank_request(schemas["RankRequest"])
    if f'"{REF}Message"' not in json.dumps(document):
        del schemas["Message"]  # its uses are now turns of a given role
    return document


class Bodies:
    """The request schemas, for items of at most `chars` characters and requests of at most `items` items."""

    def __init__(self, chars: int, items: int) -> None:
        self.chars = chars
        self.items = items

    def text(self, description: str | None = None) -> Schema:
        """Text that may be blank."""
        return _described({"type": "string", "maxLength": self.chars}, description)

    def filled(self, description: str | None = None) -> Schema:
        """Text holding at least one character that is not whitespace."""
        schema = {"type": "string", "minLength": 1, "maxLength": self.chars, "pattern": NON_BLANK}
        return _described(schema, description)

    def turns(self) -> dict[str, Schema]:
        def turn(role: str, content: Schema) -> Schema:
            return {
                "type": "object",
                "properties": {"role": {"const": role}, "content": content},
                "required": ["role", "content"],
                "additionalProperties": False,
            }

        return {
            "SystemTurn": turn("system", self.text("The system prompt; may be empty, which asks for none.")),
            "UserTurn": turn("user", self.filled()),
            "AssistantTurn": turn("assistant", self.filled()),
        }

    def conversation(self, *, last: str) -> Schema:
        """Turns ending with the `last` one, as far as JSON Schema can say it: an optional system
        turn, then a user turn (then, when `last` is the assistant's, an assistant turn); every
        later turn a user or an assistant turn. Which of the two, and the last, is in the description."""
        later = {"anyOf": [_ref("UserTurn"), _ref("AssistantTurn")]}
        opening = ["UserTurn", "AssistantTurn"] if last == "assistant" else ["UserTurn"]

        def starting(roles: list[str]) -> Schema:
            prefix = [_ref(name) for name in roles]
            return {"type": "array", "prefixItems": prefix, "items": later, "minItems": len(prefix)}

        return {
            "description": "Turns: an optional system turn, then user and assistant turns strictly alternating "
            f"from a user turn, the last one the {last}'s. {self.limits('All of them together')}",
            "oneOf": [starting(opening), starting(["SystemTurn", *opening])],
        }

    def limits(self, what: str) -> str:
        """The sentence on a conversation's size, which JSON Schema cannot count."""
        return f"{what} may hold at most {self.chars} characters, and the model's tokens per item (/info `limits`)."

    def threshold(self, generated: Schema, *, uncertainty: bool) -> Schema:
        """Pydantic's Threshold with at least one bound; without `max_uncertainty` unless `uncertainty`."""
        properties = copy.deepcopy(generated["properties"])
        bounds = ["min", "max", "max_uncertainty"] if uncertainty else ["min", "max"]
        if not uncertainty:
            properties["max_uncertainty"] = {
                "type": "null",
                "description": "Not for this value: the aggregate, or an attribute of a model without uncertainty.",
            }
        description = "Bounds on a value; `min` must not be over `max`."
        if uncertainty:
            description += " `max_uncertainty` bounds an attribute's uncertainty."
        return {
            "type": "object",
            "description": description,
            "properties": properties,
            "additionalProperties": False,
            "anyOf": [{"required": [name], "properties": {name: {"type": "number"}}} for name in bounds],
        }

    def weights(self, spec: ModelSpec | None) -> Schema:
        schema: Schema = {
            "type": "object",
            "description": "Weights by attribute name, at least one; unnamed attributes weigh 0. They must "
            "keep every aggregate a finite number.",
            "minProperties": 1,
        }
        if spec is None:
            return schema | {"additionalProperties": {"type": "number"}}
        properties = {name: {"type": "number"} for name in spec.attributes}
        return schema | {"properties": properties, "additionalProperties": False}

    def thresholds(self, spec: ModelSpec | None) -> Schema:
        schema: Schema = {"type": "object", "description": "Bounds by attribute name or `aggregate`."}
        if spec is None:
            return schema | {"additionalProperties": _ref("Threshold")}
        attribute = _ref("Threshold" if spec.uncertainty else "ValueThreshold")
        properties = {name: attribute for name in spec.attributes} | {"aggregate": _ref("ValueThreshold")}
        return schema | {"properties": properties, "additionalProperties": False}

    def options(self, generated: Schema) -> dict[str, Schema]:
        """The request options (weights, thresholds, truncation), as /score and /rank share them."""
        properties = generated["properties"]
        return {
            "weights": _nullable(_ref("Weights"), properties["weights"]["description"]),
            "thresholds": _nullable(_ref("Thresholds"), properties["thresholds"]["description"]),
            "truncation": properties["truncation"],
        }

    def score_item(self, generated: Schema) -> Schema:
        properties = generated["properties"]
        prompt, response = (self.filled(properties[name]["description"]) for name in ("prompt", "response"))
        messages = _described(_ref("Conversation"), properties["messages"]["description"])
        return _form_of(
            generated,
            self.limits("Its text, all turns together,"),
            _form("prompt and response", {"prompt": prompt, "response": response}, absent=["messages"]),
            _form("messages", {"messages": messages}, absent=["prompt", "response"]),
        )

    def score_request(self, generated: Schema) -> Schema:
        items = generated["properties"]["items"] | {"maxItems": self.items}
        return generated | {"properties": {"items": items, **self.options(generated)}}

    def rank_request(self, generated: Schema) -> Schema:
        properties = generated["properties"]
        description = properties["responses"]["description"]
        responses = {"type": "array", "items": self.filled(), "minItems": 2, "maxItems": self.items}
        shared = {"responses": _described(responses, description), **self.options(generated)}
        prompt = self.filled(properties["prompt"]["description"])
        messages = _described(_ref("Context"), properties["messages"]["description"])
        return _form_of(
            generated,
            self.limits("The context and any one response, together,"),
            _form("prompt", {"prompt": prompt, **shared}, absent=["messages"], required=["prompt", "responses"]),
            _form("messages", {"messages": messages, **shared}, absent=["prompt"], required=["messages", "responses"]),
        )


def _form(title: str, properties: dict[str, Schema], *, absent: list[str], required: list[str] | None = None) -> Schema:
    """One form of a body: its fields, `required` (default: all of them), no others; the
    fields of the other form may be there as null only."""
    nulls = {name: {"type": "null", "description": f"Not in this form ({title})."} for name in absent}
    return {
        "title": title,
        "type": "object",
        "properties": properties | nulls,
        "required": required or list(properties),
        "additionalProperties": False,
    }


def _form_of(generated: Schema, rule: str, *forms: Schema) -> Schema:
    """A schema that is exactly one of `forms`, with the generated title and examples, and the
    generated description followed by `rule`."""
    kept = {key: generated[key] for key in ("title", "examples") if key in generated}
    description = " ".join(filter(None, [generated.get("description"), rule]))
    return kept | {"description": description, "oneOf": list(forms)}


def _ref(name: str) -> Schema:
    return {"$ref": REF + name}


def _described(schema: Schema, description: str | None) -> Schema:
    return schema if description is None else {**schema, "description": description}


def _nullable(schema: Schema, description: str) -> Schema:
    return {"anyOf": [schema, {"type": "null"}], "description": description}
