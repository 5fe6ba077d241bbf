"""One padded forward pass over full rows, read at each row's own read position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch

from ..engine.plan import Row

PaddingSide = Literal["left", "right"]


def padded_hidden(
    backbone: Any,
    rows: Sequence[Row],
    *,
    fill_id: int,
    device: torch.device,
    padding_side: PaddingSide = "right",
    also_at: Sequence[int] | None = None,
) -> torch.Tensor:
    """The backbone's last hidden state at each row's read position, shape [len(rows), hidden];
    with `also_at` (one index per row), followed by the state there: [len(rows), 2 x hidden].

    Right padding is the default because causal attention makes it exact without position
    ids; left padding is supported and gives the same result. `fill_id` is never read: causal
    attention with this mask never lets a real token see it.
    """
    if not rows:
        raise ValueError("no rows to score")
    batch, width = len(rows), max(len(row) for row in rows)

    def offset_of(row: Row) -> int:
        return width - len(row) if padding_side == "left" else 0

    input_ids = torch.full((batch, width), fill_id, dtype=torch.long)  # [B, T]
    attention_mask = torch.zeros((batch, width), dtype=torch.long)  # [B, T]
    positions = torch.empty(batch, dtype=torch.long)  # [B]
    for i, row in enumerate(rows):
        offset = offset_of(row)
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
    rows_index = torch.arange(batch, device=hidden.device)
    read = hidden[rows_index, positions.to(hidden.device)]  # [B, H]
    if also_at is None:
        return read
    second = torch.as_tensor([offset_of(row) + at for row, at in zip(rows, also_at, strict=True)])  # [B]
    return torch.cat([read, hidden[rows_index, second.to(hidden.device)]], dim=1)  # [B, 2H]
