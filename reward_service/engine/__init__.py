"""The batching engine: a bounded queue of rows, futures settled exactly once, deadlines, and
the batch plan (which rows, what prefix they share, which forward passes) with its cost model.

Pure Python: importing it loads no torch. The model layer carries a plan out (`run(plan)`).
"""

from __future__ import annotations

from .core import BatchingEngine, BatchStats, PhaseFn, RequestTooLarge, RunFn, Scores
from .limits import EngineLimits
from .plan import FORWARD_PASS_TOKENS, BatchPlan, Row, pack, plan_shared

__all__ = [
    "FORWARD_PASS_TOKENS",
    "BatchPlan",
    "BatchStats",
    "BatchingEngine",
    "EngineLimits",
    "PhaseFn",
    "RequestTooLarge",
    "Row",
    "RunFn",
    "Scores",
    "pack",
    "plan_shared",
]
