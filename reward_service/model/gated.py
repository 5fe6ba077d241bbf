"""The gated multi-objective reward head of ArmoRM-style checkpoints, read from safetensors.

RLHFlow's ArmoRM-Llama3-8B ships its head as remote code (`LlamaForRewardModelWithGating`).
This module computes the same thing in our own code, so such a checkpoint is served without
running anything from its directory. With `h` the backbone's last hidden state (after its
final norm):

    rewards = regression_layer(h[read])                                  # [N, K] one per objective
    gate    = softmax(gating_mlp(h[gate]) / temperature) * logit_scale   # [N, K]
    score   = sum(gate * (rewards @ reward_transform_matrix), dim=1)     # [N]

`read` is the last non-pad token of the conversation (our `ReadRule` computes it); `gate` is
the start of the last occurrence of a token pattern that opens the assistant's turn
(`gate_position`), so the gate sees the prompt but not the response. The head computes in
float32 whatever the backbone's dtype: in bf16 the gated sum would be rounded to ~0.01.

The checkpoint keys are the published ones (`GATED_HEAD_KEYS_PREFIXES`); the backbone lives
under `model.` and is loaded elsewhere.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import nn

from ..errors import CheckpointError

# The 19 objectives of RLHFlow/ArmoRM-Llama3-8B-v0.1, in output order, from its model card.
# Outputs stay raw: we do not map the HelpSteer ones onto HelpSteer2's 0-4 scale.
ARMORM_OBJECTIVES: tuple[str, ...] = (
    "helpsteer-helpfulness",
    "helpsteer-correctness",
    "helpsteer-coherence",
    "helpsteer-complexity",
    "helpsteer-verbosity",
    "ultrafeedback-overall_score",
    "ultrafeedback-instruction_following",
    "ultrafeedback-truthfulness",
    "ultrafeedback-honesty",
    "ultrafeedback-helpfulness",
    "beavertails-is_safe",
    "prometheus-score",
    "argilla-overall_quality",
    "argilla-judge_lm",
    "code-complexity",
    "code-style",
    "code-explanation",
    "code-instruction-following",
    "code-readability",
)

# "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" in Llama 3's vocabulary.
LLAMA3_GATING_TOKENS: tuple[int, ...] = (128009, 128006, 78191, 128007, 271)
# "<end_of_turn>\n<start_of_turn>model\n" in Gemma 2's vocabulary.
GEMMA2_GATING_TOKENS: tuple[int, ...] = (107, 108, 106, 2516, 108)

# Checkpoint keys that belong to the head; everything else is the backbone's.
GATED_HEAD_KEYS_PREFIXES: tuple[str, ...] = ("regression_layer.", "gating.", "reward_transform_matrix")
SCORE_NAME = "score"

SAFETENSORS_FILE = "model.safetensors"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
_FLOAT_DTYPES = frozenset({"F16", "BF16", "F32", "F64"})

# The published defaults, used when config.json leaves a key out.
DEFAULT_NUM_OBJECTIVES = 19
DEFAULT_TEMPERATURE = 10.0
DEFAULT_HIDDEN_DIM = 1024
DEFAULT_N_HIDDEN = 3


def gate_position(ids: Sequence[int], pattern: Sequence[int]) -> int | None:
    """Start index of the last occurrence of `pattern` in `ids`, or None when it does not occur.

    A backwards scan that compares the rest of the pattern only where its first id matches, so
    a long conversation costs about one comparison per token. Raises ValueError for an empty
    pattern, which would match everywhere.
    """
    width = len(pattern)
    if width == 0:
        raise ValueError("the gating token pattern is empty; it must hold at least one token id")
    first, rest = pattern[0], tuple(pattern[1:])
    for start in range(len(ids) - width, -1, -1):
        if ids[start] == first and tuple(ids[start + 1 : start + width]) == rest:
            return start
    return None


def is_head_key(key: str) -> bool:
    """Whether a checkpoint key belongs to the gated head rather than the backbone."""
    return key.startswith(GATED_HEAD_KEYS_PREFIXES)


def output_names(objectives: Sequence[str]) -> tuple[str, ...]:
    """Names of the head's output columns: the objectives, then the gated `score`."""
    names = (*objectives, SCORE_NAME)
    if len(set(names)) != len(names):
        raise ValueError(f"objective names must be unique and not {SCORE_NAME!r}; got {list(objectives)}")
    return names


def _check_count(key: str, value: object, minimum: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} is {value!r}; it must be an integer >= {minimum} ({meaning})")
    return value


@dataclass(frozen=True)
class GatedHeadConfig:
    """The shape and settings of a gated head. Construction validates every field.

    Each field's error names the config.json key it comes from.
    """

    num_objectives: int  # K: the regression layer's outputs, one reward per objective
    temperature: float  # the gate's softmax temperature: higher spreads the weight over more objectives
    hidden_dim: int  # width of the gating network's hidden layers
    n_hidden: int  # hidden Linear+ReLU layers before the gate's final Linear (0: the final Linear only)
    gating_tokens: tuple[int, ...]  # the pattern whose last occurrence is where the gate reads

    def __post_init__(self) -> None:
        _check_count("num_objectives", self.num_objectives, 1, "the number of reward objectives")
        _check_count("gating_hidden_dim", self.hidden_dim, 1, "the gating network's hidden width")
        _check_count("gating_n_hidden", self.n_hidden, 0, "the gating network's hidden layers")
        temperature = self.temperature
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not math.isfinite(temperature)
            or temperature <= 0
        ):
            raise ValueError(f"gating_temperature is {temperature!r}; it must be a finite number > 0")
        tokens = self.gating_tokens
        if (
            isinstance(tokens, str | bytes)
            or not isinstance(tokens, Sequence)
            or not tokens
            or any(isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in tokens)
        ):
            raise ValueError(
                f"gating_tokens is {tokens!r}; it must be a non-empty sequence of token ids (integers >= 0)"
            )
        object.__setattr__(self, "temperature", float(temperature))
        object.__setattr__(self, "gating_tokens", tuple(tokens))

    @classmethod
    def from_configs(cls, config: Mapping[str, Any], gating_tokens: Sequence[int]) -> GatedHeadConfig:
        """Read config.json's gating keys, with the published defaults for those it leaves out.

        `gating_tokens` is the backbone's assistant-turn pattern (LLAMA3_GATING_TOKENS, ...).
        When config.json gives `vocab_size`, every pattern id must be below it: a pattern that
        cannot occur would fail every request. Raises ValueError naming the key at fault.
        """
        made = cls(
            num_objectives=config.get("num_objectives", DEFAULT_NUM_OBJECTIVES),
            temperature=config.get("gating_temperature", DEFAULT_TEMPERATURE),
            hidden_dim=config.get("gating_hidden_dim", DEFAULT_HIDDEN_DIM),
            n_hidden=config.get("gating_n_hidden", DEFAULT_N_HIDDEN),
            gating_tokens=gating_tokens,  # type: ignore[arg-type]  # __post_init__ makes it a tuple
        )
        vocab = config.get("vocab_size")
        if isinstance(vocab, int) and not isinstance(vocab, bool):
            outside = [t for t in made.gating_tokens if t >= vocab]
            if outside:
                raise ValueError(
                    f"gating_tokens {list(made.gating_tokens)} hold ids {outside} outside the vocabulary "
                    f"(vocab_size {vocab}); use the pattern of this checkpoint's tokenizer"
                )
        return made

    def describe(self, hidden_size: int) -> str:
        """The settings that fix the head's tensor shapes, as an error message states them."""
        return (
            f"hidden_size={hidden_size}, num_objectives={self.num_objectives}, "
            f"gating_hidden_dim={self.hidden_dim}, gating_n_hidden={self.n_hidden}"
        )


def _gating_widths(config: GatedHeadConfig, hidden_size: int) -> list[tuple[int, int]]:
    """(in, out) features of each gating layer: n_hidden to hidden_dim, then one to the objectives."""
    widths = [hidden_size, *([config.hidden_dim] * config.n_hidden), config.num_objectives]
    return list(itertools.pairwise(widths))


def expected_head_shapes(config: GatedHeadConfig, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """Every tensor of the head, by checkpoint key, with the shape `config` and `hidden_size` give it."""
    objectives = config.num_objectives
    shapes: dict[str, tuple[int, ...]] = {"regression_layer.weight": (objectives, hidden_size)}
    for index, (width_in, width_out) in enumerate(_gating_widths(config, hidden_size)):
        shapes[f"gating.layers.{index}.weight"] = (width_out, width_in)
        shapes[f"gating.layers.{index}.bias"] = (width_out,)
    shapes["gating.logit_scale"] = (1,)
    shapes["reward_transform_matrix"] = (objectives, objectives)
    return shapes


class _GatingNetwork(nn.Module):
    """An MLP from the hidden state at the gate to a weighting of the objectives."""

    def __init__(self, hidden_size: int, config: GatedHeadConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(width_in, width_out, device="meta") for width_in, width_out in _gating_widths(config, hidden_size)
        )
        self.logit_scale = nn.Parameter(torch.empty(1, device="meta"))
        self.temperature = config.temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [N, H]
        *hidden, final = self.layers
        for layer in hidden:
            x = torch.relu(layer(x))  # [N, hidden_dim]
        logits = final(x)  # [N, K]
        return torch.softmax(logits / self.temperature, dim=-1) * self.logit_scale  # [N, K]


class GatedHead(nn.Module):
    """The regression layer, gating network and reward transform, in float32, for inference.

    `tensors` maps the checkpoint keys (`expected_head_shapes`) to their values, in any float
    dtype; they are copied to float32. The hidden size is read from `regression_layer.weight`.
    Raises ValueError when a tensor is missing, unexpected or of the wrong shape (the loader
    checks the same first and names the file).
    """

    def __init__(self, config: GatedHeadConfig, tensors: Mapping[str, torch.Tensor]) -> None:
        super().__init__()
        regression = tensors.get("regression_layer.weight")
        if regression is None or regression.dim() != 2:
            raise ValueError("the head needs regression_layer.weight, a [num_objectives, hidden_size] tensor")
        self.config = config
        self.hidden_size = int(regression.shape[1])
        expected = expected_head_shapes(config, self.hidden_size)
        problems = _tensor_problems(expected, {key: tuple(value.shape) for key, value in tensors.items()})
        if problems:
            raise ValueError(f"gated head tensors do not match {config.describe(self.hidden_size)}: {problems}")

        self.regression_layer = nn.Linear(self.hidden_size, config.num_objectives, bias=False, device="meta")
        self.gating = _GatingNetwork(self.hidden_size, config)
        self.reward_transform_matrix = nn.Parameter(
            torch.empty(config.num_objectives, config.num_objectives, device="meta")
        )
        state = {key: value.detach().to(dtype=torch.float32, copy=True) for key, value in tensors.items()}
        self.load_state_dict(state, strict=True, assign=True)
        self.eval().requires_grad_(False)

    @property
    def num_objectives(self) -> int:
        return self.config.num_objectives

    def output_names(self, objectives: Sequence[str]) -> tuple[str, ...]:
        """Names of the output columns: the `num_objectives` objectives, then `score`."""
        if len(objectives) != self.num_objectives:
            raise ValueError(f"the head has {self.num_objectives} objectives; got {len(objectives)} names")
        return output_names(objectives)

    def forward(self, reward_hidden: torch.Tensor, gate_hidden: torch.Tensor) -> torch.Tensor:
        """The objectives' rewards, then the gated score, [N, num_objectives + 1] float32.

        `reward_hidden` is each row's hidden state at its read position, `gate_hidden` at its
        gate position, both [N, hidden_size] in any dtype (cast to float32 here).
        """
        want = (reward_hidden.shape[0], self.hidden_size)
        if tuple(reward_hidden.shape) != want or tuple(gate_hidden.shape) != want:
            raise ValueError(
                f"expected two [N, {self.hidden_size}] hidden states; got {tuple(reward_hidden.shape)} "
                f"and {tuple(gate_hidden.shape)}"
            )
        transform = self.reward_transform_matrix  # [K, K]
        reward_hidden = reward_hidden.to(device=transform.device, dtype=torch.float32)  # [N, H]
        gate_hidden = gate_hidden.to(device=transform.device, dtype=torch.float32)  # [N, H]
        rewards = self.regression_layer(reward_hidden)  # [N, K]
        gate = self.gating(gate_hidden)  # [N, K]
        score = (gate * (rewards @ transform)).sum(dim=1, keepdim=True)  # [N, 1]
        return torch.cat([rewards, score], dim=1)  # [N, K + 1]


def _tensor_problems(expected: Mapping[str, tuple[int, ...]], found: Mapping[str, tuple[int, ...]]) -> str:
    """What is wrong with `found` (key -> shape) against `expected`, or "" when nothing is."""
    problems = []
    missing = [key for key in expected if key not in found]
    if missing:
        problems.append(f"missing {missing}")
    unexpected = sorted(set(found) - set(expected))
    if unexpected:
        problems.append(f"unexpected {unexpected}")
    wrong = [
        f"{key} is {found[key]}, expected {shape}" for key, shape in expected.items() if found.get(key, shape) != shape
    ]
    if wrong:
        problems.append(f"wrong shapes: {'; '.join(wrong)}")
    return "; ".join(problems)


def load_gated_head(model_dir: Path, config: GatedHeadConfig, *, hidden_size: int | None = None) -> GatedHead:
    """Read the head's tensors, and only those, from a checkpoint directory's safetensors.

    The weights are `model.safetensors`, or the shards that `model.safetensors.index.json`'s
    weight_map names. `hidden_size` defaults to config.json's. Every expected tensor must be
    present with its shape and a float dtype, and no other head-prefixed tensor may be present
    (a different head layout must not load as this one); each problem raises CheckpointError
    naming the file and the tensor.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise CheckpointError(model_dir, "no such model directory")
    if hidden_size is None:
        hidden_size = _config_hidden_size(model_dir)
    expected = expected_head_shapes(config, hidden_size)
    located, listing = _locate_head_tensors(model_dir)
    settings = config.describe(hidden_size)

    missing = [key for key in expected if key not in located]
    if missing:
        raise CheckpointError(
            listing,
            f"missing gated-head tensor(s) {missing}; config.json's settings ({settings}) need {list(expected)}",
        )
    unexpected = sorted(set(located) - set(expected))
    if unexpected:
        raise CheckpointError(
            listing,
            f"unexpected gated-head tensor(s) {unexpected}; config.json's settings ({settings}) "
            f"expect exactly {list(expected)}",
        )

    tensors: dict[str, torch.Tensor] = {}
    for file in dict.fromkeys(located.values()):
        keys = [key for key in expected if located[key] == file]
        tensors.update(_read_tensors(file, keys, expected, settings))
    return GatedHead(config, tensors)


def _config_hidden_size(model_dir: Path) -> int:
    path = model_dir / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(path, f"could not be read as JSON ({exc})") from exc
    value = config.get("hidden_size") if isinstance(config, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CheckpointError(
            path, f"hidden_size is {value!r}; the gated head needs the backbone's width, an integer >= 1"
        )
    return value


def _locate_head_tensors(model_dir: Path) -> tuple[dict[str, Path], Path]:
    """Head key -> the file holding it, and the file that lists them (the weights or the index)."""
    single = model_dir / SAFETENSORS_FILE
    if single.is_file():  # preferred over an index, as transformers does
        return {key: single for key in _file_keys(single) if is_head_key(key)}, single
    index = model_dir / SAFETENSORS_INDEX_FILE
    if not index.is_file():
        raise CheckpointError(
            model_dir,
            f"neither {SAFETENSORS_FILE} nor {SAFETENSORS_INDEX_FILE}: the gated head is read from safetensors",
        )
    located: dict[str, Path] = {}
    for key, name in _weight_map(index).items():
        if not is_head_key(key):
            continue
        if Path(name).name != name:
            raise CheckpointError(
                index, f"weight_map sends {key!r} to {name!r}; shards must be file names in the directory"
            )
        shard = model_dir / name
        if not shard.is_file():
            raise CheckpointError(index, f"weight_map sends {key!r} to {name!r}, which is not in the directory")
        located[key] = shard
    return located, index


def _weight_map(index: Path) -> dict[str, str]:
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(index, f"could not be read as JSON ({exc})") from exc
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise CheckpointError(index, "needs a weight_map object from tensor names to shard file names")
    return weight_map


def _file_keys(file: Path) -> list[str]:
    try:
        with safe_open(str(file), framework="pt") as handle:
            return list(handle.keys())
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise CheckpointError(file, f"corrupt or truncated safetensors file ({exc})") from exc


def _read_tensors(
    file: Path, keys: Iterable[str], expected: Mapping[str, tuple[int, ...]], settings: str
) -> dict[str, torch.Tensor]:
    """`keys` from one safetensors file, each checked for presence, shape and dtype before it is read."""
    try:
        handle = safe_open(str(file), framework="pt")
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise CheckpointError(file, f"corrupt or truncated safetensors file ({exc})") from exc
    tensors: dict[str, torch.Tensor] = {}
    with handle:
        present = set(handle.keys())
        for key in keys:
            if key not in present:
                raise CheckpointError(file, f"has no tensor {key!r}, which {SAFETENSORS_INDEX_FILE} says it holds")
            view = handle.get_slice(key)
            shape, dtype = tuple(view.get_shape()), view.get_dtype()
            if shape != expected[key]:
                raise CheckpointError(
                    file, f"tensor {key!r} has shape {shape}; expected {expected[key]} for {settings} (config.json)"
                )
            if dtype not in _FLOAT_DTYPES:
                raise CheckpointError(file, f"tensor {key!r} has dtype {dtype}; expected a float dtype")
            tensors[key] = handle.get_tensor(key)
    return tensors


GATED_SCORE = SCORE_NAME  # the output column of the gated score; the model's default aggregate


@dataclass(frozen=True)
class GatedOptions:
    """`head.gated` of reward_config.json: the assistant-turn pattern the gate is read at, and
    optionally the objectives' names (default: ArmoRM's 19 when there are 19)."""

    config: GatedHeadConfig
    outputs: tuple[str, ...]  # the objectives, then GATED_SCORE

    @classmethod
    def parse(cls, value: object, config: Mapping[str, Any], source: Path) -> GatedOptions:
        where = "head.gated"
        example = '{"gating_tokens": [128009, 128006, 78191, 128007, 271]}'
        if not isinstance(value, dict):
            raise CheckpointError(source, f"{where} must be an object, e.g. {example}")
        unknown = sorted(set(value) - {"gating_tokens", "objectives"})
        if unknown:
            raise CheckpointError(source, f"{where}: unknown key(s) {unknown}; accepted: gating_tokens, objectives")
        tokens = value.get("gating_tokens")
        if tokens is None:
            raise CheckpointError(source, f"{where}.gating_tokens is missing: the token ids marking the assistant turn")
        try:
            head = GatedHeadConfig.from_configs(config, tokens)
        except ValueError as exc:
            blame = source if str(exc).startswith("gating_tokens") else source.parent / "config.json"
            raise CheckpointError(blame, f"{where}: {exc}") from exc
        objectives = value.get("objectives")
        if objectives is None:
            count = head.num_objectives
            objectives = (
                ARMORM_OBJECTIVES if count == len(ARMORM_OBJECTIVES) else [f"objective_{i}" for i in range(count)]
            )
        if not (isinstance(objectives, list | tuple) and all(isinstance(name, str) for name in objectives)):
            raise CheckpointError(source, f"{where}.objectives must be a list of names")
        if len(objectives) != head.num_objectives:
            raise CheckpointError(
                source, f"{where}.objectives names {len(objectives)} objectives; the head has {head.num_objectives}"
            )
        try:
            outputs = output_names(objectives)
        except ValueError as exc:
            raise CheckpointError(source, f"{where}.objectives: {exc}") from exc
        return cls(head, outputs)
