"""The engine's bounds, taken from the one settings object."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings


@dataclass(frozen=True)
class EngineLimits:
    """Per-batch and per-queue bounds. Build them with `from_settings`: the defaults live there."""

    max_batch_tokens: int  # rows x longest row, per forward pass
    max_batch_size: int  # rows per forward pass
    max_wait: float  # seconds the oldest row may wait for company
    # Padding share a length-grouped batch may carry. On CPU one long row already nears the
    # matmul peak, so a batch pays off only when it adds little padding (see BENCHMARKS.md).
    max_padding: float
    max_queue_items: int
    max_queue_tokens: int
    # Rows sharing this many leading ids may run that prefix once; 0: never.
    shared_prefix_min_tokens: int

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineLimits:
        return cls(
            max_batch_tokens=settings.max_batch_tokens,
            max_batch_size=settings.max_batch_size,
            max_wait=settings.max_wait_ms / 1000,
            max_padding=settings.max_padding,
            max_queue_items=settings.queue_depth,
            max_queue_tokens=settings.max_queue_tokens,
            shared_prefix_min_tokens=settings.shared_prefix_min_tokens,
        )
