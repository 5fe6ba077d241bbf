"""What a reward model reports: attribute names, aggregate weights and where its score is read.

This module reads the model directory's JSON only; it imports no torch, so the API layer and
the tools can use it freely.

A model directory may hold `reward_config.json` beside the Hugging Face `config.json`:

    {
      "weights": {"helpfulness": 0.3, "correctness": 0.74, ...},
      "pooling": "last_non_pad"
    }

Two more keys serve checkpoints whose head is not a plain `score` layer of as many outputs as
attributes:

- `attributes`: the head's outputs to report, by their `id2label` names, in that order (e.g.
  the five HelpSteer2 attributes of Nemotron-4-340B-Reward's nine outputs). Only those are
  reported, weighed and thresholded.
- `head`: `{"lm_head_rows": {"reward": {"0": 1.0}}}` reads each attribute as a linear
  combination of LM-head logits (vocabulary id -> coefficient) of a `*ForCausalLM` checkpoint
  (see `heads.py`); `{"gated": {"gating_tokens": [...], "objectives": [...]}}` reads ArmoRM's
  gated multi-objective head (see `gated.py`).

`pooling` is where the head's output is read:

- `last_non_pad` (default): the rightmost token whose id is not the config's `pad_token_id`
  (the last token when no pad id is set). This is what transformers'
  `*ForSequenceClassification` reads for one unpadded conversation, and so what checkpoints
  trained with transformers or TRL learned.
- `last_token`: the very last token of the formatted conversation, whatever its id. For
  checkpoints trained elsewhere to be read there.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..engine.plan import Row
from ..errors import CheckpointError

HELPSTEER2_ATTRIBUTES: tuple[str, ...] = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")

# Published aggregate for Nemotron-4-340B-Reward (arXiv 2406.11704, section 3.2).
NEMOTRON_WEIGHTS: Mapping[str, float] = {
    "helpfulness": 0.3,
    "correctness": 0.74,
    "coherence": 0.46,
    "complexity": 0.47,
    "verbosity": -0.33,
}

REWARD_CONFIG_FILE = "reward_config.json"
REWARD_CONFIG_KEYS = ("name", "weights", "pooling", "attributes", "head")
HEAD_KINDS = ("lm_head_rows", "gated")
UNCERTAINTY_FILE = "uncertainty.safetensors"
AGGREGATE = "aggregate"
Pooling = Literal["last_non_pad", "last_token"]
POOLINGS: tuple[str, ...] = ("last_non_pad", "last_token")

_GENERIC_LABEL = re.compile(r"LABEL_\d+")


@dataclass(frozen=True)
class ReadRule:
    """Where a checkpoint's score is read: the one place the read position is computed.

    With `last_non_pad` this is exactly transformers' rule for a single unpadded input: the
    rightmost id that is not `pad_token_id`, or the last token when no pad id is set (and
    index 0, as transformers' argmax gives, in the degenerate all-pad row).
    """

    pad_token_id: int | None
    pooling: Pooling = "last_non_pad"

    def position(self, token_ids: Sequence[int]) -> int:
        """Index, within the unpadded row, of the token whose hidden state is scored."""
        if self.pooling == "last_token" or self.pad_token_id is None:
            return len(token_ids) - 1
        for index in range(len(token_ids) - 1, -1, -1):
            if token_ids[index] != self.pad_token_id:
                return index
        return 0

    def row(self, token_ids: Sequence[int]) -> Row:
        """The row the engine queues and the scorer runs: the ids and where they are read."""
        if not token_ids:
            raise ValueError("cannot score an empty token sequence")
        return Row(tuple(token_ids), self.position(token_ids))


@dataclass(frozen=True)
class ModelSpec:
    """The public face of a loaded reward model."""

    name: str
    attributes: tuple[str, ...]
    weights: Mapping[str, float] = field(default_factory=dict)
    pooling: Pooling = "last_non_pad"
    max_tokens: int = 4096
    # The checkpoint ships an ensemble of heads (UNCERTAINTY_FILE): each score comes with the
    # ensemble's spread, a measure of how far the head's training data pins it down.
    uncertainty: bool = False

    def aggregate(self, scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
        """Weighted sum of the attribute scores; `weights` defaults to the model's own."""
        use = self.weights if weights is None else weights
        return float(sum(use.get(name, 0.0) * scores[name] for name in self.attributes))


def attribute_names(id2label: Mapping[int | str, str] | None, num_labels: int) -> tuple[str, ...]:
    """Names of the head's outputs, in output order.

    Labels come from the config's `id2label`. A head whose labels are transformers' generic
    `LABEL_i` gets the HelpSteer2 names when it has five outputs and `reward` when it has one.
    """
    labels = [str((id2label or {}).get(i, (id2label or {}).get(str(i), f"LABEL_{i}"))) for i in range(num_labels)]
    if all(_GENERIC_LABEL.fullmatch(label) for label in labels):
        if num_labels == len(HELPSTEER2_ATTRIBUTES):
            return HELPSTEER2_ATTRIBUTES
        if num_labels == 1:
            return ("reward",)
    if len(set(labels)) != len(labels) or AGGREGATE in labels:
        raise ValueError(f"attribute names must be unique and not {AGGREGATE!r}; got {labels}")
    return tuple(labels)


def default_weights(attributes: tuple[str, ...]) -> dict[str, float]:
    """Weights used when neither the model directory nor the settings give any.

    The HelpSteer2 five get the published Nemotron-4-340B-Reward weights; a single output
    weighs 1 (the aggregate is the reward itself); any other set of attributes is averaged.
    """
    if set(attributes) == set(HELPSTEER2_ATTRIBUTES):
        return dict(NEMOTRON_WEIGHTS)
    return {name: 1.0 / len(attributes) for name in attributes}


def check_weights(weights: Mapping[str, float], attributes: tuple[str, ...]) -> dict[str, float]:
    """Validate a weight mapping against the attributes; unnamed attributes weigh 0."""
    unknown = sorted(set(weights) - set(attributes))
    if unknown:
        raise ValueError(f"unknown attribute(s) {unknown}; expected some of {list(attributes)}")
    bad = [name for name, value in weights.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(f"weights must be finite numbers; not finite: {bad}")
    return {name: float(weights.get(name, 0.0)) for name in attributes}


def read_reward_config(model_dir: Path) -> dict[str, object]:
    """The optional `reward_config.json` of a model directory, validated for shape."""
    path = model_dir / REWARD_CONFIG_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(path, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise CheckpointError(path, "must hold a JSON object")
    unknown = sorted(set(data) - set(REWARD_CONFIG_KEYS))
    if unknown:
        raise CheckpointError(path, f"unknown key(s) {unknown}; accepted: {', '.join(REWARD_CONFIG_KEYS)}")
    pooling = data.get("pooling", "last_non_pad")
    if pooling not in POOLINGS:
        raise CheckpointError(path, f"pooling {pooling!r} is not one of {list(POOLINGS)}")
    weights = data.get("weights")
    if weights is not None and not (
        isinstance(weights, dict) and all(isinstance(v, int | float) for v in weights.values())
    ):
        raise CheckpointError(path, "weights must map attribute names to numbers")
    attributes = data.get("attributes")
    if attributes is not None and not (
        isinstance(attributes, list) and attributes and all(isinstance(a, str) for a in attributes)
    ):
        raise CheckpointError(path, 'attributes must be a non-empty list of output names, e.g. ["helpfulness"]')
    head = data.get("head")
    if head is not None and not (isinstance(head, dict) and len(head) == 1 and set(head) <= set(HEAD_KINDS)):
        raise CheckpointError(path, f"head must be an object with exactly one of the keys {list(HEAD_KINDS)}")
    return data


def select_attributes(
    outputs: tuple[str, ...], reward_config: Mapping[str, object], source: Path
) -> tuple[tuple[str, ...], list[int] | None]:
    """The attributes to report and their indices among the head's `outputs` (None: all of them)."""
    chosen = reward_config.get("attributes")
    if chosen is None:
        return outputs, None
    assert isinstance(chosen, list)  # read_reward_config checked the shape
    unknown = [name for name in chosen if name not in outputs]
    if unknown:
        raise CheckpointError(
            source, f"attributes: unknown output name(s) {unknown}; the head's outputs are {list(outputs)}"
        )
    if len(set(chosen)) != len(chosen):
        raise CheckpointError(source, f"attributes: {chosen} names an output twice")
    return tuple(chosen), [outputs.index(name) for name in chosen]


def build_spec(
    model_dir: Path,
    reward_config: Mapping[str, object],
    *,
    attributes: tuple[str, ...],
    max_tokens: int,
    weight_override: Mapping[str, float] | None = None,
    head_weights: Mapping[str, float] | None = None,
) -> ModelSpec:
    """Combine the reported attributes, reward_config.json (as `read_reward_config` read it)
    and settings into a ModelSpec. `head_weights` are the head's own default weights (a gated
    head's: its score alone)."""
    source, weights = "defaults", dict(head_weights or default_weights(attributes))
    if "weights" in reward_config:
        source, weights = str(model_dir / REWARD_CONFIG_FILE), reward_config["weights"]  # type: ignore[assignment]
    if weight_override:
        source, weights = "settings", dict(weight_override)
    try:
        checked = check_weights(weights, attributes)
    except ValueError as exc:
        raise CheckpointError(source, f"weights: {exc}") from exc
    return ModelSpec(
        name=str(reward_config.get("name") or model_dir.resolve().name),
        attributes=attributes,
        weights=checked,
        pooling=reward_config.get("pooling", "last_non_pad"),  # type: ignore[arg-type]
        max_tokens=max_tokens,
        uncertainty=(model_dir / UNCERTAINTY_FILE).is_file(),
    )
