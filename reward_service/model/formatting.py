"""Turn conversations into the exact token ids the model is scored on.

With a chat template, the ids are what `tokenizer.apply_chat_template(messages,
add_generation_prompt=False)` returns: the template's text tokenized without adding special
tokens again, so a template that writes its own BOS does not get a second one.

Without a template the documented plain format is used: each turn as `Role: content`
(`System`, `User`, `Assistant`), turns joined by a blank line, tokenized with the tokenizer's
own special tokens (its BOS/EOS, as it is configured to add them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from jinja2 import TemplateError
from transformers import PreTrainedTokenizerBase

from ..engine.plan import Row
from ..errors import InvalidInput, ItemTooLong
from .spec import ReadRule

Truncation = Literal["none", "left"]
ROLES = ("system", "user", "assistant")
Conversation = Sequence[Mapping[str, str]]


@dataclass(frozen=True)
class Encoded:
    row: Row  # the token ids and where they are read
    truncated: bool = False

    @property
    def token_ids(self) -> tuple[int, ...]:
        return self.row.ids


def plain_format(messages: Conversation) -> str:
    """The format used for tokenizers that carry no chat template."""
    return "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)


class ConversationEncoder:
    """Formats and tokenizes conversations for one tokenizer; `rule` says where rows are read."""

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        rule: ReadRule,
        *,
        check: Callable[[Sequence[int]], str | None] | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.rule = rule
        self.check = check  # why a row cannot be scored by the model's head, or None
        self.has_template = bool(getattr(tokenizer, "chat_template", None))

    def format(self, messages: Conversation) -> str:
        if not self.has_template:
            return plain_format(messages)
        try:
            text = self.tokenizer.apply_chat_template(
                [dict(m) for m in messages], tokenize=False, add_generation_prompt=False
            )
        except TemplateError as exc:
            raise InvalidInput(f"was rejected by the model's chat template: {exc}", field=("messages",)) from exc
        assert isinstance(text, str)
        return text

    def encode_many(
        self, conversations: Sequence[Conversation], *, max_tokens: int, truncation: Truncation = "none"
    ) -> list[Encoded]:
        """Token ids for each conversation, in order.

        An item longer than `max_tokens` raises ItemTooLong naming its index, unless
        `truncation="left"`, which drops the oldest tokens (keeping a leading BOS) so the end
        of the response, where the score is read, is always kept.
        """
        texts = []
        for index, messages in enumerate(conversations):
            try:
                texts.append(self.format(messages))
            except InvalidInput as exc:
                raise InvalidInput(exc.problem, item=index, field=exc.field) from exc
        ids = self.tokenizer(texts, add_special_tokens=not self.has_template)["input_ids"]
        encoded = [self._fit(index, row, max_tokens, truncation) for index, row in enumerate(ids)]
        if self.check is not None:
            for index, item in enumerate(encoded):
                problem = self.check(item.token_ids)
                if problem is not None:
                    raise InvalidInput(problem, item=index, field=("messages",))
        return encoded

    def _fit(self, index: int, row: list[int], max_tokens: int, truncation: Truncation) -> Encoded:
        if len(row) <= max_tokens:
            return Encoded(self.rule.row(row))
        if truncation != "left":
            raise ItemTooLong(len(row), max_tokens, item=index)
        bos = self.tokenizer.bos_token_id
        head = row[:1] if bos is not None and row[0] == bos and max_tokens > 1 else []
        tail = row[len(row) - (max_tokens - len(head)) :]
        return Encoded(self.rule.row(head + tail), truncated=True)
