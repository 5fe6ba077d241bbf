"""Where scores come from: the model in this process (`local.py`) or a running server
(`remote.py`). Both answer with the API's ItemResult per conversation, computed by the same
RewardService code, so a run gives the same output either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..errors import ItemTooLong
from ..server.schemas import ItemResult
from ..service import Bounds
from .errors import PipelineError

__all__ = ["Backend", "Bounds", "Conversation", "ItemRejected", "ScoringOptions", "precision_of", "score_each"]

Conversation = Sequence[Mapping[str, str]]


@dataclass(frozen=True)
class ScoringOptions:
    """The per-request options of `POST /score`, as the pipeline flags give them."""

    weights: dict[str, float] | None = None
    thresholds: dict[str, Bounds] = field(default_factory=dict)
    truncation: Literal["none", "left"] = "none"


class ItemRejected(Exception):
    """Conversation `index` of a call cannot be scored (too long, over the character limit, ...).

    `message` speaks of "the conversation", for a command-line user to whom its index within a
    call means nothing; `too_long` adds how to ask for truncation on the command line.
    """

    def __init__(self, index: int, message: str, *, too_long: bool = False) -> None:
        if too_long:
            message = f"{message}; {ItemTooLong.remedy('pass --truncation left')}"
        super().__init__(message)
        self.index = index
        self.message = message


def precision_of(dtype: str, quantize: str) -> str:
    """`float32`, `bfloat16`, `float32, int8 linear layers`, ..."""
    return dtype if quantize == "none" else f"{dtype}, {quantize} linear layers"


class Backend(Protocol):
    model: str  # the model's name
    precision: str  # how it computes (dtype, quantization): scores differ between precisions
    attributes: tuple[str, ...]
    max_items: int  # the most conversations one record or group may hold (the API's items per request)
    call_items: int  # conversations per `score` call: the progress bar moves as each call returns
    source: str  # where scores come from, for the summary and for checking a resumed run

    def check(self, options: ScoringOptions) -> None:
        """Raise UsageError naming an unknown attribute in the weights or thresholds, or a
        max_uncertainty the model cannot honour (it ships no ensemble of heads)."""
        ...

    async def score(self, conversations: Sequence[Conversation], options: ScoringOptions) -> list[ItemResult]:
        """One result per conversation, in order. Raises ItemRejected for the first conversation that
        cannot be scored, PipelineError when scoring itself fails."""
        ...


async def score_each(
    backend: Backend, conversations: Sequence[Conversation], options: ScoringOptions
) -> list[ItemResult | str]:
    """A result, or the reason it could not be scored, for every conversation.

    The backends reject a whole call for one bad conversation (as the API rejects a whole
    request), so the rejected one is set aside and the rest sent again: at most one extra call
    per bad conversation, and none when all are fine.
    """
    out: list[ItemResult | str | None] = [None] * len(conversations)
    pending = list(range(len(conversations)))
    while pending:
        try:
            results = await backend.score([conversations[i] for i in pending], options)
        except ItemRejected as rejected:
            if not 0 <= rejected.index < len(pending):
                raise PipelineError(f"an error named item {rejected.index} of a call with {len(pending)}") from None
            out[pending.pop(rejected.index)] = rejected.message
            continue
        for index, result in zip(pending, results, strict=True):
            out[index] = result.model_copy(update={"index": index})
        break
    assert all(value is not None for value in out)
    return out  # type: ignore[return-value]
