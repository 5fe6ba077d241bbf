"""Shared-prefix scoring gives what transformers gives for each conversation alone.

Best-of-N rows (one long prompt, N responses) are scored by running the prompt once and the
responses on copies of its key/value cache. The expected values come from transformers' own
single-conversation forward (the `reference` fixture), never from our plain path, for every
fixture architecture: sliding-window attention (gemma2 and mistral, window 8, with prompts
and responses far longer than the window) and the non-Llama attention variants (gemma2's
soft-capping, phi3's fused projections, qwen3's q/k norms, nemotron's partial rotary).

A hook on the backbone records what it was given, so each test also proves the prefix ran
once and only the suffixes were batched, or that a fallback was taken where it must be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from checkpoints import ARCHS, CORPUS, CheckpointFactory, Conversation, Reference
from torch import nn
from transformers import LlamaConfig, LlamaForSequenceClassification
from transformers.cache_utils import DynamicLayer

from bench.offline import plan_all
from reward_service.config import Settings
from reward_service.engine import BatchPlan, EngineLimits, Row, pack, plan_shared
from reward_service.engine.plan import common_prefix_length
from reward_service.model import forward
from reward_service.model import prefix as prefix_module
from reward_service.model.loading import RewardModel
from reward_service.model.prefix import cache_unsupported_reason, config_unsupported_reason
from reward_service.model.scorer import Scorer
from reward_service.model.spec import ReadRule

ATOL = 1e-4
RewardModelFactory = Callable[[Path], RewardModel]
ReferenceFactory = Callable[[Path], Reference]

SYSTEM = "You are a helpful, honest and harmless assistant."
# About 4x the longest response below, and far longer than the sliding window of 8.
LONG_PROMPT = " ".join(CORPUS[:12])
OTHER_PROMPT = " ".join(CORPUS[12:22])
# Responses of different lengths that differ from their first word, so the shared prefix is the prompt.
RESPONSES: tuple[str, ...] = (
    "Yes.",
    CORPUS[24],
    " ".join(CORPUS[25:27]),
    "No: " + CORPUS[13],
    " ".join(CORPUS[27:30]),
    "Maybe " + CORPUS[30],
    CORPUS[31] + " " + CORPUS[1],
    "Ok, " + " ".join(CORPUS[14:16]),
)


def best_of_n(prompt: str, responses: Sequence[str]) -> list[Conversation]:
    return [
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": response},
        ]
        for response in responses
    ]


def reference_logits(ref: Reference, rows: Sequence[Sequence[int]]) -> torch.Tensor:
    """transformers' logits for each row, each from its own unpadded forward pass."""
    return torch.stack([ref.logits(list(row)) for row in rows])


@contextmanager
def recorded_calls(scorer: Scorer) -> Iterator[list[dict[str, Any]]]:
    """Every backbone call during the block: input shape, whether a cache went in or came out."""
    calls: list[dict[str, Any]] = []

    def hook(_module: nn.Module, _args: tuple[Any, ...], kwargs: dict[str, Any], _out: Any) -> None:
        calls.append(
            {
                "shape": tuple(kwargs["input_ids"].shape),
                "cache_in": kwargs.get("cache") is not None,
                "use_cache": bool(kwargs.get("use_cache")),
            }
        )

    handle = scorer.backbone.register_forward_hook(hook, with_kwargs=True)
    try:
        yield calls
    finally:
        handle.remove()


def split_rows(model: RewardModel, rows: Sequence[Sequence[int]]) -> tuple[list[int], list[list[int]]]:
    """Best-of-N rows split into (prefix, suffixes) as the engine splits them: at the longest
    common prefix, and never past a row's read position."""
    [(taken, split)], plain = groups_of(rows, rule=model.scorer.rule)
    assert split > 0 and sorted(taken) == list(range(len(rows))) and not plain, "the rows should share their prompt"
    return list(rows[0][:split]), [list(row[split:]) for row in rows]


def score_shared_prefix(
    scorer: Scorer, prefix: Sequence[int], suffixes: Sequence[Sequence[int]], **limits: Any
) -> torch.Tensor:
    """The rows `prefix + suffixes[i]`, planned on their shared prefix under `limits` (by default
    in one pass: no pass cost), as the scorer runs them."""
    rows = [scorer.row([*prefix, *suffix]) for suffix in suffixes]
    return scorer.score(plan_shared(rows, len(prefix), **{"pass_tokens": None, **limits}))


def limits(**changes: Any) -> EngineLimits:
    return dataclasses.replace(EngineLimits.from_settings(Settings()), **changes)


def score_planned(scorer: Scorer, rows: Sequence[Sequence[int]], engine_limits: EngineLimits) -> torch.Tensor:
    """Every row planned into batches as the engine plans them, each plan run by the scorer, in order."""
    scores = torch.empty(len(rows), scorer.num_labels)  # [N, L]
    for taken, plan, slot in plan_all([scorer.row(row) for row in rows], engine_limits):
        scores[taken] = scorer.score(plan)[slot]
    return scores


# --- parity with transformers, every architecture ---------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n", [2, 5, 8])
def test_shared_prefix_scores_equal_reference(
    arch: str, n: int, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """N responses to one long prompt score as each conversation does alone in transformers."""
    path = checkpoint(arch)
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES[:n])]
    prefix, suffixes = split_rows(model, rows)
    suffix_lengths = [len(suffix) for suffix in suffixes]
    # The fixture is what the docstring says: a long prompt, responses of different lengths.
    assert len(prefix) >= 4 * max(suffix_lengths) // 2 and len(set(suffix_lengths)) == n
    window = getattr(ref.model.config, "sliding_window", None)
    if window is not None:
        assert len(prefix) > 8 * window and max(suffix_lengths) > window

    with recorded_calls(model.scorer) as calls:
        scores = score_shared_prefix(model.scorer, prefix, suffixes)

    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)
    assert scores.shape == (n, 5) and scores.dtype == torch.float32
    # The prefix ran once, alone; the suffixes ran once, together, on top of its cache.
    assert calls == [
        {"shape": (1, len(prefix)), "cache_in": False, "use_cache": True},
        {"shape": (n, max(suffix_lengths)), "cache_in": True, "use_cache": True},
    ]


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize(
    ("pad", "variant"), [("eos", "chatml"), ("final", "chatml"), ("none", "chatml"), ("final", "chatml_no_newline")]
)
def test_pad_variants_read_where_transformers_reads(
    arch: str,
    pad: str,
    variant: str,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """Pad = EOS, = the template's last token, or absent: the read position follows the full row.

    The last response ends with pad ids of its own, which the last-non-pad rule steps over.
    """
    path = checkpoint(arch, pad=pad, tokenizer_variant=variant)
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES[:4])]
    pad_id = ref.model.config.pad_token_id
    if pad_id is not None:
        rows.append([*rows[1], pad_id, pad_id])
    prefix, suffixes = split_rows(model, rows)
    scores = score_shared_prefix(model.scorer, prefix, suffixes)
    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", ["llama", "gemma2", "mistral"])
def test_last_token_pooling(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """pooling=last_token reads the final token of each full row, pad id or not."""
    path = checkpoint(arch, pad="final", pooling="last_token")
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES[:3])]
    prefix, suffixes = split_rows(model, rows)
    expected = torch.stack([ref.last_token_logits(row) for row in rows])
    torch.testing.assert_close(score_shared_prefix(model.scorer, prefix, suffixes), expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", ["llama", "gemma2", "phi3"])
def test_read_position_inside_the_prefix(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """A caller's split can leave a row read inside the prefix: an empty suffix, or only pad ids.

    Those rows take the prefix pass's hidden state, which is their own forward up to there.
    """
    path = checkpoint(arch, pad="final")
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES[:2])]
    pad_id = ref.model.config.pad_token_id
    split = len(rows[0]) - 1  # the final pad token is the only suffix of row 0
    prefix = rows[0][:split]
    suffixes = [rows[0][split:], [], [pad_id, pad_id], [*rows[1][split:]]]
    full = [[*prefix, *suffix] for suffix in suffixes]
    scores = score_shared_prefix(model.scorer, prefix, suffixes)
    torch.testing.assert_close(scores, reference_logits(ref, full), atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", ["llama", "mistral", "gemma2"])
def test_chunked_suffixes_reuse_one_prefix(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """Under a token budget the suffixes run in several chunks, each on a copy of the one prefix cache."""
    path = checkpoint(arch)
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES)]
    prefix, suffixes = split_rows(model, rows)
    # Room for two full rows at a time: the budget counts the prefix each row attends to.
    budget = 2 * max(map(len, rows))
    with recorded_calls(model.scorer) as calls:
        scores = score_shared_prefix(model.scorer, prefix, suffixes, max_tokens=budget)
    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)
    assert [call["cache_in"] for call in calls].count(False) == 1  # one prefix pass
    suffix_calls = [call["shape"] for call in calls if call["cache_in"]]
    assert len(suffix_calls) >= 3
    assert all(rows_ * (len(prefix) + width) <= budget for rows_, width in suffix_calls)
    assert sum(rows_ for rows_, _ in suffix_calls) == len(rows)


@pytest.mark.parametrize("arch", ["llama", "gemma2", "phi3"])
def test_padding_capped_passes_stay_exact(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """With no padding allowed, suffixes of different lengths each get a pass of their own
    length, all on the one prefix pass, and the scores still equal transformers'."""
    path = checkpoint(arch)
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES)]
    prefix, suffixes = split_rows(model, rows)
    with recorded_calls(model.scorer) as calls:
        scores = score_shared_prefix(model.scorer, prefix, suffixes, max_padding=0.0)
    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)
    assert [call["cache_in"] for call in calls].count(False) == 1  # one prefix pass
    widths = sorted(call["shape"][1] for call in calls if call["cache_in"])
    assert widths == sorted({len(suffix) for suffix in suffixes})


def test_pack_rules() -> None:
    """Passes are sorted by length and close on the token budget, the row cap or the padding cap."""
    lengths = [5, 1, 9, 2, 8, 1]
    assert pack(lengths, offset=10) == [[1, 5, 3, 0, 4, 2]]  # no limits: one pass, shortest first
    # rows x (split + longest) <= 40: at most 3 rows of up to 3 tokens, 2 of up to 10.
    assert pack(lengths, offset=10, max_tokens=40) == [[1, 5, 3], [0, 4], [2]]
    assert pack(lengths, offset=10, max_rows=4) == [[1, 5, 3, 0], [4, 2]]
    # No padding: a pass per distinct length. 20%: 1, 1, 2 would pad 2 of 6 (33%) and 2, 5 pad
    # 3 of 10, so each starts anew; 5, 8, 9 pad 5 of 27 (19%) and stay together.
    assert pack(lengths, offset=10, max_padding=0.0) == [[1, 5], [3], [0], [4], [2]]
    assert pack(lengths, offset=10, max_padding=0.2) == [[1, 5], [3], [0, 4, 2]]
    # Widening a pass by more padding than a pass of its own costs starts a new one.
    assert pack(lengths, pass_tokens=6) == [[1, 5, 3], [0, 4, 2]]  # 1, 1, 2 -> 5 would pad 9
    rows = tuple(Row((7,) * 10 + (1,) * length, 10 + length - 1) for length in lengths)
    plan = BatchPlan(rows, ((1, 5), (3,), (0, 4, 2)), split=10)
    assert plan.computed_tokens == 10 + 2 * 1 + 1 * 2 + 3 * 9
    assert plan.real_tokens == 10 + sum(lengths)
    assert pack([], offset=10) == []


# --- mixed batches: grouping --------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
def test_planned_batches_equal_reference_on_a_mixed_batch(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """Two best-of-N groups and unrelated items, interleaved: grouped where it pays, in order."""
    path = checkpoint(arch, pad="eos")
    model, ref = reward_model(path), reference(path)
    group_a = [ref.ids(m) for m in best_of_n(LONG_PROMPT, RESPONSES[:4])]
    group_b = [ref.ids(m) for m in best_of_n(OTHER_PROMPT, RESPONSES[3:6])]
    loners = [ref.ids([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}])]
    rows = [group_a[0], group_b[0], loners[0], *group_a[1:3], group_b[1], group_a[3], group_b[2]]

    with recorded_calls(model.scorer) as calls:
        scores = score_planned(model.scorer, rows, limits())

    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)
    torch.testing.assert_close(scores, model.scorer.score_ids(rows), atol=ATOL, rtol=0)
    # Two prefix passes, suffix passes holding the 4 + 3 responses, one plain batch for the loner.
    assert [call["shape"][0] for call in calls if call["use_cache"] and not call["cache_in"]] == [1, 1]
    assert sum(call["shape"][0] for call in calls if call["cache_in"]) == 7
    assert [call["shape"] for call in calls if not call["use_cache"]] == [(1, len(loners[0]))]


LAST_TOKEN = ReadRule(pad_token_id=None)


def groups_of(
    rows: Sequence[Sequence[int]], min_tokens: int = 16, rule: ReadRule = LAST_TOKEN
) -> tuple[list[tuple[list[int], int]], list[int]]:
    """The engine's batches of `rows` (read by `rule`: by default at the last token): (indices,
    split) of each shared batch, and the indices scored unshared."""
    planned = plan_all([rule.row(row) for row in rows], limits(shared_prefix_min_tokens=min_tokens))
    shared = [(sorted(taken), plan.split) for taken, plan, _ in planned if plan.split]
    plain = sorted(i for taken, plan, _ in planned if not plan.split for i in taken)
    return shared, plain


def test_planner_keeps_whole_prompts_shared() -> None:
    """Under one common system turn, each prompt's responses form their own group."""
    system = list(range(100, 140))  # 40 tokens every row shares
    prompt_a, prompt_b = list(range(200, 300)), list(range(300, 380))
    rows = [
        [*system, *prompt_a, 1, 2],
        [*system, *prompt_b, 5],
        [*system, *prompt_a, 3],
        [*system, *prompt_b, 6, 7, 8],
        [*system, 9, 9, 9],
        [*system, *prompt_a, 4, 4],
    ]
    groups, plain = groups_of(rows, min_tokens=32)
    assert sorted(groups) == [([0, 2, 5], len(system) + len(prompt_a)), ([1, 3], len(system) + len(prompt_b))]
    assert plain == [4]
    # Without the two prompts' groups to compete with, 40 shared system tokens are worth a group
    # when the answers are of similar length (one suffix pass) ...
    pair, none_left = groups_of([[*system, 9, 9, 9], [*system, 8, 8, 8]])
    assert pair == [([0, 1], len(system))] and none_left == []
    # ... and not when they are so different that the suffixes need passes of their own.
    assert groups_of([rows[0], rows[4]]) == ([], [0, 1])
    assert groups_of([]) == ([], [])


def test_planner_deep_nesting_plans_every_row() -> None:
    """Rows that are each a prefix of the next (a chain as long as the batch) all get planned."""
    rows = [[7] * length for length in range(1, 1500)]
    groups, plain = groups_of(rows)
    assert sorted([i for taken, _ in groups for i in taken] + plain) == list(range(len(rows)))


def test_split_rules() -> None:
    """The split leaves every row read inside its suffix, and is 0 when not worth it."""
    assert common_prefix_length([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2
    assert common_prefix_length([[1], [2]]) == 0 and common_prefix_length([]) == 0
    long = list(range(50))
    assert groups_of([[*long, 1], [*long, 2, 3]]) == ([([0, 1], 50)], [])
    # One row a prefix of the other: the split stops before the shorter row's last token, its read.
    assert groups_of([long, [*long, 2]]) == ([([0, 1], 49)], [])
    # Pad id 99 at the end: the read is before it, so the split is too.
    assert groups_of([[*long, 5, 99], [*long, 99]], rule=ReadRule(pad_token_id=99)) == ([([0, 1], 49)], [])
    assert groups_of([[*long, 1], [*long, 2]], min_tokens=64) == ([], [0, 1])
    assert groups_of([[*long, 1]]) == ([], [0])  # one row shares nothing with anyone
    with pytest.raises(ValueError, match="do not all share"):
        plan_shared([LAST_TOKEN.row([1, 2, 3]), LAST_TOKEN.row([1, 5, 6])], 2)


# --- fallbacks: never a wrong score ---------------------------------------------------------


class _CachelessBackbone(nn.Module):
    """A backbone that ignores `use_cache` (as some remote-code models do): no cache comes back."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config

    def forward(self, **kwargs: Any) -> Any:
        kwargs["use_cache"] = False
        kwargs.pop("cache", None)
        out = self.inner(**kwargs)
        out.cache = None
        return out


class _OddLayer(DynamicLayer):
    """A layer cache type the prefix path does not know."""


class _OddCacheBackbone(_CachelessBackbone):
    """A backbone whose cache holds a layer type we cannot vouch for."""

    def forward(self, **kwargs: Any) -> Any:
        out = self.inner(**kwargs)
        if out.cache is not None:
            out.cache.layers[0].__class__ = _OddLayer
        return out


@pytest.mark.parametrize("wrapper", [_CachelessBackbone, _OddCacheBackbone])
def test_unsupported_cache_falls_back_to_the_plain_path(
    wrapper: type[nn.Module],
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No cache, or one we do not know: the full rows go through Scorer.features, scores stay exact."""
    path = checkpoint("llama")
    model, ref = reward_model(path), reference(path)
    scorer = Scorer(model.scorer.model, model.scorer.head, pad_token_id=model.scorer.pad_token_id)
    scorer.backbone = wrapper(model.scorer.backbone)
    rows = [ref.ids(messages) for messages in best_of_n(LONG_PROMPT, RESPONSES[:3])]
    prefix, suffixes = split_rows(model, rows)

    plain_calls: list[list[list[int]]] = []
    plain_hidden = forward.padded_hidden

    def spy(backbone: Any, batch: Sequence[Row], **kwargs: Any) -> torch.Tensor:
        plain_calls.append([list(row.ids) for row in batch])
        return plain_hidden(backbone, batch, **kwargs)

    monkeypatch.setattr(forward, "padded_hidden", spy)
    scores = score_shared_prefix(scorer, prefix, suffixes)
    assert sorted(row for call in plain_calls for row in call) == sorted(rows)
    torch.testing.assert_close(scores, reference_logits(ref, rows), atol=ATOL, rtol=0)


def test_unsupported_attention_is_refused_before_any_forward(
    checkpoint: CheckpointFactory, reward_model: RewardModelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bidirectional or chunked attention, or unknown layer kinds: the plain path, with no prefix pass."""
    assert config_unsupported_reason(SimpleNamespace(is_causal=False)) is not None
    assert config_unsupported_reason(SimpleNamespace(attention_chunk_size=16)) is not None
    assert config_unsupported_reason(SimpleNamespace(layer_types=["full_attention", "linear_attention"])) is not None
    assert config_unsupported_reason(SimpleNamespace(layer_types=["full_attention", "sliding_attention"])) is None
    assert cache_unsupported_reason(None) is not None

    model = reward_model(checkpoint("llama"))
    scorer = Scorer(model.scorer.model, model.scorer.head, pad_token_id=model.scorer.pad_token_id)
    monkeypatch.setattr(scorer.backbone, "config", SimpleNamespace(is_causal=False))
    sentinel = torch.arange(64.0).reshape(2, 32)
    monkeypatch.setattr(forward, "padded_hidden", lambda backbone, rows, **_: sentinel[: len(rows)])
    plan = plan_shared([scorer.row([1, 2, 3, 4]), scorer.row([1, 2, 3, 5])], 3)
    with recorded_calls(scorer) as calls:
        assert torch.equal(scorer.features(plan), sentinel)
    assert calls == []


def test_empty_inputs_are_refused(checkpoint: CheckpointFactory, reward_model: RewardModelFactory) -> None:
    scorer = reward_model(checkpoint("llama")).scorer
    with pytest.raises(ValueError, match="prefix is empty"):
        score_shared_prefix(scorer, [], [[1]])
    with pytest.raises(ValueError, match="no rows"):
        score_shared_prefix(scorer, [1], [])
    assert scorer.score_ids([]).shape == (0, 5)


def _rotary_model(rope: dict[str, Any]) -> LlamaForSequenceClassification:
    """A fresh tiny Llama trained for 16 positions, with `rope` scaling, and a head of order-1 outputs."""
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=100,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=16,
        num_labels=5,
        pad_token_id=None,
        rope_scaling=rope,
    )
    model = LlamaForSequenceClassification(config).eval()
    nn.init.normal_(model.score.weight, std=32**-0.5)
    return model


@pytest.mark.parametrize(
    "rope",
    [
        {"rope_type": "dynamic", "factor": 4.0},
        {"rope_type": "longrope", "short_factor": [1.0] * 4, "long_factor": [4.0] * 4},
    ],
    ids=["dynamic", "longrope"],
)
def test_length_dependent_rotary_scaling_takes_the_plain_path(
    rope: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotary scaling chosen from each forward pass's length rotates a 12-token prefix run alone
    differently from the same tokens in a 28-token row (past the 16 trained positions). Forcing
    the shared path shows the error; by default such models are refused and stay exact."""
    generator = torch.Generator().manual_seed(1)
    prefix = torch.randint(0, 100, (12,), generator=generator).tolist()
    rows = [[*prefix, *torch.randint(0, 100, (16,), generator=generator).tolist()] for _ in range(3)]

    def scorer() -> Scorer:  # a fresh model each time: transformers' dynamic scaling keeps state
        model = _rotary_model(rope)
        return Scorer(model, model.score, pad_token_id=None)

    plain = scorer().score_ids(rows)
    assert config_unsupported_reason(scorer().backbone.config) is not None
    torch.testing.assert_close(
        score_shared_prefix(scorer(), prefix, [row[12:] for row in rows]), plain, atol=ATOL, rtol=0
    )

    monkeypatch.setattr(prefix_module, "config_unsupported_reason", lambda config: None)
    forced = score_shared_prefix(scorer(), prefix, [row[12:] for row in rows])
    assert (forced - plain).abs().max() > ATOL
