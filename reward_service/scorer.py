"""Batched forward pass that reads every row at the position its unpadded reference reads.

transformers' `*ForSequenceClassification` pools at the rightmost token whose id is not the
config's `pad_token_id`. For one unpadded conversation that is the position a checkpoint
trained with transformers or TRL learned to be scored at; in a padded batch the same rule can
move (left padding, a pad id equal to EOS or to the template's last token, no pad id at all).
So we never let the model pool: we run its backbone, and gather each row's hidden state at a
position computed from that row's own, unpadded token ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import nn
from transformers import PreTrainedModel

from .prefix import FORWARD_PASS_TOKENS, score_shared_prefix
from .spec import Pooling, read_position

PaddingSide = Literal["left", "right"]


class Scorer:
    """Scores batches of token-id rows with a decoder backbone and a linear head.

    `model` is a `*ForSequenceClassification` (its `base_model` is used) or a bare backbone.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        head: nn.Linear,
        *,
        pad_token_id: int | None,
        pooling: Pooling = "last_non_pad",
    ) -> None:
        self.model = model
        self.backbone = model.base_model
        self.head = head
        self.pad_token_id = pad_token_id
        self.pooling: Pooling = pooling
        # Any id works as filler: causal attention with the mask below never lets a real
        # token see it, and we never read it. Use the pad id when there is one.
        self.fill_id = pad_token_id if pad_token_id is not None else 0
        self.device = next(model.parameters()).device

    @property
    def num_labels(self) -> int:
        return self.head.out_features

    @torch.inference_mode()
    def score(self, rows: Sequence[Sequence[int]], *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """Raw head outputs for each row, float32 on CPU, shape [len(rows), num_labels].

        No softmax or sigmoid: the head is a regression onto the attribute scale.
        """
        if not rows:
            return torch.empty(0, self.num_labels)
        return self.head(self.features(rows, padding_side=padding_side)).float().cpu()  # [B, L]

    def score_shared(
        self, prefix_ids: Sequence[int], suffix_rows: Sequence[Sequence[int]], **limits: Any
    ) -> torch.Tensor:
        """Scores of the rows `prefix_ids + suffix_rows[i]`, running the shared prefix once and
        the suffixes in passes under `limits` (`max_batch_tokens`, `max_rows`, `max_padding`: see
        `prefix.suffix_chunks`), a pass closing where widening it costs more than a pass.

        Equal to `score` on the full rows up to float rounding; see `prefix.score_shared_prefix`.
        """
        return score_shared_prefix(self, prefix_ids, suffix_rows, pass_tokens=FORWARD_PASS_TOKENS, **limits)

    @torch.inference_mode()
    def features(self, rows: Sequence[Sequence[int]], *, padding_side: PaddingSide = "right") -> torch.Tensor:
        """The backbone's last hidden state at each row's read position, shape [len(rows), hidden].

        Right padding is the default because causal attention makes it exact without
        position ids; left padding is supported and gives the same result.
        """
        lengths = [len(row) for row in rows]
        if not rows or min(lengths) == 0:
            raise ValueError("cannot score an empty token sequence")
        width = max(lengths)
        batch = len(rows)
        input_ids = torch.full((batch, width), self.fill_id, dtype=torch.long)
        attention_mask = torch.zeros((batch, width), dtype=torch.long)
        positions = torch.empty(batch, dtype=torch.long)
        for i, row in enumerate(rows):
            offset = width - len(row) if padding_side == "left" else 0
            input_ids[i, offset : offset + len(row)] = torch.as_tensor(row, dtype=torch.long)
            attention_mask[i, offset : offset + len(row)] = 1
            positions[i] = offset + read_position(row, self.pad_token_id, self.pooling)
        # With left padding the real tokens must still count positions from 0.
        position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)

        hidden = self.backbone(
            input_ids=input_ids.to(self.device),
            attention_mask=attention_mask.to(self.device),
            position_ids=position_ids.to(self.device),
            use_cache=False,
        ).last_hidden_state  # [B, T, H]
        return hidden[torch.arange(batch, device=hidden.device), positions.to(hidden.device)]  # [B, H]
