"""Scoring in this process: the model behind the same engine and RewardService the server uses
(`service.build`), without HTTP. Scoring here loads torch; the remote mode never does."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from ..config import Settings
from ..engine import BatchStats, EngineLimits
from ..errors import InvalidInput, ItemTooLong, RewardServiceError
from ..server.schemas import ItemResult
from ..service import RewardService, build, check_thresholds, load, resolve_weights
from .backends import Conversation, ItemRejected, ScoringOptions, precision_of
from .errors import PipelineError, UsageError

if TYPE_CHECKING:
    from ..model.loading import RewardModel


class LocalBackend:
    """Scores through a RewardService on an in-process engine."""

    def __init__(self, service: RewardService, settings: Settings, source: str) -> None:
        self.service = service
        self.model = service.spec.name
        self.precision = precision_of(service.model.precision, service.model.quantize)
        self.attributes = service.spec.attributes
        self.max_items = settings.max_items_per_request
        # One record per call: the engine batches across calls, so small calls cost it nothing
        # and each record's scores come back as soon as its batch is done.
        self.call_items = 1
        self.source = source

    def check(self, options: ScoringOptions) -> None:
        try:
            resolve_weights(self.service.spec, options.weights)
            check_thresholds(self.service.spec, options.thresholds)
        except InvalidInput as exc:
            raise UsageError(str(exc)) from exc

    async def score(self, conversations: Sequence[Conversation], options: ScoringOptions) -> list[ItemResult]:
        try:
            _, results = await self.service.score(
                conversations, weights=options.weights, thresholds=options.thresholds, truncation=options.truncation
            )
        except InvalidInput as exc:
            if exc.item is not None:
                too_long = isinstance(exc, ItemTooLong)
                raise ItemRejected(exc.item, f"the conversation {exc.problem}", too_long=too_long) from exc
            raise PipelineError(f"the model rejected the options: {exc}") from exc
        except RewardServiceError as exc:
            raise PipelineError(f"scoring failed: {exc}") from exc
        return [ItemResult.of(index, r) for index, r in enumerate(results)]


@asynccontextmanager
async def local_backend(
    settings: Settings,
    *,
    window_items: int,
    model: RewardModel | None = None,
    on_batch: Callable[[BatchStats], None] | None = None,
) -> AsyncIterator[LocalBackend]:
    """A started engine and service over `model` (loaded from `settings.model`, or the default model).

    The engine's queue holds `window_items`, the most the pipeline keeps in flight, so the
    pipeline never overloads its own engine.
    """
    if model is None:
        loaded, source = await asyncio.to_thread(_load, settings)
    else:
        loaded, source = model, f"model {model.spec.name}"
    limits = dataclasses.replace(
        EngineLimits.from_settings(settings),
        max_queue_items=window_items,
        max_queue_tokens=window_items * loaded.spec.max_tokens,
    )
    service = build(settings, loaded, limits=limits, on_batch=on_batch)
    try:
        yield LocalBackend(service, settings, source)
    finally:
        await asyncio.to_thread(service.close)


def _load(settings: Settings) -> tuple[RewardModel, str]:
    model, model_dir = load(settings)
    return model, f"model {model_dir.resolve()}"
