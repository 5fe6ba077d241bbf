"""NVIDIA's hosted reward API, so that code written for Nemotron-4-340B-Reward with the
`openai` client runs unchanged against this server (`base_url="http://HOST:PORT/v1"`).

* `POST /v1/chat/completions` scores a conversation's final assistant turn and answers a
  `chat.completion` carrying the scores (see `openai_schemas`). The scores are /score's for
  the same conversation: the request goes through the same scoring path (`routes.scored`),
  so batching, limits, errors for conversations over the token limit and cancellation when
  the client goes away are shared. Weights, thresholds and uncertainty are not part of it.
* `GET /v1/models` lists the model's name and its aliases (`served_model_names`); a request's
  `model` must be one of them.

Errors here have OpenAI's body, `{"error": {"message", "type", "param", "code"}}`, so that the
client raises its own exception (`openai.BadRequestError`, `NotFoundError`, ...) whose message
is ours. Every invalid request is 400, as OpenAI answers invalid requests: a body that does not
parse or validate, a conversation that breaks the rule of /score, `stream: true` or `n` over 1,
a conversation over the token limit. Where /score answers 422 this route answers 400; other
statuses are /score's (404 for an unknown model, 401 for a missing API key, 413, 415 for a body
not sent as JSON, 429, 503, ...).

The routes are left out of the OpenAPI description: their errors do not have the
`ErrorResponse` body it documents for every route, and OpenAI clients do not read it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InvalidInput, ItemTooLong, RewardServiceError
from .errors import (
    UNPARSABLE,
    ErrorJSON,
    ModelNotFound,
    dotted,
    headers_of,
    media_type_problem,
    openai_error_body,
    status_of,
    validation_details,
    validation_summary,
)
from .openai_schemas import ChatCompletion, ChatCompletionRequest, ModelCard, ModelList
from .routes import Runtime, scored
from .schemas import RequestOptions, check_turns

logger = logging.getLogger(__name__)

# The model's own weights, no thresholds, no truncation: this route has none of /score's options.
PLAIN = RequestOptions(weights=None, thresholds=None, truncation="none")
STREAMING = "streaming is not supported: scores come in one response; drop stream"
# How a client asks for the oldest context to be cut, which this route does not offer.
TRUNCATE = 'score it with POST /score and "truncation": "left"'


def add_openai_routes(app: FastAPI, runtime: Runtime) -> None:
    router = APIRouter(prefix="/v1", route_class=OpenAIRoute, include_in_schema=False)
    started = int(time.time())

    def names() -> list[str]:
        """The names the model answers to: its own first, then the aliases."""
        service = runtime.require_service()
        return list(dict.fromkeys([service.spec.name, *runtime.settings.served_model_names]))

    @router.post("/chat/completions", response_model=ChatCompletion)
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> ChatCompletion:
        """Score the conversation's final assistant turn on every attribute of the model."""
        conversation = conversation_of(body, names())
        service, _, results = await scored(runtime, request, PLAIN, [conversation], "conversations", "send one")
        (result,) = results
        return ChatCompletion.of(
            id="chatcmpl-" + uuid.uuid4().hex,
            created=int(time.time()),
            model=body.model,
            attributes=service.spec.attributes,
            scores=result.scores,
            tokens=result.tokens,
        )

    @router.get("/models", response_model=ModelList)
    async def models() -> ModelList:
        """The model's name and its aliases: each is a valid `model` for /v1/chat/completions."""
        return ModelList(data=[ModelCard(id=name, created=started) for name in names()])

    app.include_router(router)


def conversation_of(body: ChatCompletionRequest, accepted: Sequence[str]) -> list[dict[str, str]]:
    """The conversation to score, once the request asks for nothing this route cannot give."""
    if body.stream:
        raise InvalidInput(STREAMING, field=("stream",))
    if body.n is not None and body.n != 1:
        raise InvalidInput(f"n must be 1: a conversation has one set of scores (got n={body.n})", field=("n",))
    if body.model not in accepted:
        raise ModelNotFound(
            f"the model {body.model!r} is not served here; send one of {list(accepted)} as model "
            "(GET /v1/models lists them)",
            field=("model",),
        )
    try:
        check_turns(body.messages, last="assistant", label="messages[{}]")
    except ValueError as exc:
        problem = str(exc)
        # A problem of the whole conversation reads "must ...": say whose.
        message = f"messages {problem}" if problem.startswith("must") else problem
        raise InvalidInput(message, field=("messages",)) from None
    return [{"role": message.role, "content": message.content} for message in body.messages]


class OpenAIRoute(APIRoute):
    """A route whose every error, validation included, is answered with OpenAI's error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return openai_error(request, exc)

        return answer


def openai_error(request: Request, exc: Exception) -> Response:
    """The status and OpenAI error body for what a route raised; 422 becomes 400."""
    if isinstance(exc, RequestValidationError):
        refused = media_type_problem(request, exc)
        if refused is not None:
            return _answer(415, "unsupported_media_type", refused)
        details = validation_details(exc)
        param = dotted(details[0]["loc"]) if details and details[0]["loc"] else None
        return _answer(400, "invalid_request", validation_summary(details), param)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 400:
            return _answer(400, "invalid_request", UNPARSABLE)
        return _answer(exc.status_code, "http_error", str(exc.detail), headers=exc.headers)
    if isinstance(exc, RewardServiceError):
        status = status_of(exc)
        status = 400 if status == 422 else status
        if status >= 500:
            logger.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc)
        message, param = str(exc), None
        if isinstance(exc, InvalidInput):
            param = ".".join(exc.field) or ("messages" if exc.item is not None else None)
            if exc.item is not None:  # the request's one conversation
                message = f"messages: the conversation {exc.problem}"
                if isinstance(exc, ItemTooLong):
                    message += f"; {exc.remedy(TRUNCATE)}"
        return _answer(status, exc.code, message, param, headers_of(exc))
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return _answer(500, "internal_error", "internal server error")


def _answer(
    status: int, code: str, message: str, param: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    return ErrorJSON(openai_error_body(status, code, message, param), status_code=status, headers=headers)
