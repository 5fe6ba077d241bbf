"""Carry out a batch plan: the backbone's hidden state at each row's read position, then the head.

transformers' `*ForSequenceClassification` pools at the rightmost token whose id is not the
config's `pad_token_id`. For one unpadded conversation that is the position a checkpoint
trained with transformers or TRL learned to be scored at; in a padded batch the same rule can
move (left padding, a pad id equal to EOS or to the template's last token, no pad id at all).
So we never let the model pool: we run its backbone, and gather each row's hidden state at the
read position `ReadRule` computed from that row's own, unpadded ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers import PreTrainedModel

from ..engine.plan import BatchPlan, Row
from . import forward, prefix
from .forward import PaddingSide
from .gated import GatedHead, gate_position
from .heads import ProjectionHead, linear_head_outputs
from .spec import Pooling, ReadRule

if TYPE_CHECKING:
    from .parallel import Lockstep


class Scorer:
    """Scores batch plans with a decoder backbone and a linear head.

    `model` is a `*ForSequenceClassification` (its `base_model` is used) or a bare backbone.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        head: nn.Linear | ProjectionHead | GatedHead,
        *,
        pad_token_id: int | None,
        pooling: Pooling = "last_non_pad",
        ensemble: torch.Tensor | None = None,
        select: Sequence[int] | None = None,
        device: torch.device | None = None,
        autocast: torch.dtype | None = None,
    ) -> None:
        self.model = model
        self.backbone = model.base_model
        self.head = head
        # The head's outputs that are reported, in order (reward_config.json's `attributes`).
        self.select = None if select is None else list(select)
        # [K, num_labels, hidden]: heads fitted on resamples of the training data; their spread
        # at a row is its uncertainty. None: the checkpoint ships none.
        self.ensemble = ensemble
        self.rule = ReadRule(pad_token_id, pooling)
        # Any id works as filler: it is never attended to by a real token, and never read.
        self.fill_id = pad_token_id if pad_token_id is not None else 0
        # Where inputs go: the first parameter's device, unless the model was placed in parts.
        self.device = device or next(model.parameters()).device
        # bf16-mixed: the backbone's matmuls in this dtype under autocast, the rest in float32.
        self.autocast = autocast
        # With tensor parallelism, on rank 0: sends each plan to the other ranks first.
        self.lockstep: Lockstep | None = None

    @property
    def pad_token_id(self) -> int | None:
        return self.rule.pad_token_id

    @property
    def pooling(self) -> Pooling:
        return self.rule.pooling

    @property
    def num_labels(self) -> int:
        if self.select is not None:
            return len(self.select)
        if isinstance(self.head, GatedHead):
            return self.head.num_objectives + 1
        return self.head.out_features

    def sharing_refused(self) -> str | None:
        """Why this model cannot reuse a prefix cache exactly (the engine must not share), or None."""
        if isinstance(self.head, GatedHead):
            return "the gated head also reads the assistant-turn marker, which a shared prefix would hide"
        return prefix.config_unsupported_reason(self.backbone.config)

    def row_problem(self, token_ids: Sequence[int]) -> str | None:
        """Why a conversation's ids cannot be scored by this head, or None (checked at encoding)."""
        if isinstance(self.head, GatedHead) and self._gate(token_ids) is None:
            return (
                "lacks the token sequence that marks the assistant turn, which the gated head reads "
                "(the end of a turn before the scored response)"
            )
        return None

    def _gate(self, token_ids: Sequence[int]) -> int | None:
        assert isinstance(self.head, GatedHead)
        return gate_position(token_ids, self.head.config.gating_tokens)

    def row(self, token_ids: Sequence[int]) -> Row:
        return self.rule.row(token_ids)

    def features(self, plan: BatchPlan, *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """The backbone's hidden states for the plan (`_features`); with tensor parallelism, run
        by every rank together (rank 0 sends the plan first, see `parallel.Lockstep`)."""
        if self.lockstep is not None:
            return self.lockstep(plan, padding_side, lambda: self._mixed(plan, padding_side))
        return self._mixed(plan, padding_side)

    def _mixed(self, plan: BatchPlan, padding_side: PaddingSide) -> torch.Tensor:
        if self.autocast is None:
            return self._features(plan, padding_side=padding_side)
        # Linear layers and attention matmuls in bf16 (fp32 accumulation); the residual stream
        # stays float32 (bf16 + fp32 promotes), norms compute in float32, and so does the head.
        with torch.autocast(device_type=self.device.type, dtype=self.autocast):
            return self._features(plan, padding_side=padding_side).float()

    @torch.inference_mode()
    def _features(self, plan: BatchPlan, *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """The backbone's last hidden state at each plan row's read position, [len(plan.rows), hidden]
        (a gated head's: followed by the state at its gate position, [len(plan.rows), 2 x hidden])."""
        gated = isinstance(self.head, GatedHead)
        if plan.split and not gated:
            return prefix.shared_hidden(self.backbone, plan, fill_id=self.fill_id, device=self.device)
        features: torch.Tensor | None = None
        for chunk in plan.passes if not plan.split else (tuple(range(len(plan.rows))),):
            rows = [plan.rows[i] for i in chunk]
            gates = [self._gate(row.ids) for row in rows] if gated else None
            if gates is not None and None in gates:
                raise ValueError("a row lacks the gated head's assistant-turn marker")
            hidden = forward.padded_hidden(
                self.backbone,
                rows,
                fill_id=self.fill_id,
                device=self.device,
                padding_side=padding_side,
                also_at=gates,  # type: ignore[arg-type]  # no None left
            )  # [n, H], or [n, 2H]: the read state, then the gate's
            if features is None:
                features = hidden.new_empty((len(plan.rows), hidden.shape[-1]))  # [N, H]
            features[list(chunk)] = hidden
        if features is None:
            raise ValueError("no rows to score")
        return features

    @torch.inference_mode()
    def score(self, plan: BatchPlan, *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """Raw head outputs for each plan row, float32 on CPU, shape [len(plan.rows), num_labels].

        No softmax or sigmoid: the head is a regression onto the attribute scale. The head runs
        in float32 whatever the backbone's dtype.
        """
        return self.outputs(self.features(plan, padding_side=padding_side)).cpu()  # [N, L]

    def outputs(self, features: torch.Tensor) -> torch.Tensor:
        """The head's float32 outputs for read hidden states [N, H] -> [N, L] (the reported ones)."""
        if isinstance(self.head, nn.Linear):
            out = linear_head_outputs(self.head, features)
        elif isinstance(self.head, GatedHead):
            read, gate = features.chunk(2, dim=1)
            out = self.head(read, gate)
        else:
            out = self.head(features.to(self.head.rows.device))
        return out if self.select is None else out[:, self.select]

    @torch.inference_mode()
    def score_with_spread(self, plan: BatchPlan) -> torch.Tensor:
        """Head outputs, then the ensemble's standard deviation per attribute, [N, 2 x num_labels]."""
        if self.ensemble is None:
            raise ValueError("this checkpoint ships no ensemble of heads, so no uncertainty")
        features = self.features(plan)  # [N, H]
        scores = self.outputs(features)  # [N, L]
        heads = self.ensemble.to(features.device, torch.float32)  # [K, L, H]
        outputs = torch.einsum("nh,klh->nkl", features.float(), heads)  # [N, K, L]
        return torch.cat([scores, outputs.std(dim=1)], dim=1).cpu()  # [N, 2L]

    def score_ids(self, rows: Sequence[Sequence[int]], *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """Raw head outputs for token-id rows scored together in one pass, [len(rows), num_labels]."""
        if not rows:
            return torch.empty(0, self.num_labels)
        return self.score(BatchPlan.one_pass([self.row(ids) for ids in rows]), padding_side=padding_side)
