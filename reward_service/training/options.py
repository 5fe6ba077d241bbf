"""Options of LoRA fine-tuning, importable without torch (the command line reads their defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
Precision = Literal["auto", "float32", "bfloat16"]


@dataclass(frozen=True)
class LoraOptions:
    rank: int = 16
    alpha: int = 32
    targets: tuple[str, ...] = ALL_LINEAR  # module names inside each decoder layer
    layers: int | None = 8  # adapt the last N layers (None: all of them)
    epochs: float = 2.0  # may be fractional: the last epoch stops part way
    learning_rate: float = 3e-4  # adapters'; the head's is head_learning_rate
    head_learning_rate: float = 1e-3
    pairwise_weight: float = 0.5  # 0: regression loss alone
    batch_tokens: int = 2048  # padded tokens per step (a prompt with more gets a step of its own)
    warmup: float = 0.06  # fraction of the steps with a linearly rising learning rate
    max_grad_norm: float = 1.0
    seed: int = 0
    checkpoint_every: int = 25  # steps between saves of the resumable state
    # Matmuls in bfloat16 (autocast; weights and optimizer stay float32) where the CPU does
    # them in hardware; "auto" decides from the CPU's flags.
    precision: Precision = "auto"
