"""ASGI middlewares: request ids, request metrics and the request log, and the body-size limit
(the API-key check is in `auth`)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import send_error
from .logs import request_id
from .metrics import Metrics

logger = logging.getLogger("reward_service.requests")

ROUTES = ("/score", "/rank", "/info", "/health", "/ready", "/metrics")
# The OpenAI-compatible routes (`openai_routes`): served and counted, but not in the OpenAPI spec.
OPENAI_ROUTES = ("/v1/chat/completions", "/v1/models")
COUNTED = frozenset((*ROUTES, *OPENAI_ROUTES))
PROBES = ("/health", "/ready")


class BodyLimit:
    """Answer 413 for a body over `max_bytes`, counting what arrives, not just Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send, scope["path"])
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send, scope["path"])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, path: str) -> None:
        message = f"the request body is over the limit of {self.max_bytes} bytes; send fewer items per request"
        await send_error(send, 413, "body_too_large", message, path=path)


REQUEST_ID_HEADER = b"x-request-id"
# A client's id is kept when it is 1-128 visible ASCII characters (no spaces): safe to echo in a
# header and a log line. Any other value is replaced by one of ours.
_CLIENT_ID = re.compile(r"[!-~]{1,128}")
_ERROR_BODY_BYTES = 65536  # error bodies are small; past this the code is not looked for
CLIENT_GONE = 499  # logged for a request that got no answer because its client left first


class RequestLog:
    """Give every request an id, answer it in `X-Request-ID`, count and time it by route and
    status in the metrics, and log one line per request.

    The id is the client's `X-Request-ID` when it is usable, else a new one. It is set in the
    `request_id` context variable (so every record logged while the request runs carries it,
    error bodies included) and in `request.state.request_id`. The line, written when the answer
    is complete, is at debug level for a success, warning for a 4xx and error for a 5xx, with
    the method, path, status, duration and, for an error, its code.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        rid = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id.set(rid)
        status: int | None = None
        error_body = bytearray()
        started = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())]}
            elif message["type"] == "http.response.body" and (status or 0) >= 400:
                error_body.extend(message.get("body", b"")[: _ERROR_BODY_BYTES - len(error_body)])
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        except Exception:
            # A bug below: the client gets the ordinary 500 body with its id (unless an answer
            # had begun), and the one line for this request carries the traceback.
            if status is None:
                await send_error(tagged, 500, "internal_error", "internal server error", path=scope.get("path", ""))
            self._count(scope, 500, started)
            self._log(scope, 500, time.perf_counter() - started, "internal_error", failed=True)
        else:
            # Counted as 500 when there was no answer at all; logged as the client leaving first.
            self._count(scope, status or 500, started)
            code = _error_code(bytes(error_body)) if status and status >= 400 else None
            self._log(scope, status or CLIENT_GONE, time.perf_counter() - started, code)
        finally:
            request_id.reset(token)

    def _count(self, scope: Scope, status: int, started: float) -> None:
        route = scope["path"] if scope["path"] in COUNTED else "other"
        self.metrics.requests.labels(route, str(status)).inc()
        self.metrics.latency.labels(route).observe(time.perf_counter() - started)

    @staticmethod
    def _log(scope: Scope, status: int, seconds: float, code: str | None, *, failed: bool = False) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        if status < 400 or (path in PROBES and status == 503 and not failed):
            level = logging.DEBUG  # a probe's "not ready" is an answer, not a failure
        else:
            level = logging.WARNING if status < 500 else logging.ERROR
        if not logger.isEnabledFor(level):
            return
        logger.log(
            level,
            "%s %s -> %d%s in %.1f ms",
            method,
            path,
            status,
            f" {code}" if code else "",
            seconds * 1000,
            exc_info=failed,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "error_code": code,
            },
        )


def _error_code(body: bytes) -> str | None:
    """`error.code` of an error body (ours or OpenAI's), when it has one."""
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None
