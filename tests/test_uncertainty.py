"""A checkpoint that ships an ensemble of heads reports each score's spread as its uncertainty.

The expected spread is computed here from transformers' own model: its hidden state where its
own pooling reads the score (the position its `logits` come from), times each ensemble head,
then the standard deviation over the heads.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from checkpoints import CheckpointFactory, Reference
from safetensors.torch import save_file

from reward_service.engine import BatchPlan
from reward_service.errors import CheckpointError
from reward_service.model.loading import load_reward_model
from reward_service.model.spec import UNCERTAINTY_FILE

ATOL = 1e-4
CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there!"}],
    [{"role": "user", "content": "What is two plus two?"}, {"role": "assistant", "content": "Four."}],
    [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue, like the sea."}],
]


def with_ensemble(source: Path, target: Path, heads: torch.Tensor) -> Path:
    shutil.copytree(source, target)
    save_file({"heads": heads.contiguous()}, str(target / UNCERTAINTY_FILE))
    return target


@torch.inference_mode()
def reference_hidden(ref: Reference, ids: list[int]) -> torch.Tensor:
    """The backbone's hidden state where transformers reads its logits: the hidden state that,
    through the head, gives `ref.logits(ids)` (checked)."""
    model = ref.model
    hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state[0]  # [T, H]
    pad = model.config.pad_token_id
    position = max((i for i, token in enumerate(ids) if token != pad), default=0) if pad is not None else len(ids) - 1
    torch.testing.assert_close(model.score(hidden[position]), ref.logits(ids), atol=ATOL, rtol=0)
    return hidden[position]


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_spread_is_the_ensembles_standard_deviation(
    arch: str,
    tmp_path: Path,
    checkpoint: CheckpointFactory,
    reference: Callable[[Path], Reference],
) -> None:
    source = checkpoint(arch, pad="eos")
    ref = reference(source)
    hidden = ref.model.config.hidden_size
    heads = torch.randn(4, 5, hidden, generator=torch.Generator().manual_seed(0)) * 0.3  # [K, L, H]
    model = load_reward_model(with_ensemble(source, tmp_path / "model", heads))
    assert model.spec.uncertainty

    ids = [ref.ids(conversation) for conversation in CONVERSATIONS]
    out = model.scorer.score_with_spread(BatchPlan.one_pass([model.scorer.row(row) for row in ids]))  # [N, 2L]
    for row, got in zip(ids, out, strict=True):
        state = reference_hidden(ref, row)  # [H]
        torch.testing.assert_close(got[:5], ref.logits(row), atol=ATOL, rtol=0)
        torch.testing.assert_close(got[5:], (heads @ state).std(dim=0), atol=ATOL, rtol=0)  # [K, L] -> [L]
    assert bool((out[:, 5:] > 0).all())


def test_a_checkpoint_without_an_ensemble_reports_none(checkpoint: CheckpointFactory) -> None:
    model = load_reward_model(checkpoint("llama"))
    assert not model.spec.uncertainty and model.scorer.ensemble is None
    with pytest.raises(ValueError, match="no ensemble"):
        model.scorer.score_with_spread(BatchPlan.one_pass([model.scorer.row([1, 2, 3])]))


@pytest.mark.parametrize(
    ("shape", "problem"),
    [((1, 5, 32), "K >= 2"), ((3, 4, 32), r"\[K >= 2, 5, 32\]"), ((3, 5), "shape")],
)
def test_an_ensemble_of_the_wrong_shape_is_refused_naming_the_file(
    shape: tuple[int, ...], problem: str, tmp_path: Path, checkpoint: CheckpointFactory
) -> None:
    path = with_ensemble(checkpoint("llama"), tmp_path / "model", torch.zeros(shape))
    with pytest.raises(CheckpointError, match=problem) as caught:
        load_reward_model(path)
    assert UNCERTAINTY_FILE in str(caught.value)
