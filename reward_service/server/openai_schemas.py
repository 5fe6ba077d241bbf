"""Bodies of the OpenAI-compatible routes, shaped like NVIDIA's hosted reward API. Pydantic only.

A request is a chat completion request; its answer a `chat.completion` whose one choice
carries the scores twice, as NVIDIA's API does: in `message.content`
("helpfulness:1.6171875,correctness:...") and as `logprobs.content`, one entry per attribute
with the attribute's name as `token` and its score as `logprob`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .schemas import Message, Text


class ChatMessage(Message):
    """A message as OpenAI clients send it. Fields besides `role` and `content` (`name`, and the
    `refusal`, `tool_calls`, ... a client copies from a previous answer) are ignored."""

    model_config = ConfigDict(extra="ignore")


class ChatCompletionRequest(BaseModel):
    """A conversation to score, ending with the assistant turn scored.

    `messages` follow the rule of POST /score: an optional system turn first, then user and
    assistant turns alternating from a user turn, ending with the assistant turn. Every other
    field a chat client may send (temperature, top_p, max_tokens, max_completion_tokens, stop,
    seed, logprobs, top_logprobs, user, presence_penalty, frequency_penalty, stream_options,
    response_format, and fields added later) is accepted and ignored: a score does not depend
    on sampling. `stream: true` and `n` over 1 are refused.
    """

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "model": "nvidia/nemotron-4-340b-reward",
                    "messages": [
                        {"role": "user", "content": "What is 2+2?"},
                        {"role": "assistant", "content": "4"},
                    ],
                }
            ]
        },
    )

    model: Text = Field(description="The served model's name or one of its aliases (GET /v1/models).")
    messages: list[ChatMessage] = Field(description="The conversation, ending with the assistant turn to score.")
    stream: bool | None = Field(None, description="Refused when true: the scores come in one response.")
    n: int | None = Field(None, description="Refused when over 1: a conversation has one score.")


class TokenLogprob(BaseModel):
    """One attribute: its name as the token, its score as the logprob."""

    token: str
    logprob: float
    bytes: list[int] | None = None
    top_logprobs: list[Any] = Field(default_factory=list)


class ChoiceLogprobs(BaseModel):
    content: list[TokenLogprob]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    logprobs: ChoiceLogprobs
    finish_reason: Literal["length"] = "length"


class Usage(BaseModel):
    prompt_tokens: int = Field(description="The conversation's tokens, as POST /score counts them.")
    completion_tokens: int = 1
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int = Field(description="Unix time of the answer, in seconds.")
    model: str = Field(description="The name the request gave.")
    choices: list[Choice]
    usage: Usage

    @classmethod
    def of(
        cls, *, id: str, created: int, model: str, attributes: Sequence[str], scores: Mapping[str, float], tokens: int
    ) -> ChatCompletion:
        """The answer for one scored conversation, its attributes in the model's order."""
        values = [(name, scores[name]) for name in attributes]
        logprobs = [TokenLogprob(token=name, logprob=value) for name, value in values]
        return cls(
            id=id,
            created=created,
            model=model,
            choices=[
                Choice(
                    message=AssistantMessage(content=scores_text(values)),
                    logprobs=ChoiceLogprobs(content=logprobs),
                )
            ],
            usage=Usage(prompt_tokens=tokens, total_tokens=tokens + 1),
        )


def scores_text(values: Sequence[tuple[str, float]]) -> str:
    """`name:value` pairs joined by commas, each value at full precision (its Python repr)."""
    return ",".join(f"{name}:{value!r}" for name, value in values)


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "reward_service"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
