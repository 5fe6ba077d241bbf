"""Scoring as the server and the tools see it: conversations in, named scores and verdicts out.

The one composition point: `build` puts a loaded model behind a started engine, for the
server's lifespan and the pipeline's in-process backend alike. Request semantics live here:
validation against the model (attribute names, lengths) and tokenization happen before
anything is queued, so a bad item is rejected with its index and never fails a batch; then
weights, thresholds and ranking.

Importing this module loads no torch; `load` and `build` bring the model layer in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import ResultCache
from .config import Settings
from .engine import BatchingEngine, BatchStats, EngineLimits, PhaseFn
from .errors import InvalidInput, ModelFailure
from .model.spec import AGGREGATE, UNCERTAINTY_FILE, ModelSpec, check_weights

if TYPE_CHECKING:
    from .model.formatting import Conversation, Encoded, Truncation
    from .model.loading import RewardModel
    from .model.scorer import Scorer

logger = logging.getLogger(__name__)

# (min, max) on a value, or (min, max, max_uncertainty): the third bounds the value's spread
# over the model's ensemble of heads, for attributes of a model that ships one.
Bounds = tuple[float | None, float | None] | tuple[float | None, float | None, float | None]
# Added to a name in `failed` when its spread, not its value, is out of bounds: "correctness.uncertainty".
UNCERTAIN = ".uncertainty"


@dataclass(frozen=True)
class ItemScore:
    scores: dict[str, float]
    aggregate: float
    failed: tuple[str, ...]
    tokens: int
    truncated: bool
    uncertainty: dict[str, float] | None = None  # per attribute, when the model ships an ensemble

    @property
    def passed(self) -> bool:
        return not self.failed


def bounds_of(bounds: Bounds) -> tuple[float | None, float | None, float | None]:
    """(min, max, max_uncertainty) of either form of Bounds."""
    return (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else None)


def failed_thresholds(
    values: Mapping[str, float], thresholds: Mapping[str, Bounds], spreads: Mapping[str, float] | None = None
) -> tuple[str, ...]:
    """The bounds not met, in threshold order: a name (attribute or `aggregate`) whose value is
    outside [min, max], then `name + UNCERTAIN` when its spread is over max_uncertainty.

    A spread that is missing (`spreads` None) or NaN fails its bound: a verdict on uncertainty
    is never given without one.
    """
    failed = []
    for name, bounds in thresholds.items():
        low, high, most = bounds_of(bounds)
        value = values[name]
        if (low is not None and value < low) or (high is not None and value > high):
            failed.append(name)
        if most is not None and not (spreads is not None and spreads[name] <= most):
            failed.append(name + UNCERTAIN)
    return tuple(failed)


def resolve_weights(spec: ModelSpec, weights: Mapping[str, float] | None) -> dict[str, float]:
    """The request's weights (unnamed attributes weigh 0), or the model's defaults."""
    if weights is None:
        return dict(spec.weights)
    try:
        return check_request_weights(weights, spec.attributes)
    except ValueError as exc:
        raise InvalidInput(f"weights: {exc}", field=("weights",)) from exc


def check_request_weights(weights: Mapping[str, float], attributes: tuple[str, ...]) -> dict[str, float]:
    """A request's weights, checked as `check_weights` does and refused when empty: an empty
    mapping would weigh every attribute 0 and so make every aggregate 0. Raises ValueError.

    The one rule for the API, the pipelines (local or remote) and so the Python client's calls.
    """
    if not weights:
        example = json.dumps({attributes[0]: 1.0})
        raise ValueError(
            f"is empty, which would weigh every attribute 0: name at least one of {list(attributes)} "
            f"with its weight (e.g. {example}), or leave weights out for the model's defaults"
        )
    return check_weights(weights, attributes)


def check_thresholds(spec: ModelSpec, thresholds: Mapping[str, Bounds] | None) -> dict[str, Bounds]:
    """The thresholds, checked against the model: see `check_threshold_names`."""
    return check_threshold_names(spec.name, spec.attributes, thresholds, uncertainty=spec.uncertainty)


def check_threshold_names(
    model: str, attributes: Sequence[str], thresholds: Mapping[str, Bounds] | None, *, uncertainty: bool
) -> dict[str, Bounds]:
    """The thresholds, when each names an attribute of `model` or `aggregate`, and a max_uncertainty
    (a finite number >= 0) bounds only an attribute of a model that reports uncertainty (ships an
    ensemble of heads). Raises InvalidInput naming the threshold (and its field) otherwise.

    Apart from the model, for a client of a server too: `uncertainty` is then what /info says.
    """
    accepted = (*attributes, AGGREGATE)
    for name, bounds in (thresholds or {}).items():
        if name not in accepted:
            raise InvalidInput(
                f"thresholds: unknown name {name!r}; accepted: {list(accepted)}", field=("thresholds", name)
            )
        most = bounds_of(bounds)[2]
        if most is None:
            continue
        where = ("thresholds", name, "max_uncertainty")
        if not (math.isfinite(most) and most >= 0):
            raise InvalidInput(
                f"thresholds: {name}.max_uncertainty must be a finite number >= 0, got {most}", field=where
            )
        if name == AGGREGATE:
            raise InvalidInput(
                f"thresholds: {AGGREGATE}.max_uncertainty: the aggregate has no uncertainty, only the attributes "
                f"have one; bound an attribute's instead ({list(attributes)})",
                field=where,
            )
        if not uncertainty:
            raise InvalidInput(
                f"thresholds: {name}.max_uncertainty needs a model that reports uncertainty, and model {model!r} "
                f"ships no ensemble of heads ({UNCERTAINTY_FILE}); drop max_uncertainty, or use a checkpoint "
                "that ships an ensemble",
                field=where,
            )
    return dict(thresholds or {})


def rank_order(aggregates: Sequence[float]) -> list[int]:
    """Positions sorted by aggregate, best first; equal aggregates keep their input order.

    One rule for `POST /rank` and `reward-service rank`, however the scores were obtained: the
    first position is the chosen (best) response and the last the rejected (worst) one.
    """
    return sorted(range(len(aggregates)), key=lambda index: (-aggregates[index], index))


def start_engine(
    scorer: Scorer,
    limits: EngineLimits,
    *,
    on_batch: Callable[[BatchStats], None] | None = None,
    on_phase: PhaseFn | None = None,
) -> BatchingEngine:
    """A started engine whose plans `scorer` carries out.

    Rows sharing `limits.shared_prefix_min_tokens` leading tokens or more are batched on their
    shared prefix when the model's attention lets a prefix cache be reused exactly.
    """
    refused = scorer.sharing_refused()
    if limits.shared_prefix_min_tokens > 0 and refused is not None:
        logger.info("shared-prefix scoring is off for this model: %s", refused)
        limits = dataclasses.replace(limits, shared_prefix_min_tokens=0)
    run = scorer.score if scorer.ensemble is None else scorer.score_with_spread
    engine = BatchingEngine(lambda plan: run(plan).tolist(), limits, on_batch=on_batch, on_phase=on_phase)
    engine.start()
    return engine


def load(settings: Settings) -> tuple[RewardModel, Path]:
    """The model the settings name (the default model when none), loaded with their options."""
    from .model.loading import load_reward_model
    from .training.default_model import ensure_default_model

    _use_threads(settings)
    model_dir = settings.model if settings.model is not None else ensure_default_model()
    model = load_reward_model(
        model_dir,
        device=settings.device,
        dtype=settings.dtype,
        max_tokens=settings.max_tokens_per_item,
        weights=settings.weights,
        allow_pickle=settings.allow_pickle,
        trust_remote_code=settings.trust_remote_code,
        quantize=settings.quantize,
        tensor_parallel=settings.tensor_parallel,
        device_map=settings.device_map,
        # accelerate names GPUs by index: "0" in JSON is GPU 0.
        max_memory={int(k) if k.isdigit() else k: v for k, v in settings.max_memory.items()}
        if settings.max_memory
        else None,
    )
    return model, model_dir


def build(
    settings: Settings,
    model: RewardModel,
    *,
    limits: EngineLimits | None = None,
    on_batch: Callable[[BatchStats], None] | None = None,
    on_phase: PhaseFn | None = None,
    on_cache: Callable[[int, int], None] | None = None,
) -> RewardService:
    """A RewardService scoring with `model` on a started engine, within `limits` (default: the
    settings'). `close()` it to finish queued work and stop the engine. `on_phase` hears each
    request's durations: "tokenize" here, "queue" and "inference" from the engine. `on_cache`
    hears each request's result-cache hits and misses, in items, while the cache is on."""
    _use_threads(settings)
    limits = limits or EngineLimits.from_settings(settings)
    engine = start_engine(model.scorer, limits, on_batch=on_batch, on_phase=on_phase)
    return RewardService(
        model,
        engine,
        max_chars_per_item=settings.max_chars_per_item,
        on_phase=on_phase,
        cache_size=settings.cache_size,
        cache_max_bytes=settings.cache_max_bytes,
        on_cache=on_cache,
    )


def _use_threads(settings: Settings) -> None:
    import torch

    torch.set_num_threads(settings.threads)


class RewardService:
    """Scores conversations through the batching engine."""

    def __init__(
        self,
        model: RewardModel,
        engine: BatchingEngine,
        *,
        max_chars_per_item: int,
        on_phase: PhaseFn | None = None,
        cache_size: int = 0,
        cache_max_bytes: int = 0,
        on_cache: Callable[[int, int], None] | None = None,
    ) -> None:
        self.model = model
        self.engine = engine
        self.max_chars_per_item = max_chars_per_item
        self._on_phase = on_phase
        # Exact repeats answered without the engine. Built here, so it holds this model's
        # results only; used from `score` alone, on the event loop, so it needs no lock.
        self.cache = ResultCache(cache_size, cache_max_bytes)
        self._on_cache = on_cache
        # Tokenizers are not safe to share across threads; one thread keeps them off the loop.
        self._tokenizer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenize")

    @property
    def spec(self) -> ModelSpec:
        return self.model.spec

    def close(self) -> None:
        """Finish everything queued, then stop the engine and the tokenizer thread. Blocking."""
        self.engine.stop()
        self._tokenizer_thread.shutdown(wait=True)

    async def encode(self, conversations: Sequence[Conversation], truncation: Truncation) -> list[Encoded]:
        for index, conversation in enumerate(conversations):
            chars = sum(len(turn["content"]) for turn in conversation)
            if chars > self.max_chars_per_item:
                raise InvalidInput(
                    f"has {chars} characters of text, over the limit of {self.max_chars_per_item}", item=index
                )
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        encoded = await loop.run_in_executor(
            self._tokenizer_thread,
            lambda: self.model.encoder.encode_many(
                conversations, max_tokens=self.spec.max_tokens, truncation=truncation
            ),
        )
        if self._on_phase is not None:
            self._on_phase("tokenize", time.perf_counter() - started)
        return encoded

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
        lookup = self.cache.lookup([e.row for e in encoded])
        if self._on_cache is not None and self.cache.enabled:
            self._on_cache(lookup.hits, lookup.misses)
        computed = await self.engine.score(lookup.missing, timeout=timeout)
        if len(computed) != len(lookup.missing):
            raise ModelFailure(f"the engine returned {len(computed)} results for {len(lookup.missing)} rows")
        raw = self.cache.fill(lookup, computed)
        results = []
        names = self.spec.attributes
        expected = len(names) * (2 if self.spec.uncertainty else 1)  # scores, then their spreads
        for index, (enc, row) in enumerate(zip(encoded, raw, strict=True)):
            if len(row) != expected:
                raise ModelFailure(f"the model returned {len(row)} values per item, expected {expected}")
            scores = dict(zip(names, row[: len(names)], strict=True))
            spread = dict(zip(names, row[len(names) :], strict=True)) if self.spec.uncertainty else None
            aggregate = self.spec.aggregate(scores, used)
            if not math.isfinite(aggregate):
                raise InvalidInput(
                    f"item {index}: the aggregate overflowed with these weights; use weights of ordinary size",
                    field=("weights",),
                )
            failed = failed_thresholds({**scores, AGGREGATE: aggregate}, bounds, spread)
            results.append(ItemScore(scores, aggregate, failed, len(enc.token_ids), enc.truncated, spread))
        return used, results
