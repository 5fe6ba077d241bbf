"""A model placed in parts by accelerate (`--device-map auto`) scores exactly as in one piece.

This machine has no GPU, so the split is between the CPU and disk offload: accelerate's
`max_memory` leaves room on the CPU for the embedding and the first decoder layer, the rest
is offloaded and streamed in by accelerate's hooks at each forward, which is the same
per-part execution a multi-GPU placement uses. The scores must not move: not for one
conversation, not in a padded batch, not on the shared-prefix path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from checkpoints import CONVERSATIONS, CheckpointFactory
from pydantic import ValidationError

from reward_service.config import Settings
from reward_service.engine import BatchPlan
from reward_service.engine.plan import Row, plan_shared
from reward_service.model.loading import RewardModel, load_reward_model


def parameter_bytes(module: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


@pytest.fixture(scope="module")
def whole(checkpoint: CheckpointFactory) -> RewardModel:
    return load_reward_model(checkpoint("llama"))


@pytest.fixture(scope="module")
def split(checkpoint: CheckpointFactory, whole: RewardModel, tmp_path_factory: pytest.TempPathFactory) -> RewardModel:
    """The same checkpoint with room on the CPU for the embedding and about one decoder layer
    (accelerate keeps a layer's worth free for the offloaded layers it streams in)."""
    backbone = whole.scorer.model.model
    room = parameter_bytes(backbone.embed_tokens) + 2 * parameter_bytes(backbone.layers[0])
    return load_reward_model(
        checkpoint("llama"),
        device_map="auto",
        max_memory={"cpu": room},
        offload_folder=tmp_path_factory.mktemp("offload"),
    )


def rows(model: RewardModel) -> list[Row]:
    conversations = list(CONVERSATIONS.values())
    return [e.row for e in model.encoder.encode_many(conversations, max_tokens=512)]


def test_the_model_really_is_in_two_parts(split: RewardModel) -> None:
    placement = split.scorer.model.hf_device_map
    assert placement["model.embed_tokens"] == placement["model.layers.0"] == "cpu", placement
    assert placement["model.layers.1"] == placement["score"] == "disk", placement


def test_a_split_model_scores_exactly_as_one_piece(whole: RewardModel, split: RewardModel) -> None:
    plan = BatchPlan.one_pass(rows(whole))  # padded: rows of different lengths in one pass
    torch.testing.assert_close(split.scorer.score(plan), whole.scorer.score(plan), rtol=0, atol=1e-6)
    for row in rows(whole):
        one = BatchPlan.one_pass([row])
        torch.testing.assert_close(split.scorer.score(one), whole.scorer.score(one), rtol=0, atol=1e-6)


def test_a_split_model_shares_a_prefix_exactly(whole: RewardModel, split: RewardModel) -> None:
    prompt = [{"role": "user", "content": "Explain how a binary search works, step by step, with an example."}]
    answers = ["It halves the range.", "Compare with the middle item, keep the half that can hold it.", "No."]
    conversations = [[*prompt, {"role": "assistant", "content": a}] for a in answers]
    shared = [e.row for e in whole.encoder.encode_many(conversations, max_tokens=512)]
    common = next(i for i, ids in enumerate(zip(*(row.ids for row in shared), strict=False)) if len(set(ids)) > 1)
    plan = plan_shared(shared, common)
    assert plan.split > 0
    torch.testing.assert_close(split.scorer.score(plan), whole.scorer.score(plan), rtol=0, atol=1e-6)


def test_device_map_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="max_memory applies with device_map"):
        Settings(max_memory={"0": "10GiB"})
    with pytest.raises(ValidationError, match="cannot be combined with device_map"):
        Settings(device_map="auto", quantize="int8")
    assert Settings(device_map="auto", max_memory={"0": "10GiB"}).device_map == "auto"
