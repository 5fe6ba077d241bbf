"""Heads that are not a plain `score` layer: rewards read from LM-head logits of a
`*ForCausalLM` checkpoint (Llama-3.1-Nemotron-70B-Reward-HF's layout), a head with more
outputs than attributes (Nemotron-4-340B-Reward's nine), and the head's float32 numerics.

Every expected value comes from transformers: `AutoModelForCausalLM` (or the checkpoint's own
`*ForSequenceClassification`) on one unpadded conversation, ids from `apply_chat_template`.
The service scores the same conversations batched and padded together.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from checkpoints import CONVERSATIONS, HIDDEN, Reference, chat_ids, load_tokenizer, make_checkpoint
from safetensors import safe_open
from safetensors.torch import save_file
from test_gated_head import ReferenceRewardModelWithGating
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
)

from reward_service.engine import BatchPlan
from reward_service.errors import CheckpointError, InvalidInput
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.spec import NEMOTRON_WEIGHTS, read_reward_config

ATOL = 1e-4
# Attribute -> {vocabulary id: coefficient}: one logit, and a difference of two (the
# "Principle" variants' layout).
ROWS = {"reward": {"0": 1.0}, "margin": {"9": 1.0, "12": -1.0}}
SOFTCAP = 2.0  # small, so that Gemma 2's soft cap changes the logits visibly
CAUSAL_ARCHS = {
    "llama": {},
    "qwen2": {},
    "gemma2": {"sliding_window": 8, "query_pre_attn_scalar": HIDDEN // 4, "final_logit_softcapping": SOFTCAP},
}


def tiny_config(arch: str, tokenizer: Any, **extra: Any) -> Any:
    """The tiny shape of every model here, for `arch`, with the tokenizer's vocabulary and ids."""
    return AutoConfig.for_model(
        arch,
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=HIDDEN // 4,
        max_position_embeddings=512,
        initializer_range=0.2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **extra,
    )


def build_causal_lm(directory: Path, tokenizer_dir: Path, arch: str, *, tied: bool, rows: Any = ROWS) -> Path:
    """A random tiny `*ForCausalLM` checkpoint with its tokenizer and a reward_config.json
    reading `rows` at the last token. The LM head is drawn large enough that logits are of
    order 1-10 (so a soft cap at 2 bites)."""
    tokenizer = load_tokenizer(tokenizer_dir, "chatml")
    config = tiny_config(arch, tokenizer, tie_word_embeddings=tied, **CAUSAL_ARCHS[arch])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        with torch.no_grad():
            model.get_output_embeddings().weight.normal_(0.0, 4.0 / math.sqrt(HIDDEN))
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    (directory / "reward_config.json").write_text(
        json.dumps({"head": {"lm_head_rows": rows}, "pooling": "last_token"}), encoding="utf-8"
    )
    return directory


def expected_from_causal_lm(directory: Path, conversation: list[dict[str, str]]) -> dict[str, float]:
    """transformers' own logits at the last position, combined as ROWS says."""
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    ids = chat_ids(tokenizer, conversation)
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([ids])).logits[0, -1].float()
    return {name: sum(c * logits[int(i)].item() for i, c in row.items()) for name, row in ROWS.items()}


def service_scores(model: RewardModel, conversations: list[list[dict[str, str]]]) -> list[dict[str, float]]:
    """The service's scores for the conversations in one padded batch."""
    rows = [e.row for e in model.encoder.encode_many(conversations, max_tokens=model.spec.max_tokens)]
    out = model.scorer.score(BatchPlan.one_pass(rows))
    return [dict(zip(model.spec.attributes, values.tolist(), strict=True)) for values in out]


# --- rewards read from LM-head logits ------------------------------------------------------------


@pytest.mark.parametrize("tied", [False, True], ids=["untied", "tied"])
@pytest.mark.parametrize("arch", list(CAUSAL_ARCHS))
def test_lm_head_rows_equal_the_causal_lms_own_logits(
    tmp_path: Path, tokenizer_dir: Path, arch: str, tied: bool
) -> None:
    directory = build_causal_lm(tmp_path / arch, tokenizer_dir, arch, tied=tied)
    model = load_reward_model(directory)
    assert model.spec.attributes == ("reward", "margin")
    conversations = list(CONVERSATIONS.values())
    got = service_scores(model, conversations)
    for conversation, scores in zip(conversations, got, strict=True):
        expected = expected_from_causal_lm(directory, conversation)
        for name in ROWS:
            assert scores[name] == pytest.approx(expected[name], abs=ATOL), (arch, name)


def test_gemma2_soft_cap_is_applied(tmp_path: Path, tokenizer_dir: Path) -> None:
    """The capped logits differ from the raw projection, and stay within the cap: without the
    cap the parity test above would fail."""
    directory = build_causal_lm(tmp_path / "gemma2", tokenizer_dir, "gemma2", tied=False)
    model = load_reward_model(directory)
    rows = [e.row for e in model.encoder.encode_many(list(CONVERSATIONS.values()), max_tokens=512)]
    hidden = model.scorer.features(BatchPlan.one_pass(rows)).float()
    raw = hidden @ model.scorer.head.rows.T  # type: ignore[union-attr]
    capped = model.scorer.head.transform(raw)  # type: ignore[union-attr]
    assert (raw - capped).abs().max() > 0.1
    assert capped.abs().max() < SOFTCAP
    scores = service_scores(model, list(CONVERSATIONS.values()))
    assert all(abs(s["reward"]) < SOFTCAP for s in scores)


def test_only_the_named_rows_of_the_lm_head_are_loaded(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = build_causal_lm(tmp_path / "llama", tokenizer_dir, "llama", tied=False)
    model = load_reward_model(directory)
    loaded = model.scorer.model
    assert not hasattr(loaded, "lm_head"), "the full LM head was loaded"
    vocab = json.loads((directory / "config.json").read_text())["vocab_size"]
    assert all(p.shape[0] != vocab or p is loaded.get_input_embeddings().weight for p in loaded.parameters())
    head = model.scorer.head
    assert tuple(head.rows.shape) == (3, HIDDEN)  # type: ignore[union-attr]  # ids 0, 9, 12
    with safe_open(str(directory / "model.safetensors"), framework="pt") as handle:
        lm_head = handle.get_tensor("lm_head.weight")
    torch.testing.assert_close(head.rows, lm_head[[0, 9, 12]])  # type: ignore[union-attr]


def test_lm_head_rows_scores_do_not_move_with_batch_company(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = build_causal_lm(tmp_path / "qwen2", tokenizer_dir, "qwen2", tied=False)
    model = load_reward_model(directory)
    conversations = list(CONVERSATIONS.values())
    together = service_scores(model, conversations)
    alone = [service_scores(model, [c])[0] for c in conversations]
    for a, b in zip(together, alone, strict=True):
        for name in ROWS:
            assert a[name] == pytest.approx(b[name], abs=ATOL)


@pytest.mark.parametrize(
    ("rows", "needles"),
    [
        ({"reward": {"100000": 1.0}}, ["head.lm_head_rows", "100000", "beyond the vocabulary"]),
        ({"reward": {"abc": 1.0}}, ["head.lm_head_rows.reward", "'abc'", "not a vocabulary id"]),
        ({"reward": {"0": "one"}}, ["head.lm_head_rows.reward.0", "finite number"]),
        ({"reward": {}}, ["head.lm_head_rows.reward", "vocabulary ids to coefficients"]),
        ([], ["head.lm_head_rows", "attribute names"]),
    ],
)
def test_bad_lm_head_rows_fail_at_start_naming_file_and_key(
    tmp_path: Path, tokenizer_dir: Path, rows: Any, needles: list[str]
) -> None:
    directory = build_causal_lm(tmp_path / "llama", tokenizer_dir, "llama", tied=False, rows=rows)
    with pytest.raises(CheckpointError) as raised:
        load_reward_model(directory)
    message = str(raised.value)
    assert "reward_config.json" in message
    for needle in needles:
        assert needle in message, message


def test_a_head_kind_that_does_not_exist_is_refused(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = build_causal_lm(tmp_path / "llama", tokenizer_dir, "llama", tied=False)
    (directory / "reward_config.json").write_text(json.dumps({"head": {"value_head": {}}}))
    with pytest.raises(CheckpointError, match=r"reward_config.json.*lm_head_rows"):
        load_reward_model(directory)


def test_a_causal_lm_without_a_head_config_says_what_to_write(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = build_causal_lm(tmp_path / "llama", tokenizer_dir, "llama", tied=False)
    (directory / "reward_config.json").unlink()
    with pytest.raises(CheckpointError, match=r"lm_head_rows"):
        load_reward_model(directory)


def test_lm_head_rows_on_a_score_head_checkpoint_is_refused(tmp_path: Path, tokenizer_dir: Path) -> None:
    """A `*ForSequenceClassification` checkpoint has no LM head to read rows from."""
    directory = make_checkpoint(tmp_path / "cls", "llama", tokenizer_dir=tokenizer_dir)
    (directory / "reward_config.json").write_text(json.dumps({"head": {"lm_head_rows": {"reward": {"0": 1.0}}}}))
    with pytest.raises(CheckpointError, match=r"score.weight"):
        load_reward_model(directory)


# --- a head with more outputs than attributes -------------------------------------------------

NINE = ["o0", "o1", "o2", "o3", "helpfulness", "correctness", "coherence", "complexity", "verbosity"]


def nine_output_checkpoint(directory: Path, tokenizer_dir: Path, attributes: list[str] | None) -> Path:
    """Nemotron-4-340B-Reward's layout: nine outputs, the last five HelpSteer2's."""
    make_checkpoint(directory, "llama", tokenizer_dir=tokenizer_dir, num_labels=9)
    path = directory / "config.json"
    config = json.loads(path.read_text())
    config["id2label"] = {str(i): name for i, name in enumerate(NINE)}
    config["label2id"] = {name: i for i, name in enumerate(NINE)}
    path.write_text(json.dumps(config))
    if attributes is not None:
        (directory / "reward_config.json").write_text(json.dumps({"attributes": attributes}))
    return directory


def test_attributes_report_the_named_outputs_in_that_order(tmp_path: Path, tokenizer_dir: Path) -> None:
    chosen = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
    directory = nine_output_checkpoint(tmp_path / "nine", tokenizer_dir, chosen)
    model = load_reward_model(directory)
    assert model.spec.attributes == tuple(chosen)
    assert dict(model.spec.weights) == dict(NEMOTRON_WEIGHTS)
    reference = Reference(
        AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32).eval(),
        AutoTokenizer.from_pretrained(directory),
    )
    conversations = list(CONVERSATIONS.values())
    for conversation, scores in zip(conversations, service_scores(model, conversations), strict=True):
        logits = reference.logits(reference.ids(conversation))
        for name in chosen:
            assert scores[name] == pytest.approx(logits[NINE.index(name)].item(), abs=ATOL), name


def test_attributes_may_reorder_outputs(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = nine_output_checkpoint(tmp_path / "nine", tokenizer_dir, ["verbosity", "o1"])
    model = load_reward_model(directory)
    full = load_reward_model(nine_output_checkpoint(tmp_path / "all", tokenizer_dir, None))
    assert full.spec.attributes == tuple(NINE)
    conversation = CONVERSATIONS["single_turn"]
    part, whole = service_scores(model, [conversation])[0], service_scores(full, [conversation])[0]
    assert list(part) == ["verbosity", "o1"]
    assert part == pytest.approx({"verbosity": whole["verbosity"], "o1": whole["o1"]}, abs=1e-6)


def test_an_unknown_attribute_name_fails_at_start_naming_it(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = nine_output_checkpoint(tmp_path / "nine", tokenizer_dir, ["helpfulness", "honesty"])
    with pytest.raises(CheckpointError) as raised:
        load_reward_model(directory)
    message = str(raised.value)
    assert "reward_config.json" in message and "'honesty'" in message and "o0" in message


# --- numerics --------------------------------------------------------------------------------


def test_with_a_bf16_backbone_the_head_runs_in_fp32(checkpoint: Any) -> None:
    """The head's output equals a float32 head applied to the same bf16 hidden state, which a
    bf16 head would not give (its rounding shows at this scale)."""
    model = load_reward_model(checkpoint("llama"), dtype="bfloat16")
    rows = [e.row for e in model.encoder.encode_many(list(CONVERSATIONS.values()), max_tokens=512)]
    plan = BatchPlan.one_pass(rows)
    hidden = model.scorer.features(plan)
    assert hidden.dtype == torch.bfloat16
    weight = model.scorer.head.weight  # type: ignore[union-attr]
    assert weight.dtype == torch.bfloat16
    expected = hidden.float() @ weight.float().T
    got = model.scorer.score(plan)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    in_bf16 = (hidden @ weight.T).float()
    assert (in_bf16 - expected).abs().max() > 1e-4, "the check cannot tell a bf16 head from an fp32 one"


# --- the worked examples in models/examples ------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "models" / "examples"


def test_every_example_reward_config_is_accepted() -> None:
    configs = sorted(EXAMPLES.glob("*/reward_config.json"))
    assert len(configs) >= 3
    for path in configs:
        read_reward_config(path.parent)  # raises CheckpointError naming the file on any problem


def test_the_nemotron_70b_example_scores_a_causal_lm_as_its_usage_reads_it(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = build_causal_lm(tmp_path / "llama", tokenizer_dir, "llama", tied=False)
    shutil.copy(EXAMPLES / "llama-3.1-nemotron-70b-reward-hf" / "reward_config.json", directory)
    model = load_reward_model(directory)
    assert model.spec.attributes == ("reward",)
    for conversation in CONVERSATIONS.values():
        causal = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
        ids = chat_ids(AutoTokenizer.from_pretrained(directory), conversation)
        with torch.inference_mode():
            expected = causal(input_ids=torch.tensor([ids])).logits[0, -1, 0].item()
        assert service_scores(model, [conversation])[0]["reward"] == pytest.approx(expected, abs=ATOL)


def test_the_nemotron_340b_example_reports_the_five_trained_outputs(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory = make_checkpoint(tmp_path / "nemotron", "nemotron", tokenizer_dir=tokenizer_dir, num_labels=9)
    fragment = json.loads((EXAMPLES / "nemotron-4-340b-reward-hf" / "config-fragment.json").read_text())
    config = json.loads((directory / "config.json").read_text())
    config.update(fragment, label2id={name: int(i) for i, name in fragment["id2label"].items()})
    (directory / "config.json").write_text(json.dumps(config))
    shutil.copy(EXAMPLES / "nemotron-4-340b-reward-hf" / "reward_config.json", directory)
    model = load_reward_model(directory)
    assert model.spec.attributes == ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
    assert dict(model.spec.weights) == dict(NEMOTRON_WEIGHTS)
    reference = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    conversation = CONVERSATIONS["system_multi_turn"]
    with torch.inference_mode():
        logits = reference(input_ids=torch.tensor([chat_ids(tokenizer, conversation)])).logits[0]
    got = service_scores(model, [conversation])[0]
    assert list(got.values()) == pytest.approx(logits[4:].tolist(), abs=ATOL)


# --- ArmoRM's gated head through the whole service ------------------------------------------------


def gated_checkpoint(directory: Path, tokenizer_dir: Path, **head: object) -> tuple[Path, Any, tuple[int, ...]]:
    """An ArmoRM-layout checkpoint (backbone under `model.`, the published head's tensor names)
    with the test tokenizer; the gate pattern is what the template writes before the response."""
    tokenizer = load_tokenizer(tokenizer_dir, "chatml")
    pattern = tuple(tokenizer("<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)["input_ids"])
    config = tiny_config("llama", tokenizer)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        reference = ReferenceRewardModelWithGating(config, 19, temperature=10.0, hidden_dim=16, n_hidden=2).eval()
        with torch.no_grad():
            reference.regression_layer.weight.normal_(0.0, 1.0 / math.sqrt(HIDDEN))
            for layer in reference.gating.layers:
                layer.weight.normal_(0.0, 2.0 / math.sqrt(layer.in_features))
            reference.gating.logit_scale.fill_(2.5)
            reference.reward_transform_matrix.add_(0.3 * torch.randn(19, 19))
    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(directory / "model.safetensors"))
    config_json = {**config.to_dict(), "architectures": ["LlamaForRewardModelWithGating"], "gating_hidden_dim": 16}
    config_json["gating_n_hidden"] = 2
    (directory / "config.json").write_text(json.dumps(config_json))
    tokenizer.save_pretrained(directory)
    (directory / "reward_config.json").write_text(json.dumps({"head": {"gated": {"gating_tokens": pattern, **head}}}))
    return directory, reference, pattern


def test_a_gated_head_scores_as_its_published_structure(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory, reference, pattern = gated_checkpoint(tmp_path / "armorm", tokenizer_dir)
    model = load_reward_model(directory)
    assert model.spec.attributes[:5] == tuple(f"helpsteer-{a}" for a in NEMOTRON_WEIGHTS)
    assert model.spec.attributes[-1] == "score" and len(model.spec.attributes) == 20
    assert dict(model.spec.weights) == {name: float(name == "score") for name in model.spec.attributes}
    assert model.scorer.sharing_refused() is not None
    conversations = [c for c in CONVERSATIONS.values() if c[-2]["role"] == "user"]
    tokenizer = AutoTokenizer.from_pretrained(directory)
    for conversation, scores in zip(conversations, service_scores(model, conversations), strict=True):
        rewards, score = reference(chat_ids(tokenizer, conversation), pattern)
        assert list(scores.values())[:19] == pytest.approx(rewards.tolist(), abs=1e-5)
        assert scores["score"] == pytest.approx(score.item(), abs=1e-5)


def test_a_gated_head_reports_a_chosen_subset(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory, _, _ = gated_checkpoint(tmp_path / "armorm", tokenizer_dir)
    full = service_scores(load_reward_model(directory), [CONVERSATIONS["single_turn"]])[0]
    config = json.loads((directory / "reward_config.json").read_text())
    config["attributes"] = ["helpsteer-correctness", "score"]
    (directory / "reward_config.json").write_text(json.dumps(config))
    model = load_reward_model(directory)
    assert model.spec.attributes == ("helpsteer-correctness", "score")
    part = service_scores(model, [CONVERSATIONS["single_turn"]])[0]
    assert part == pytest.approx({k: full[k] for k in part}, abs=1e-6)


def test_a_conversation_without_the_gate_marker_is_refused_naming_the_item(tmp_path: Path, tokenizer_dir: Path) -> None:
    directory, _, _ = gated_checkpoint(tmp_path / "armorm", tokenizer_dir)
    model = load_reward_model(directory)
    ok = CONVERSATIONS["single_turn"]
    alone = [{"role": "assistant", "content": "Hello."}]  # no turn before it: no end-of-turn marker
    with pytest.raises(InvalidInput) as raised:
        model.encoder.encode_many([ok, alone], max_tokens=512)
    assert raised.value.item == 1 and "assistant turn" in str(raised.value)


@pytest.mark.parametrize(
    ("head", "needle"),
    [
        ({"objectives": ["a", "b"]}, "names 2 objectives; the head has 19"),
        ({"colour": 1}, "unknown key(s) ['colour']"),
    ],
)
def test_bad_gated_options_fail_at_start(
    tmp_path: Path, tokenizer_dir: Path, head: dict[str, object], needle: str
) -> None:
    directory, _, _ = gated_checkpoint(tmp_path / "armorm", tokenizer_dir, **head)
    with pytest.raises(CheckpointError) as raised:
        load_reward_model(directory)
    assert "reward_config.json" in str(raised.value) and needle in str(raised.value)
