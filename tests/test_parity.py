"""The service scores exactly what transformers scores for one unpadded conversation.

The reference for every expected value is transformers itself: the checkpoint directory
loaded independently with `AutoModelForSequenceClassification`, the ids from
`apply_chat_template`, one conversation per forward pass, no padding. The service instead
scores whole padded batches through the backbone and its own read position, so these tests
prove that batching, padding side, pad-id choice and batch composition change nothing.

Tolerances: 1e-4 absolute against the reference. The fixture heads are scaled so outputs are
of order 1 and differ by far more than that between positions (asserted below), so a match
within 1e-4 is not a coincidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import torch
from checkpoints import ARCHS, CONVERSATIONS, PADS, CheckpointFactory, Conversation, Reference

from reward_service.errors import ItemTooLong
from reward_service.model.loading import RewardModel
from reward_service.model.scorer import PaddingSide

ATOL = 1e-4
# Far above ATOL: a wrong read position must miss by at least this much for the parity checks
# to mean anything.
CLEARLY_DIFFERENT = 1e-2

CONVS: list[Conversation] = list(CONVERSATIONS.values())
NAMES: list[str] = list(CONVERSATIONS)

RewardModelFactory = Callable[[Path], RewardModel]
ReferenceFactory = Callable[[Path], Reference]

arch_param = pytest.mark.parametrize("arch", ARCHS)
side_param = pytest.mark.parametrize("padding_side", ["right", "left"])


def encode(model: RewardModel, conversations: Sequence[Conversation]) -> list[list[int]]:
    """The service's token ids for each conversation, as lists."""
    encoded = model.encoder.encode_many(conversations, max_tokens=model.spec.max_tokens)
    return [list(item.token_ids) for item in encoded]


def expected_logits(ref: Reference, conversations: Sequence[Conversation]) -> torch.Tensor:
    """transformers' logits for each conversation, each from its own unpadded forward pass."""
    return torch.stack([ref.logits(ref.ids(messages)) for messages in conversations])


def per_row_error(actual: torch.Tensor, expected: torch.Tensor) -> list[float]:
    """Largest absolute difference in each row."""
    return (actual - expected).abs().amax(dim=1).tolist()


# --- the fixtures themselves are fit for purpose ---------------------------------------------


@arch_param
def test_fixture_scores_spread_and_batches_pad_heavily(
    arch: str, checkpoint: CheckpointFactory, reference: ReferenceFactory
) -> None:
    """Outputs are of order 1 and vary with the input, and lengths vary enough to pad a lot.

    Without this, atol=1e-4 parity could hold between any two positions and prove nothing.
    """
    ref = reference(checkpoint(arch, pad="final"))
    logits = expected_logits(ref, CONVS)
    assert logits.std(dim=0).min().item() > 0.1, logits
    lengths = [len(ref.ids(messages)) for messages in CONVS]
    assert max(lengths) >= 150, lengths
    assert min(lengths) <= 24, lengths
    # Longer than the gemma2/mistral sliding window, so their sliding path is exercised.
    window = getattr(ref.model.config, "sliding_window", None)
    if window is not None:
        assert max(lengths) > 4 * window


# --- token ids -------------------------------------------------------------------------------


@arch_param
@pytest.mark.parametrize("variant", ["chatml", "chatml_no_newline"])
def test_encoder_ids_equal_apply_chat_template(
    arch: str,
    variant: str,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """Same ids as apply_chat_template, with exactly one BOS (the template's own)."""
    path = checkpoint(arch, tokenizer_variant=variant)
    model, ref = reward_model(path), reference(path)
    bos = ref.tokenizer.bos_token_id
    encoded = model.encoder.encode_many(CONVS, max_tokens=model.spec.max_tokens)
    for name, messages, item in zip(NAMES, CONVS, encoded, strict=True):
        expected = ref.ids(messages)
        assert list(item.token_ids) == expected, name
        assert item.truncated is False
        assert item.token_ids[0] == bos and item.token_ids.count(bos) == 1, name

    # The BOS check can fail: tokenizing the template's text with special tokens doubles it.
    text = ref.tokenizer.apply_chat_template(CONVS[0], tokenize=False)
    assert ref.tokenizer(text)["input_ids"][:2] == [bos, bos]


# --- batched scores against the per-conversation reference -----------------------------------

PAD_VARIANTS = [(pad, "chatml") for pad in PADS] + [("eos", "chatml_no_newline"), ("final", "chatml_no_newline")]


@arch_param
@pytest.mark.parametrize(("pad", "variant"), PAD_VARIANTS)
@side_param
def test_batched_scores_equal_unpadded_reference(
    arch: str,
    pad: str,
    variant: str,
    padding_side: PaddingSide,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """All conversations in one padded batch score as each does alone in transformers."""
    path = checkpoint(arch, pad=pad, tokenizer_variant=variant)
    model, ref = reward_model(path), reference(path)
    scores = model.scorer.score_ids(encode(model, CONVS), padding_side=padding_side)
    expected = expected_logits(ref, CONVS)
    assert scores.dtype == torch.float32
    assert scores.shape == (len(CONVS), 5)
    torch.testing.assert_close(scores, expected, atol=ATOL, rtol=0)


@arch_param
@pytest.mark.parametrize("pad", ["eos", "final"])
@side_param
def test_rows_holding_pad_ids_read_where_transformers_reads(
    arch: str,
    pad: str,
    padding_side: PaddingSide,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """Raw rows with pad ids at the end, in the middle, or nothing else, batched together.

    transformers reads the rightmost non-pad token of one row (index 0 for an all-pad row);
    the service must read the same token even though its own padding surrounds the row.
    """
    path = checkpoint(arch, pad=pad)
    model, ref = reward_model(path), reference(path)
    pad_id = ref.model.config.pad_token_id
    base = ref.ids(CONVERSATIONS["single_turn"])
    rows = [
        [*base, pad_id, pad_id, pad_id],
        [*base[:6], pad_id, *base[6:12]],
        [*base[:6], pad_id, pad_id, *base[6:9], pad_id],
        [ref.tokenizer.bos_token_id, pad_id],
        [pad_id, pad_id, pad_id],
        [pad_id],
    ]
    expected = torch.stack([ref.logits(row) for row in rows])
    scores = model.scorer.score_ids(rows, padding_side=padding_side)
    torch.testing.assert_close(scores, expected, atol=ATOL, rtol=0)


@arch_param
@side_param
def test_score_does_not_depend_on_batch_composition(
    arch: str,
    padding_side: PaddingSide,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """An item scores the same alone, beside a much longer item, a shorter one, or everything."""
    path = checkpoint(arch, pad="final")
    model, ref = reward_model(path), reference(path)
    target = CONVERSATIONS["special_text_in_reply"]
    long, short = CONVERSATIONS["long"], CONVERSATIONS["very_short"]
    [row] = encode(model, [target])
    [long_row, short_row] = encode(model, [long, short])
    assert len(long_row) > 3 * len(row) > 3 * len(short_row)

    def score_in(batch: list[list[int]], index: int) -> torch.Tensor:
        return model.scorer.score_ids(batch, padding_side=padding_side)[index]

    everything = encode(model, CONVS[::-1])
    results = {
        "alone": score_in([row], 0),
        "with_long": score_in([long_row, row], 1),
        "with_short": score_in([row, short_row], 0),
        "twice": score_in([row, short_row, row], 2),
        "everything": score_in(everything, everything.index(row)),
    }
    expected = ref.logits(ref.ids(target))
    for name, result in results.items():
        torch.testing.assert_close(result, results["alone"], atol=1e-5, rtol=0, msg=name)
        torch.testing.assert_close(result, expected, atol=ATOL, rtol=0, msg=name)


# --- the checks can fail: the read position matters ------------------------------------------


@arch_param
def test_reading_the_very_last_token_misses_the_reference_when_pad_is_final(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """With pad = the template's final newline, transformers reads the token before it.

    Reading the last token instead misses by far more than the tolerance, so the parity test
    for pad=final would catch a scorer that ignored the pad id.
    """
    path = checkpoint(arch, pad="final")
    model, ref = reward_model(path), reference(path)
    rows = [ref.ids(messages) for messages in CONVS]
    assert all(row[-1] == ref.model.config.pad_token_id for row in rows)
    at_last = torch.stack([ref.last_token_logits(row) for row in rows])
    expected = expected_logits(ref, CONVS)
    assert min(per_row_error(at_last, expected)) > CLEARLY_DIFFERENT
    # ...and the service reads where transformers does, not at the last token.
    scores = model.scorer.score_ids(encode(model, CONVS))
    assert min(per_row_error(scores, at_last)) > CLEARLY_DIFFERENT


@arch_param
@pytest.mark.parametrize("pad", ["eos", "final"])
def test_transformers_own_padded_batch_misreads_when_pad_ids_disagree(
    arch: str,
    pad: str,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """The pitfall the scorer avoids: the tokenizer pads with <pad>, the config's pad id is another.

    transformers' forward then takes a trailing <pad> for content and reads it, so every
    right-padded row is wrong while the unpadded (longest) row is right. (With left padding
    transformers 5 reads the right position; the mismatch of pad ids is what bites.) The
    service, given the same rows, matches the reference.
    """
    path = checkpoint(arch, pad=pad)
    model, ref = reward_model(path), reference(path)
    tokenizer = ref.tokenizer
    assert tokenizer.pad_token_id != ref.model.config.pad_token_id
    texts = [tokenizer.apply_chat_template(messages, tokenize=False) for messages in CONVS]
    batch = tokenizer(texts, add_special_tokens=False, padding=True, padding_side="right", return_tensors="pt")
    with torch.inference_mode():
        naive = ref.model(**batch).logits
    expected = expected_logits(ref, CONVS)
    errors = per_row_error(naive, expected)
    lengths = batch["attention_mask"].sum(dim=1).tolist()
    width = batch["input_ids"].shape[1]
    for name, length, error in zip(NAMES, lengths, errors, strict=True):
        if length == width:
            assert error < ATOL, name
        else:
            assert error > CLEARLY_DIFFERENT, name

    scores = model.scorer.score_ids(encode(model, CONVS), padding_side="right")
    torch.testing.assert_close(scores, expected, atol=ATOL, rtol=0)


@arch_param
def test_transformers_refuses_batches_without_pad_id_but_the_service_scores_them(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """With no pad id transformers cannot batch at all; the service still matches its single-row output."""
    path = checkpoint(arch, pad="none")
    model, ref = reward_model(path), reference(path)
    assert ref.model.config.pad_token_id is None
    rows = [ref.ids(messages) for messages in CONVS[:2]]
    width = max(len(row) for row in rows)
    padded = torch.tensor([row + [0] * (width - len(row)) for row in rows])
    with pytest.raises(ValueError, match="no padding token"), torch.inference_mode():
        ref.model(input_ids=padded)
    torch.testing.assert_close(model.scorer.score_ids(rows), expected_logits(ref, CONVS[:2]), atol=ATOL, rtol=0)


# --- pooling = last_token --------------------------------------------------------------------


@arch_param
@side_param
def test_last_token_pooling_reads_the_final_token(
    arch: str,
    padding_side: PaddingSide,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """reward_config.json pooling=last_token: the head reads the final token, pad id or not."""
    path = checkpoint(arch, pad="final", pooling="last_token")
    model, ref = reward_model(path), reference(path)
    assert model.spec.pooling == "last_token"
    rows = [ref.ids(messages) for messages in CONVS]
    at_last = torch.stack([ref.last_token_logits(row) for row in rows])
    scores = model.scorer.score_ids(encode(model, CONVS), padding_side=padding_side)
    torch.testing.assert_close(scores, at_last, atol=ATOL, rtol=0)
    # The newline is the pad id here, so transformers' own rule reads elsewhere.
    assert min(per_row_error(scores, expected_logits(ref, CONVS))) > CLEARLY_DIFFERENT


# --- tokenizers without a chat template ------------------------------------------------------


def documented_plain_format(messages: Conversation) -> str:
    """The documented plain format, written out here independently of reward_service."""
    return "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)


@arch_param
@side_param
def test_no_template_uses_plain_format(
    arch: str,
    padding_side: PaddingSide,
    checkpoint: CheckpointFactory,
    reward_model: RewardModelFactory,
    reference: ReferenceFactory,
) -> None:
    """Without a template: `Role: content` turns joined by blank lines, with the tokenizer's BOS."""
    path = checkpoint(arch, tokenizer_variant="none")
    model, ref = reward_model(path), reference(path)
    assert not ref.tokenizer.chat_template
    assert not model.encoder.has_template
    expected_ids = [ref.tokenizer(documented_plain_format(messages))["input_ids"] for messages in CONVS]
    assert model.encoder.format(CONVS[1]).startswith("System: You are")
    rows = encode(model, CONVS)
    assert rows == expected_ids
    assert all(row[0] == ref.tokenizer.bos_token_id for row in rows)
    expected = torch.stack([ref.logits(ids) for ids in expected_ids])
    torch.testing.assert_close(model.scorer.score_ids(rows, padding_side=padding_side), expected, atol=ATOL, rtol=0)


# --- truncation ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["chatml", "none"])
def test_truncation(
    variant: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """Over the limit: an error naming the item by default, or the oldest tokens cut ("left")."""
    path = checkpoint("llama", tokenizer_variant=variant)
    model, ref = reward_model(path), reference(path)
    batch = [CONVERSATIONS["very_short"], CONVERSATIONS["long"]]
    full = encode(model, batch)
    limit = 64
    assert len(full[0]) < limit < len(full[1])

    with pytest.raises(ItemTooLong) as excinfo:
        model.encoder.encode_many(batch, max_tokens=limit)
    message = str(excinfo.value)
    assert "item 1" in message and str(len(full[1])) in message and str(limit) in message
    assert excinfo.value.item == 1
    with pytest.raises(ItemTooLong):
        model.encoder.encode_many(batch, max_tokens=limit, truncation="none")

    short, cut = model.encoder.encode_many(batch, max_tokens=limit, truncation="left")
    assert not short.truncated and list(short.token_ids) == full[0]
    bos = ref.tokenizer.bos_token_id
    assert cut.truncated
    assert len(cut.token_ids) == limit
    assert cut.token_ids[0] == bos == full[1][0]
    # The end of the conversation, where the score is read, is kept.
    assert list(cut.token_ids[1:]) == full[1][-(limit - 1) :]
    # And the truncated row scores as transformers scores those same ids.
    scores = model.scorer.score_ids([list(short.token_ids), list(cut.token_ids)])
    expected = torch.stack([ref.logits(full[0]), ref.logits(list(cut.token_ids))])
    torch.testing.assert_close(scores, expected, atol=ATOL, rtol=0)


# --- raw regression outputs ------------------------------------------------------------------


@arch_param
def test_scores_are_raw_head_outputs(
    arch: str, checkpoint: CheckpointFactory, reward_model: RewardModelFactory, reference: ReferenceFactory
) -> None:
    """No softmax or sigmoid: values leave [0, 1], go negative, and equal the raw logits."""
    path = checkpoint(arch)
    model, ref = reward_model(path), reference(path)
    scores = model.scorer.score_ids(encode(model, CONVS))
    expected = expected_logits(ref, CONVS)
    assert (scores < 0).any() and (scores > 1).any()
    assert not torch.allclose(scores.sum(dim=1), torch.ones(len(CONVS)), atol=1e-2)
    torch.testing.assert_close(scores, expected, atol=ATOL, rtol=0)
    assert (scores - torch.sigmoid(expected)).abs().max() > CLEARLY_DIFFERENT
