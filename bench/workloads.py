"""Synthetic scoring workloads with controlled token lengths.

Items are conversations (what the server receives) made of common English words, with their
exact token ids from the model's own encoder (what the in-process paths score). Text content
does not change a forward pass's cost; only the token counts do, so lengths are what we
control: each item is tuned until its formatted conversation has the target number of tokens
(within a few tokens).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from reward_service.model.formatting import Conversation, ConversationEncoder

# Common English words: about one token each for most tokenizers.
_WORD_TEXT = """the of and to a in is it you that he was for on are with as his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an each
she which do their time if will way about many then them write would like so these her long make
thing see him two has look more day could go come did number sound no most people my over know water
than call first who may down side been now find any new work part take get place made live where after
back little only round man year came show every good me give our under name very through just form
sentence great think say help low line differ turn cause much mean before move right boy old too same
tell does set three want air well also play small end put home read hand port large spell add even
land here must big high such follow act why ask men change went light kind off need house picture try
us again animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye never last
let thought city tree cross farm hard start might story saw far sea draw left late run while press"""
WORDS: tuple[str, ...] = tuple(_WORD_TEXT.split())


@dataclass(frozen=True)
class Workload:
    """Conversations and their token rows, in arrival order."""

    name: str
    conversations: tuple[Conversation, ...]
    rows: tuple[tuple[int, ...], ...]

    @property
    def tokens(self) -> int:
        return sum(len(row) for row in self.rows)

    def describe(self) -> str:
        lengths = sorted(len(row) for row in self.rows)
        return f"{len(lengths)} items, {lengths[0]}-{lengths[-1]} tokens (median {lengths[len(lengths) // 2]})"


class WorkloadBuilder:
    """Makes conversations of a given token length for one encoder, deterministically from `seed`."""

    def __init__(self, encoder: ConversationEncoder, *, seed: int = 0, max_tokens: int = 1 << 30) -> None:
        self.encoder = encoder
        self.random = random.Random(seed)
        self.max_tokens = max_tokens

    def text(self, words: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(max(words, 1)))

    def sized_text(self, tokens: int) -> str:
        """Words that tokenize (alone, without special tokens) to about `tokens` tokens."""
        pool = [self.random.choice(WORDS) for _ in range(tokens + 8)]
        words = max(tokens, 1)
        for _ in range(6):
            count = len(self.encoder.tokenizer(" ".join(pool[:words]), add_special_tokens=False)["input_ids"])
            if count == tokens:
                break
            words = min(len(pool), max(1, words + round((tokens - count) * words / max(count, 1))))
        return " ".join(pool[:words])

    def ids(self, conversation: Conversation) -> tuple[int, ...]:
        [encoded] = self.encoder.encode_many([conversation], max_tokens=self.max_tokens)
        return encoded.token_ids

    def conversation(self, tokens: int, *, prompt: str | None = None) -> tuple[Conversation, tuple[int, ...]]:
        """A user turn (`prompt`, or about a quarter of the tokens) and a response filling the rest."""
        user = prompt if prompt is not None else self.sized_text(max(tokens // 4, 1))

        def build(words: int) -> Conversation:
            return [{"role": "user", "content": user}, {"role": "assistant", "content": " ".join(pool[:words])}]

        pool = [self.random.choice(WORDS) for _ in range(2 * tokens + 8)]
        base = len(self.ids(build(1))) - 1  # the tokens around a one-word response
        words = max(tokens - base, 1)
        best: tuple[Conversation, tuple[int, ...]] | None = None
        for _ in range(6):  # merges make lengths not quite additive; a few corrections suffice
            conversation = build(words)
            row = self.ids(conversation)
            if best is None or abs(len(row) - tokens) < abs(len(best[1]) - tokens):
                best = (conversation, row)
            if len(row) == tokens or (len(row) > tokens and words == 1):
                break
            per_word = max((len(row) - base) / words, 0.25)
            words = min(len(pool), max(1, words + round((tokens - len(row)) / per_word)))
        assert best is not None
        return best

    def workload(self, name: str, lengths: Sequence[int]) -> Workload:
        pairs = [self.conversation(length) for length in lengths]
        return Workload(name, tuple(c for c, _ in pairs), tuple(r for _, r in pairs))

    def uniform(self, name: str, items: int, low: int, high: int) -> Workload:
        return self.workload(name, [self.random.randint(low, high) for _ in range(items)])

    def heavy_tailed(self, items: int, long_items: int, short: tuple[int, int], long: tuple[int, int]) -> Workload:
        """Mostly short items and a few long ones, the long ones spread through the arrival order."""
        lengths = [self.random.randint(*short) for _ in range(items - long_items)]
        for _ in range(long_items):
            lengths.insert(self.random.randint(0, len(lengths)), self.random.randint(*long))
        return self.workload("heavy-tailed", lengths)

    def best_of_n(self, n: int, prompt_tokens: int, response_tokens: int) -> Workload:
        """N responses of about `response_tokens` (+-25%) to one prompt of about `prompt_tokens`."""
        prompt = self.sized_text(prompt_tokens)
        # Everything but the response: the template, the prompt turn, and the response's last token.
        around = len(self.ids([{"role": "user", "content": prompt}, {"role": "assistant", "content": "x"}])) - 1
        pairs = []
        for _ in range(n):
            target = around + self.random.randint(response_tokens * 3 // 4, response_tokens * 5 // 4)
            pairs.append(self.conversation(target, prompt=prompt))
        return Workload(f"best-of-{n}", tuple(c for c, _ in pairs), tuple(r for _, r in pairs))
