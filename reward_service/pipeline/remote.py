"""Scoring on a running server through AsyncRewardClient (`--url`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx

from ..client import AsyncRewardClient, ItemTooLarge, RetryPolicy, RewardClientError, ServerError
from ..model.spec import AGGREGATE, check_weights
from ..server.schemas import InfoResponse, ItemResult
from .backends import Conversation, ItemRejected, ScoringOptions, precision_of
from .errors import PipelineError, UsageError


class RemoteBackend:
    """Scores with POST /score; the client splits calls by the server's limits."""

    def __init__(self, client: AsyncRewardClient, info: InfoResponse, url: str) -> None:
        self.client = client
        self.model = info.model
        self.precision = precision_of(info.dtype, info.quantize)
        self.attributes = tuple(info.attributes)
        self.max_items = info.limits.max_items_per_request
        self.source = f"server {url} (model {info.model})"

    def check(self, options: ScoringOptions) -> None:
        # The server checks these too; checking first means a typo stops the run before any output.
        if options.weights is not None:
            try:
                check_weights(options.weights, self.attributes)
            except ValueError as exc:
                raise UsageError(f"weights: {exc}") from exc
        accepted = [*self.attributes, AGGREGATE]
        for name in options.thresholds:
            if name not in accepted:
                raise UsageError(f"thresholds: unknown name {name!r}; accepted: {accepted}")

    async def score(self, conversations: Sequence[Conversation], options: ScoringOptions) -> list[ItemResult]:
        thresholds = {
            name: {key: value for key, value in (("min", low), ("max", high)) if value is not None}
            for name, (low, high) in options.thresholds.items()
        }
        try:
            response = await self.client.score(
                [{"messages": [dict(turn) for turn in conversation]} for conversation in conversations],
                weights=options.weights,
                thresholds=thresholds or None,
                truncation=options.truncation,
            )
        except ItemTooLarge as exc:
            raise ItemRejected(exc.index, str(exc)) from exc
        except ServerError as exc:
            index = _item_index(exc)
            if index is not None:
                raise ItemRejected(index, exc.details[0].message, too_long=exc.code == "item_too_long") from exc
            raise PipelineError(f"the server failed: {exc}") from exc
        except RewardClientError as exc:
            raise PipelineError(str(exc)) from exc
        return response.results


def _item_index(error: ServerError) -> int | None:
    """The item a 4xx error is about, when it is about exactly one item."""
    if error.status not in (413, 422) or len(error.details) != 1:
        return None
    loc = error.details[0].loc
    return loc[1] if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int) else None


@asynccontextmanager
async def remote_backend(
    url: str,
    *,
    api_key: str | None,
    concurrency: int,
    timeout: float,
    retry: RetryPolicy,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[RemoteBackend]:
    """A client for the server at `url`, checked by reading its /info."""
    async with AsyncRewardClient(
        url, api_key=api_key, concurrency=concurrency, timeout=timeout, retry=retry, transport=transport
    ) as client:
        try:
            info = await client.info()
        except (RewardClientError, httpx.HTTPError) as exc:
            raise PipelineError(f"cannot use the server at {url}: {exc}") from exc
        yield RemoteBackend(client, info, url)
