"""`reward-service train` end to end on a tiny backbone: HelpSteer2-format data in, a checkpoint
out that the server loads strictly and that plain transformers scores the same way."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from checkpoints import CheckpointFactory
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from reward_service.model.loading import load_reward_model
from reward_service.training.helpsteer import load_rated, parse_prompt
from reward_service.training.train import TrainOptions, train

ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def test_parse_prompt_splits_helpsteer2_turn_markers() -> None:
    prompt = "First question\n<extra_id_1>Assistant\nFirst answer\n<extra_id_1>User\nSecond question"
    assert parse_prompt(prompt) == [
        ("user", "First question"),
        ("assistant", "First answer"),
        ("user", "Second question"),
    ]


def write_split(path: Path, prompts: range) -> None:
    with path.open("w") as out:
        for i in prompts:
            for response, labels in ((f"The answer is {i}.", (4, 4, 4, 1, 1)), ("Turtles. " * 6, (0, 0, 1, 0, 3))):
                record = {"prompt": f"What is question {i}?", "response": response, "prompt_id": f"p{i}"}
                out.write(json.dumps({**record, **dict(zip(ATTRIBUTES, labels, strict=True))}) + "\n")


def test_train_writes_a_checkpoint_transformers_and_the_server_agree_on(
    tmp_path: Path, checkpoint: CheckpointFactory
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_split(data / "train.jsonl", range(0, 12))
    write_split(data / "validation.jsonl", range(12, 16))
    write_split(data / "test.jsonl", range(16, 20))
    out = tmp_path / "out"
    report = train(TrainOptions(data=data, backbone=checkpoint("llama"), out=out, cache=tmp_path / "cache"))

    saved = json.loads((out / "eval_report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    for split in ("train", "validation", "test"):
        assert set(saved[split]["attributes"]) == set(ATTRIBUTES)
        assert saved[split]["pairs"] == len(load_rated(data / f"{split}.jsonl")) // 2

    model = load_reward_model(out)  # strict: any missing or stray tensor would raise
    assert model.spec.attributes == ATTRIBUTES
    conversation = [
        {"role": "user", "content": "What is question 3?"},
        {"role": "assistant", "content": "The answer is 3."},
    ]
    tokenizer = AutoTokenizer.from_pretrained(out)
    reference = AutoModelForSequenceClassification.from_pretrained(out, dtype=torch.float32).eval()
    ids = tokenizer.apply_chat_template(conversation, tokenize=True, add_generation_prompt=False)["input_ids"]
    with torch.inference_mode():
        expected = reference(input_ids=torch.tensor([ids])).logits[0]
    ours = model.encoder.encode_many([conversation], max_tokens=model.spec.max_tokens)[0].token_ids
    torch.testing.assert_close(model.scorer.score_ids([ours])[0], expected, atol=1e-4, rtol=0)
    # The fitted head is not the backbone checkpoint's own head.
    original = load_reward_model(checkpoint("llama")).scorer.score_ids([ours])[0]
    assert not torch.allclose(original, expected, atol=1e-3)


def test_feature_cache_resumes_without_recomputing(tmp_path: Path, checkpoint: CheckpointFactory) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_split(data / "train.jsonl", range(0, 6))
    write_split(data / "validation.jsonl", range(6, 8))
    options = TrainOptions(data=data, backbone=checkpoint("llama"), out=tmp_path / "out", cache=tmp_path / "cache")
    train(options)
    chunks = sorted((tmp_path / "cache").rglob("chunk-*.safetensors"))
    assert chunks
    stamps = [chunk.stat().st_mtime_ns for chunk in chunks]
    train(options)
    assert sorted((tmp_path / "cache").rglob("chunk-*.safetensors")) == chunks
    assert [chunk.stat().st_mtime_ns for chunk in chunks] == stamps
