"""Domain exceptions. The API module maps each one to an HTTP status in one place."""

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
    """A request item cannot be scored as given; `loc` points at the offending field."""

    code = "invalid_request"

    def __init__(self, message: str, loc: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


class ItemTooLong(InvalidInput):
    """An item's token count exceeds the limit and truncation was not asked for."""

    code = "item_too_long"


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
