"""What can stop a pipeline run, by who has to act: the person at the command line (UsageError,
exit 2) or the run itself (PipelineError, exit 1). Malformed records are not exceptions: they are
data, written to the errors file or, with `--on-error stop`, reported as where the run stopped."""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot start as given: bad flags, unreadable input, outputs in the way."""


class PipelineError(Exception):
    """The run cannot go on: the model or server failed, or the server cannot be reached."""
