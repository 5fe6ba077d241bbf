"""Tiny, offline-built reward checkpoints for the test suite.

Nothing here touches the network: the tokenizer is a byte-level BPE trained on a few dozen
sentences, and each model is a randomly initialised two-layer `*ForSequenceClassification`
saved the way a real checkpoint would be (safetensors, config.json, tokenizer files).

The conftest builds the tokenizer once per session and caches checkpoints by their
parameters, so the whole suite pays for each distinct checkpoint only once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

Arch = Literal["llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "nemotron"]
Pad = Literal["pad", "eos", "final", "none"]
TokenizerVariant = Literal["chatml", "chatml_no_newline", "none"]
Conversation = list[dict[str, str]]
# checkpoint(arch, pad=..., ...) -> directory, the conftest's session-cached builder.
CheckpointFactory = Callable[..., Path]

ARCHS: tuple[str, ...] = ("llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "nemotron")
PADS: tuple[str, ...] = ("pad", "eos", "final", "none")

BOS, EOS, PAD, UNK = "<s>", "</s>", "<pad>", "<unk>"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [BOS, EOS, PAD, UNK, IM_START, IM_END]

# ChatML as SmolLM2 writes it: every turn ends with a newline, so the newline is the last token
# of a formatted conversation. BOS is written by the template itself, once.
CHATML = (
    "{{ bos_token }}{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
)
# The same without the newline after each turn: the last token is <|im_end|>.
CHATML_NO_NEWLINE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>"
    "{% endfor %}"
)
TEMPLATES: dict[str, str | None] = {"chatml": CHATML, "chatml_no_newline": CHATML_NO_NEWLINE, "none": None}

HIDDEN = 32
HEADS = 4
# Larger than transformers' default 0.02 so that attention and MLP outputs are not swamped by
# the residual stream: the score then depends on the whole context, not just the last token.
INIT_RANGE = 0.2

CORPUS: tuple[str, ...] = (
    "The quick brown fox jumps over the lazy dog.",
    "What is 2 + 2? It is 4, of course!",
    "Please explain how a binary search works, step by step.",
    "A binary search halves the range on every step: 1024 items need at most 10 steps.",
    "You are a helpful, honest and harmless assistant.",
    "Write a short poem about the sea, in 3 lines.",
    "The sea is wide; the waves are grey; the gulls cry out at the end of day.",
    "How many days are in a leap year? There are 366 days.",
    "Sort the list [3, 1, 2] in ascending order: the answer is [1, 2, 3].",
    "Paris is the capital of France, and Berlin is the capital of Germany.",
    "Translate 'good morning' into French: 'bonjour'.",
    "I'm not sure; could you give me more details about the problem?",
    "Step 1: preheat the oven to 180 degrees. Step 2: mix the flour and the eggs.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The answer is 42, according to the book.",
    "Error 404: the page you asked for was not found.",
    "Call me at 555-0199 between 9:00 and 17:30, Monday to Friday.",
    'She said: "Thank you very much!" and left.',
    "Python, Rust and C++ are programming languages.",
    "def add(a, b): return a + b  # adds two numbers",
    "The user asked a question and the assistant gave an answer.",
    "system user assistant: roles in a conversation.",
    "Is this response helpful, correct, coherent, complex or verbose?",
    "Rate the reply from 0 to 4 for each attribute.",
    "Hello! How can I help you today?",
    "Thanks, that was clear and useful.",
    "The model reads the score at the last token of the reply.",
    "Short answers are fine; long answers are fine too, if they are correct.",
    "In 1969, 3 astronauts flew to the Moon and 2 of them walked on it.",
    "E = mc^2 relates energy (E), mass (m) and the speed of light (c).",
    "A list: apples, pears, plums; and a total of 12.5 kg.",
    "Why is the sky blue? Because air scatters blue light more than red light.",
)

_LONG_REPLY = " ".join(CORPUS[2:6]) + "\n" + " ".join(CORPUS[12:16])

# Diverse conversations. Lengths vary from a handful of tokens to a few hundred, so that a
# batch holding all of them is mostly padding for the short ones.
CONVERSATIONS: dict[str, Conversation] = {
    "single_turn": [
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "2 + 2 = 4."},
    ],
    "system_multi_turn": [
        {"role": "system", "content": "You are a helpful, honest and harmless assistant."},
        {"role": "user", "content": "How many days are in a leap year?"},
        {"role": "assistant", "content": "There are 366 days."},
        {"role": "user", "content": "And in a normal year?"},
        {"role": "assistant", "content": "365 days, of course!"},
    ],
    # The pad/EOS texts are special tokens: inside the reply they become the pad and EOS ids,
    # which the last-non-pad rule must step over only at the end, never in the middle.
    "special_text_in_reply": [
        {"role": "user", "content": "How do I end a sequence?"},
        {"role": "assistant", "content": f"Write {EOS} at the end, and fill with {PAD} {PAD} up to the width."},
    ],
    # Newlines inside and at the end of the reply: the newline is the final token of the
    # ChatML template, so with pad=final these are pad ids too.
    "newlines_in_reply": [
        {"role": "user", "content": "Give me a recipe."},
        {"role": "assistant", "content": "Step 1: preheat the oven.\nStep 2: mix.\n\nStep 3: bake!\n"},
    ],
    # Ends with the literal end-of-turn marker: with the no-newline template and pad=final the
    # rule has to walk back over two <|im_end|> ids.
    "reply_ends_with_marker": [
        {"role": "user", "content": "What marks the end of a turn?"},
        {"role": "assistant", "content": f"The marker {IM_END}"},
    ],
    "very_short": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Ok."},
    ],
    "long": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Tell me everything you know, in 24 sentences."},
        {"role": "assistant", "content": _LONG_REPLY},
    ],
}


def build_tokenizer(directory: Path) -> Path:
    """Train the byte-level BPE tokenizer and save it, without a chat template, to `directory`.

    Its post-processor prepends BOS (as Llama's does), so tokenizing a template's text with
    special tokens would give a doubled BOS: the parity tests check that this never happens.
    Training on a fixed corpus with a fixed vocabulary size is deterministic.
    """
    tokenizer = Tokenizer(models.BPE(unk_token=UNK))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=420,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(CORPUS), trainer)
    bos_id = tokenizer.token_to_id(BOS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B", special_tokens=[(BOS, bos_id)]
    )
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        additional_special_tokens=[IM_START, IM_END],
    )
    directory.mkdir(parents=True, exist_ok=True)
    wrapped.save_pretrained(directory)
    return directory


def load_tokenizer(tokenizer_dir: Path, variant: str = "chatml") -> PreTrainedTokenizerBase:
    """The base tokenizer with the chat template of `variant` (none for "none")."""
    if variant not in TEMPLATES:
        raise ValueError(f"unknown tokenizer variant {variant!r}; expected one of {list(TEMPLATES)}")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    tokenizer.chat_template = TEMPLATES[variant]
    return tokenizer


def chat_ids(tokenizer: PreTrainedTokenizerBase, messages: Sequence[Mapping[str, str]]) -> list[int]:
    """`apply_chat_template(tokenize=True)` ids as a plain list.

    transformers 5 returns a BatchEncoding here (it returned a list in 4.x), so both are accepted.
    """
    out: Any = tokenizer.apply_chat_template([dict(m) for m in messages], tokenize=True, add_generation_prompt=False)
    ids = out["input_ids"] if isinstance(out, Mapping) or hasattr(out, "input_ids") else out
    return [int(i) for i in ids]


def final_token_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """Id of the token every formatted conversation ends with (the template's own last token).

    Found by tokenizing, not assumed, and checked to be the same for two unrelated
    conversations, so that "pad = the final token" means what the tests think it means.
    """
    if not tokenizer.chat_template:
        raise ValueError("pad='final' needs a chat template: without one the last token is the reply's own")
    endings = {chat_ids(tokenizer, conversation)[-1] for conversation in CONVERSATIONS.values()}
    if len(endings) != 1:
        raise AssertionError(f"the template does not end every conversation with one token: {endings}")
    return endings.pop()


def pad_token_id_for(tokenizer: PreTrainedTokenizerBase, pad: str) -> int | None:
    """The config.pad_token_id a checkpoint built with `pad` gets."""
    if pad == "pad":
        return tokenizer.pad_token_id
    if pad == "eos":
        return tokenizer.eos_token_id
    if pad == "final":
        return final_token_id(tokenizer)
    if pad == "none":
        return None
    raise ValueError(f"unknown pad {pad!r}; expected one of {list(PADS)}")


def _arch_config(arch: str) -> dict[str, object]:
    """Architecture-specific settings on top of the common tiny shape."""
    head_dim = HIDDEN // HEADS
    if arch == "gemma2":
        # A small window so that conversations longer than 8 tokens go through sliding attention.
        return {"sliding_window": 8, "query_pre_attn_scalar": head_dim}
    if arch == "mistral":
        return {"sliding_window": 8}
    if arch == "phi3":
        # Phi-3's default pad id (32000) would be out of range for this vocabulary.
        return {"original_max_position_embeddings": 512}
    if arch in ("llama", "qwen2", "qwen3", "nemotron"):
        return {}
    raise ValueError(f"unknown arch {arch!r}; expected one of {list(ARCHS)}")


def build_model(
    arch: str,
    *,
    vocab_size: int,
    pad_token_id: int | None,
    bos_token_id: int,
    eos_token_id: int,
    num_labels: int = 5,
    seed: int = 0,
) -> PreTrainedModel:
    """A random tiny `*ForSequenceClassification` whose score head gives outputs of order 1.

    transformers initialises `score` with std `initializer_range`, which gives outputs so small
    that an absolute tolerance of 1e-4 would hold between almost any two positions. The head
    is re-drawn with std 1/sqrt(hidden) so that a wrong read position shows as a large error.
    """
    config = AutoConfig.for_model(
        arch,
        vocab_size=vocab_size,
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=HEADS,
        num_key_value_heads=2,
        head_dim=HIDDEN // HEADS,
        max_position_embeddings=512,
        initializer_range=INIT_RANGE,
        num_labels=num_labels,
        pad_token_id=pad_token_id,
        bos_token_id=bos_token_id,
        eos_token_id=eos_token_id,
        tie_word_embeddings=False,
        **_arch_config(arch),
    )
    # fork_rng keeps the global RNG untouched, so building a checkpoint never perturbs a test.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
        with torch.no_grad():
            model.score.weight.normal_(0.0, 1.0 / math.sqrt(HIDDEN))
            if model.score.bias is not None:
                model.score.bias.normal_(0.0, 1.0)
    return model.eval()


def make_checkpoint(
    directory: Path,
    arch: str,
    *,
    tokenizer_dir: Path,
    pad: str = "pad",
    pooling: str | None = None,
    num_labels: int = 5,
    tokenizer_variant: str = "chatml",
    seed: int = 0,
    reward_config: Mapping[str, object] | None = None,
) -> Path:
    """Save a complete tiny checkpoint (safetensors, config, tokenizer) to `directory`.

    `pad` picks config.pad_token_id: "pad" the tokenizer's <pad>, "eos" its </s>, "final" the
    template's last token, "none" no pad id at all. `pooling` (and any other `reward_config`
    keys) go to reward_config.json.
    """
    tokenizer = load_tokenizer(tokenizer_dir, tokenizer_variant)
    model = build_model(
        arch,
        vocab_size=len(tokenizer),
        pad_token_id=pad_token_id_for(tokenizer, pad),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        num_labels=num_labels,
        seed=seed,
    )
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    extra = dict(reward_config or {})
    if pooling is not None:
        extra["pooling"] = pooling
    if extra:
        (directory / "reward_config.json").write_text(json.dumps(extra), encoding="utf-8")
    return directory


def edit_config(directory: Path, **changes: object) -> None:
    """Rewrite keys of a saved checkpoint's config.json (a `None` value deletes the key)."""
    path = directory / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


@dataclass
class Reference:
    """transformers' own model and tokenizer for a checkpoint directory, loaded independently.

    Every expected score in the suite comes from here: one conversation at a time, unpadded,
    through the model's own `forward`, which is what a checkpoint trained with transformers
    or TRL was trained against.
    """

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    _cache: dict[tuple[int, ...], torch.Tensor] = field(default_factory=dict)

    def ids(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The reference token ids: apply_chat_template(tokenize=True, add_generation_prompt=False)."""
        return chat_ids(self.tokenizer, messages)

    @torch.inference_mode()
    def logits(self, ids: Sequence[int]) -> torch.Tensor:
        """`model(input_ids=[ids]).logits[0]` for one unpadded row: transformers' own pooling."""
        key = tuple(ids)
        if key not in self._cache:
            self._cache[key] = self.model(input_ids=torch.tensor([list(ids)])).logits[0].float()
        return self._cache[key]

    @torch.inference_mode()
    def last_token_logits(self, ids: Sequence[int]) -> torch.Tensor:
        """The head applied to the very last token's hidden state, bypassing transformers' pooling."""
        backbone, head = self.model.model, self.model.score
        assert isinstance(backbone, torch.nn.Module) and isinstance(head, torch.nn.Linear)
        hidden = backbone(input_ids=torch.tensor([list(ids)])).last_hidden_state[0, -1]
        return head(hidden).float()
