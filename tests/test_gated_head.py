"""The gated multi-objective head (ArmoRM's `LlamaForRewardModelWithGating`) against a reference.

The reference below is written from the published structure, independently of
`reward_service.model.gated`: a LlamaModel under `model.`, a bias-free regression layer read
at the last token, a gating MLP read at the start of the last assistant-turn pattern, and the
score `sum(gate * (rewards @ reward_transform_matrix))`. Its state dict is saved as the tiny
checkpoint, so the names are the published ones and the loader must find exactly them.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn
from transformers import LlamaConfig, LlamaModel

from reward_service.errors import CheckpointError
from reward_service.model.gated import (
    ARMORM_OBJECTIVES,
    GATED_HEAD_KEYS_PREFIXES,
    GEMMA2_GATING_TOKENS,
    LLAMA3_GATING_TOKENS,
    GatedHead,
    GatedHeadConfig,
    gate_position,
    load_gated_head,
    output_names,
)

HIDDEN = 32
VOCAB = 300
# Like Gemma 2's pattern, one id appears twice. All ids are below FILLER_START, so random
# filler never forms the pattern by accident.
PATTERN = (7, 3, 11, 3, 5)
FILLER_START = 20


# --- the reference, from the published structure ----------------------------------------------


class ReferenceGatingNetwork(nn.Module):
    def __init__(self, in_features: int, out_features: int, temperature: float, hidden_dim: int, n_hidden: int):
        super().__init__()
        layers = []
        for _ in range(n_hidden):
            layers.append(nn.Linear(in_features, hidden_dim))
            in_features = hidden_dim
        layers.append(nn.Linear(in_features, out_features, bias=True))
        self.layers = nn.ModuleList(layers)
        self.temperature = temperature
        self.logit_scale = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        x = F.softmax(x / self.temperature, dim=1)
        return x * self.logit_scale


def reference_pattern_start(ids: Sequence[int], pattern: Sequence[int]) -> int:
    """Every match by a forward scan; the last one is used. Raises when there is none, as published."""
    starts = [j for j in range(len(ids) - len(pattern) + 1) if list(ids[j : j + len(pattern)]) == list(pattern)]
    if not starts:
        raise ValueError("Token pattern not found in the list.")
    return starts[-1]


class ReferenceRewardModelWithGating(nn.Module):
    def __init__(self, config: LlamaConfig, num_objectives: int, temperature: float, hidden_dim: int, n_hidden: int):
        super().__init__()
        self.model = LlamaModel(config)
        self.regression_layer = nn.Linear(config.hidden_size, num_objectives, bias=False)
        self.gating = ReferenceGatingNetwork(config.hidden_size, num_objectives, temperature, hidden_dim, n_hidden)
        self.reward_transform_matrix = nn.Parameter(torch.eye(num_objectives))

    @torch.no_grad()
    def forward(self, ids: Sequence[int], pattern: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(rewards [K], score []) for one unpadded conversation."""
        hidden = self.model(input_ids=torch.tensor([list(ids)])).last_hidden_state  # [1, T, H]
        rewards = self.regression_layer(hidden[:, -1])  # [1, K]
        gate_at = reference_pattern_start(ids, pattern)
        gating_output = self.gating(hidden[:, gate_at])  # [1, K]
        rewards_adjusted = rewards @ self.reward_transform_matrix
        score = torch.sum(gating_output * rewards_adjusted, dim=1)
        return rewards[0], score[0]


# --- building checkpoints ---------------------------------------------------------------------


@dataclass
class Built:
    directory: Path
    reference: ReferenceRewardModelWithGating
    config_json: dict[str, object]
    state: dict[str, torch.Tensor]
    head_config: GatedHeadConfig


def llama_config() -> LlamaConfig:
    return LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        # Large enough that attention matters: hidden states then depend on the context.
        initializer_range=0.2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )


def build_reference(num_objectives: int, temperature: float, seed: int) -> ReferenceRewardModelWithGating:
    """A random reference with a non-identity transform, a non-unit logit scale and gate logits of order 10."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        reference = ReferenceRewardModelWithGating(
            llama_config(), num_objectives, temperature=temperature, hidden_dim=16, n_hidden=2
        )
        with torch.no_grad():
            reference.regression_layer.weight.normal_(0.0, 1.0 / math.sqrt(HIDDEN))
            for layer in reference.gating.layers:
                layer.weight.normal_(0.0, 2.0 / math.sqrt(layer.in_features))
                layer.bias.normal_(0.0, 0.5)
            reference.gating.logit_scale.fill_(2.5)
            reference.reward_transform_matrix.add_(0.3 * torch.randn(num_objectives, num_objectives))
    return reference.eval()


def write_checkpoint(directory: Path, state: dict[str, torch.Tensor], config_json: dict[str, object]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(directory / "model.safetensors"), {"format": "pt"})
    (directory / "config.json").write_text(json.dumps(config_json), encoding="utf-8")
    return directory


def build(directory: Path, *, num_objectives: int | None, temperature: float | None, seed: int) -> Built:
    """A checkpoint directory; None leaves the key out of config.json (the published default applies)."""
    reference = build_reference(num_objectives or 19, temperature or 10.0, seed)
    config_json: dict[str, object] = {
        **llama_config().to_dict(),
        "model_type": "llama",
        "architectures": ["LlamaForRewardModelWithGating"],
        "gating_hidden_dim": 16,
        "gating_n_hidden": 2,
    }
    if num_objectives is not None:
        config_json["num_objectives"] = num_objectives
    if temperature is not None:
        config_json["gating_temperature"] = temperature
    state = {key: value.detach().clone() for key, value in reference.state_dict().items()}
    write_checkpoint(directory, state, config_json)
    head_config = GatedHeadConfig.from_configs(config_json, PATTERN)
    return Built(directory, reference, config_json, state, head_config)


@pytest.fixture(scope="module")
def armorm(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """ArmoRM's defaults: 19 objectives and temperature 10 (both left out of config.json)."""
    return build(tmp_path_factory.mktemp("armorm19"), num_objectives=None, temperature=None, seed=1)


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A custom head: 6 objectives, temperature 0.7."""
    return build(tmp_path_factory.mktemp("six"), num_objectives=6, temperature=0.7, seed=2)


def conversation(seed: int, length: int, pattern_at: Sequence[int]) -> list[int]:
    """Random filler ids of `length`, with PATTERN written at each offset of `pattern_at`."""
    rng = random.Random(seed)
    ids = [rng.randrange(FILLER_START, VOCAB) for _ in range(length)]
    for offset in pattern_at:
        ids[offset : offset + len(PATTERN)] = PATTERN
    assert len(ids) == length
    return ids


CONVERSATIONS = {
    "once_at_start": conversation(0, 24, [0]),
    "once_in_middle": conversation(1, 30, [11]),
    "twice": conversation(2, 40, [4, 21]),
    "twice_adjacent": conversation(3, 28, [6, 11]),
    "at_the_end": conversation(4, 20, [15]),
}


@torch.no_grad()
def hidden_states(backbone: LlamaModel, ids: Sequence[int]) -> torch.Tensor:
    return backbone(input_ids=torch.tensor([list(ids)])).last_hidden_state[0]  # [T, H]


def head_inputs(backbone: LlamaModel, rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's hidden state at its last token and at gate_position, stacked: ([N, H], [N, H])."""
    reward, gate = [], []
    for ids in rows:
        hidden = hidden_states(backbone, ids)
        at = gate_position(ids, PATTERN)
        assert at is not None
        reward.append(hidden[len(ids) - 1])
        gate.append(hidden[at])
    return torch.stack(reward), torch.stack(gate)


# --- parity with the reference -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["armorm", "six"])
def test_head_matches_reference(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    head = load_gated_head(built.directory, built.head_config)
    num_objectives = built.head_config.num_objectives
    rows = list(CONVERSATIONS.values())
    reward_hidden, gate_hidden = head_inputs(built.reference.model, rows)

    out = head(reward_hidden, gate_hidden)  # all rows at once

    assert out.shape == (len(rows), num_objectives + 1) and out.dtype == torch.float32
    for i, ids in enumerate(rows):
        rewards, score = built.reference(ids, PATTERN)
        torch.testing.assert_close(out[i, :num_objectives], rewards, atol=1e-5, rtol=0)
        torch.testing.assert_close(out[i, num_objectives], score, atol=1e-5, rtol=0)


def test_config_defaults_and_custom_values_reach_the_head(armorm: Built, six: Built) -> None:
    assert armorm.head_config == GatedHeadConfig(19, 10.0, 16, 2, PATTERN)
    assert six.head_config == GatedHeadConfig(6, 0.7, 16, 2, PATTERN)
    assert load_gated_head(six.directory, six.head_config).gating.temperature == 0.7


@pytest.mark.parametrize("name", ["armorm", "six"])
def test_the_last_pattern_occurrence_gates(name: str, request: pytest.FixtureRequest) -> None:
    """Reading the gate at the first occurrence gives a different score: the position matters."""
    built: Built = request.getfixturevalue(name)
    head = load_gated_head(built.directory, built.head_config)
    ids = CONVERSATIONS["twice"]
    assert gate_position(ids, PATTERN) == 21
    hidden = hidden_states(built.reference.model, ids)
    last = head(hidden[-1:], hidden[21:22])[0, -1]
    first = head(hidden[-1:], hidden[4:5])[0, -1]
    _, expected = built.reference(ids, PATTERN)
    assert abs(float(last - expected)) < 1e-5
    assert abs(float(first - expected)) > 1e-3


def test_transform_and_logit_scale_are_applied(six: Built) -> None:
    """The score uses the checkpoint's transform matrix and logit scale, not identity and 1."""
    head = load_gated_head(six.directory, six.head_config)
    reward_hidden, gate_hidden = head_inputs(six.reference.model, list(CONVERSATIONS.values()))
    score = head(reward_hidden, gate_hidden)[:, -1]
    rewards = six.reference.regression_layer(reward_hidden)
    plain_gate = six.reference.gating(gate_hidden) / 2.5
    assert torch.allclose(plain_gate.sum(dim=1), torch.ones(len(CONVERSATIONS)), atol=1e-6)
    untransformed = (2.5 * plain_gate * rewards).sum(dim=1)
    unscaled = (plain_gate * (rewards @ six.reference.reward_transform_matrix)).sum(dim=1)
    assert (score - untransformed).abs().max() > 1e-2
    assert (score - unscaled).abs().max() > 1e-2


# --- float32 whatever the dtype ----------------------------------------------------------------


def test_bf16_backbone_feeds_a_float32_head(six: Built) -> None:
    head = load_gated_head(six.directory, six.head_config)
    backbone = copy.deepcopy(six.reference.model).to(torch.bfloat16)
    reward_hidden, gate_hidden = head_inputs(backbone, list(CONVERSATIONS.values()))
    assert reward_hidden.dtype == torch.bfloat16

    out = head(reward_hidden, gate_hidden)

    assert out.dtype == torch.float32
    assert torch.equal(out, head(reward_hidden.float(), gate_hidden.float()))
    # The same hidden states through the reference's head in float32 ...
    with torch.no_grad():
        rewards = six.reference.regression_layer(reward_hidden.float())
        score = (six.reference.gating(gate_hidden.float()) * (rewards @ six.reference.reward_transform_matrix)).sum(1)
    torch.testing.assert_close(out, torch.cat([rewards, score[:, None]], dim=1), atol=1e-5, rtol=0)
    # ... and through it in bfloat16, which is what computing in the backbone's dtype would give.
    with torch.no_grad():
        half = copy.deepcopy(six.reference).to(torch.bfloat16)
        rewards16 = half.regression_layer(reward_hidden)
        score16 = (half.gating(gate_hidden) * (rewards16 @ half.reward_transform_matrix)).sum(1)
    assert (score16.float() - out[:, -1]).abs().max() > 1e-4


def test_bf16_checkpoint_loads_as_float32(six: Built, tmp_path: Path) -> None:
    state = {key: value.to(torch.bfloat16) for key, value in six.state.items()}
    directory = write_checkpoint(tmp_path / "bf16", state, six.config_json)
    head = load_gated_head(directory, six.head_config)
    assert {p.dtype for p in head.parameters()} == {torch.float32}
    loaded = head.state_dict()
    assert set(loaded) == {key for key in state if key.startswith(GATED_HEAD_KEYS_PREFIXES)}
    for key, value in loaded.items():
        assert torch.equal(value, state[key].float()), key


def test_head_is_read_only_from_head_tensors(six: Built) -> None:
    head = load_gated_head(six.directory, six.head_config)
    assert not any(key.startswith("model.") for key in head.state_dict())
    assert not any(p.requires_grad for p in head.parameters())
    assert not head.training


# --- names ---------------------------------------------------------------------------------------


def test_output_names() -> None:
    assert len(ARMORM_OBJECTIVES) == len(set(ARMORM_OBJECTIVES)) == 19
    assert GatedHeadConfig.from_configs({}, LLAMA3_GATING_TOKENS).num_objectives == len(ARMORM_OBJECTIVES)
    assert output_names(ARMORM_OBJECTIVES) == (*ARMORM_OBJECTIVES, "score")
    with pytest.raises(ValueError, match="unique"):
        output_names(["a", "score"])
    with pytest.raises(ValueError, match="unique"):
        output_names(["a", "a"])


def test_head_output_names_check_the_count(six: Built) -> None:
    head = load_gated_head(six.directory, six.head_config)
    names = tuple(f"objective-{i}" for i in range(6))
    assert head.output_names(names) == (*names, "score")
    with pytest.raises(ValueError, match="6 objectives"):
        head.output_names(ARMORM_OBJECTIVES)


# --- gate_position -------------------------------------------------------------------------------


P = LLAMA3_GATING_TOKENS


@pytest.mark.parametrize(
    ("ids", "pattern", "expected"),
    [
        ([1, 2, *P, 9, *P, 4], P, 8),  # the last of two
        ([*P, 1, 2], P, 0),  # at the very start
        ([1, 2, *P], P, 2),  # at the very end
        (list(P), P, 0),  # the whole sequence
        ([1, *P, 3, *P[:-1]], P, 1),  # a cut-off copy at the end does not count
        ([1, 2, 3], P, None),  # absent
        (list(P[:-1]), P, None),  # shorter than the pattern
        ([], P, None),
        ([1, 1, 1], (1, 1), 1),  # overlapping: the last start
        ([0, 1, 2, 1, 2, 1, 0], (1, 2, 1), 3),
        ([107, 108, 107, 108, 106, 2516, 108, 5], GEMMA2_GATING_TOKENS, 2),
        ([4, 5, 4], (4,), 2),
    ],
)
def test_gate_position(ids: list[int], pattern: tuple[int, ...], expected: int | None) -> None:
    assert gate_position(ids, pattern) == expected


def test_gate_position_agrees_with_a_forward_scan_on_long_rows() -> None:
    """4k-token rows over a two-id alphabet: many partial matches, some full ones."""
    found = []
    for seed in range(4):
        rng = random.Random(seed)
        ids = [rng.randrange(2) for _ in range(4096)]
        for pattern in [(0, 1, 0, 0, 1), (0, 1, 0, 0, 1, *[0] * 20)]:
            try:
                expected: int | None = reference_pattern_start(ids, pattern)
            except ValueError:
                expected = None
            assert gate_position(ids, pattern) == expected
            found.append(expected)
    assert None in found and any(at is not None for at in found)  # both outcomes were exercised


def test_gate_position_refuses_an_empty_pattern() -> None:
    with pytest.raises(ValueError, match="empty"):
        gate_position([1, 2], ())


# --- GatedHeadConfig validation ----------------------------------------------------------------


def test_config_defaults_are_the_published_ones() -> None:
    config = GatedHeadConfig.from_configs({"hidden_size": 4096}, LLAMA3_GATING_TOKENS)
    assert config == GatedHeadConfig(19, 10.0, 1024, 3, LLAMA3_GATING_TOKENS)
    assert isinstance(config.temperature, float)
    assert GatedHeadConfig.from_configs({"gating_n_hidden": 0}, [1]).n_hidden == 0


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("num_objectives", 0, "integer >= 1"),
        ("num_objectives", -3, "integer >= 1"),
        ("num_objectives", "19", "integer >= 1"),
        ("num_objectives", 19.0, "integer >= 1"),
        ("num_objectives", True, "integer >= 1"),
        ("num_objectives", None, "integer >= 1"),
        ("gating_hidden_dim", 0, "integer >= 1"),
        ("gating_hidden_dim", 2.5, "integer >= 1"),
        ("gating_n_hidden", -1, "integer >= 0"),
        ("gating_n_hidden", "3", "integer >= 0"),
        ("gating_temperature", 0, "finite number > 0"),
        ("gating_temperature", -1.0, "finite number > 0"),
        ("gating_temperature", float("nan"), "finite number > 0"),
        ("gating_temperature", float("inf"), "finite number > 0"),
        ("gating_temperature", "10", "finite number > 0"),
        ("gating_temperature", False, "finite number > 0"),
    ],
)
def test_config_rejects_bad_values(key: str, value: object, accepted: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        GatedHeadConfig.from_configs({key: value}, LLAMA3_GATING_TOKENS)
    message = str(excinfo.value)
    assert message.startswith(f"{key} is ") and accepted in message


@pytest.mark.parametrize("tokens", [(), [], (1, -2), (1.0, 2), (True,), "abc", None, 5])
def test_config_rejects_bad_gating_tokens(tokens: object) -> None:
    with pytest.raises(ValueError, match=r"^gating_tokens is .*non-empty sequence of token ids"):
        GatedHeadConfig.from_configs({}, tokens)  # type: ignore[arg-type]


def test_config_rejects_a_pattern_outside_the_vocabulary() -> None:
    with pytest.raises(
        ValueError, match=r"ids \[128009, 128006, 128007\] outside the vocabulary \(vocab_size 128000\)"
    ):
        GatedHeadConfig.from_configs({"vocab_size": 128000}, LLAMA3_GATING_TOKENS)
    assert GatedHeadConfig.from_configs({"vocab_size": 128256}, LLAMA3_GATING_TOKENS).gating_tokens == P


def test_config_is_frozen() -> None:
    config = GatedHeadConfig.from_configs({}, P)
    with pytest.raises(AttributeError):
        config.num_objectives = 3  # type: ignore[misc]


# --- loading errors -------------------------------------------------------------------------------


def load_error(directory: Path, config: GatedHeadConfig, **kwargs: int) -> CheckpointError:
    with pytest.raises(CheckpointError) as excinfo:
        load_gated_head(directory, config, **kwargs)
    return excinfo.value


def test_missing_tensor(six: Built, tmp_path: Path) -> None:
    state = {k: v for k, v in six.state.items() if k != "gating.layers.1.bias"}
    directory = write_checkpoint(tmp_path / "c", state, six.config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model.safetensors")
    assert "missing" in error.problem and "'gating.layers.1.bias'" in error.problem


@pytest.mark.parametrize(
    ("key", "shape", "expected"),
    [
        ("reward_transform_matrix", (6, 7), (6, 6)),
        ("regression_layer.weight", (6, HIDDEN + 1), (6, HIDDEN)),
        ("gating.layers.0.weight", (16, HIDDEN - 1), (16, HIDDEN)),
        ("gating.layers.2.bias", (5,), (6,)),
        ("gating.logit_scale", (), (1,)),
    ],
)
def test_wrong_shape(six: Built, tmp_path: Path, key: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    state = {**six.state, key: torch.randn(shape)}
    directory = write_checkpoint(tmp_path / "c", state, six.config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model.safetensors")
    assert f"tensor {key!r} has shape {shape}; expected {expected}" in error.problem


def test_config_mismatch_shows_as_wrong_shape(six: Built) -> None:
    """A head with 6 objectives read as ArmoRM's default 19."""
    error = load_error(six.directory, GatedHeadConfig.from_configs({"gating_hidden_dim": 16, "gating_n_hidden": 2}, P))
    assert "'regression_layer.weight' has shape (6, 32); expected (19, 32)" in error.problem
    assert "num_objectives=19" in error.problem


@pytest.mark.parametrize("extra", ["gating.layers.9.weight", "regression_layer.bias", "gating.layers.3.bias"])
def test_unknown_head_tensor(six: Built, tmp_path: Path, extra: str) -> None:
    state = {**six.state, extra: torch.zeros(6)}
    directory = write_checkpoint(tmp_path / "c", state, six.config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model.safetensors")
    assert "unexpected" in error.problem and repr(extra) in error.problem


def test_one_more_hidden_layer_than_config_says(six: Built) -> None:
    config = GatedHeadConfig.from_configs({**six.config_json, "gating_n_hidden": 1}, PATTERN)
    error = load_error(six.directory, config)
    assert "unexpected" in error.problem and "'gating.layers.2.weight'" in error.problem


def test_non_float_tensor(six: Built, tmp_path: Path) -> None:
    state = {**six.state, "gating.logit_scale": torch.ones(1, dtype=torch.int64)}
    directory = write_checkpoint(tmp_path / "c", state, six.config_json)
    error = load_error(directory, six.head_config)
    assert "'gating.logit_scale' has dtype I64; expected a float dtype" in error.problem


def test_no_weights(tmp_path: Path, six: Built) -> None:
    (tmp_path / "config.json").write_text(json.dumps(six.config_json), encoding="utf-8")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    error = load_error(tmp_path, six.head_config)
    assert error.path == str(tmp_path) and "model.safetensors" in error.problem
    assert load_error(tmp_path / "absent", six.head_config).problem == "no such model directory"


def test_corrupt_weights(tmp_path: Path, six: Built) -> None:
    (tmp_path / "config.json").write_text(json.dumps(six.config_json), encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    error = load_error(tmp_path, six.head_config)
    assert error.path == str(tmp_path / "model.safetensors") and "corrupt" in error.problem


def test_hidden_size_from_config_or_argument(six: Built, tmp_path: Path) -> None:
    config_json = {k: v for k, v in six.config_json.items() if k != "hidden_size"}
    directory = write_checkpoint(tmp_path / "c", six.state, config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "config.json") and "hidden_size is None" in error.problem
    assert load_gated_head(directory, six.head_config, hidden_size=HIDDEN).hidden_size == HIDDEN
    wrong = load_error(directory, six.head_config, hidden_size=64)
    assert "'regression_layer.weight' has shape (6, 32); expected (6, 64)" in wrong.problem


# --- sharded checkpoints ------------------------------------------------------------------------


def write_sharded(directory: Path, state: dict[str, torch.Tensor], config_json: dict[str, object]) -> Path:
    """Backbone and regression layer in shard 1, the rest of the head in shard 2, with an index."""
    directory.mkdir(parents=True, exist_ok=True)
    names = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
    shards: tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]] = ({}, {})
    weight_map = {}
    for key, value in state.items():
        second = key.startswith(("gating.", "reward_transform_matrix"))
        shards[second][key] = value.contiguous()
        weight_map[key] = names[second]
    for name, shard in zip(names, shards, strict=True):
        save_file(shard, str(directory / name), {"format": "pt"})
    total = sum(v.numel() * v.element_size() for v in state.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index), encoding="utf-8")
    (directory / "config.json").write_text(json.dumps(config_json), encoding="utf-8")
    return directory


def test_sharded_loads_the_same_as_unsharded(six: Built, tmp_path: Path) -> None:
    directory = write_sharded(tmp_path / "sharded", six.state, six.config_json)
    sharded = load_gated_head(directory, six.head_config).state_dict()
    single = load_gated_head(six.directory, six.head_config).state_dict()
    assert sharded.keys() == single.keys()
    for key in single:
        assert torch.equal(sharded[key], single[key]), key


def test_sharded_errors_name_the_index_or_the_shard(six: Built, tmp_path: Path) -> None:
    state = {k: v for k, v in six.state.items() if k != "reward_transform_matrix"}
    directory = write_sharded(tmp_path / "missing", state, six.config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model.safetensors.index.json")
    assert "missing" in error.problem and "'reward_transform_matrix'" in error.problem

    directory = write_sharded(tmp_path / "shape", {**six.state, "gating.logit_scale": torch.ones(2)}, six.config_json)
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model-00002-of-00002.safetensors")
    assert "'gating.logit_scale' has shape (2,); expected (1,)" in error.problem

    directory = write_sharded(tmp_path / "gone", six.state, six.config_json)
    (directory / "model-00002-of-00002.safetensors").unlink()
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model.safetensors.index.json")
    assert "'model-00002-of-00002.safetensors', which is not in the directory" in error.problem


def test_index_that_lies_about_a_shard(six: Built, tmp_path: Path) -> None:
    directory = write_sharded(tmp_path / "c", six.state, six.config_json)
    index_path = directory / "model.safetensors.index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["weight_map"]["gating.logit_scale"] = "model-00001-of-00002.safetensors"
    index_path.write_text(json.dumps(index), encoding="utf-8")
    error = load_error(directory, six.head_config)
    assert error.path == str(directory / "model-00001-of-00002.safetensors")
    assert "has no tensor 'gating.logit_scale'" in error.problem


def test_index_shard_outside_the_directory(six: Built, tmp_path: Path) -> None:
    directory = write_sharded(tmp_path / "c", six.state, six.config_json)
    index_path = directory / "model.safetensors.index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["weight_map"]["gating.logit_scale"] = "../c/model-00002-of-00002.safetensors"
    index_path.write_text(json.dumps(index), encoding="utf-8")
    error = load_error(directory, six.head_config)
    assert error.path == str(index_path) and "shards must be file names in the directory" in error.problem


# --- building the head directly -----------------------------------------------------------------


def test_head_constructor_checks_its_tensors(six: Built) -> None:
    tensors = {k: v for k, v in six.state.items() if k.startswith(GATED_HEAD_KEYS_PREFIXES)}
    GatedHead(six.head_config, tensors)
    with pytest.raises(ValueError, match=r"missing \['gating.logit_scale'\]"):
        GatedHead(six.head_config, {k: v for k, v in tensors.items() if k != "gating.logit_scale"})
    with pytest.raises(ValueError, match=r"regression_layer\.weight"):
        GatedHead(six.head_config, {k: v for k, v in tensors.items() if k != "regression_layer.weight"})
    with pytest.raises(ValueError, match=r"unexpected \['model.norm.weight'\]"):
        GatedHead(six.head_config, {**tensors, "model.norm.weight": six.state["model.norm.weight"]})


def test_head_forward_checks_shapes(six: Built) -> None:
    head = load_gated_head(six.directory, six.head_config)
    with pytest.raises(ValueError, match=r"\[N, 32\]"):
        head(torch.zeros(2, HIDDEN), torch.zeros(3, HIDDEN))
    with pytest.raises(ValueError, match=r"\[N, 32\]"):
        head(torch.zeros(2, HIDDEN + 1), torch.zeros(2, HIDDEN + 1))
