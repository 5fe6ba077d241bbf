"""LoRA fine-tuning in `reward-service train`: the adapter is peft's own format and merges as peft
merges it, the checkpoint written is a plain one transformers scores the same way, training
resumes where it stopped, and the bootstrap ensemble is written and described."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from checkpoints import CheckpointFactory
from peft import PeftModel
from safetensors.torch import load_file
from test_train import write_split
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from reward_service.errors import CheckpointError
from reward_service.model.loading import load_reward_model
from reward_service.training import finetune as finetune_module
from reward_service.training.adapter import Adapter
from reward_service.training.finetune import Split, schedule
from reward_service.training.options import LoraOptions
from reward_service.training.train import TrainOptions, train

LORA = LoraOptions(rank=4, alpha=8, layers=None, epochs=2, learning_rate=1e-2, batch_tokens=256, checkpoint_every=2)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    write_split(folder / "train.jsonl", range(0, 16))
    write_split(folder / "validation.jsonl", range(16, 20))
    write_split(folder / "test.jsonl", range(20, 24))
    return folder


def run(data: Path, backbone: Path, out: Path, cache: Path, lora: LoraOptions = LORA) -> dict:
    return train(TrainOptions(data=data, backbone=backbone, out=out, cache=cache, lora=lora, ensemble=4))


def test_lora_checkpoint_is_plain_and_matches_peft_and_transformers(
    data: Path, tmp_path: Path, checkpoint: CheckpointFactory
) -> None:
    backbone = checkpoint("llama")
    out = tmp_path / "out"
    report = run(data, backbone, out, tmp_path / "cache")

    # The adapter is peft's format: peft's own merge gives the weights we wrote, to rounding.
    base = AutoModel.from_pretrained(backbone, dtype=torch.float32)
    reference = PeftModel.from_pretrained(base, out / "adapter").merge_and_unload()
    written = load_file(str(out / "backbone-model.safetensors"))
    expected = reference.state_dict()
    for key, value in written.items():
        torch.testing.assert_close(value, expected[key.removeprefix("model.")], atol=1e-6, rtol=0)
    untouched = load_file(str(backbone / "model.safetensors"))
    changed = sum(not torch.equal(value, untouched[key]) for key, value in written.items())
    # Every q/k/v/o/gate/up/down projection of both layers was trained.
    assert changed == 2 * 7

    # A plain sequence-classification checkpoint: transformers scores it as the server does.
    model = load_reward_model(out)
    conversation = [
        {"role": "user", "content": "What is question 3?"},
        {"role": "assistant", "content": "The answer is 3."},
    ]
    tokenizer = AutoTokenizer.from_pretrained(out)
    plain = AutoModelForSequenceClassification.from_pretrained(out, dtype=torch.float32).eval()
    ids = tokenizer.apply_chat_template(conversation, tokenize=True, add_generation_prompt=False)["input_ids"]
    with torch.inference_mode():
        logits = plain(input_ids=torch.tensor([ids])).logits[0]
    ours = model.encoder.encode_many([conversation], max_tokens=model.spec.max_tokens)[0].token_ids
    torch.testing.assert_close(model.scorer.score_ids([ours])[0], logits, atol=1e-4, rtol=0)

    # The report compares the frozen probe with the fine-tuned model and keeps the history.
    saved = json.loads((out / "eval_report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["probe"]["test"]["pairs"] == saved["test"]["pairs"] == 4
    history = saved["finetune"]["history"]
    assert [entry["step"] for entry in history] == sorted({entry["step"] for entry in history}) and len(history) == 2
    assert saved["finetune"]["lora"]["rank"] == 4
    # The ensemble ships, and the server reports its spread.
    assert model.scorer.ensemble is not None and tuple(model.scorer.ensemble.shape) == (
        4,
        5,
        model.scorer.head.in_features,
    )
    assert set(saved["uncertainty"]) >= {"split", "heads", "correctness"}
    assert set(saved["calibration"]["correctness"]) >= {"label_mean", "predicted_mean", "share_within_scale"}


def test_fine_tuning_lowers_the_training_loss(data: Path, tmp_path: Path, checkpoint: CheckpointFactory) -> None:
    report = run(data, checkpoint("llama"), tmp_path / "out", tmp_path / "cache", replace(LORA, epochs=4))
    losses = [entry["train_loss"] for entry in report["finetune"]["history"]]  # type: ignore[index]
    assert losses[-1] < losses[0]


def test_interrupted_fine_tuning_resumes_to_the_same_adapter(
    data: Path, tmp_path: Path, checkpoint: CheckpointFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    backbone = checkpoint("llama")
    run(data, backbone, tmp_path / "whole", tmp_path / "cache-whole")
    whole = load_file(str(tmp_path / "whole" / "adapter" / "adapter_model.safetensors"))

    saves = 0
    real_save = finetune_module._save

    def save_then_stop(*args: object, **kwargs: object) -> None:
        nonlocal saves
        real_save(*args, **kwargs)  # type: ignore[arg-type]
        saves += 1
        if saves == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(finetune_module, "_save", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run(data, backbone, tmp_path / "parts", tmp_path / "cache-parts")
    monkeypatch.setattr(finetune_module, "_save", real_save)
    report = run(data, backbone, tmp_path / "parts", tmp_path / "cache-parts")
    resumed = load_file(str(tmp_path / "parts" / "adapter" / "adapter_model.safetensors"))
    assert resumed.keys() == whole.keys()
    for key in whole:
        torch.testing.assert_close(resumed[key], whole[key], atol=1e-5, rtol=1e-4)
    assert report["finetune"]["steps"] > LORA.checkpoint_every  # type: ignore[index]


def test_schedule_keeps_prompts_whole_within_the_token_budget() -> None:
    from reward_service.engine.plan import Row

    rows = [Row(ids=tuple(range(n)), read=n - 1) for n in (10, 30, 20, 20, 50, 5)]
    split = Split(rows=rows, labels=torch.zeros(6, 5), keys=["a", "a", "b", "b", "c", "c"])
    epochs = schedule(split, LoraOptions(batch_tokens=100, epochs=1.5))
    assert len(epochs) == 2
    for steps in epochs:
        for batch in steps:
            prompts = {split.keys[i] for i in batch}
            assert all(sum(1 for i in batch if split.keys[i] == p) == 2 for p in prompts)  # whole prompts
            assert len(batch) == 2 or len(batch) * max(len(rows[i]) for i in batch) <= 100
    assert sorted(i for batch in epochs[0] for i in batch) == list(range(6))
    assert len(epochs[1]) == round(0.5 * len(epochs[0])) or len(epochs[1]) == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [({"use_dora": True}, "use_dora"), ({"bias": "all"}, "bias"), ({"rank_pattern": {"q_proj": 2}}, "rank_pattern")],
)
def test_adapters_that_do_not_merge_as_a_plain_sum_are_refused(
    data: Path, tmp_path: Path, checkpoint: CheckpointFactory, change: dict, named: str
) -> None:
    out = tmp_path / "out"
    run(data, checkpoint("llama"), out, tmp_path / "cache", replace(LORA, epochs=1))
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    (out / "adapter" / "adapter_config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(CheckpointError, match=named):
        Adapter.load(out / "adapter")


def test_default_model_set_up_merges_the_shipped_adapter_into_the_served_weights(
    data: Path, tmp_path: Path, checkpoint: CheckpointFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default model ships its head and adapter; set-up merges the adapter into the
    backbone from the package. The weights served must be the very weights training evaluated."""
    from reward_service.training import default_model

    backbone = checkpoint("llama")
    trained = tmp_path / "trained"
    run(data, backbone, trained, tmp_path / "cache")
    shipped = tmp_path / "shipped"
    (shipped / "adapter").mkdir(parents=True)
    for name in default_model.SHIPPED_FILES:
        (shipped / name).write_bytes((trained / name).read_bytes())
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        (shipped / "adapter" / name).write_bytes((trained / "adapter" / name).read_bytes())
    monkeypatch.setattr(default_model, "shipped_dir", lambda: shipped)
    monkeypatch.setattr(default_model, "backbone_dir", lambda cache=None: backbone)

    built = default_model.ensure_default_model(tmp_path / "model-cache")
    assert (built / default_model.BACKBONE_SHARD).stat().st_mode & 0o777 == 0o644  # any uid may read the cache
    served = load_file(str(built / default_model.BACKBONE_SHARD))
    evaluated = load_file(str(trained / default_model.BACKBONE_SHARD))
    assert served.keys() == evaluated.keys()
    assert all(torch.equal(served[key], evaluated[key]) for key in served)
    assert not all(
        torch.equal(served[key], value)
        for key, value in load_file(str(backbone / "model.safetensors")).items()
        if key in served
    )
    conversation = [{"role": "user", "content": "What is question 5?"}, {"role": "assistant", "content": "Turtles."}]
    scores = []
    for directory in (built, trained):
        model = load_reward_model(directory)
        ids = model.encoder.encode_many([conversation], max_tokens=model.spec.max_tokens)[0].token_ids
        scores.append(model.scorer.score_ids([ids])[0])
    assert torch.equal(scores[0], scores[1])
