"""Scoring on a running server through AsyncRewardClient (`--url`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx

from ..client import AsyncRewardClient, ItemTooLarge, RetryPolicy, RewardClientError, ServerError
from ..errors import InvalidInput
from ..server.schemas import InfoResponse, ItemResult
from ..service import bounds_of, check_request_weights, check_threshold_names
from .backends import Conversation, ItemRejected, ScoringOptions, precision_of
from .errors import PipelineError, UsageError

BOUND_KEYS = ("min", "max", "max_uncertainty")  # the API's names for the entries of Bounds


class RemoteBackend:
    """Scores with POST /score; the client splits calls by the server's limits."""

    def __init__(self, client: AsyncRewardClient, info: InfoResponse, url: str) -> None:
        self.client = client
        self.model = info.model
        self.precision = precision_of(info.dtype, info.quantize)
        self.attributes = tuple(info.attributes)
        self.max_items = info.limits.max_items_per_request
        self.uncertainty = info.uncertainty  # the server's model ships an ensemble of heads
        self.call_items = self.max_items  # one request per call: the client would split larger calls so anyway
        self.source = f"server {url} (model {info.model})"

    def check(self, options: ScoringOptions) -> None:
        # The server checks these too; checking first means a typo stops the run before any output.
        if options.weights is not None:
            try:
                check_request_weights(options.weights, self.attributes)
            except ValueError as exc:
                raise UsageError(f"weights: {exc}") from exc
        try:
            check_threshold_names(self.model, self.attributes, options.thresholds, uncertainty=self.uncertainty)
        except InvalidInput as exc:
            raise UsageError(str(exc)) from exc

    async def score(self, conversations: Sequence[Conversation], options: ScoringOptions) -> list[ItemResult]:
        thresholds = {
            name: {key: value for key, value in zip(BOUND_KEYS, bounds_of(bounds), strict=True) if value is not None}
            for name, bounds in options.thresholds.items()
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
