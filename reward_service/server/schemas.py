"""HTTP request and response bodies. Pydantic only; no torch, no model code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    from ..service import Bounds, ItemScore

Role = Literal["system", "user", "assistant"]


def _unicode_text(value: str) -> str:
    # JSON may escape lone UTF-16 surrogates ("\ud800"), which no tokenizer can encode.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text; it holds a lone surrogate escape such as \\ud800") from None
    return value


# Every text field and every name: valid Unicode, so it can be tokenized and echoed back.
Text = Annotated[str, AfterValidator(_unicode_text)]


def _not_a_boolean(value: object) -> object:
    # JSON's true and false are not numbers, though pydantic would take them for 1.0 and 0.0.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


# Every weight and bound: a finite number, as the OpenAPI document says (`number`). Bounds go
# before the validator, or pydantic's JSON Schema would not show them.
Number = Annotated[float, AllowInfNan(False), BeforeValidator(_not_a_boolean)]
NonNegativeNumber = Annotated[float, Field(ge=0), AllowInfNan(False), BeforeValidator(_not_a_boolean)]


BLANK = {
    "prompt": "an empty user turn gives the response nothing to answer",
    "response": "an empty response cannot be scored",
}


def check_turns(turns: Sequence[Message], *, last: Literal["user", "assistant"], label: str = "turn {}") -> None:
    """The one rule for what a conversation may be, as chat templates and HelpSteer2 take it.

    An optional system turn first (its content may be empty: that asks for no system prompt),
    then user and assistant turns strictly alternating, starting with a user turn and ending
    with `last`: the assistant turn to score, or the user turn the candidates answer. User and
    assistant turns must hold text. Raises ValueError naming the first turn at fault by index,
    as `label` spells it ("turn 3"; the OpenAI-compatible route says "messages[3]"); a
    message about the conversation as a whole starts with "must".
    """
    start = 1 if turns and turns[0].role == "system" else 0
    dialogue = turns[start:]
    if not dialogue:
        raise ValueError(
            "must hold a user turn and the assistant turn to score"
            if last == "assistant"
            else "must hold the user turn the responses answer"
        )
    for offset, turn in enumerate(dialogue):
        index, expected = start + offset, ("user", "assistant")[offset % 2]
        if turn.role == "system":
            raise ValueError(f"{label.format(index)} is a system turn: a system turn may only come first")
        if turn.role != expected:
            where = "as the first turn" if offset == 0 else f"after a {dialogue[offset - 1].role!r} turn"
            raise ValueError(
                f"{label.format(index)} is {turn.role!r} where {expected!r} was expected {where}: "
                "user and assistant turns must alternate, starting with a user turn"
            )
        if not turn.content.strip():
            raise ValueError(f"{label.format(index)} ({turn.role}) is empty: user and assistant turns must hold text")
    if dialogue[-1].role != last:
        final = f"the last turn ({label.format(len(turns) - 1)}) is {dialogue[-1].role!r}"
        raise ValueError(
            f"must end with an assistant turn (the one scored); {final}"
            if last == "assistant"
            else f"must end with the user turn the responses answer; {final} "
            "(put candidate answers in `responses`, not in `messages`)"
        )


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: Text


class ScoreItem(BaseModel):
    """One response to score: `prompt` + `response`, or a whole `messages` conversation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"prompt": "What is 2+2?", "response": "4"},
                {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
            ]
        },
    )

    prompt: Text | None = Field(None, description="The user's turn; needs `response`.")
    response: Text | None = Field(None, description="The assistant's answer to `prompt`.")
    messages: list[Message] | None = Field(
        None,
        description="A conversation: optional system turn first, user/assistant turns, ending with the "
        "assistant turn to score.",
    )

    @field_validator("prompt", "response")
    @classmethod
    def _turn_not_blank(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(f"must be a non-empty string: {BLANK[info.field_name or 'response']}")
        return value

    @field_validator("messages")
    @classmethod
    def _conversation_shape(cls, value: list[Message] | None) -> list[Message] | None:
        if value is not None:
            check_turns(value, last="assistant")
        return value

    @model_validator(mode="after")
    def _one_form(self) -> ScoreItem:
        if self.messages is not None:
            if self.prompt is not None or self.response is not None:
                raise ValueError("give either `messages` or `prompt` + `response`, not both")
        elif self.prompt is None or self.response is None:
            missing = "response" if self.response is None else "prompt"
            raise ValueError(f"`{missing}` is missing: give `prompt` and `response`, or `messages`")
        return self

    def conversation(self) -> list[dict[str, str]]:
        if self.messages is not None:
            return [{"role": m.role, "content": m.content} for m in self.messages]
        return [{"role": "user", "content": self.prompt or ""}, {"role": "assistant", "content": self.response or ""}]


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: Number | None = Field(None, description="Pass only when the value is at least this.")
    max: Number | None = Field(None, description="Pass only when the value is at most this.")
    max_uncertainty: NonNegativeNumber | None = Field(
        None,
        description="Pass only when the attribute's uncertainty (its spread over the model's ensemble of "
        "heads) is at most this. Only for attributes, and only when /info says the model reports "
        "uncertainty; otherwise the request is refused (422).",
    )

    @model_validator(mode="after")
    def _bounds(self) -> Threshold:
        if self.min is None and self.max is None and self.max_uncertainty is None:
            raise ValueError("give `min`, `max`, `max_uncertainty` or several of them")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def bounds(self) -> Bounds:
        """The service's form: (min, max), or (min, max, max_uncertainty) when that is given."""
        if self.max_uncertainty is None:
            return (self.min, self.max)
        return (self.min, self.max, self.max_uncertainty)


class RequestOptions(BaseModel):
    """Options shared by /score and /rank."""

    model_config = ConfigDict(extra="forbid")

    weights: dict[Text, Number] | None = Field(
        None,
        description="Aggregate weights for this request, by attribute name, at least one; unnamed attributes "
        "weigh 0. Leave it out for the model's own weights (/info).",
    )
    thresholds: dict[Text, Threshold] | None = Field(
        None,
        description="Bounds per attribute name or `aggregate`; `failed` lists those not met. An attribute's "
        "bounds may include `max_uncertainty` when the model reports uncertainty.",
    )
    truncation: Literal["none", "left"] = Field(
        "none", description="`left` cuts the oldest context of items over the token limit; `none` rejects them."
    )


class ScoreRequest(RequestOptions):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [{"prompt": "What is 2+2?", "response": "4"}],
                    "thresholds": {"correctness": {"min": 3.0}, "verbosity": {"max": 2.0}},
                }
            ]
        },
    )

    items: list[ScoreItem] = Field(min_length=1, description="What to score, in order.")


def _non_blank_response(value: str) -> str:
    if not value.strip():
        raise ValueError(f"must be a non-empty string: {BLANK['response']}")
    return value


ResponseText = Annotated[str, AfterValidator(_unicode_text), AfterValidator(_non_blank_response)]


class RankRequest(RequestOptions):
    """One conversation context and several candidate responses to rank against each other."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"prompt": "What is 2+2?", "responses": ["4", "2+2 is 4.", "5"]},
                {
                    "messages": [
                        {"role": "system", "content": "Answer briefly."},
                        {"role": "user", "content": "Name a prime number."},
                    ],
                    "responses": ["7", "Seven is prime.", "9"],
                    "weights": {"helpfulness": 1.0},
                },
            ]
        },
    )

    prompt: Text | None = Field(None, description="The user's turn the responses answer; or give `messages`.")
    messages: list[Message] | None = Field(
        None,
        description="The conversation so far: optional system turn first, then user/assistant turns, ending with "
        "the user turn the responses answer (no final assistant turn).",
    )
    responses: list[ResponseText] = Field(
        min_length=2, description="Candidate assistant responses; `index` in the results is the position here."
    )

    @field_validator("prompt")
    @classmethod
    def _prompt_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(f"must be a non-empty string: {BLANK['prompt']}")
        return value

    @field_validator("messages")
    @classmethod
    def _context_shape(cls, value: list[Message] | None) -> list[Message] | None:
        if value is not None:
            check_turns(value, last="user")
        return value

    @model_validator(mode="after")
    def _one_context(self) -> RankRequest:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give the context as either `prompt` or `messages`, exactly one of them")
        return self

    def context(self) -> list[dict[str, str]]:
        """The conversation before the response: the turns every candidate is appended to."""
        if self.messages is not None:
            return [{"role": m.role, "content": m.content} for m in self.messages]
        return [{"role": "user", "content": self.prompt or ""}]

    def conversations(self) -> list[list[dict[str, str]]]:
        """One conversation per response: the context plus that response as the assistant turn."""
        context = self.context()
        return [[*context, {"role": "assistant", "content": response}] for response in self.responses]


class ItemResult(BaseModel):
    index: int
    scores: dict[str, float]
    uncertainty: dict[str, float] | None = Field(
        None,
        description="Per attribute (the keys of `scores`), the standard deviation of that score over the "
        "model's ensemble of heads: how loosely the training data pins it down. null when the model "
        "ships no ensemble (see /info `uncertainty`).",
    )
    aggregate: float
    passed: bool
    failed: list[str] = Field(
        description="The thresholds not met, in request order: the name (an attribute or `aggregate`) when "
        "its value is outside `min`/`max`, and `NAME.uncertainty` when its uncertainty is over "
        "`max_uncertainty`."
    )
    tokens: int
    truncated: bool = False

    @classmethod
    def of(cls, index: int, score: ItemScore) -> ItemResult:
        """The public (HTTP and pipeline) form of a service score, as item `index`."""
        return cls(
            index=index,
            scores=score.scores,
            uncertainty=score.uncertainty,
            aggregate=score.aggregate,
            passed=score.passed,
            failed=list(score.failed),
            tokens=score.tokens,
            truncated=score.truncated,
        )


class ScoreResponse(BaseModel):
    model: str
    attributes: list[str]
    weights: dict[str, float]
    results: list[ItemResult]


class RankResponse(BaseModel):
    model: str
    attributes: list[str]
    weights: dict[str, float]
    results: list[ItemResult] = Field(
        description="One per response, highest aggregate first (ties keep request order); `index` is the "
        "response's position in the request."
    )
    chosen: int = Field(description="Index of the response with the highest aggregate.")
    rejected: int = Field(description="Index of the response with the lowest aggregate.")


class Limits(BaseModel):
    max_items_per_request: int
    max_tokens_per_item: int
    max_chars_per_item: int
    max_batch_tokens: int
    max_batch_size: int
    queue_depth: int
    max_queue_tokens: int
    max_body_bytes: int
    request_timeout_s: float


class InfoResponse(BaseModel):
    model: str
    attributes: list[str]
    weights: dict[str, float]
    pooling: str
    chat_template: bool
    max_tokens_per_item: int
    dtype: str
    quantize: str = Field(default="none", description='"int8" when the backbone\'s linear layers run in dynamic int8.')
    uncertainty: bool = Field(
        default=False,
        description="True when the model ships an ensemble of heads: each result then carries `uncertainty` "
        "per attribute, and thresholds accept `max_uncertainty`.",
    )
    device: str
    limits: Limits


class Health(BaseModel):
    status: Literal["ok", "loading"]


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(description='Path to the offending field, e.g. ["items", 3, "response"].')
    message: str


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable machine-readable error kind.")
    message: str = Field(description="What happened and how to fix it.")
    details: list[ErrorDetail] = Field(default_factory=list)
    request_id: str | None = Field(
        None, description="The request's id, as in the X-Request-ID header: the client's, or one made for it."
    )


class ErrorResponse(BaseModel):
    error: ErrorInfo
