"""Domain exceptions. `server.errors` maps each one to an HTTP status and body in one place.

They speak of items and fields, not of HTTP: an input error carries the index of the
conversation it is about and the option it names, and each caller (the server, the pipeline)
phrases that in its own terms."""

from __future__ import annotations

from collections.abc import Sequence


class RewardServiceError(Exception):
    """Base class: every error the service raises on purpose."""

    code = "internal_error"


class CheckpointError(RewardServiceError):
    """A model directory is missing, corrupt, unsafe to load or does not match its config.

    The message names the file and what is wrong with it, because it is shown to the
    operator at start-up as the one line that explains why the server did not start.
    """

    code = "checkpoint_error"

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class InvalidInput(RewardServiceError):
    """Input that cannot be scored as given.

    `item` is the index of the offending conversation among those scored together (None: the
    request as a whole); `field` names the option or part at fault, e.g. `("weights",)`,
    `("thresholds", "coherence")` or `("messages",)` within an item. `problem` is the message
    without its subject: `str(exc)` is "item 3 " + problem for an item, else the problem.
    """

    code = "invalid_request"

    def __init__(self, problem: str, *, item: int | None = None, field: Sequence[str] = ()) -> None:
        super().__init__(problem if item is None else f"item {item} {problem}")
        self.problem = problem
        self.item = item
        self.field = tuple(field)


class ItemTooLong(InvalidInput):
    """An item's token count exceeds the limit and truncation was not asked for."""

    code = "item_too_long"

    def __init__(self, tokens: int, limit: int, *, item: int) -> None:
        super().__init__(f"is {tokens} tokens long, over the limit of {limit}", item=item)
        self.tokens = tokens
        self.limit = limit

    @staticmethod
    def remedy(truncate: str) -> str:
        """What to do about it, `truncate` saying how the caller asks for left truncation."""
        return f"shorten it, or {truncate} to cut the oldest context (the end of the response is always kept)"


class Overloaded(RewardServiceError):
    """The queue is full; the client should retry after `retry_after` seconds."""

    code = "overloaded"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeadlineExceeded(RewardServiceError):
    """A request waited in the queue past its deadline; its items were not computed."""

    code = "deadline_exceeded"


class ShuttingDown(RewardServiceError):
    """The engine no longer accepts work because the server is stopping."""

    code = "shutting_down"


class ModelFailure(RewardServiceError):
    """The model failed on the batch that held this request (exception or non-finite output)."""

    code = "model_error"
