"""The one mapping from domain errors to HTTP: status, headers and the stable error body.

Every error answer, from a route, a middleware or validation, has the body
`{"error": {"code", "message", "details": [{"loc", "message"}]}}` in ASCII-only JSON. Domain
errors name an item index and a field; here they become a `loc` in the request's own terms
(`items[i]` for /score, `responses[i]` for /rank).

The OpenAI-compatible routes under `/v1/` answer OpenAI's error body instead
(`{"error": {"message", "type", "param", "code"}}`, see `openai_error_body`), so that the
`openai` client raises its own exceptions with a readable message; `openai_routes` renders it
from the same statuses, codes and messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from ..engine import RequestTooLarge
from ..errors import (
    DeadlineExceeded,
    InvalidInput,
    ItemTooLong,
    ModelFailure,
    Overloaded,
    RewardServiceError,
    ShuttingDown,
)
from .logs import request_id


class NotReady(RewardServiceError):
    code = "not_ready"


class ClientGone(RewardServiceError):
    code = "client_closed_request"


class ModelNotFound(InvalidInput):
    """A request names a model this server does not serve (the OpenAI-compatible routes)."""

    code = "model_not_found"


# Domain errors -> HTTP status, in one place; the first match wins.
STATUS: dict[type[RewardServiceError], int] = {
    ModelNotFound: 404,
    RequestTooLarge: 413,
    ItemTooLong: 422,
    InvalidInput: 422,
    Overloaded: 429,
    NotReady: 503,
    ShuttingDown: 503,
    DeadlineExceeded: 504,
    ClientGone: 499,
    ModelFailure: 500,
}
# The name of the list whose items a request's conversations are; set per route on request.state.
COLLECTION = "collection"
# Paths under this prefix are the OpenAI-compatible routes: their errors have OpenAI's body.
OPENAI_PREFIX = "/v1/"
# FastAPI's only 400: a body it could not parse (not UTF-8, or nested too deeply).
UNPARSABLE = "the body could not be parsed: send UTF-8 JSON without extreme nesting"


def error_body(code: str, message: str, details: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Our error body, with the id of the request it answers (also in its `X-Request-ID`)."""
    return {"error": {"code": code, "message": message, "details": list(details), "request_id": request_id.get()}}


def openai_error_body(status: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error body: `type` is "server_error" for a 5xx, else "invalid_request_error";
    `param` names the request field at fault (e.g. "messages"), when one is."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def status_of(exc: RewardServiceError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)


def headers_of(exc: RewardServiceError) -> dict[str, str]:
    """When to come back, for the errors a client should retry."""
    if isinstance(exc, Overloaded):
        return {"Retry-After": str(int(exc.retry_after))}
    if isinstance(exc, ShuttingDown | NotReady):
        return {"Retry-After": "1"}
    return {}


def ascii_json(content: Any) -> bytes:
    """ASCII-only JSON: an echoed field name can never break the encoding of an error body."""
    return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def send_error(
    send: Send, status: int, code: str, message: str, headers: Sequence[tuple[bytes, bytes]] = (), *, path: str = ""
) -> None:
    """Answer from ASGI middleware, before any route runs, with the same body as the route at `path`."""
    content = openai_error_body(status, code, message) if path.startswith(OPENAI_PREFIX) else error_body(code, message)
    body = ascii_json(content)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ErrorJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return ascii_json(content)


def loc_of(exc: InvalidInput, collection: str) -> list[str | int]:
    """Where in the request body an input error points.

    An item's error is `[collection, index, *field]`. In /rank a conversation is the context
    plus one response, so its fields name nothing in the body: the location is the response.
    """
    if exc.item is not None:
        return [collection, exc.item, *exc.field] if collection == "items" else [collection, exc.item]
    if isinstance(exc, RequestTooLarge) and not exc.field:
        return [collection]
    return list(exc.field)


TRUNCATE = 'send "truncation": "left"'


def message_of(exc: RewardServiceError) -> str:
    """The error's message for an HTTP client: with the request option that fixes it, if any."""
    return f"{exc}; {exc.remedy(TRUNCATE)}" if isinstance(exc, ItemTooLong) else str(exc)


def detail_of(exc: InvalidInput, message: str) -> str:
    """A detail's message: an item's is about "the conversation" (its loc says which one)."""
    return f"the conversation {exc.problem}" if exc.item is not None else message


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RewardServiceError)
    async def domain_error(request: Request, exc: RewardServiceError) -> JSONResponse:
        status = status_of(exc)
        message = message_of(exc)
        details = []
        if isinstance(exc, InvalidInput):
            loc = loc_of(exc, getattr(request.state, COLLECTION, "items"))
            details = [{"loc": loc, "message": detail_of(exc, message)}] if loc else []
        return ErrorJSON(error_body(exc.code, message, details), status_code=status, headers=headers_of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        refused = media_type_problem(request, exc)
        if refused is not None:
            # 415, as HTTP has it for a body in a format the route does not take: a 422 would
            # blame the body's content, which was never read.
            return ErrorJSON(error_body("unsupported_media_type", refused), status_code=415)
        details = validation_details(exc)
        return ErrorJSON(error_body("invalid_request", validation_summary(details), details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            return ErrorJSON(error_body("invalid_request", UNPARSABLE), status_code=422)
        return ErrorJSON(error_body("http_error", str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


def is_json_media_type(content_type: str) -> bool:
    """FastAPI's rule for a body it parses as JSON: `application/json` or `application/*+json`,
    whatever the parameters (`; charset=utf-8`)."""
    kind, _, subtype = content_type.partition(";")[0].strip().lower().partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def media_type_problem(request: Request, exc: RequestValidationError) -> str | None:
    """Why the body was never read as JSON, when that is what failed validation; else None.

    FastAPI hands a route the raw bytes of a non-empty body whose Content-Type is not JSON (or
    that has none), which then fails validation as "not a valid dictionary". An empty body is
    a missing body, whatever its Content-Type: that stays a 422 naming `body`.
    """
    content_type = request.headers.get("content-type")
    if not isinstance(exc.body, bytes | bytearray) or (content_type and is_json_media_type(content_type)):
        return None
    sent = f"with Content-Type {content_type!r}" if content_type else "without a Content-Type"
    return f"the body was sent {sent}, so it was not read as JSON; send it with 'Content-Type: application/json'"


def validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One `{"loc", "message"}` per problem, in the request's own terms."""
    return [
        {"loc": [], "message": f"the body is not valid JSON (error at character {e['loc'][-1]})"}
        if e.get("type") == "json_invalid"
        else {"loc": _public_loc(e.get("loc", ())), "message": _message(e)}
        for e in exc.errors()
    ]


def validation_summary(details: Sequence[Mapping[str, Any]]) -> str:
    """The first few problems on one line, each as `field: message`."""
    summary = "; ".join(f"{dotted(d['loc'])}: {d['message']}" for d in details[:5])
    if len(details) > 5:
        summary += f"; and {len(details) - 5} more"
    return summary or "invalid request"


def _public_loc(loc: Any) -> list[str | int]:
    """Drop FastAPI's leading `body` and pydantic's union/validator noise from a location."""
    parts = [p for p in loc if p != "body" and not (isinstance(p, str) and p.startswith("function-"))]
    return [p if isinstance(p, int) else str(p) for p in parts]


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def dotted(loc: Sequence[str | int]) -> str:
    """A location as a client writes it: `items[3].response`; `body` for the body itself."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"
