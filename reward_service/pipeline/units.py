"""From input records to units of work: what is scored together and written together.

- `Item` (score, filter): one record, one conversation.
- `Candidates` (rank): one record holding a context and a list of responses.
- `Group` (rank --group-field): consecutive records sharing a group value, one response each.
- `Failure`: a record that cannot be scored as given, with the reason.

Records are validated with the API's own request models (ScoreItem, RankRequest), so a record
is accepted here exactly when the same item would be accepted by `POST /score` or `/rank`;
messages name the record's own field names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..server.schemas import RankRequest, ScoreItem
from .records import Position, RawRecord

Conversation = list[dict[str, str]]


@dataclass(frozen=True)
class Fields:
    """Names of the input fields to read (set by --prompt-field and friends)."""

    prompt: str = "prompt"
    response: str = "response"
    messages: str = "messages"
    responses: str = "responses"
    group: str | None = None


@dataclass(frozen=True)
class Failure:
    line: int
    message: str
    record: Any  # the parsed record, or None when it did not parse
    text: str | None  # the raw text when it did not parse
    end: Position

    conversations: tuple[Conversation, ...] = ()


@dataclass(frozen=True)
class Item:
    line: int
    record: dict[str, Any]
    conversation: Conversation
    conversational: bool  # read from the messages field (vs prompt + response)
    end: Position

    @property
    def conversations(self) -> tuple[Conversation, ...]:
        return (self.conversation,)


@dataclass(frozen=True)
class Candidates:
    line: int
    record: dict[str, Any]
    context: Conversation
    responses: tuple[str, ...]
    conversational: bool
    end: Position

    @property
    def conversations(self) -> tuple[Conversation, ...]:
        return tuple([*self.context, {"role": "assistant", "content": r}] for r in self.responses)


@dataclass(frozen=True)
class Group:
    key: Any
    members: tuple[Item, ...]
    failures: tuple[Failure, ...]  # malformed records met inside the group, written to the errors file
    end: Position

    @property
    def conversations(self) -> tuple[Conversation, ...]:
        return tuple(member.conversation for member in self.members)


Unit = Item | Candidates | Group | Failure


class RecordError(ValueError):
    """Why one record cannot be scored; the message names the record's own fields."""


def failure(raw: RawRecord, message: str | None = None) -> Failure:
    return Failure(raw.line, message or raw.error or "invalid record", raw.value, raw.text, raw.end)


def to_item(raw: RawRecord, fields: Fields) -> Item | Failure:
    """A record to score alone: `messages`, or `prompt` + `response`."""
    if raw.error is not None:
        return failure(raw)
    try:
        record = _object(raw.value)
        conversation, conversational = _conversation(record, fields)
    except RecordError as exc:
        return failure(raw, str(exc))
    return Item(raw.line, record, conversation, conversational, raw.end)


def to_candidates(raw: RawRecord, fields: Fields, max_responses: int) -> Candidates | Failure:
    """A record holding a context (`prompt`, or `messages` ending with a user turn) and `responses`."""
    if raw.error is not None:
        return failure(raw)
    try:
        record = _object(raw.value)
        messages = record.get(fields.messages)
        data: dict[str, Any] = {"responses": record.get(fields.responses)}
        if data["responses"] is None:
            raise RecordError(
                f"has no {fields.responses!r} field (a list of responses to rank); name it with --responses-field, "
                "or rank one response per record with --group-field"
            )
        if messages is not None:
            data["messages"] = messages
        else:
            data["prompt"] = record.get(fields.prompt)
        request = _validate(RankRequest, data, fields)
        if len(request.responses) > max_responses:
            count = len(request.responses)
            raise RecordError(f"{fields.responses}: {count} responses, over the limit of {max_responses}")
    except RecordError as exc:
        return failure(raw, str(exc))
    return Candidates(raw.line, record, request.context(), tuple(request.responses), messages is not None, raw.end)


def grouped(units: Iterable[Item | Failure], fields: Fields, max_members: int) -> Iterator[Group | Failure]:
    """Consecutive records sharing the value of `fields.group` as Groups.

    A malformed record (or one without the group field) stays inside the group it appears in,
    as one of its failures, so it does not split the group. A record whose prompt differs from
    its group's is such a failure too. A group of more than `max_members` records, failures
    included, is reported record by record as Failures, never split silently; memory holds at
    most one group.
    """
    assert fields.group is not None
    name = fields.group
    members: list[Item] = []
    failures: list[Failure] = []
    key: str | None = None  # canonical JSON of the open group's value
    overflow: str | None = None  # key of a group already over the limit

    def close() -> Iterator[Group | Failure]:
        nonlocal members, failures, key
        if members:
            yield Group(members[0].record[name], tuple(members), tuple(failures), _last_end(members, failures))
        else:
            yield from failures
        members, failures, key = [], [], None

    for unit in units:
        if isinstance(unit, Item) and name not in unit.record:
            unit = Failure(unit.line, f"has no {name!r} field (--group-field)", unit.record, None, unit.end)
        if isinstance(unit, Failure):
            if key is None:
                yield unit
                continue
            failures.append(unit)
        else:
            value = unit.record[name]
            value_key = json.dumps(value, sort_keys=True)
            if value_key == overflow:
                yield Failure(unit.line, _too_many(name, value, max_members), unit.record, None, unit.end)
                continue
            overflow = None
            if value_key != key:
                yield from close()
                key = value_key
            if members and unit.conversation[:-1] != members[0].conversation[:-1]:
                first = members[0].line
                message = (
                    f"its prompt differs from line {first}'s, the first record of its group ({name}={value!r}): "
                    f"records sharing a {name} must share the prompt"
                )
                failures.append(Failure(unit.line, message, unit.record, None, unit.end))
            else:
                members.append(unit)
        if len(members) + len(failures) > max_members:
            message = _too_many(name, members[0].record[name], max_members)
            spilled = [Failure(m.line, message, m.record, None, m.end) for m in members] + failures
            members, failures, overflow, key = [], [], key, None
            yield from sorted(spilled, key=lambda f: f.line)
    yield from close()


def _too_many(name: str, value: Any, limit: int) -> str:
    return f"the group {name}={value!r} has more than {limit} records, the limit per group: split it"


def _last_end(members: Sequence[Item], failures: Sequence[Failure]) -> Position:
    return max([m.end for m in members] + [f.end for f in failures], key=lambda p: p.records)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _conversation(record: Mapping[str, Any], fields: Fields) -> tuple[Conversation, bool]:
    messages = record.get(fields.messages)
    if messages is not None:
        return _validate(ScoreItem, {"messages": messages}, fields).conversation(), True
    missing = [name for name in (fields.prompt, fields.response) if record.get(name) is None]
    if missing:
        raise RecordError(
            f"has no {' or '.join(map(repr, missing))} field (nor {fields.messages!r}); "
            "name the fields to read with --prompt-field, --response-field or --messages-field"
        )
    data = {"prompt": record[fields.prompt], "response": record[fields.response]}
    return _validate(ScoreItem, data, fields).conversation(), False


def _validate(model: type[Any], data: dict[str, Any], fields: Fields) -> Any:
    """`model` validated from `data`; a ValidationError becomes a RecordError in the record's field names."""
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_dotted(e['loc'], fields)}{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise RecordError("; ".join(problems[:3]) + more) from None
    assert isinstance(result, BaseModel)
    return result


def _dotted(loc: Sequence[int | str], fields: Fields) -> str:
    names = {"prompt": fields.prompt, "response": fields.response, "messages": fields.messages}
    names["responses"] = fields.responses
    out = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith("function-"):
            part = names.get(part, part) if index == 0 else part
            out += f".{part}" if out else part
    return f"{out}: " if out else ""


__all__ = ["Candidates", "Failure", "Fields", "Group", "Item", "Unit", "grouped", "to_candidates", "to_item"]
