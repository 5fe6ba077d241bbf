"""One padded forward pass over full rows, read at each row's own read position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch

from ..engine.plan import Row

PaddingSide = Literal["left", "right"]


def padded_hidden(
    backbone: Any, rows: Sequence[Row], *, fill_id: int, device: torch.device, padding_side: PaddingSide = "right"
) -> torch.Tensor:
    """The backbone's last hidden state at each row's read position, shape [len(rows), hidden].

    Right padding is the default because causal attention makes it exact without position
    ids; left padding is supported and gives the same result. `fill_id` is never read: causal
    attention with this mask never lets a real token see it.
    """
    if not rows:
        raise ValueError("no rows to score")
    batch, width = len(rows), max(len(row) for row in rows)
    input_ids = torch.full((batch, width), fill_id, dtype=torch.long)  # [B, T]
    attention_mask = torch.zeros((batch, width), dtype=torch.long)  # [B, T]
    positions = torch.empty(batch, dtype=torch.long)  # [B]
    for i, row in enumerate(rows):
        offset = width - len(row) if padding_side == "left" else 0
        input_ids[i, offset : offset + len(row)] = torch.as_tensor(row.ids, dtype=torch.long)
        attention_mask[i, offset : offset + len(row)] = 1
        positions[i] = offset + row.read
    # With left padding the real tokens must still count positions from 0.
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)  # [B, T]

    hidden = backbone(
        input_ids=input_ids.to(device),
        attention_mask=attention_mask.to(device),
        position_ids=position_ids.to(device),
        use_cache=False,
    ).last_hidden_state  # [B, T, H]
    return hidden[torch.arange(batch, device=hidden.device), positions.to(hidden.device)]  # [B, H]
