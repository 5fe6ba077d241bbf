"""The blocking client."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from ..server.schemas import InfoResponse, RankResponse, ScoreResponse
from .common import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
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


class RewardClient:
    """Blocking client. One pooled connection set per instance; close it (or use `with`)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_items_per_request: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`max_items_per_request` lowers the server's own limit; `transport` and `sleep` are for
        tests (an httpx.MockTransport, a sleep that records instead of waiting)."""
        self.retry = retry
        self._max_items = max_items_per_request
        self._sleep = sleep
        self._limits: ServerLimits | None = None
        self._http = httpx.Client(
            base_url=url, headers=default_headers(api_key), timeout=as_timeout(timeout), transport=transport
        )

    def __enter__(self) -> RewardClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def info(self) -> InfoResponse:
        """The model, its attributes and default weights, and the server's limits."""
        return parse_body(InfoResponse, self._request("GET", "/info"))

    def score(
        self,
        items: Sequence[Item],
        *,
        weights: Mapping[str, float] | None = None,
        thresholds: Thresholds | None = None,
        truncation: Truncation = "none",
    ) -> ScoreResponse:
        """Scores for every item, in order, however many: split into requests within the server's limits.

        Items are `{"prompt", "response"}` or `{"messages"}` mappings, or ScoreItem.
        Raises ServerError (with `details` counting from the first item), RetriesExhausted or
        ItemTooLarge.
        """
        chunks = plan_chunks(items, request_options(weights, thresholds, truncation), self._server_limits())
        responses = []
        for chunk in chunks:
            try:
                response = self._request("POST", "/score", content=chunk.body)
            except ServerError as exc:
                raise exc.shifted(chunk.offset) from None
            responses.append(parse_body(ScoreResponse, response))
        return merge_scores(chunks, responses, len(items))

    def rank(
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
        return parse_body(RankResponse, self._request("POST", "/rank", json=body))

    def _server_limits(self) -> ServerLimits:
        if self._limits is None:
            limits = self.info().limits
            items = min(limits.max_items_per_request, self._max_items or limits.max_items_per_request)
            self._limits = ServerLimits(max_items=items, max_body_bytes=limits.max_body_bytes)
        return self._limits

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "content" in kwargs:
            kwargs.setdefault("headers", {})["content-type"] = "application/json"
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                response = self._http.request(method, path, **kwargs)
                if response.is_success:
                    return response
                error: BaseException = server_error(response)
            except httpx.TransportError as exc:
                error = exc
            if not is_retryable(self.retry, error):
                raise error
            if attempt == self.retry.max_attempts:
                raise RetriesExhausted(attempt, error) from error
            self._sleep(self.retry.delay(attempt, getattr(error, "retry_after", None)))
        raise AssertionError("unreachable: the loop returns or raises")
