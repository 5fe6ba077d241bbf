"""Score rows that share a token prefix by running the prefix through the backbone once.

Best-of-N scoring sends one long prompt with N responses: N rows whose first few hundred
tokens are identical. A decoder's attention is causal, so the keys and values of those shared
tokens do not depend on what follows them: we compute them once (batch 1, `use_cache=True`),
copy the cache to every row, and run only the suffixes, as one right-padded batch, on top of
it. Each row is read where the plain `Scorer` reads it (`read_position` of the *full* row),
so the scores equal scoring each row alone, up to float rounding.

The shared prefix is found on token ids, not text: rows come from the chat template, so the
longest common id prefix is exact by construction, wherever the tokenizer put its merges.

Exactness needs a cache we know how to copy and extend: transformers' `DynamicCache` made of
full-attention and sliding-window layers, on a causal model. Anything else (linear-attention
or indexed layers, bidirectional attention, a backbone that returns no cache) falls back to
the plain path rather than return scores we cannot vouch for.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

from .config import DEFAULT_SHARED_PREFIX_MIN_TOKENS
from .spec import Pooling, read_position

if TYPE_CHECKING:
    from .scorer import Scorer

logger = logging.getLogger(__name__)

# Layer caches whose copy + extension is exactly the unsplit forward (checked by the parity tests).
EXACT_LAYER_TYPES: tuple[type, ...] = (DynamicLayer, DynamicSlidingWindowLayer)
# Attention kinds whose mask depends only on absolute positions, so a split changes nothing.
EXACT_ATTENTION_KINDS = frozenset({"full_attention", "sliding_attention"})
# What one more forward pass costs besides its tokens, in tokens of work: on the default model
# (20 layers, 2 CPU cores, float32) a pass takes about 21 ms plus 0.7 ms a token, and batched
# rows run at about 1,400 tokens/s, so the fixed part is worth about 30 tokens.
FORWARD_PASS_TOKENS = 32
# Rotary scalings chosen from the length of the current forward pass ("dynamic" NTK rescales
# past the trained length; "longrope" switches factor sets there): a prefix computed alone could
# get other rotations than the same tokens in the full row.
LENGTH_DEPENDENT_ROPE = frozenset({"dynamic", "longrope"})


@dataclass(frozen=True)
class PrefixGroup:
    """Rows (indices into the caller's list) scored together on their first `split` shared tokens."""

    indices: tuple[int, ...]
    split: int


# -- planning: which rows share what ----------------------------------------------------------


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


def shared_prefix_split(
    rows: Sequence[Sequence[int]],
    *,
    pad_token_id: int | None,
    pooling: Pooling,
    min_shared_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS,
    min_rows: int = 2,
) -> int:
    """Where to split `rows` into a shared prefix and per-row suffixes; 0 when not worth it.

    The split is at most every row's read position, so each row keeps at least one token of
    suffix and is read inside it (identical rows, or a pad id as the template's last token,
    would otherwise put the read position inside the prefix).
    """
    if len(rows) < max(min_rows, 2):
        return 0
    split = common_prefix_length(rows)
    split = min(split, *(read_position(row, pad_token_id, pooling) for row in rows))
    return split if split >= max(min_shared_tokens, 1) else 0


def plan_groups(
    rows: Sequence[Sequence[int]],
    *,
    pad_token_id: int | None,
    pooling: Pooling,
    min_shared_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS,
    min_rows: int = 2,
) -> tuple[list[PrefixGroup], list[int]]:
    """Groups of rows worth scoring on a shared prefix, and the indices left for the plain path.

    Rows sorted by their ids put rows with long common prefixes next to each other; the
    common prefixes of neighbours then form a tree (a run of rows shares the minimum of its
    neighbours' common lengths). For each run we keep whichever saves more computed tokens,
    (rows - 1) x shared length: the run as one group, or the best grouping of the sub-runs
    that split it at that minimum. So 8 answers to prompt A and 8 to prompt B, all under one
    system turn, become two groups sharing their whole prompts, not one sharing the system turn.
    """
    order = sorted(range(len(rows)), key=lambda index: tuple(rows[index]))
    sorted_rows = [rows[i] for i in order]
    reads = [read_position(row, pad_token_id, pooling) for row in sorted_rows]
    # neighbours[i]: common prefix length of sorted rows i and i + 1.
    neighbours = [common_prefix_length(sorted_rows[i : i + 2]) for i in range(len(rows) - 1)]
    threshold, least_rows = max(min_shared_tokens, 1), max(min_rows, 2)

    # Best grouping of each run [lo, hi) of sorted rows, bottom-up with an explicit stack so a
    # long chain of nested prefixes cannot exhaust Python's recursion limit.
    best: dict[tuple[int, int], tuple[int, list[PrefixGroup]]] = {}
    stack: list[tuple[int, int, bool]] = [(0, len(rows), False)]
    while stack:
        lo, hi, children_done = stack.pop()
        if hi - lo < 2:
            best[lo, hi] = (0, [])
            continue
        shortest = min(neighbours[lo : hi - 1])
        cuts = [lo, *(i + 1 for i in range(lo, hi - 1) if neighbours[i] == shortest), hi]
        parts = list(pairwise(cuts))
        if not children_done:
            stack.append((lo, hi, True))
            stack.extend((a, b, False) for a, b in parts)
            continue
        saved = sum(best[part][0] for part in parts)
        groups = [group for part in parts for group in best[part][1]]
        # Never split past a row's read position: every row must be read inside its suffix.
        split = min(shortest, *reads[lo:hi])
        whole = (hi - lo - 1) * split
        if split >= threshold and hi - lo >= least_rows and whole >= saved:
            saved, groups = whole, [PrefixGroup(tuple(sorted(order[lo:hi])), split)]
        best[lo, hi] = (saved, groups)

    groups = best[0, len(rows)][1] if rows else []
    grouped = {index for group in groups for index in group.indices}
    return groups, [index for index in range(len(rows)) if index not in grouped]


# -- can this model take the shared path exactly? ---------------------------------------------


def config_unsupported_reason(config: Any) -> str | None:
    """Why this model's attention cannot reuse a prefix cache exactly, or None when it can."""
    if not getattr(config, "is_causal", True):
        return "bidirectional attention: prefix tokens see the suffix"
    kinds = set(getattr(config, "layer_types", None) or ())
    if kinds - EXACT_ATTENTION_KINDS:
        return f"layer types {sorted(kinds - EXACT_ATTENTION_KINDS)} are not plain or sliding attention"
    if getattr(config, "attention_chunk_size", None) is not None:
        return "chunked attention"
    length_dependent = _rope_types(config) & LENGTH_DEPENDENT_ROPE
    if length_dependent:
        return f"{sorted(length_dependent)} rotary scaling changes with the length of each forward pass"
    return None


def _rope_types(config: Any) -> set[str]:
    """The rotary embedding types a config names (one per layer type in some models)."""
    parameters = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if not isinstance(parameters, dict):
        return set()
    if "rope_type" in parameters or "type" in parameters:
        return {str(parameters.get("rope_type", parameters.get("type")))}
    return {str(p.get("rope_type", p.get("type"))) for p in parameters.values() if isinstance(p, dict)}


def cache_unsupported_reason(cache: object) -> str | None:
    """Why the backbone's returned cache cannot be copied to a batch exactly, or None when it can."""
    if not isinstance(cache, DynamicCache):
        return f"the backbone returned {type(cache).__name__}, not a DynamicCache"
    odd = sorted({type(layer).__name__ for layer in cache.layers if type(layer) not in EXACT_LAYER_TYPES})
    if odd or not cache.layers:
        return f"cache layers {odd or 'none'} are not plain or sliding-window key/value layers"
    return None


# -- the shared path --------------------------------------------------------------------------


@torch.inference_mode()
def features_shared_prefix(
    scorer: Scorer,
    prefix_ids: Sequence[int],
    suffix_rows: Sequence[Sequence[int]],
    *,
    max_batch_tokens: int | None = None,
    max_rows: int | None = None,
    max_padding: float = 1.0,
    pass_tokens: int | None = None,
) -> torch.Tensor:
    """Hidden state at each full row's read position, shape [len(suffix_rows), hidden].

    Row i is `prefix_ids + suffix_rows[i]`; the result equals `scorer.features` on those full
    rows. The prefix runs once; the suffixes run right-padded on copies of its cache, in the
    passes `suffix_chunks` forms under the limits given (none given: all in one pass).

    A row read inside the prefix (its suffix empty or all pad ids) takes its hidden state
    from the prefix pass, which is that row's own forward up to there. A model whose cache
    cannot be extended exactly is scored through `scorer.features` on the full rows.
    """
    if not prefix_ids:
        raise ValueError("the shared prefix is empty: score the rows with Scorer.features instead")
    if not suffix_rows:
        raise ValueError("no rows to score")
    full_rows = [[*prefix_ids, *suffix] for suffix in suffix_rows]
    reason = config_unsupported_reason(scorer.backbone.config)
    if reason is not None:
        logger.debug("shared-prefix path not taken: %s", reason)
        return scorer.features(full_rows)

    split = len(prefix_ids)
    prefix = torch.as_tensor([list(prefix_ids)], dtype=torch.long, device=scorer.device)  # [1, P]
    out = scorer.backbone(input_ids=prefix, use_cache=True)
    cache = getattr(out, "cache", None)
    reason = cache_unsupported_reason(cache)
    if reason is not None:
        logger.debug("shared-prefix path not taken: %s", reason)
        return scorer.features(full_rows)
    assert isinstance(cache, DynamicCache)  # checked just above; for the type checker
    prefix_hidden = out.last_hidden_state[0]  # [P, H]

    reads = [read_position(row, scorer.pad_token_id, scorer.pooling) for row in full_rows]
    features = prefix_hidden.new_empty((len(full_rows), prefix_hidden.shape[-1]))  # [N, H]
    in_prefix = [i for i, read in enumerate(reads) if read < split]
    if in_prefix:
        features[in_prefix] = prefix_hidden[[reads[i] for i in in_prefix]]
    in_suffix = [i for i, read in enumerate(reads) if read >= split]
    lengths = [len(suffix_rows[i]) for i in in_suffix]
    passes = suffix_chunks(
        lengths,
        split,
        max_batch_tokens=max_batch_tokens,
        max_rows=max_rows,
        max_padding=max_padding,
        pass_tokens=pass_tokens,
    )
    for positions in passes:
        chunk = [in_suffix[p] for p in positions]
        features[chunk] = _suffix_features(
            scorer, cache, split, [suffix_rows[i] for i in chunk], [reads[i] - split for i in chunk]
        )
    return features


def score_shared_prefix(
    scorer: Scorer,
    prefix_ids: Sequence[int],
    suffix_rows: Sequence[Sequence[int]],
    *,
    max_batch_tokens: int | None = None,
    max_rows: int | None = None,
    max_padding: float = 1.0,
    pass_tokens: int | None = None,
) -> torch.Tensor:
    """Raw head outputs for each row `prefix_ids + suffix_rows[i]`, float32 on CPU, [N, num_labels].

    Equal to `scorer.score` on the full rows (see `features_shared_prefix` for how).
    """
    with torch.inference_mode():
        features = features_shared_prefix(
            scorer,
            prefix_ids,
            suffix_rows,
            max_batch_tokens=max_batch_tokens,
            max_rows=max_rows,
            max_padding=max_padding,
            pass_tokens=pass_tokens,
        )
        return scorer.head(features).float().cpu()  # [N, L]


def score_grouped(
    scorer: Scorer,
    rows: Sequence[Sequence[int]],
    *,
    min_shared_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS,
    max_batch_tokens: int | None = None,
) -> torch.Tensor:
    """Scores for any batch of rows, [len(rows), num_labels], computing shared prefixes once.

    Rows sharing at least `min_shared_tokens` leading tokens with others go through
    `score_shared_prefix` per group; the rest go through `scorer.score` in one batch. The
    result equals `scorer.score(rows)` row for row, in the caller's order.
    """
    if not rows:
        return torch.empty(0, scorer.num_labels)
    groups, plain = plan_groups(
        rows, pad_token_id=scorer.pad_token_id, pooling=scorer.pooling, min_shared_tokens=min_shared_tokens
    )
    scores = torch.empty(len(rows), scorer.num_labels)  # [B, L]
    for group in groups:
        members = [rows[i] for i in group.indices]
        scores[list(group.indices)] = score_shared_prefix(
            scorer,
            members[0][: group.split],
            [row[group.split :] for row in members],
            max_batch_tokens=max_batch_tokens,
        )
    if plain:
        scores[plain] = scorer.score([rows[i] for i in plain])
    return scores


def suffix_chunks(
    lengths: Sequence[int],
    split: int,
    *,
    max_batch_tokens: int | None = None,
    max_rows: int | None = None,
    max_padding: float = 1.0,
    pass_tokens: int | None = None,
) -> list[list[int]]:
    """Suffixes (indices into `lengths`) grouped into forward passes on one prefix's cache.

    Sorted by length, so each pass pads little; a pass closes before a row would take it past
    `max_batch_tokens` rows x (split + longest suffix) (every row holds its own copy of the
    prefix's keys and values), past `max_rows`, or its suffix padding past `max_padding` of
    the suffix tokens it computes, or when widening it for the row would add more padding than
    `pass_tokens`, the cost of a pass of its own (`FORWARD_PASS_TOKENS`). With no limits, one
    pass. The prefix is computed once whatever the number of passes.
    """
    chunks: list[list[int]] = []
    current: list[int] = []
    real = 0  # suffix tokens of `current`
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        length = lengths[index]  # sorted ascending: the newcomer is the longest row of the chunk
        rows = len(current) + 1
        widening = len(current) * (length - lengths[current[-1]]) if current else 0
        if current and (
            (max_batch_tokens is not None and rows * (split + length) > max_batch_tokens)
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


def suffix_chunks_tokens(lengths: Sequence[int], split: int, chunks: Sequence[Sequence[int]]) -> int:
    """Tokens computed for these chunks: the prefix once, each chunk's rows x longest suffix."""
    return split + sum(len(chunk) * max(lengths[i] for i in chunk) for chunk in chunks)


def _suffix_features(
    scorer: Scorer,
    prefix_cache: DynamicCache,
    split: int,
    suffixes: Sequence[Sequence[int]],
    reads: Sequence[int],
) -> torch.Tensor:
    """Suffix pass on a copy of the prefix cache; hidden state at each read (suffix index), [n, H]."""
    batch, width = len(suffixes), max(len(suffix) for suffix in suffixes)
    input_ids = torch.full((batch, width), scorer.fill_id, dtype=torch.long)  # [n, S]
    suffix_mask = torch.zeros((batch, width), dtype=torch.long)  # [n, S]
    for i, suffix in enumerate(suffixes):
        input_ids[i, : len(suffix)] = torch.as_tensor(list(suffix), dtype=torch.long)
        suffix_mask[i, : len(suffix)] = 1
    # Every row sees the whole prefix; right padding keeps each row's real tokens contiguous
    # with it, so positions simply continue from the split.
    attention_mask = torch.cat([torch.ones((batch, split), dtype=torch.long), suffix_mask], dim=1)  # [n, P + S]
    position_ids = (split + torch.arange(width)).unsqueeze(0).expand(batch, -1)  # [n, S]

    # The forward appends to the cache it is given, so each chunk extends its own copy.
    cache = copy.deepcopy(prefix_cache)
    cache.batch_repeat_interleave(batch)  # every layer: [1, kv, P', d] -> [n, kv, P', d]
    hidden = scorer.backbone(
        input_ids=input_ids.to(scorer.device),
        attention_mask=attention_mask.to(scorer.device),
        position_ids=position_ids.to(scorer.device),
        cache=cache,
        use_cache=True,
    ).last_hidden_state  # [n, S, H]
    rows = torch.arange(batch, device=hidden.device)
    return hidden[rows, torch.as_tensor(list(reads), device=hidden.device)]  # [n, H]
