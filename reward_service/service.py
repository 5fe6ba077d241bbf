"""Scoring as the API and the tools see it: conversations in, named scores and verdicts out.

Validation against the model (attribute names, lengths) and tokenization happen here, before
anything is queued, so a bad item is rejected with its index and never fails a batch.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .config import DEFAULT_SHARED_PREFIX_MIN_TOKENS
from .engine import BatchingEngine, BatchStats, EngineLimits, PrefixSharing
from .errors import InvalidInput, ModelFailure
from .formatting import Conversation, Encoded, Truncation
from .loading import RewardModel
from .prefix import config_unsupported_reason
from .schemas import ItemResult
from .scorer import Scorer
from .spec import AGGREGATE, ModelSpec, check_weights, read_position

logger = logging.getLogger(__name__)

Bounds = tuple[float | None, float | None]  # (min, max)


@dataclass(frozen=True)
class ItemScore:
    scores: dict[str, float]
    aggregate: float
    failed: tuple[str, ...]
    tokens: int
    truncated: bool

    @property
    def passed(self) -> bool:
        return not self.failed

    def as_result(self, index: int) -> ItemResult:
        """The public (HTTP and pipeline) form of this score, as item `index`."""
        return ItemResult(
            index=index,
            scores=self.scores,
            aggregate=self.aggregate,
            passed=self.passed,
            failed=list(self.failed),
            tokens=self.tokens,
            truncated=self.truncated,
        )


def failed_thresholds(values: Mapping[str, float], thresholds: Mapping[str, Bounds]) -> tuple[str, ...]:
    """Names (attributes or `aggregate`) whose value falls outside its bounds, in threshold order."""
    failed = []
    for name, (low, high) in thresholds.items():
        value = values[name]
        if (low is not None and value < low) or (high is not None and value > high):
            failed.append(name)
    return tuple(failed)


def resolve_weights(spec: ModelSpec, weights: Mapping[str, float] | None) -> dict[str, float]:
    """The request's weights (unnamed attributes weigh 0), or the model's defaults."""
    if weights is None:
        return dict(spec.weights)
    try:
        return check_weights(weights, spec.attributes)
    except ValueError as exc:
        raise InvalidInput(f"weights: {exc}", loc=("weights",)) from exc


def check_thresholds(spec: ModelSpec, thresholds: Mapping[str, Bounds] | None) -> dict[str, Bounds]:
    accepted = (*spec.attributes, AGGREGATE)
    for name in thresholds or {}:
        if name not in accepted:
            raise InvalidInput(
                f"thresholds: unknown name {name!r}; accepted: {list(accepted)}", loc=("thresholds", name)
            )
    return dict(thresholds or {})


def start_engine(
    scorer: Scorer,
    limits: EngineLimits,
    *,
    shared_prefix_min_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS,
    on_batch: Callable[[BatchStats], None] | None = None,
) -> BatchingEngine:
    """A started engine scoring with `scorer`.

    Rows sharing `shared_prefix_min_tokens` leading tokens or more are batched on their shared
    prefix when the model's attention lets a prefix cache be reused exactly; 0 turns that off.
    """
    sharing = None
    if shared_prefix_min_tokens > 0:
        reason = config_unsupported_reason(scorer.backbone.config)
        if reason is None:
            sharing = PrefixSharing(
                score_shared=lambda prefix, suffixes, **limits: scorer.score_shared(
                    prefix, suffixes, **limits
                ).tolist(),
                read=functools.partial(read_position, pad_token_id=scorer.pad_token_id, pooling=scorer.pooling),
                min_tokens=shared_prefix_min_tokens,
            )
        else:
            logger.info("shared-prefix scoring is off for this model: %s", reason)
    engine = BatchingEngine(lambda rows: scorer.score(rows).tolist(), limits, sharing=sharing, on_batch=on_batch)
    engine.start()
    return engine


class RewardService:
    """Scores conversations through the batching engine."""

    def __init__(self, model: RewardModel, engine: BatchingEngine, *, max_chars_per_item: int) -> None:
        self.model = model
        self.engine = engine
        self.max_chars_per_item = max_chars_per_item
        # Tokenizers are not safe to share across threads; one thread keeps them off the loop.
        self._tokenizer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenize")

    @property
    def spec(self) -> ModelSpec:
        return self.model.spec

    def close(self) -> None:
        self._tokenizer_thread.shutdown(wait=True)

    async def encode(self, conversations: Sequence[Conversation], truncation: Truncation) -> list[Encoded]:
        for index, conversation in enumerate(conversations):
            chars = sum(len(turn["content"]) for turn in conversation)
            if chars > self.max_chars_per_item:
                raise InvalidInput(
                    f"item {index} has {chars} characters of text, over the limit of {self.max_chars_per_item}",
                    loc=("items", index),
                )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._tokenizer_thread,
            lambda: self.model.encoder.encode_many(
                conversations, max_tokens=self.spec.max_tokens, truncation=truncation
            ),
        )

    async def score(
        self,
        conversations: Sequence[Conversation],
        *,
        weights: Mapping[str, float] | None = None,
        thresholds: Mapping[str, Bounds] | None = None,
        truncation: Truncation = "none",
        timeout: float | None = None,
    ) -> tuple[dict[str, float], list[ItemScore]]:
        """The weights used and one ItemScore per conversation, in order."""
        used = resolve_weights(self.spec, weights)
        bounds = check_thresholds(self.spec, thresholds)
        encoded = await self.encode(conversations, truncation)
        raw = await self.engine.score([e.token_ids for e in encoded], timeout=timeout)
        if len(raw) != len(encoded):
            raise RuntimeError(f"engine returned {len(raw)} results for {len(encoded)} items")
        results = []
        for index, (enc, row) in enumerate(zip(encoded, raw, strict=True)):
            if len(row) != len(self.spec.attributes):
                expected = len(self.spec.attributes)
                raise ModelFailure(f"the model returned {len(row)} scores per item, expected {expected}")
            scores = dict(zip(self.spec.attributes, row, strict=True))
            aggregate = self.spec.aggregate(scores, used)
            if not math.isfinite(aggregate):
                raise InvalidInput(
                    f"item {index}: the aggregate overflowed with these weights; use weights of ordinary size",
                    loc=("weights",),
                )
            failed = failed_thresholds({**scores, AGGREGATE: aggregate}, bounds)
            results.append(ItemScore(scores, aggregate, failed, len(enc.token_ids), enc.truncated))
        return used, results
