"""The asyncio client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from ..server.schemas import InfoResponse, RankResponse, ScoreResponse
from .common import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    Chunk,
    Item,
    RetriesExhausted,
    RetryPolicy,
    ServerError,
    ServerLimits,
    Thresholds,
    Truncation,
    as_timeout,
    default_headers,
    is_retryable,
    merge_scores,
    parse_body,
    plan_chunks,
    rank_body,
    request_options,
    server_error,
)

T = TypeVar("T")


class AsyncRewardClient:
    """asyncio client: like RewardClient, with up to `concurrency` requests in flight at once."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        concurrency: int = 4,
        max_items_per_request: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.retry = retry
        self._max_items = max_items_per_request
        self._sleep = sleep
        self._limits: ServerLimits | None = None
        self._limits_lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(concurrency)
        self._http = httpx.AsyncClient(
            base_url=url,
            headers=default_headers(api_key),
            timeout=as_timeout(timeout),
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    async def __aenter__(self) -> AsyncRewardClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def info(self) -> InfoResponse:
        """The model, its attributes and default weights, and the server's limits."""
        return parse_body(InfoResponse, await self._request("GET", "/info"))

    async def score(
        self,
        items: Sequence[Item],
        *,
        weights: Mapping[str, float] | None = None,
        thresholds: Thresholds | None = None,
        truncation: Truncation = "none",
    ) -> ScoreResponse:
        """Like RewardClient.score; the requests run concurrently, results come back in input order.

        The first failing request cancels the others and its error is raised.
        """
        chunks = plan_chunks(items, request_options(weights, thresholds, truncation), await self._server_limits())

        async def one(chunk: Chunk) -> ScoreResponse:
            try:
                response = await self._request("POST", "/score", content=chunk.body)
            except ServerError as exc:
                raise exc.shifted(chunk.offset) from None
            return parse_body(ScoreResponse, response)

        responses = await _all_or_nothing([one(chunk) for chunk in chunks])
        return merge_scores(chunks, responses, len(items))

    async def rank(
        self,
        responses: Sequence[str],
        *,
        prompt: str | None = None,
        messages: Sequence[Mapping[str, str]] | None = None,
        weights: Mapping[str, float] | None = None,
        thresholds: Thresholds | None = None,
        truncation: Truncation = "none",
    ) -> RankResponse:
        """Rank candidate `responses` to one context (`prompt`, or `messages` ending with a user turn)."""
        body = rank_body(responses, prompt, messages, request_options(weights, thresholds, truncation))
        return parse_body(RankResponse, await self._request("POST", "/rank", json=body))

    async def server_limit(self) -> int:
        """Items per request this client sends: the server's limit, or the lower one it was given."""
        return (await self._server_limits()).max_items

    async def _server_limits(self) -> ServerLimits:
        async with self._limits_lock:
            if self._limits is None:
                limits = (await self.info()).limits
                items = min(limits.max_items_per_request, self._max_items or limits.max_items_per_request)
                self._limits = ServerLimits(max_items=items, max_body_bytes=limits.max_body_bytes)
            return self._limits

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "content" in kwargs:
            kwargs.setdefault("headers", {})["content-type"] = "application/json"
        async with self._in_flight:
            for attempt in range(1, self.retry.max_attempts + 1):
                try:
                    response = await self._http.request(method, path, **kwargs)
                    if response.is_success:
                        return response
                    error: BaseException = server_error(response)
                except httpx.TransportError as exc:
                    error = exc
                if not is_retryable(self.retry, error):
                    raise error
                if attempt == self.retry.max_attempts:
                    raise RetriesExhausted(attempt, error) from error
                await self._sleep(self.retry.delay(attempt, getattr(error, "retry_after", None)))
        raise AssertionError("unreachable: the loop returns or raises")


async def _all_or_nothing(work: Sequence[Awaitable[T]]) -> list[T]:
    """Results of every awaitable in order; on the first failure the rest are cancelled and it is raised."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
