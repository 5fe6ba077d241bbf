"""What one batch computes, decided once: its rows, the prefix they share, its forward passes.

The engine plans; the model carries the plan out (`Scorer.score(plan)`) and never plans
again. A plan is pure data over token ids, so planning needs no torch and is tested exactly.

The cost model lives here too. Work is counted in computed tokens (padding included), plus
`FORWARD_PASS_TOKENS` for every extra forward pass: a pass has a fixed cost besides its tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# What one more forward pass costs besides its tokens, in tokens of work: on the default model
# (20 layers, 2 CPU cores, float32) a pass takes about 21 ms plus 0.7 ms a token, and batched
# rows run at about 1,400 tokens/s, so the fixed part is worth about 30 tokens.
FORWARD_PASS_TOKENS = 32


@dataclass(frozen=True)
class Row:
    """A conversation's token ids and the index its score is read at.

    The model layer computes `read` (the checkpoint's own pooling rule, see
    `model.spec.ReadRule`); everything after it carries the index and never recomputes it.
    """

    ids: tuple[int, ...]
    read: int

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class BatchPlan:
    """Rows scored together and how: `split` > 0 runs `rows[i].ids[:split]` (the same for every
    row) once, then each pass's rows on top of it; `split` 0 runs each pass as full rows.

    `passes` hold indices into `rows`, one tuple per forward pass. With a split, a row left out
    of every pass is read inside the prefix, from the prefix pass.
    """

    rows: tuple[Row, ...]
    passes: tuple[tuple[int, ...], ...]
    split: int = 0

    @classmethod
    def one_pass(cls, rows: Sequence[Row]) -> BatchPlan:
        """All rows, full length, in one padded forward pass."""
        return cls(tuple(rows), (tuple(range(len(rows))),) if rows else ())

    @property
    def prefix(self) -> tuple[int, ...]:
        return self.rows[0].ids[: self.split] if self.split else ()

    @property
    def computed_tokens(self) -> int:
        """Tokens the plan computes: the prefix once, then each pass's rows x its longest row."""
        widths = [max(len(self.rows[i]) for i in chunk) - self.split for chunk in self.passes]
        return self.split + sum(len(chunk) * width for chunk, width in zip(self.passes, widths, strict=True))

    @property
    def real_tokens(self) -> int:
        """The real (unpadded) tokens that run: the prefix once, then each row's own tokens."""
        return self.split + sum(len(row) - self.split for row in self.rows)


def pack(
    lengths: Sequence[int],
    *,
    offset: int = 0,
    max_tokens: int | None = None,
    max_rows: int | None = None,
    max_padding: float = 1.0,
    pass_tokens: int | None = None,
) -> list[list[int]]:
    """Rows (indices into `lengths`) packed into forward passes, sorted by length.

    The one token-budget packer. A pass closes before a row would take it past `max_tokens`
    rows x (`offset` + longest row) (with a shared prefix of `offset` tokens, every row attends
    to its own copy of the prefix's keys and values), past `max_rows`, its padding past
    `max_padding` of the tokens it computes, or when widening it for the row would add more
    padding than `pass_tokens`, the cost of a pass of its own. With no limits, one pass.
    """
    chunks: list[list[int]] = []
    current: list[int] = []
    real = 0  # tokens of `current`
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        length = lengths[index]  # sorted ascending: the newcomer is the longest row of the pass
        rows = len(current) + 1
        widening = len(current) * (length - lengths[current[-1]]) if current else 0
        if current and (
            (max_tokens is not None and rows * (offset + length) > max_tokens)
            or (max_rows is not None and rows > max_rows)
            or rows * length - (real + length) > max_padding * rows * length
            or (pass_tokens is not None and widening > pass_tokens)
        ):
            chunks.append(current)
            current, real = [], 0
        current.append(index)
        real += length
    if current:
        chunks.append(current)
    return chunks


def plan_shared(
    rows: Sequence[Row],
    split: int,
    *,
    max_tokens: int | None = None,
    max_rows: int | None = None,
    max_padding: float = 1.0,
    pass_tokens: int | None = FORWARD_PASS_TOKENS,
) -> BatchPlan:
    """`rows` on their first `split` shared ids: the suffixes packed into passes under the limits.

    Rows read inside the prefix (`read < split`) need no pass: the prefix pass is their own
    forward up to there. Raises ValueError when the rows do not share `split` ids.
    """
    if split <= 0:
        raise ValueError("the shared prefix is empty: plan the rows with BatchPlan.one_pass instead")
    if not rows:
        raise ValueError("no rows to score")
    prefix = rows[0].ids[:split]
    if len(prefix) < split or any(row.ids[:split] != prefix for row in rows):
        raise ValueError(f"the rows do not all share their first {split} token ids")
    in_suffix = [i for i, row in enumerate(rows) if row.read >= split]
    passes = pack(
        [len(rows[i]) - split for i in in_suffix],
        offset=split,
        max_tokens=max_tokens,
        max_rows=max_rows,
        max_padding=max_padding,
        pass_tokens=pass_tokens,
    )
    return BatchPlan(tuple(rows), tuple(tuple(in_suffix[p] for p in chunk) for chunk in passes), split)


def common_prefix_length(rows: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix that every row starts with (0 for no rows)."""
    if not rows:
        return 0
    first = tuple(rows[0])
    length = len(first)
    for row in rows[1:]:
        # Bisection on slice equality: a few comparisons done in C instead of one per token.
        other = tuple(row)
        lo, hi = 0, min(length, len(other))  # first[:lo] == other[:lo]; the answer is in [lo, hi]
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if first[lo:mid] == other[lo:mid]:
                lo = mid
            else:
                hi = mid - 1
        length = lo
    return length
