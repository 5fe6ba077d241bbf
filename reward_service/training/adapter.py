"""LoRA adapters in peft's on-disk format, merged into plain weights.

An adapter folder holds `adapter_config.json` and `adapter_model.safetensors`, as
`PeftModel.save_pretrained` writes them, so peft can load it too. Merging needs no peft:
W' = W + scale * B @ A, computed in float32 and cast back to W's dtype. Training merges with
this function before it evaluates, and set-up merges with it before it serves, so the weights
evaluated and the weights served are bit-identical.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from ..errors import CheckpointError

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_FILES = (ADAPTER_CONFIG, ADAPTER_WEIGHTS)
_PEFT_PREFIX = "base_model.model."
_SUFFIXES = {".lora_A.weight": 0, ".lora_B.weight": 1}


@dataclass(frozen=True)
class Adapter:
    """Low-rank updates per module: module path (e.g. `layers.12.self_attn.q_proj`) -> (A, B),
    A of shape [rank, in], B of shape [out, rank]."""

    scale: float
    updates: Mapping[str, tuple[torch.Tensor, torch.Tensor]]
    digest: str  # of the two files, so caches keyed on it change when the adapter does
    folder: Path  # where it was read from

    @classmethod
    def load(cls, folder: Path) -> Adapter:
        config_path, weights_path = folder / ADAPTER_CONFIG, folder / ADAPTER_WEIGHTS
        try:
            config = json.loads(config_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(config_path, f"not a readable adapter config ({exc})") from exc
        scale = _scale(config, config_path)
        try:
            tensors = load_file(str(weights_path))
        except Exception as exc:  # safetensors raises its own types
            raise CheckpointError(weights_path, f"not a readable safetensors file ({exc})") from exc
        pieces: dict[str, list[torch.Tensor | None]] = {}
        for key, tensor in tensors.items():
            suffix = next((s for s in _SUFFIXES if key.endswith(s)), None)
            if suffix is None:
                raise CheckpointError(weights_path, f"holds {key!r}, which is no LoRA A or B matrix")
            module = key.removesuffix(suffix).removeprefix(_PEFT_PREFIX)
            pieces.setdefault(module, [None, None])[_SUFFIXES[suffix]] = tensor
        updates = {}
        for module, (a, b) in pieces.items():
            if a is None or b is None or a.dim() != 2 or b.dim() != 2 or a.shape[0] != b.shape[1]:
                raise CheckpointError(weights_path, f"{module}: needs lora_A [r, in] and lora_B [out, r]")
            updates[module] = (a, b)
        digest = hashlib.sha256(config_path.read_bytes() + weights_path.read_bytes()).hexdigest()[:16]
        return cls(scale=scale, updates=updates, digest=digest, folder=folder)

    def target(self, module: str, keys: Iterable[str]) -> str | None:
        """The checkpoint key of `module`'s weight: `model.layers.0.mlp.up_proj.weight` and
        `layers.0.mlp.up_proj.weight` both match `layers.0.mlp.up_proj`."""
        name = f"{module}.weight"
        found = [key for key in keys if key == name or key.endswith(f".{name}")]
        if len(found) > 1:
            raise CheckpointError(module, f"matches several checkpoint tensors: {found}")
        return found[0] if found else None

    def merged(self, tensors: Mapping[str, torch.Tensor], *, complete: bool = True) -> dict[str, torch.Tensor]:
        """`tensors` with each targeted weight replaced by its merged value. With `complete`, every
        module the adapter updates must be among `tensors` (a shard may hold only some: False)."""
        out = dict(tensors)
        for module, (a, b) in self.updates.items():
            key = self.target(module, tensors)
            if key is None:
                if complete:
                    raise CheckpointError(module, "the adapter updates a module the checkpoint does not have")
                continue
            out[key] = merge(tensors[key], a, b, self.scale)
        return out


def merge(weight: torch.Tensor, a: torch.Tensor, b: torch.Tensor, scale: float) -> torch.Tensor:
    """W + scale * B @ A, in float32, in W's dtype."""
    if weight.shape != (b.shape[0], a.shape[1]):
        raise ValueError(f"a LoRA update of shape {(b.shape[0], a.shape[1])} does not fit a weight of {weight.shape}")
    return (weight.float() + scale * (b.float() @ a.float())).to(weight.dtype)


def _scale(config: dict, path: Path) -> float:
    """alpha / r (alpha / sqrt(r) with rsLoRA); variants that are not a plain low-rank sum are refused."""
    unsupported = {
        "peft_type": config.get("peft_type", "LORA") != "LORA",
        "use_dora": bool(config.get("use_dora")),
        "bias": config.get("bias", "none") != "none",
        "fan_in_fan_out": bool(config.get("fan_in_fan_out")),
        "rank_pattern": bool(config.get("rank_pattern")),
        "alpha_pattern": bool(config.get("alpha_pattern")),
    }
    refused = [name for name, bad in unsupported.items() if bad]
    if refused:
        raise CheckpointError(path, f"unsupported adapter settings {refused}: only plain LoRA merges into weights")
    rank, alpha = config.get("r"), config.get("lora_alpha")
    if not isinstance(rank, int) or rank <= 0 or not isinstance(alpha, int | float):
        raise CheckpointError(path, "needs a positive integer `r` and a number `lora_alpha`")
    return float(alpha) / (math.sqrt(rank) if config.get("use_rslora") else rank)


__all__ = ["ADAPTER_FILES", "Adapter", "merge"]
