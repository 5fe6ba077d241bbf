"""Carry out a plan whose rows share a token prefix: the prefix runs through the backbone once.

Best-of-N scoring sends one long prompt with N responses: N rows whose first few hundred
tokens are identical. A decoder's attention is causal, so the keys and values of those shared
tokens do not depend on what follows them: we compute them once (batch 1, `use_cache=True`),
copy the cache to each pass of the plan, and run only the suffixes, right-padded, on top of
it. Each row is read at its own read position in the full row, so the scores equal scoring
each row alone, up to float rounding. The engine decided the split and the passes
(`engine.plan`); nothing is planned here.

Exactness needs a cache we know how to copy and extend: transformers' `DynamicCache` made of
full-attention and sliding-window layers, on a causal model. Anything else (linear-attention
or indexed layers, bidirectional attention, a backbone that returns no cache) runs the plan's
rows in full instead, rather than return scores we cannot vouch for.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

from ..engine.plan import BatchPlan, Row
from . import forward

logger = logging.getLogger(__name__)

# Layer caches whose copy + extension is exactly the unsplit forward (checked by the parity tests).
EXACT_LAYER_TYPES: tuple[type, ...] = (DynamicLayer, DynamicSlidingWindowLayer)
# Attention kinds whose mask depends only on absolute positions, so a split changes nothing.
EXACT_ATTENTION_KINDS = frozenset({"full_attention", "sliding_attention"})
# Rotary scalings chosen from the length of the current forward pass ("dynamic" NTK rescales
# past the trained length; "longrope" switches factor sets there): a prefix computed alone could
# get other rotations than the same tokens in the full row.
LENGTH_DEPENDENT_ROPE = frozenset({"dynamic", "longrope"})


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
def shared_hidden(backbone: Any, plan: BatchPlan, *, fill_id: int, device: torch.device) -> torch.Tensor:
    """Hidden state at each plan row's read position, shape [len(plan.rows), hidden].

    Equal to the plain forward of each full row. The prefix runs once; each pass of the plan
    runs its rows' suffixes, right-padded, on a copy of the prefix's cache. A row left out of
    every pass is read inside the prefix, from the prefix pass (its own forward up to there).
    """
    split, rows = plan.split, plan.rows
    reason = config_unsupported_reason(backbone.config)
    if reason is not None:
        logger.debug("shared-prefix path not taken: %s", reason)
        return _full_rows(backbone, plan, fill_id=fill_id, device=device)

    prefix = torch.as_tensor([list(plan.prefix)], dtype=torch.long, device=device)  # [1, P]
    out = backbone(input_ids=prefix, use_cache=True)
    cache = getattr(out, "cache", None)
    reason = cache_unsupported_reason(cache)
    if reason is not None:
        logger.debug("shared-prefix path not taken: %s", reason)
        return _full_rows(backbone, plan, fill_id=fill_id, device=device)
    assert isinstance(cache, DynamicCache)  # checked just above; for the type checker
    prefix_hidden = out.last_hidden_state[0]  # [P, H]

    features = prefix_hidden.new_empty((len(rows), prefix_hidden.shape[-1]))  # [N, H]
    in_prefix = [i for i, row in enumerate(rows) if row.read < split]
    if in_prefix:
        features[in_prefix] = prefix_hidden[[rows[i].read for i in in_prefix]]  # [n, H]
    for chunk in plan.passes:
        features[list(chunk)] = _suffix_hidden(backbone, cache, split, [rows[i] for i in chunk], fill_id, device)
    return features


def _full_rows(backbone: Any, plan: BatchPlan, *, fill_id: int, device: torch.device) -> torch.Tensor:
    """The plan's rows in full, pass by pass (rows read inside the prefix in one pass more)."""
    left = sorted(set(range(len(plan.rows))) - {i for chunk in plan.passes for i in chunk})
    features: torch.Tensor | None = None
    for chunk in [*plan.passes, *([tuple(left)] if left else [])]:
        hidden = forward.padded_hidden(backbone, [plan.rows[i] for i in chunk], fill_id=fill_id, device=device)
        if features is None:
            features = hidden.new_empty((len(plan.rows), hidden.shape[-1]))  # [N, H]
        features[list(chunk)] = hidden
    assert features is not None  # a plan has at least one row
    return features


def _suffix_hidden(
    backbone: Any, prefix_cache: DynamicCache, split: int, rows: Sequence[Row], fill_id: int, device: torch.device
) -> torch.Tensor:
    """One pass of suffixes on a copy of the prefix cache; hidden state at each row's read, [n, H]."""
    batch, width = len(rows), max(len(row) for row in rows) - split
    input_ids = torch.full((batch, width), fill_id, dtype=torch.long)  # [n, S]
    suffix_mask = torch.zeros((batch, width), dtype=torch.long)  # [n, S]
    for i, row in enumerate(rows):
        input_ids[i, : len(row) - split] = torch.as_tensor(row.ids[split:], dtype=torch.long)
        suffix_mask[i, : len(row) - split] = 1
    # Every row sees the whole prefix; right padding keeps each row's real tokens contiguous
    # with it, so positions simply continue from the split.
    attention_mask = torch.cat([torch.ones((batch, split), dtype=torch.long), suffix_mask], dim=1)  # [n, P + S]
    position_ids = (split + torch.arange(width)).unsqueeze(0).expand(batch, -1)  # [n, S]

    # The forward appends to the cache it is given, so each pass extends its own copy.
    cache = copy.deepcopy(prefix_cache)
    cache.batch_repeat_interleave(batch)  # every layer: [1, kv, P', d] -> [n, kv, P', d]
    hidden = backbone(
        input_ids=input_ids.to(device),
        attention_mask=attention_mask.to(device),
        position_ids=position_ids.to(device),
        cache=cache,
        use_cache=True,
    ).last_hidden_state  # [n, S, H]
    reads = torch.as_tensor([row.read - split for row in rows], device=hidden.device)  # [n]
    return hidden[torch.arange(batch, device=hidden.device), reads]  # [n, H]
