"""Which waiting rows form the next batch, and its plan.

Always around the oldest waiting row, so nobody starves. Two ways to batch it:

- by length: the oldest row plus the neighbours in length that add the least padding, within
  the token budget and the padding cap (`select_by_length`);
- on a shared prefix: the oldest row and rows sharing a long leading run of ids with it
  (best-of-N: one prompt, several responses), the prefix computed once (`select_shared`).

The shared batch is taken when it computes fewer tokens than the same rows unshared, counting
the fixed cost of each extra pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .limits import EngineLimits
from .plan import FORWARD_PASS_TOKENS, BatchPlan, Row, common_prefix_length, plan_shared

# Prefix-mates of the oldest row considered per batch: bounds the work of choosing a batch.
MAX_CANDIDATES = 256


class Waiting(Protocol):
    """A queued row, as batch selection sees it."""

    @property
    def row(self) -> Row: ...

    @property
    def prefix_key(self) -> int | None: ...


def prefix_key(row: Row, min_tokens: int) -> int | None:
    """Rows whose first `min_tokens` ids hash alike may share a prefix; None: the row cannot."""
    if min_tokens <= 0 or row.read < min_tokens:
        return None
    return hash(row.ids[:min_tokens])


def distinct(rows: Sequence[Row]) -> tuple[list[Row], list[int]]:
    """The distinct rows in first-seen order, and each row's index among them.

    Identical rows are computed once: less work, and identical conversations get identical
    scores (a batched matmul may round two copies of one row differently).
    """
    slots: dict[Row, int] = {}
    index = [slots.setdefault(row, len(slots)) for row in rows]
    return list(slots), index


def select_by_length(pending: Sequence[Waiting], limits: EngineLimits) -> list[int]:
    """Indices into `pending`: the oldest (first) row plus the neighbours in length that add the
    least padding, while the batch stays within the token budget and `max_padding`."""
    by_length = sorted(range(len(pending)), key=lambda i: len(pending[i].row))
    lengths = [len(pending[i].row) for i in by_length]
    start = by_length.index(0)
    lo, hi = start, start + 1  # by_length[lo:hi] is the batch
    longest = real = lengths[start]
    while hi - lo < limits.max_batch_size:
        rows = hi - lo + 1
        options = []  # (padding added, padded tokens after, real tokens after, direction)
        if lo > 0:  # a shorter row: the batch stays as wide
            shorter = lengths[lo - 1]
            options.append((longest - shorter, rows * longest, real + shorter, -1))
        if hi < len(lengths):  # a longer row widens every row
            wider = lengths[hi]
            options.append(((wider - longest) * (rows - 1), rows * wider, real + wider, +1))
        fitting = [
            option
            for option in options
            if option[1] <= limits.max_batch_tokens and option[1] - option[2] <= limits.max_padding * option[1]
        ]
        if not fitting:
            break
        _, _, real, direction = min(fitting)
        if direction < 0:
            lo -= 1
        else:
            longest = lengths[hi]
            hi += 1
    return by_length[lo:hi]


def plan_shared_batch(rows: Sequence[Row], split: int, limits: EngineLimits) -> BatchPlan:
    """The engine's plan for rows on a shared prefix. No padding cap: within one prefix a pass
    closes when widening it would cost more than a pass of its own, a finer rule than a share."""
    return plan_shared(
        rows,
        split,
        max_tokens=limits.max_batch_tokens,
        max_rows=limits.max_batch_size,
        pass_tokens=FORWARD_PASS_TOKENS,
    )


@dataclass(frozen=True)
class SharedChoice:
    members: list[int]  # indices into pending, the oldest first
    split: int


def select_shared(pending: Sequence[Waiting], limits: EngineLimits) -> SharedChoice | None:
    """The oldest row and prefix-mates scored on their shared prefix, when that computes fewer
    tokens than scoring the same rows unshared, counting the fixed cost of each extra forward
    pass; else None.

    Candidates share the oldest row's first `shared_prefix_min_tokens` ids. Each distinct depth
    of sharing with it is a possible split (8 answers to one prompt share the whole prompt,
    while every conversation may share a system turn). At each, the oldest mates (up to
    `max_batch_size` rows) are taken, their suffixes planned into passes, and the split that
    saves the most tokens is kept. A split never passes a row's read position.
    """
    anchor = pending[0]
    min_tokens = limits.shared_prefix_min_tokens
    if anchor.prefix_key is None or limits.max_batch_size < 2 or min_tokens <= 0:
        return None
    mates = [i for i in range(1, len(pending)) if pending[i].prefix_key == anchor.prefix_key][:MAX_CANDIDATES]
    ids = anchor.row.ids
    depth = {i: min(common_prefix_length((ids, pending[i].row.ids)), pending[i].row.read) for i in mates}
    best: SharedChoice | None = None
    best_saved = 0
    for level in sorted({d for d in depth.values() if d >= min_tokens}, reverse=True):
        split = min(level, anchor.row.read)
        members = [0, *(i for i in mates if depth[i] >= level)][: limits.max_batch_size]
        rows, _ = distinct([pending[i].row for i in members])
        if len(rows) < 2:
            continue  # copies of one row: the plain path computes it once as well
        plan = plan_shared_batch(rows, split, limits)
        # Each suffix pass is a forward the plain path might not need: count its fixed cost.
        computed = plan.computed_tokens + FORWARD_PASS_TOKENS * len(plan.passes)
        saved = sum(len(pending[i].row) for i in members) - computed
        if saved > best_saved:
            best, best_saved = SharedChoice(members, split), saved
    return best


def select(pending: Sequence[Waiting], limits: EngineLimits) -> tuple[list[int], BatchPlan, list[int]]:
    """The next batch around `pending[0]`: the indices taken, the plan, and for each taken row
    its index among the plan's (distinct) rows."""
    shared = select_shared(pending, limits)
    taken = shared.members if shared is not None else select_by_length(pending, limits)
    rows, slot = distinct([pending[i].row for i in taken])
    if shared is not None:
        return taken, plan_shared_batch(rows, shared.split, limits), slot
    return taken, BatchPlan.one_pass(rows), slot
