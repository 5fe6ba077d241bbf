"""Ranking responses by aggregate: one rule shared by `POST /rank` and `reward-service rank`.

Pure Python (no torch, no HTTP), so the API and the command-line tools order responses the
same way however the scores were obtained.
"""

from __future__ import annotations

from collections.abc import Sequence


def rank_order(aggregates: Sequence[float]) -> list[int]:
    """Positions sorted by aggregate, best first. Equal aggregates keep their input order.

    The first position is the chosen (best) response and the last the rejected (worst) one.
    """
    return sorted(range(len(aggregates)), key=lambda index: (-aggregates[index], index))
