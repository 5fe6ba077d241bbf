"""`--quantize int8`: which layers change, how far scores move, when it is refused, how it is set.

Dynamic int8 is not exact, so the scores are compared to float32 with a tolerance measured
against their spread, and also required to differ, which proves quantization ran at all. The
bench at the end runs on the tiny checkpoint for its structure only; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pytest
import torch
from checkpoints import CONVERSATIONS, CheckpointFactory
from fastapi.testclient import TestClient
from pydantic import ValidationError
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

from reward_service.cli import add_settings_flags, main, settings_from_args
from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.quantize import quantize_model
from reward_service.server.app import create_app
from reward_service.service import load

# `bench` lives beside the package, not inside it; plain `pytest` needs the root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.precision import render, run_precision_bench, write_results


def scores_of(model: RewardModel) -> torch.Tensor:
    """The model's scores for all fixture conversations in one padded batch, [7, 5]."""
    encoded = model.encoder.encode_many(list(CONVERSATIONS.values()), max_tokens=model.spec.max_tokens)
    return model.scorer.score_ids([list(item.token_ids) for item in encoded])


def test_int8_replaces_backbone_linears_and_keeps_head_and_embedding(checkpoint: CheckpointFactory) -> None:
    path = checkpoint("llama")
    fp32 = load_reward_model(path)
    int8 = load_reward_model(path, quantize="int8")
    linear_names = {name for name, m in fp32.scorer.backbone.named_modules() if isinstance(m, nn.Linear)}
    assert len(linear_names) == 14  # q, k, v, o, gate, up, down in each of 2 layers

    modules = dict(int8.scorer.backbone.named_modules())
    assert {name for name, m in modules.items() if isinstance(m, DynamicInt8Linear)} == linear_names
    assert not any(isinstance(m, nn.Linear) for m in modules.values())
    for name in linear_names:
        assert modules[name].weight().dtype == torch.qint8, name

    head = int8.scorer.head
    assert type(head) is nn.Linear and head.weight.dtype == torch.float32
    assert head is int8.scorer.model.score
    torch.testing.assert_close(head.weight, fp32.scorer.head.weight, rtol=0, atol=0)
    embedding = int8.scorer.model.get_input_embeddings()
    assert type(embedding) is nn.Embedding and embedding.weight.dtype == torch.float32
    assert (int8.quantize, int8.dtype, fp32.quantize) == ("int8", torch.float32, "none")


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_int8_scores_stay_close_to_float32_but_not_equal(checkpoint: CheckpointFactory, arch: str) -> None:
    """int8 error, measured against the spread of the scores, stays small; the scores still move.

    On these tiny checkpoints the measured error is about a tenth of the spread on average and
    at most two fifths of it, with a correlation above 0.99; a model whose quantization went
    wrong (the head quantized as well, wrong scales) scores far outside these bounds.
    """
    path = checkpoint(arch)
    fp32 = scores_of(load_reward_model(path))
    int8 = scores_of(load_reward_model(path, quantize="int8"))
    spread = float(fp32.std())
    error = (int8 - fp32).abs()

    assert float(error.max()) > 1e-3, "int8 scores equal the float32 ones: nothing was quantized"
    assert float(error.mean()) < 0.2 * spread
    assert float(error.max()) < 0.6 * spread
    assert float(torch.corrcoef(torch.stack([int8.flatten(), fp32.flatten()]))[0, 1]) > 0.98


def test_int8_refused_off_cpu_or_off_float32(checkpoint: CheckpointFactory) -> None:
    """Refused before the weights are read, with what to change; no GPU is needed to see it."""
    path = checkpoint("llama")
    with pytest.raises(ValueError, match=r"CPU only, not on cuda.*Use --device cpu, or drop --quantize"):
        load_reward_model(path, quantize="int8", device="cuda")
    for dtype in ("bf16", "float16"):
        with pytest.raises(ValueError, match=r"needs float32 weights, not (bfloat16|float16).*--dtype float32"):
            load_reward_model(path, quantize="int8", dtype=dtype)

    bf16 = load_reward_model(path, dtype="bf16")
    with pytest.raises(ValueError, match="needs float32 weights, not bfloat16"):
        quantize_model(bf16.scorer.model, "int8")
    quantize_model(bf16.scorer.model, "none")  # none is always accepted


@pytest.mark.parametrize(
    ("changes", "shown"),
    [({"device": "cuda"}, "device 'cuda'"), ({"device": "cuda:1"}, "device 'cuda:1'"), ({"dtype": "bf16"}, "'bf16'")],
)
def test_settings_refuse_int8_off_cpu_or_off_float32(changes: dict[str, str], shown: str) -> None:
    with pytest.raises(ValidationError, match=f"quantize int8 runs on the CPU with float32 weights only.*{shown}"):
        Settings(quantize="int8", **changes)  # type: ignore[arg-type]
    Settings(quantize="none", **changes)  # type: ignore[arg-type]
    Settings(quantize="int8", device="cpu", dtype="float32")


def test_cli_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--quantize", "int8", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "quantize int8 runs on the CPU" in err and "drop --quantize" in err

    assert main(["serve", "--quantize", "int4"]) == 2
    assert "quantize: Input should be 'none' or 'int8'" in capsys.readouterr().err


def test_quantize_from_flag_env_and_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REWARD_SERVICE_QUANTIZE", raising=False)
    assert Settings().quantize == "none"
    parser = argparse.ArgumentParser()
    add_settings_flags(parser)
    assert settings_from_args(parser.parse_args(["--quantize", "int8"])).quantize == "int8"

    monkeypatch.setenv("REWARD_SERVICE_QUANTIZE", "int8")
    assert Settings().quantize == "int8"
    assert settings_from_args(parser.parse_args([])).quantize == "int8"
    assert settings_from_args(parser.parse_args(["--quantize", "none"])).quantize == "none"  # the flag wins

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    assert "--quantize QUANTIZE" in capsys.readouterr().out


def test_load_passes_quantize(checkpoint: CheckpointFactory) -> None:
    model, _ = load(Settings(model=checkpoint("llama"), quantize="int8"))
    assert model.quantize == "int8"
    assert any(isinstance(m, DynamicInt8Linear) for m in model.scorer.backbone.modules())


def test_precision_bench_structure(tmp_path: Path, checkpoint: CheckpointFactory) -> None:
    """`python -m bench.precision` on the tiny checkpoint: every table, no figure checked but drift's sign."""
    data = tmp_path / "test.jsonl"
    records = [
        {"prompt_id": f"p{p}", "prompt": prompt, "response": response, **dict(zip(ATTRS, labels, strict=True))}
        for p, (prompt, answers) in enumerate(PROMPTS.items())
        for response, labels in answers
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    result = run_precision_bench(
        checkpoint("llama"), data, description="fixture", threads=1, repeats=1, log=lambda _: None
    )
    variants, others = ["fp32", "bf16", "bf16-mixed", "int8"], ["bf16", "bf16-mixed", "int8"]
    assert (result["data"]["prompts"], result["data"]["rows"], result["data"]["subsampled"]) == (2, 5, False)
    assert list(result["variants"]) == variants
    assert result["variants"]["bf16"]["dtype"] == "bfloat16" and result["variants"]["int8"]["quantize"] == "int8"
    assert result["variants"]["bf16-mixed"]["dtype"] == "bf16-mixed"
    assert isinstance(result["machine"]["cpu_capability"], str)
    flags = result["machine"]["bf16_flags"]
    assert result["machine"]["native_bf16"] == (None if flags is None else bool(flags))
    assert list(result["speed"]) == variants
    assert result["speed"]["fp32"]["vs_fp32"] == 1.0
    assert all(set(result["speed"][name]) >= {"tokens_per_s", "vs_fp32", "median_batch_vs_fp32"} for name in variants)
    assert list(result["drift"]) == others
    for name in others:
        assert list(result["drift"][name]) == [*ATTRS, "aggregate"]
        assert all(d["max_abs"] >= d["mean_abs"] > 0 for d in result["drift"][name].values()), name
        assert list(result["one_row_per_pass"]["drift"][name]) == [*ATTRS, "aggregate"]
    assert list(result["batch_dependence"]) == variants
    assert result["batch_dependence"]["fp32"]["max_abs"] < 1e-4
    assert list(result["agreement_with_fp32"]) == others
    for name in variants:
        for accuracy in (result["accuracy"][name], result["one_row_per_pass"]["accuracy"][name]):
            assert accuracy["responses"] == 5
            assert accuracy["pairs"] == 4  # 3 + 1 pairs of differently rated responses
    assert set(result["phases_s"]) == {"load", "warm_up", "timed", "alone"}
    json_path, md_path = write_results(result, tmp_path / "out")
    assert (json_path.name, md_path.name) == ("precision.json", "precision.md")
    assert json.loads(json_path.read_text()) == result
    markdown = md_path.read_text()
    assert markdown == render(result) + "\n"
    sections = ("## Summary", "## Speed", "## Score drift", "## Batch dependence", "## Accuracy against the human")
    for section in (*sections, "## Agreement with fp32", "## One row per forward pass", "Pairwise accuracy"):
        assert section in markdown
    summary = markdown.split("## Summary")[1].split("\n\n")[1].splitlines()
    assert summary[0].startswith("| variant | tokens/s | vs fp32 | aggregate drift mean / max | pairwise accuracy |")
    assert [row.split(" | ")[0] for row in summary[2:]] == [f"| {name}" for name in variants]


ATTRS = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
PROMPTS = {
    "What is 2 + 2?": [("2 + 2 = 4.", (4, 4, 4, 1, 1)), ("It is 5.", (1, 0, 4, 1, 0)), ("Hello!", (0, 0, 2, 0, 0))],
    "Write a short poem about the sea.": [
        ("The sea is wide; the waves are grey.", (3, 4, 4, 2, 1)),
        ("sea sea sea", (1, 2, 1, 0, 1)),
    ],
}


def test_info_reports_the_quantization(checkpoint: CheckpointFactory) -> None:
    """/info says int8 for a quantized model (its dtype stays float32) and none otherwise."""
    path = checkpoint("llama")

    def info(model: RewardModel) -> dict[str, object]:
        app = create_app(Settings(model=path), model)
        with TestClient(app) as client:
            for _ in range(500):  # /info answers once the warm-up forward is done
                response = client.get("/info")
                if response.status_code != 503:
                    break
                time.sleep(0.01)
        assert response.status_code == 200, response.text
        return response.json()

    quantized = info(load_reward_model(path, quantize="int8"))
    assert (quantized["quantize"], quantized["dtype"]) == ("int8", "float32")
    assert info(load_reward_model(path))["quantize"] == "none"
