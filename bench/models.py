"""The checkpoints the benchmark runs on.

- quick mode: a tiny random Llama with a small trained BPE tokenizer, built in seconds in a
  temporary folder, so the smoke run needs nothing downloaded or converted;
- full mode: the default model (`models/default`) when its head is there, else the converted
  SmolLM2-135M backbone with a seeded random head (same shape, same speed: a head of 5 x 576
  weights does not change timings).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoConfig, LlamaConfig, LlamaForSequenceClassification, PreTrainedTokenizerFast

from reward_service.errors import CheckpointError
from reward_service.model.spec import HELPSTEER2_ATTRIBUTES
from reward_service.training.backbone import backbone_dir, cache_root
from reward_service.training.default_model import ensure_default_model

from .workloads import WORDS

CHATML = (
    "{{ bos_token }}{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
)
# SmolLM2's own template without its default system turn (and without a BOS: it has none).
CHATML_NO_BOS = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
)
SPECIALS = ["<s>", "</s>", "<pad>", "<unk>", "<|im_start|>", "<|im_end|>"]
RANDOM_HEAD_DIR = "bench-random-head"
NO_SYSTEM_DIR = "bench-no-system-turn"
BACKBONE_LINKS = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


def build_tiny_checkpoint(directory: Path, *, seed: int = 0) -> Path:
    """A 2-layer, 64-wide Llama reward checkpoint with a ChatML tokenizer, saved to `directory`."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([" ".join(WORDS)] * 4, trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=SPECIALS[4:],
    )
    wrapped.chat_template = CHATML
    config = LlamaConfig(
        vocab_size=len(wrapped),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        pad_token_id=wrapped.pad_token_id,
        bos_token_id=wrapped.bos_token_id,
        eos_token_id=wrapped.eos_token_id,
        tie_word_embeddings=False,
    )
    config.num_labels = len(HELPSTEER2_ATTRIBUTES)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForSequenceClassification(config).eval()
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    wrapped.save_pretrained(directory)
    return directory


def random_head_checkpoint(backbone: Path, out: Path, *, seed: int = 0) -> Path:
    """A reward checkpoint joining `backbone`'s weights (linked, not copied) with a random 5-label head.

    Written once; later runs reuse it. The head is seeded so every run scores the same.
    """
    if (out / "score.safetensors").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    config = AutoConfig.from_pretrained(backbone)
    config.architectures = [type(config).__name__.removesuffix("Config") + "ForSequenceClassification"]
    config.num_labels = len(HELPSTEER2_ATTRIBUTES)
    config.id2label = dict(enumerate(HELPSTEER2_ATTRIBUTES))
    config.label2id = {name: i for i, name in enumerate(HELPSTEER2_ATTRIBUTES)}
    config.save_pretrained(out)
    generator = torch.Generator().manual_seed(seed)
    head = torch.randn(config.num_labels, config.hidden_size, generator=generator) / math.sqrt(config.hidden_size)
    weight_map = {"score.weight": "score.safetensors"}
    for shard in sorted(backbone.glob("*.safetensors")):
        with safe_open(str(shard), framework="pt") as handle:
            keys = [key for key in handle.keys() if not key.startswith("lm_head.")]  # noqa: SIM118
        link = out / f"backbone-{shard.name}"
        link.unlink(missing_ok=True)
        link.symlink_to(shard)
        weight_map.update(dict.fromkeys(keys, link.name))
    for name in BACKBONE_LINKS:
        if (backbone / name).exists():
            (out / name).unlink(missing_ok=True)
            (out / name).symlink_to(backbone / name)
    (out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    # Last, so an interrupted write is redone next time.
    save_file({"score.weight": head.contiguous()}, str(out / "score.safetensors"))
    return out


def full_model() -> tuple[Path, str]:
    """The default model if its trained head is present, else the backbone with a random head."""
    try:
        return ensure_default_model(), "default model (models/default head on SmolLM2-135M-Instruct)"
    except CheckpointError:
        pass
    backbone = backbone_dir()
    path = random_head_checkpoint(backbone, cache_root() / RANDOM_HEAD_DIR)
    return path, "SmolLM2-135M-Instruct backbone with a random 5-label head (models/default not present)"


def no_system_turn_model(quick: bool, scratch: Path) -> tuple[Path, str]:
    """A checkpoint whose chat template adds no system turn, so conversations share no prefix
    beyond the first role marker: the tiny model for `quick` (its ChatML has none), else the
    SmolLM2-135M backbone with a seeded random head and plain ChatML (its own template adds a
    24-token system turn to every conversation)."""
    if quick:
        return build_tiny_checkpoint(scratch / "tiny-no-system"), "tiny random Llama, ChatML without a system turn"
    out = random_head_checkpoint(backbone_dir(), cache_root() / NO_SYSTEM_DIR)
    template = out / "chat_template.jinja"
    if template.is_symlink() or not template.exists() or template.read_text(encoding="utf-8") != CHATML_NO_BOS:
        template.unlink(missing_ok=True)
        template.write_text(CHATML_NO_BOS, encoding="utf-8")
    return out, "SmolLM2-135M-Instruct backbone, a random 5-label head, ChatML without a system turn"


def chosen_model(model: Path | None, quick: bool, scratch: Path) -> tuple[Path, str]:
    """The checkpoint a bench measures and how to describe it: `--model` when given, the tiny
    random model (built in `scratch`) for `--quick`, else the default model."""
    if model is not None:
        return model, f"checkpoint {model}"
    if quick:
        tiny = build_tiny_checkpoint(scratch / "tiny")
        return tiny, "tiny random Llama (2 layers, width 64): smoke only, figures mean nothing"
    return full_model()
