"""What both clients share: errors, the retry policy, request planning and response parsing.

Internal to the client package; import the public names from `reward_service.client`.
"""

from __future__ import annotations

import email.utils
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .. import __version__
from ..server.schemas import ErrorDetail, ItemResult, ScoreItem, ScoreResponse, Threshold

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Item = ScoreItem | Mapping[str, Any]
Thresholds = Mapping[str, Threshold | Mapping[str, float]]
Truncation = Literal["none", "left"]

DEFAULT_TIMEOUT = 330.0  # a little over the server's default request deadline (300 s)
_BODY_MARGIN = 4096  # bytes kept free in each request body for its non-item fields


class RewardClientError(Exception):
    """Base class of every error the clients raise on purpose."""


class ServerError(RewardClientError):
    """The server answered with an error. `code`, `message` and `details` are its stable error body;
    `details[i].loc` counts items from the start of the caller's input, not of the request."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[ErrorDetail] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.retry_after = retry_after

    def shifted(self, offset: int) -> ServerError:
        """This error with item indices in `details` moved by `offset` (chunk -> whole input)."""
        if offset == 0:
            return self
        details = [
            ErrorDetail(loc=[loc[0], loc[1] + offset, *loc[2:]], message=d.message)
            if len(loc := d.loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int)
            else d
            for d in self.details
        ]
        return ServerError(self.status, self.code, self.message, details, self.retry_after)


class RetriesExhausted(RewardClientError):
    """Every attempt allowed by the RetryPolicy failed with a retryable error; `last` is the last one."""

    def __init__(self, attempts: int, last: BaseException) -> None:
        super().__init__(
            f"gave up after {attempts} attempts: {last}. The server is overloaded, starting or unreachable: "
            "retry later, allow more attempts (RetryPolicy.max_attempts) or send less at once (concurrency)"
        )
        self.attempts = attempts
        self.last = last


class ItemTooLarge(RewardClientError):
    """One item alone is larger, serialized, than the server accepts in a whole request body."""

    def __init__(self, index: int, size: int, limit: int) -> None:
        super().__init__(
            f"item {index} is {size} bytes as JSON, over the server's body limit of {limit} bytes; shorten it"
        )
        self.index = index
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry a request.

    Retried: the statuses in `statuses` (overloaded, not ready) and connection-level errors
    (refused, reset, timed out). The wait before retry n (n = 1, 2, ...) is the server's
    `Retry-After` when it sends one, else `backoff * 2**(n-1)`; either is capped at
    `max_backoff` and stretched by up to `jitter` (a fraction) so that many clients do not
    come back at the same instant.
    """

    max_attempts: int = 5  # tries per request, the first included
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0
    jitter: float = 0.1
    statuses: frozenset[int] = frozenset({429, 503})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.backoff < 0 or self.max_backoff < 0 or self.jitter < 0:
            raise ValueError("backoff, max_backoff and jitter must not be negative")

    def delay(self, retry: int, retry_after: float | None, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        base = retry_after if retry_after is not None else self.backoff * 2 ** (retry - 1)
        return min(self.max_backoff, base) * (1 + self.jitter * rand())


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class ServerLimits:
    max_items: int
    max_body_bytes: int


@dataclass(frozen=True)
class Chunk:
    offset: int  # index of its first item in the caller's input
    body: bytes


def default_headers(api_key: str | None) -> dict[str, str]:
    headers = {"user-agent": f"reward-service-client/{__version__}", "accept": "application/json"}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    return headers


def as_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=min(timeout, 10.0))


def request_options(weights: Mapping[str, float] | None, thresholds: Thresholds | None, truncation: Truncation) -> dict:
    options: dict[str, Any] = {"truncation": truncation}
    if weights is not None:
        options["weights"] = dict(weights)
    if thresholds is not None:
        options["thresholds"] = {
            name: bound.model_dump(exclude_none=True) if isinstance(bound, Threshold) else dict(bound)
            for name, bound in thresholds.items()
        }
    return options


def item_json(item: Item) -> bytes:
    value = item.model_dump(exclude_none=True) if isinstance(item, ScoreItem) else dict(item)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def plan_chunks(items: Sequence[Item], options: Mapping[str, Any], limits: ServerLimits) -> list[Chunk]:
    """Request bodies of consecutive items, each within the server's item and byte limits."""
    if not items:
        raise ValueError("score needs at least one item")
    tail = json.dumps(options, separators=(",", ":")).encode()[1:]  # `"truncation":...}` without its `{`
    budget = limits.max_body_bytes - len(tail) - _BODY_MARGIN
    chunks: list[Chunk] = []
    encoded: list[bytes] = []
    size = offset = 0

    def close() -> None:
        nonlocal encoded, size
        chunks.append(Chunk(offset, b'{"items":[' + b",".join(encoded) + b"]," + tail))
        encoded, size = [], 0

    for index, item in enumerate(items):
        data = item_json(item)
        if len(data) + 1 > budget:
            raise ItemTooLarge(index, len(data), limits.max_body_bytes)
        if encoded and (len(encoded) >= limits.max_items or size + len(data) + 1 > budget):
            close()
            offset = index
        encoded.append(data)
        size += len(data) + 1
    if encoded:
        close()
    return chunks


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds: a number, or an HTTP date converted to seconds from now."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def server_error(response: httpx.Response) -> ServerError:
    """The stable error body as a ServerError; anything else (a proxy's page) as `http_error`."""
    try:
        error = response.json()["error"]
        return ServerError(
            response.status_code,
            str(error["code"]),
            str(error["message"]),
            [ErrorDetail.model_validate(d) for d in error.get("details", [])],
            retry_after_seconds(response),
        )
    except (ValueError, KeyError, TypeError, ValidationError):
        text = response.text[:200].strip() or response.reason_phrase
        return ServerError(response.status_code, "http_error", text, retry_after=retry_after_seconds(response))


def parse_body(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise RewardClientError(
            f"{response.request.url} answered {response.status_code} with a body that is not a "
            f"{model.__name__}: {exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}; "
            "is this URL a reward_service server of a compatible version?"
        ) from exc


def merge_scores(chunks: Sequence[Chunk], responses: Sequence[ScoreResponse], items: int) -> ScoreResponse:
    """One ScoreResponse for the whole input: results in input order, indices from 0."""
    results: list[ItemResult] = []
    for chunk, response in zip(chunks, responses, strict=True):
        results.extend(r.model_copy(update={"index": chunk.offset + r.index}) for r in response.results)
    if len(results) != items or any(r.index != i for i, r in enumerate(results)):
        raise RewardClientError(f"the server returned {len(results)} results for {items} items, or out of order")
    first = responses[0]
    return ScoreResponse(model=first.model, attributes=first.attributes, weights=first.weights, results=results)


def rank_body(
    responses: Sequence[str],
    prompt: str | None,
    messages: Sequence[Mapping[str, str]] | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {"responses": list(responses), **options}
    if prompt is not None:
        body["prompt"] = prompt
    if messages is not None:
        body["messages"] = [dict(m) for m in messages]
    return body


def is_retryable(policy: RetryPolicy, error: BaseException) -> bool:
    return isinstance(error, httpx.TransportError) or (
        isinstance(error, ServerError) and error.status in policy.statuses
    )
