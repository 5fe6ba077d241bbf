"""Loading a checkpoint directory: what it reports, and how each broken directory is refused.

Every refusal must be a CheckpointError whose message names the offending file (or the
directory) and the problem, since that one line is all an operator sees when the server
does not start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from checkpoints import CONVERSATIONS, CheckpointFactory, Reference, edit_config
from safetensors.torch import load_file, save_file

from reward_service.errors import CheckpointError
from reward_service.model import loading
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.spec import HELPSTEER2_ATTRIBUTES, NEMOTRON_WEIGHTS

RewardModelFactory = Callable[[Path], RewardModel]
ReferenceFactory = Callable[[Path], Reference]

PUBLISHED_WEIGHTS = {
    "helpfulness": 0.3,
    "correctness": 0.74,
    "coherence": 0.46,
    "complexity": 0.47,
    "verbosity": -0.33,
}


def write_reward_config(directory: Path, **content: object) -> None:
    """Write reward_config.json into a (private) checkpoint directory."""
    (directory / "reward_config.json").write_text(json.dumps(content), encoding="utf-8")


def load_error(path: Path, **kwargs: object) -> str:
    """The message of the CheckpointError that loading `path` must raise."""
    with pytest.raises(CheckpointError) as excinfo:
        load_reward_model(path, **kwargs)  # type: ignore[arg-type]
    return str(excinfo.value)


def scores_of(model: RewardModel) -> torch.Tensor:
    """The model's scores for all fixture conversations."""
    encoded = model.encoder.encode_many(list(CONVERSATIONS.values()), max_tokens=model.spec.max_tokens)
    return model.scorer.score_ids([list(item.token_ids) for item in encoded])


# --- attribute names -------------------------------------------------------------------------


def test_generic_five_labels_become_helpsteer2_attributes(
    checkpoint: CheckpointFactory, reward_model: RewardModelFactory
) -> None:
    """A head with transformers' LABEL_0..4 reports the HelpSteer2 names, in output order."""
    path = checkpoint("llama")
    config = json.loads((path / "config.json").read_text())
    assert sorted(config["id2label"].values()) == [f"LABEL_{i}" for i in range(5)]
    spec = reward_model(path).spec
    assert spec.attributes == ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
    assert spec.attributes == HELPSTEER2_ATTRIBUTES
    assert spec.pooling == "last_non_pad"
    assert spec.name == path.name


def test_custom_label_names_are_kept(fresh_checkpoint: CheckpointFactory) -> None:
    """Names given in config.json's id2label are reported as they are, in id order."""
    path = fresh_checkpoint("llama")
    names = ["safety", "style", "facts", "tone", "length"]
    edit_config(
        path,
        id2label={str(i): name for i, name in enumerate(names)},
        label2id={name: i for i, name in enumerate(names)},
    )
    spec = load_reward_model(path).spec
    assert spec.attributes == tuple(names)
    # Not the HelpSteer2 five, so the default aggregate is a plain average.
    assert spec.weights == pytest.approx(dict.fromkeys(names, 0.2))


def test_single_generic_label_is_reward(checkpoint: CheckpointFactory, reward_model: RewardModelFactory) -> None:
    """A one-output head with a generic label is called `reward` and weighs 1."""
    model = reward_model(checkpoint("llama", num_labels=1))
    assert model.spec.attributes == ("reward",)
    assert dict(model.spec.weights) == {"reward": 1.0}
    assert scores_of(model).shape == (len(CONVERSATIONS), 1)


def test_duplicate_label_names_are_refused(fresh_checkpoint: CheckpointFactory) -> None:
    """Two outputs with the same name could not be told apart in a response."""
    path = fresh_checkpoint("llama")
    edit_config(path, id2label={str(i): "same" if i < 2 else f"x{i}" for i in range(5)})
    message = load_error(path)
    assert "config.json" in message and "id2label" in message


# --- aggregate weights -----------------------------------------------------------------------


def test_default_weights_are_the_published_nemotron_weights(
    checkpoint: CheckpointFactory, reward_model: RewardModelFactory
) -> None:
    """Without reward_config.json or settings, the Nemotron-4-340B-Reward weights apply."""
    spec = reward_model(checkpoint("llama")).spec
    assert dict(spec.weights) == PUBLISHED_WEIGHTS
    assert dict(NEMOTRON_WEIGHTS) == PUBLISHED_WEIGHTS
    scores = dict.fromkeys(spec.attributes, 1.0)
    assert spec.aggregate(scores) == pytest.approx(sum(PUBLISHED_WEIGHTS.values()))


def test_reward_config_weights_override_defaults_and_argument_overrides_both(
    fresh_checkpoint: CheckpointFactory,
) -> None:
    """Precedence: `weights=` argument > reward_config.json > published defaults."""
    path = fresh_checkpoint("llama")
    write_reward_config(path, weights={"helpfulness": 1.0, "verbosity": -0.5}, name="tiny-rm")
    spec = load_reward_model(path).spec
    assert spec.name == "tiny-rm"
    # Attributes the file does not name weigh nothing.
    assert dict(spec.weights) == {
        "helpfulness": 1.0,
        "correctness": 0.0,
        "coherence": 0.0,
        "complexity": 0.0,
        "verbosity": -0.5,
    }
    spec = load_reward_model(path, weights={"correctness": 2.0}).spec
    assert dict(spec.weights) == {
        "helpfulness": 0.0,
        "correctness": 2.0,
        "coherence": 0.0,
        "complexity": 0.0,
        "verbosity": 0.0,
    }


def test_unknown_attribute_in_weights_is_refused(fresh_checkpoint: CheckpointFactory) -> None:
    """A weight for an attribute the head does not have is a configuration mistake."""
    path = fresh_checkpoint("llama")
    message = load_error(path, weights={"helpfulness": 1.0, "honesty": 1.0})
    assert "honesty" in message and "unknown attribute" in message

    write_reward_config(path, weights={"kindness": 1.0})
    message = load_error(path)
    assert "reward_config.json" in message and "kindness" in message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"pooling": "mean"}), "pooling"),
        (json.dumps({"weights": {"helpfulness": "high"}}), "weights"),
        (json.dumps({"temperature": 1.0}), "unknown key"),
    ],
)
def test_bad_reward_config_is_refused(fresh_checkpoint: CheckpointFactory, content: str, problem: str) -> None:
    """reward_config.json problems name that file."""
    path = fresh_checkpoint("llama")
    (path / "reward_config.json").write_text(content, encoding="utf-8")
    message = load_error(path)
    assert "reward_config.json" in message and problem in message


def test_max_tokens_is_capped_by_position_embeddings(checkpoint: CheckpointFactory) -> None:
    """The model cannot read past max_position_embeddings (512 here), whatever the setting."""
    path = checkpoint("llama")
    assert load_reward_model(path).spec.max_tokens == 512
    assert load_reward_model(path, max_tokens=100).spec.max_tokens == 100


# --- refusals --------------------------------------------------------------------------------


def test_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "no-such-model"
    message = load_error(path)
    assert str(path) in message and "no such model directory" in message


def test_missing_config(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    (path / "config.json").unlink()
    message = load_error(path)
    assert str(path / "config.json") in message and "missing" in message


def test_invalid_json_config(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    (path / "config.json").write_text('{"model_type": "llama",', encoding="utf-8")
    message = load_error(path)
    assert str(path / "config.json") in message and "not valid JSON" in message


def test_no_weights(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    (path / "model.safetensors").unlink()
    message = load_error(path)
    assert str(path) in message and "no weights" in message and ".safetensors" in message


def test_pickle_only_is_refused_unless_allowed(
    fresh_checkpoint: CheckpointFactory, reference: ReferenceFactory, checkpoint: CheckpointFactory
) -> None:
    """Pickles can run code when loaded: refused by default, loaded with allow_pickle=True."""
    path = fresh_checkpoint("llama")
    state = load_file(path / "model.safetensors")
    (path / "model.safetensors").unlink()
    torch.save(state, path / "pytorch_model.bin")

    message = load_error(path)
    assert "pytorch_model.bin" in message and "pickle" in message and "--allow-pickle" in message

    model = load_reward_model(path, allow_pickle=True)
    # Same tensors, so the same scores as the safetensors original.
    ref = reference(checkpoint("llama"))
    expected = torch.stack([ref.logits(ref.ids(messages)) for messages in CONVERSATIONS.values()])
    torch.testing.assert_close(scores_of(model), expected, atol=1e-4, rtol=0)


def test_truncated_safetensors(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    weights = path / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    message = load_error(path)
    assert str(weights) in message and "truncated" in message


def test_wrong_head_shape_names_the_tensor_and_shapes(fresh_checkpoint: CheckpointFactory) -> None:
    """config.json says 3 labels but the file's score.weight has 5 rows: refused, naming both."""
    path = fresh_checkpoint("llama")
    edit_config(
        path,
        id2label={str(i): f"LABEL_{i}" for i in range(3)},
        label2id={f"LABEL_{i}": i for i in range(3)},
    )
    message = load_error(path)
    assert str(path) in message
    assert "score.weight" in message, message
    assert "(5, 32)" in message and "(3, 32)" in message, message


def test_missing_tensor_is_named(fresh_checkpoint: CheckpointFactory) -> None:
    """A tensor absent from the file is an error, never a silently random weight."""
    path = fresh_checkpoint("llama")
    state = load_file(path / "model.safetensors")
    dropped = "model.layers.1.mlp.up_proj.weight"
    del state[dropped]
    save_file(state, str(path / "model.safetensors"), metadata={"format": "pt"})
    message = load_error(path)
    assert str(path) in message and "missing" in message and dropped in message


def test_unexpected_tensor_is_named(fresh_checkpoint: CheckpointFactory) -> None:
    """An extra tensor means the file is not the architecture config.json describes."""
    path = fresh_checkpoint("llama")
    state = load_file(path / "model.safetensors")
    state["model.extra_head.weight"] = torch.zeros(2, 2)
    save_file(state, str(path / "model.safetensors"), metadata={"format": "pt"})
    message = load_error(path)
    assert "unexpected" in message and "model.extra_head.weight" in message


def test_custom_code_needs_trust_remote_code(fresh_checkpoint: CheckpointFactory) -> None:
    """An unknown model_type with auto_map would run the directory's code: refused, with the flag named."""
    path = fresh_checkpoint("llama")
    edit_config(
        path,
        model_type="tiny_custom_reward",
        auto_map={"AutoModelForSequenceClassification": "modeling_tiny.TinyRewardModel"},
    )
    message = load_error(path)
    assert str(path / "config.json") in message
    assert "tiny_custom_reward" in message and "--trust-remote-code" in message


def test_unknown_architecture_without_auto_map(fresh_checkpoint: CheckpointFactory) -> None:
    """Without auto_map there is no code to trust; the message says transformers does not know it."""
    path = fresh_checkpoint("llama")
    edit_config(path, model_type="tiny_custom_reward")
    message = load_error(path)
    assert "tiny_custom_reward" in message and "--trust-remote-code" not in message


@pytest.mark.parametrize(
    ("flags", "dtype", "warned"),
    [
        ({"avx2", "avx512f"}, "bfloat16", True),  # no bf16 in hardware: emulated
        ({"avx2", "avx512_bf16"}, "bfloat16", False),
        ({"amx_bf16"}, "bf16", False),
        ({"avx2"}, "float16", True),
        ({"avx2"}, "float32", False),
        (None, "bfloat16", False),  # flags unknown: no guess
    ],
)
def test_half_precision_without_hardware_support_warns(
    checkpoint: CheckpointFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    flags: set[str] | None,
    dtype: str,
    warned: bool,
) -> None:
    """bf16/fp16 on a CPU whose flags show no hardware support logs that it will be slow, and
    says what to use instead; the model still loads."""
    monkeypatch.setattr(loading, "cpu_flags", lambda: None if flags is None else frozenset(flags))
    with caplog.at_level(logging.WARNING, logger="reward_service.model.loading"):
        model = load_reward_model(checkpoint("llama"), dtype=dtype)
    assert model.scorer.head.weight.dtype == loading.DTYPES[dtype]
    warnings = [r.getMessage() for r in caplog.records if "emulated" in r.getMessage()]
    assert bool(warnings) == warned, warnings
    if warned:
        assert "--dtype float32" in warnings[0]
