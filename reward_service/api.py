"""The HTTP layer: routes, the error-to-status mapping, body limits and metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .auth import ApiKeyAuth, load_keys
from .config import Settings
from .engine import BatchingEngine, EngineLimits, RequestTooLarge
from .errors import (
    DeadlineExceeded,
    InvalidInput,
    ItemTooLong,
    ModelFailure,
    Overloaded,
    RewardServiceError,
    ShuttingDown,
)
from .loading import RewardModel, load_configured
from .metrics import Metrics
from .ranking import rank_order
from .schemas import (
    ErrorResponse,
    Health,
    InfoResponse,
    Limits,
    RankRequest,
    RankResponse,
    ScoreRequest,
    ScoreResponse,
)
from .service import RewardService, start_engine

logger = logging.getLogger(__name__)
T = TypeVar("T")

ROUTES = ("/score", "/rank", "/info", "/health", "/ready", "/metrics")
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        413: "Body, item count or token count over a limit",
        422: "Invalid input: the body names the item and field",
        429: "Queue full; retry after `Retry-After` seconds",
        500: "The model failed on the batch holding this request",
        503: "Model not ready yet, or shutting down",
        504: "Deadline passed before the request was scored",
    }.items()
}
# Domain errors -> HTTP status, in one place.
STATUS: dict[type[RewardServiceError], int] = {
    RequestTooLarge: 413,
    ItemTooLong: 422,
    InvalidInput: 422,
    Overloaded: 429,
    ShuttingDown: 503,
    DeadlineExceeded: 504,
    ModelFailure: 500,
}


class NotReady(RewardServiceError):
    code = "not_ready"


class ClientGone(RewardServiceError):
    code = "client_closed_request"


STATUS[NotReady] = 503
STATUS[ClientGone] = 499


class ErrorJSON(JSONResponse):
    """Error bodies in ASCII-only JSON: an echoed field name can never break the encoding."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    settings: Settings
    metrics: Metrics
    model: RewardModel | None = None
    engine: BatchingEngine | None = None
    service: RewardService | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def require_service(self) -> RewardService:
        if self.service is None or not self.ready.is_set():
            raise NotReady("the model is still loading; retry shortly")
        return self.service


def create_app(settings: Settings, model: RewardModel | None = None) -> FastAPI:
    """Build the app. With no `model`, the lifespan loads `settings.model` (or the default model)."""
    metrics = Metrics()
    runtime = Runtime(settings=settings, metrics=metrics, model=model)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = runtime.model or (await asyncio.to_thread(load_configured, settings))[0]
        runtime.model = loaded
        engine = start_engine(
            loaded.scorer,
            EngineLimits.from_settings(settings),
            shared_prefix_min_tokens=settings.shared_prefix_min_tokens,
            on_batch=metrics.observe_batch,
        )
        metrics.track_queue(lambda: engine.queue_depth, lambda: engine.queued_tokens)
        runtime.engine = engine
        runtime.service = RewardService(loaded, engine, max_chars_per_item=settings.max_chars_per_item)
        warmup = asyncio.create_task(_warm_up(runtime))
        try:
            yield
        finally:
            warmup.cancel()
            # In-flight requests have been answered by now (the server drains them before
            # the lifespan ends); whatever is still queued is finished, then the worker stops.
            await asyncio.to_thread(engine.stop)
            runtime.service.close()

    app = FastAPI(
        title="reward_service",
        version=__version__,
        description="Multi-attribute reward model scoring (HelpSteer2 attributes and a weighted aggregate).",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    _add_error_handlers(app)
    _add_routes(app, runtime)
    # Outermost last: metrics see every answer; CORS answers preflights before the key check;
    # the key check runs before a body is read.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        ApiKeyAuth,
        keys=load_keys(settings.api_keys, settings.api_key_file),
        protect_metrics=settings.protect_metrics,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
        )
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app


async def _warm_up(runtime: Runtime) -> None:
    """One tiny forward so the first real request does not pay for lazy initialisation."""
    assert runtime.service is not None
    try:
        await runtime.service.score([[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]])
    except Exception:
        logger.exception("warm-up scoring failed; the server stays not ready")
        return
    runtime.ready.set()
    logger.info("model %s ready", runtime.service.spec.name)


def _add_routes(app: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings

    @app.post("/score", response_model=ScoreResponse, responses=ERROR_RESPONSES)
    async def score(body: ScoreRequest, request: Request) -> ScoreResponse:
        """Score each item on every attribute, aggregate, and check thresholds."""
        service = runtime.require_service()
        if len(body.items) > settings.max_items_per_request:
            raise RequestTooLarge(
                f"{len(body.items)} items, over the limit of {settings.max_items_per_request} per request; "
                "split them into several requests",
                loc=("items",),
            )
        thresholds = {name: (t.min, t.max) for name, t in (body.thresholds or {}).items()}
        used, results = await until_disconnected(
            request,
            service.score(
                [item.conversation() for item in body.items],
                weights=body.weights,
                thresholds=thresholds,
                truncation=body.truncation,
                timeout=settings.request_timeout_s,
            ),
        )
        return ScoreResponse(
            model=service.spec.name,
            attributes=list(service.spec.attributes),
            weights=used,
            results=[result.as_result(index) for index, result in enumerate(results)],
        )

    @app.post("/rank", response_model=RankResponse, responses=ERROR_RESPONSES)
    async def rank(body: RankRequest, request: Request) -> RankResponse:
        """Score each response in the same context and sort them by aggregate, best first.

        `chosen` and `rejected` are the indices of the best and worst response. Scores equal
        what /score gives for the same conversations (context plus that response).
        """
        service = runtime.require_service()
        if len(body.responses) > settings.max_items_per_request:
            raise RequestTooLarge(
                f"{len(body.responses)} responses, over the limit of {settings.max_items_per_request} per request; "
                "rank fewer candidates at once",
                loc=("responses",),
            )
        thresholds = {name: (t.min, t.max) for name, t in (body.thresholds or {}).items()}
        try:
            used, results = await until_disconnected(
                request,
                service.score(
                    body.conversations(),
                    weights=body.weights,
                    thresholds=thresholds,
                    truncation=body.truncation,
                    timeout=settings.request_timeout_s,
                ),
            )
        except InvalidInput as exc:
            raise _as_responses_error(exc) from exc
        order = rank_order([result.aggregate for result in results])
        return RankResponse(
            model=service.spec.name,
            attributes=list(service.spec.attributes),
            weights=used,
            results=[results[index].as_result(index) for index in order],
            chosen=order[0],
            rejected=order[-1],
        )

    @app.get("/info", response_model=InfoResponse, responses={503: ERROR_RESPONSES[503]})
    async def info() -> InfoResponse:
        """The model's attributes, default weights and the server's limits."""
        service = runtime.require_service()
        spec, model = service.spec, service.model
        return InfoResponse(
            model=spec.name,
            attributes=list(spec.attributes),
            weights=dict(spec.weights),
            pooling=spec.pooling,
            chat_template=model.encoder.has_template,
            max_tokens_per_item=spec.max_tokens,
            dtype=str(model.dtype).removeprefix("torch."),
            quantize=model.quantize,
            device=str(model.device),
            limits=Limits(
                max_items_per_request=settings.max_items_per_request,
                max_tokens_per_item=spec.max_tokens,
                max_chars_per_item=settings.max_chars_per_item,
                max_batch_tokens=settings.max_batch_tokens,
                max_batch_size=settings.max_batch_size,
                queue_depth=settings.queue_depth,
                max_queue_tokens=settings.max_queue_tokens,
                max_body_bytes=settings.max_body_bytes,
                request_timeout_s=settings.request_timeout_s,
            ),
        )

    @app.get("/health", response_model=Health)
    async def health() -> Health:
        """Alive: the process answers."""
        return Health(status="ok")

    @app.get("/ready", response_model=Health, responses={503: ERROR_RESPONSES[503]})
    async def ready() -> Health:
        """Ready: the model is loaded and warmed up."""
        runtime.require_service()
        return Health(status="ok")

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


def _as_responses_error(exc: InvalidInput) -> InvalidInput:
    """The service names scored conversations `items[i]`; in /rank conversation i is `responses[i]`."""
    if not exc.loc or exc.loc[0] != "items":
        return exc
    return type(exc)(str(exc), loc=("responses", *exc.loc[1:2]))


async def until_disconnected(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it (and so dropping its queued items) if the client goes away."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request.receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, watcher):
            if not pending.done():
                pending.cancel()
        # Let the cancellation reach the engine (dropping queued items) before we answer.
        await asyncio.gather(task, watcher, return_exceptions=True)
    if not task.cancelled():
        return task.result()
    raise ClientGone("the client closed the connection before its scores were ready")


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RewardServiceError)
    async def domain_error(request: Request, exc: RewardServiceError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
        details = [{"loc": list(exc.loc), "message": str(exc)}] if isinstance(exc, InvalidInput) and exc.loc else []
        headers = {}
        if isinstance(exc, Overloaded):
            headers["Retry-After"] = str(int(exc.retry_after))
        elif isinstance(exc, ShuttingDown | NotReady):
            headers["Retry-After"] = "1"
        if status >= 500:
            logger.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc)
        return ErrorJSON(error_body(exc.code, str(exc), details), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [], "message": f"the body is not valid JSON (error at character {e['loc'][-1]})"}
            if e.get("type") == "json_invalid"
            else {"loc": _public_loc(e.get("loc", ())), "message": _message(e)}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{_dotted(d['loc'])}: {d['message']}" for d in details[:5])
        if len(details) > 5:
            summary += f"; and {len(details) - 5} more"
        return ErrorJSON(error_body("invalid_request", summary or "invalid request", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only 400: a body it could not parse (not UTF-8, or nested too deeply).
            message = "the body could not be parsed: send UTF-8 JSON without extreme nesting"
            return ErrorJSON(error_body("invalid_request", message), status_code=422)
        return ErrorJSON(error_body("http_error", str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return ErrorJSON(error_body("internal_error", "internal server error"), status_code=500)


def _public_loc(loc: Any) -> list[str | int]:
    """Drop FastAPI's leading `body` and pydantic's union/validator noise from a location."""
    parts = [p for p in loc if p != "body" and not (isinstance(p, str) and p.startswith("function-"))]
    return [p if isinstance(p, int) else str(p) for p in parts]


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


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
            await self._reject(send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
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

    async def _reject(self, send: Send) -> None:
        payload = json.dumps(
            error_body(
                "body_too_large",
                f"the request body is over the limit of {self.max_bytes} bytes; send fewer items per request",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class RequestMetrics:
    """Count requests by route and status, and time them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in ROUTES else "other"
        status = 500
        started = time.perf_counter()

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
