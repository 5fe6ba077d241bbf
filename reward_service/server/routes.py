"""The routes: /score, /rank, /info, the probes and /metrics (the OpenAI-compatible ones: `openai_routes`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import Receive

from ..config import Settings
from ..engine import RequestTooLarge
from ..service import ItemScore, RewardService, rank_order
from .errors import COLLECTION, ClientGone, NotReady
from .metrics import Metrics
from .schemas import (
    ErrorResponse,
    Health,
    InfoResponse,
    ItemResult,
    Limits,
    RankRequest,
    RankResponse,
    RequestOptions,
    ScoreRequest,
    ScoreResponse,
)

if TYPE_CHECKING:
    from ..model.formatting import Conversation
    from ..model.loading import RewardModel

T = TypeVar("T")
# Why the service as a whole is not ready yet, or None when it is (see create_app).
ReadyCheck = Callable[[], Awaitable[str | None]]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        413: "Body, item count or token count over a limit",
        415: "Body not sent as JSON: send it with `Content-Type: application/json`",
        422: "Invalid input: the body names the item and field",
        429: "Queue full; retry after `Retry-After` seconds",
        500: "The model failed on the batch holding this request",
        503: "Model not ready yet, or shutting down",
        504: "Deadline passed before the request was scored",
    }.items()
}


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    settings: Settings
    metrics: Metrics
    model: RewardModel | None = None
    service: RewardService | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ready_check: ReadyCheck | None = None  # see create_app

    def require_service(self) -> RewardService:
        if self.service is None or not self.ready.is_set():
            raise NotReady("the model is still loading; retry shortly")
        return self.service


async def scored(
    runtime: Runtime,
    request: Request,
    body: RequestOptions,
    conversations: Sequence[Conversation],
    what: str,
    advice: str,
) -> tuple[RewardService, dict[str, float], list[ItemScore]]:
    """The service's scores for a request's conversations, under its options; cancelled (its
    queued rows dropped) if the client goes away. The one scoring path of every route."""
    settings = runtime.settings
    service = runtime.require_service()
    if len(conversations) > settings.max_items_per_request:
        raise RequestTooLarge(
            f"{len(conversations)} {what}, over the limit of {settings.max_items_per_request} per request; {advice}"
        )
    thresholds = {name: t.bounds() for name, t in (body.thresholds or {}).items()}
    used, results = await until_disconnected(
        request,
        service.score(
            conversations,
            weights=body.weights,
            thresholds=thresholds,
            truncation=body.truncation,
            timeout=settings.request_timeout_s,
        ),
    )
    return service, used, results


def add_routes(app: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings

    @app.post("/score", response_model=ScoreResponse, responses=ERROR_RESPONSES)
    async def score(body: ScoreRequest, request: Request) -> ScoreResponse:
        """Score each item on every attribute, aggregate, and check thresholds."""
        conversations = [item.conversation() for item in body.items]
        service, used, results = await scored(
            runtime, request, body, conversations, "items", "split them into several requests"
        )
        return ScoreResponse(
            model=service.spec.name,
            attributes=list(service.spec.attributes),
            weights=used,
            results=[ItemResult.of(index, result) for index, result in enumerate(results)],
        )

    @app.post("/rank", response_model=RankResponse, responses=ERROR_RESPONSES)
    async def rank(body: RankRequest, request: Request) -> RankResponse:
        """Score each response in the same context and sort them by aggregate, best first.

        `chosen` and `rejected` are the indices of the best and worst response. Scores equal
        what /score gives for the same conversations (context plus that response).
        """
        setattr(request.state, COLLECTION, "responses")
        service, used, results = await scored(
            runtime, request, body, body.conversations(), "responses", "rank fewer candidates at once"
        )
        order = rank_order([result.aggregate for result in results])
        return RankResponse(
            model=service.spec.name,
            attributes=list(service.spec.attributes),
            weights=used,
            results=[ItemResult.of(index, results[index]) for index in order],
            chosen=order[0],
            rejected=order[-1],
        )

    @app.get("/info", response_model=InfoResponse, responses={503: ERROR_RESPONSES[503]})
    async def info() -> InfoResponse:
        """The model's attributes, default weights, whether it reports uncertainty, and the server's limits."""
        service = runtime.require_service()
        spec, model = service.spec, service.model
        return InfoResponse(
            model=spec.name,
            attributes=list(spec.attributes),
            weights=dict(spec.weights),
            pooling=spec.pooling,
            chat_template=model.encoder.has_template,
            max_tokens_per_item=spec.max_tokens,
            dtype=model.precision,
            quantize=model.quantize,
            uncertainty=spec.uncertainty,
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
        if runtime.ready_check is not None and (problem := await runtime.ready_check()) is not None:
            raise NotReady(problem)
        return Health(status="ok")

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


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
