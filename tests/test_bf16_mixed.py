"""`--dtype bf16-mixed`: float32 weights, residual stream, norms and head, with the backbone's
matmuls in bfloat16 under autocast. Its scores stay close to float32's (how close on the
default model is bench.precision's to measure), its read hidden state and head are float32,
and a bf16-only option such as int8 is refused with it."""

from __future__ import annotations

import pytest
import torch
from checkpoints import CONVERSATIONS, CheckpointFactory
from pydantic import ValidationError

from reward_service.config import Settings
from reward_service.engine import BatchPlan
from reward_service.model.loading import RewardModel, load_reward_model


def plan(model: RewardModel) -> BatchPlan:
    rows = [e.row for e in model.encoder.encode_many(list(CONVERSATIONS.values()), max_tokens=512)]
    return BatchPlan.one_pass(rows)


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gemma2"])
def test_mixed_scores_stay_near_float32(checkpoint: CheckpointFactory, arch: str) -> None:
    fp32 = load_reward_model(checkpoint(arch))
    mixed = load_reward_model(checkpoint(arch), dtype="bf16-mixed")
    assert (mixed.precision, mixed.dtype, mixed.autocast) == ("bf16-mixed", torch.float32, torch.bfloat16)
    reference, got = fp32.scorer.score(plan(fp32)), mixed.scorer.score(plan(mixed))
    difference = (got - reference).abs()
    assert difference.max() < 0.1, difference.max()
    assert difference.max() > 0, "bf16-mixed computed nothing in bfloat16"


def test_mixed_reads_a_float32_hidden_state_and_keeps_float32_weights(checkpoint: CheckpointFactory) -> None:
    mixed = load_reward_model(checkpoint("llama"), dtype="bf16-mixed")
    assert all(p.dtype == torch.float32 for p in mixed.scorer.model.parameters())
    features = mixed.scorer.features(plan(mixed))
    assert features.dtype == torch.float32
    expected = features @ mixed.scorer.head.weight.T  # type: ignore[union-attr]
    torch.testing.assert_close(mixed.scorer.outputs(features), expected, rtol=0, atol=1e-6)


def test_mixed_is_refused_with_int8() -> None:
    with pytest.raises(ValidationError, match="float32 weights only"):
        Settings(dtype="bf16-mixed", quantize="int8")
