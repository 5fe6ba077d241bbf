"""Reward heads read from rows of a projection: a score head's chosen outputs, or LM-head logits.

Some reward models are plain `*ForCausalLM` checkpoints whose reward is a logit, or a linear
combination of logits, at the read position (Llama-3.1-Nemotron-70B-Reward-HF reads the logit
of vocabulary id 0). Only those rows of the LM head are ever needed: a `ProjectionHead` holds
them, [rows, hidden], applies the architecture's own logit transform (a scale, a soft cap),
and combines the transformed logits into attributes. The full vocabulary projection is never
computed, and never loaded.

Every head computes in float32, whatever the backbone's dtype: a bf16 head would round scores
to steps of about 0.016 near 3-4, enough to reorder close responses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import nn
from torch.nn import functional as F

from ..errors import CheckpointError

LM_HEAD_KEY = "lm_head.weight"


class ProjectionHead(nn.Module):
    """`combine @ transform(rows @ h + bias)`: attributes from chosen rows of a projection, in float32.

    `rows` [R, H] are the projection's rows (a score head's or an LM head's); `transform` is the
    logit transform of the architecture (`LogitTransform`); `combine` [A, R] makes each attribute
    a linear combination of the transformed rows (None: the rows are the attributes).
    """

    rows: torch.Tensor
    bias: torch.Tensor | None
    combine: torch.Tensor | None

    def __init__(
        self,
        rows: torch.Tensor,
        *,
        bias: torch.Tensor | None = None,
        combine: torch.Tensor | None = None,
        transform: LogitTransform | None = None,
    ) -> None:
        super().__init__()
        self.register_buffer("rows", rows.detach().float().clone(), persistent=False)
        self.register_buffer("bias", None if bias is None else bias.detach().float().clone(), persistent=False)
        self.register_buffer("combine", None if combine is None else combine.detach().float().clone(), persistent=False)
        self.transform = transform or LogitTransform()
        self.in_features = int(rows.shape[1])
        self.out_features = int(rows.shape[0] if combine is None else combine.shape[0])

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        logits = self.transform(F.linear(features.float(), self.rows, self.bias))  # [N, R]
        return logits if self.combine is None else F.linear(logits, self.combine)  # [N, A]


def linear_head_outputs(head: nn.Linear, features: torch.Tensor) -> torch.Tensor:
    """A checkpoint's own linear score head applied in float32, whatever its dtype. [N, L]"""
    bias = None if head.bias is None else head.bias.float()
    return F.linear(features.to(head.weight.device, torch.float32), head.weight.float(), bias)


@dataclass(frozen=True)
class LogitTransform:
    """What an architecture's `*ForCausalLM` does to the LM head's logits before returning them:
    multiply by `scale`, then soft-cap at `softcap` (`softcap * tanh(x / softcap)`)."""

    scale: float = 1.0
    softcap: float | None = None

    def __call__(self, logits: torch.Tensor) -> torch.Tensor:
        if self.scale != 1.0:
            logits = logits * self.scale
        if self.softcap is not None:
            logits = torch.tanh(logits / self.softcap) * self.softcap
        return logits

    @classmethod
    def of(cls, config: Any) -> LogitTransform:
        """The transform a text config declares: Gemma 2/3's `final_logit_softcapping`, Cohere's
        `logit_scale` (a multiplier) and Granite's `logits_scaling` (a divisor)."""
        scale = 1.0
        if getattr(config, "logit_scale", None) is not None:
            scale *= float(config.logit_scale)
        if getattr(config, "logits_scaling", None) is not None:
            scale /= float(config.logits_scaling)
        cap = getattr(config, "final_logit_softcapping", None)
        return cls(scale=scale, softcap=float(cap) if cap else None)


@dataclass(frozen=True)
class LmHeadRows:
    """`head.lm_head_rows` of reward_config.json: attribute -> {vocabulary id: coefficient}."""

    attributes: tuple[str, ...]
    ids: tuple[int, ...]  # the distinct LM-head rows read, in first-use order
    combine: torch.Tensor  # [attributes, ids]

    @classmethod
    def parse(cls, value: object, source: Path) -> LmHeadRows:
        where = "head.lm_head_rows"
        example = '{"reward": {"0": 1.0}}'
        if not isinstance(value, dict) or not value:
            raise CheckpointError(
                source, f"{where} must map attribute names to {{vocabulary id: coefficient}}, e.g. {example}"
            )
        ids: dict[int, int] = {}
        terms: list[dict[int, float]] = []
        for name, row in value.items():
            if not isinstance(row, dict) or not row:
                raise CheckpointError(
                    source,
                    f'{where}.{name} must map vocabulary ids to coefficients, e.g. {{"9642": 1.0, "2822": -1.0}}',
                )
            term: dict[int, float] = {}
            for key, coefficient in row.items():
                if not (isinstance(key, str) and key.isdigit()):
                    raise CheckpointError(
                        source, f"{where}.{name}: {key!r} is not a vocabulary id (a non-negative integer)"
                    )
                if (
                    not isinstance(coefficient, int | float)
                    or isinstance(coefficient, bool)
                    or not math.isfinite(coefficient)
                ):
                    raise CheckpointError(source, f"{where}.{name}.{key}: the coefficient must be a finite number")
                term[int(key)] = float(coefficient)
                ids.setdefault(int(key), len(ids))
            terms.append(term)
        combine = torch.zeros(len(terms), len(ids))
        for a, term in enumerate(terms):
            for token, coefficient in term.items():
                combine[a, ids[token]] = coefficient
        return cls(tuple(str(name) for name in value), tuple(ids), combine)


def lm_head_rows(model_dir: Path, backbone: Any, config: Any, ids: Sequence[int]) -> torch.Tensor:
    """The LM head's rows for `ids`, [len(ids), hidden], read from the checkpoint alone.

    With tied embeddings (or no `lm_head.weight` stored), the rows are the input embedding's.
    Otherwise only these rows of `lm_head.weight` are read from its safetensors file.
    """
    vocab = int(config.vocab_size)
    beyond = [i for i in ids if i >= vocab]
    source = model_dir / "reward_config.json"
    if beyond:
        raise CheckpointError(
            source, f"head.lm_head_rows: vocabulary id(s) {beyond} beyond the vocabulary (ids 0-{vocab - 1})"
        )
    stored = file_holding(model_dir, LM_HEAD_KEY)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    if stored is None and not tied:
        raise CheckpointError(
            model_dir, f"head.lm_head_rows: no {LM_HEAD_KEY} is stored and the embeddings are not tied to it"
        )
    if tied:
        embedding = backbone.get_input_embeddings()
        if embedding is None:
            raise CheckpointError(model_dir, f"no {LM_HEAD_KEY} stored and no input embedding to tie it to")
        weight: torch.Tensor = embedding.weight
        return weight.detach()[list(ids)].float()
    with safe_open(str(stored), framework="pt") as handle:
        matrix = handle.get_slice(LM_HEAD_KEY)
        shape = matrix.get_shape()
        if len(shape) != 2 or shape[0] != vocab:
            raise CheckpointError(stored, f"{LM_HEAD_KEY} has shape {tuple(shape)}; expected [{vocab}, hidden]")
        return torch.cat([matrix[i : i + 1] for i in ids]).float()


def file_holding(model_dir: Path, key: str) -> Path | None:
    """The safetensors file of the directory that stores `key`, if any."""
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map: Mapping[str, str] = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(index, f"not a valid safetensors index ({exc})") from exc
        return model_dir / weight_map[key] if key in weight_map else None
    for file in sorted(model_dir.glob("*.safetensors")):
        with safe_open(str(file), framework="pt") as handle:
            if key in handle.keys():  # noqa: SIM118 (a safetensors handle has no __contains__)
                return file
    return None
