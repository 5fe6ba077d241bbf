"""The FastAPI app: its lifespan (load, build the service, warm up, drain), routes, middlewares."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .. import __version__
from ..config import Settings
from ..service import build, load
from .auth import ApiKeyAuth, load_keys
from .contract import install_openapi
from .docs_routes import add_docs_routes
from .errors import add_error_handlers
from .metrics import Metrics
from .middleware import REQUEST_ID_HEADER, ROUTES, BodyLimit, RequestLog
from .openai_routes import add_openai_routes
from .routes import ReadyCheck, Runtime, add_routes
from .ui_routes import add_ui_routes

if TYPE_CHECKING:
    from ..model.loading import RewardModel

logger = logging.getLogger(__name__)

__all__ = ["ROUTES", "create_app"]


def create_app(
    settings: Settings,
    model: RewardModel | None = None,
    *,
    ready_check: ReadyCheck | None = None,
    warm_up_in_startup: bool = False,
) -> FastAPI:
    """Build the app. With no `model`, the lifespan loads `settings.model` (or the default model).

    For hosts that run many copies of the app (Ray Serve replicas): `ready_check` is asked by
    /ready once this copy is warm, and says why the whole service is not ready yet (None when it
    is); `warm_up_in_startup` finishes the warm-up inside the lifespan's startup, failing it if
    the warm-up fails, for a host that sends requests to a copy once its startup completes.
    """
    metrics = Metrics()
    runtime = Runtime(settings=settings, metrics=metrics, model=model, ready_check=ready_check)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = runtime.model or (await asyncio.to_thread(load, settings))[0]
        runtime.model = loaded
        service = build(
            settings,
            loaded,
            on_batch=metrics.observe_batch,
            on_phase=metrics.observe_phase,
            on_cache=metrics.observe_cache,
        )
        metrics.track_queue(lambda: service.engine.queue_depth, lambda: service.engine.queued_tokens)
        metrics.track_cache(lambda: len(service.cache), lambda: service.cache.bytes)
        runtime.service = service
        warmup = asyncio.create_task(_warm_up(runtime))
        try:
            if warm_up_in_startup:
                await warmup
                if not runtime.ready.is_set():
                    raise RuntimeError("the warm-up scoring failed (logged above), so the app does not start")
            yield
        finally:
            warmup.cancel()
            # In-flight requests have been answered by now (the server drains them before
            # the lifespan ends); whatever is still queued is finished, then the worker stops.
            await asyncio.to_thread(service.close)

    app = FastAPI(
        title="reward_service",
        version=__version__,
        description="Multi-attribute reward model scoring (HelpSteer2 attributes and a weighted aggregate).",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc: add_docs_routes, with their assets served from here
        redoc_url=None,
    )
    app.state.runtime = runtime
    add_error_handlers(app)
    add_routes(app, runtime)
    add_openai_routes(app, runtime)
    add_docs_routes(app)
    install_openapi(app, runtime)
    add_ui_routes(app)
    # Outermost last: every answer carries a request id, is counted and is logged; CORS
    # answers preflights before the key check; the key check runs before a body is read.
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
            allow_headers=["authorization", "content-type", REQUEST_ID_HEADER.decode()],
            expose_headers=[REQUEST_ID_HEADER.decode()],
        )
    app.add_middleware(RequestLog, metrics=metrics)
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
