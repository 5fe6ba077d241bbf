"""Read rated responses in HelpSteer2's format: one object per line (JSONL) or a parquet table with
`prompt`, `response` and the five integer attributes.

Multi-turn context sits inside `prompt` with HelpSteer2's turn markers:

    first user message
    <extra_id_1>Assistant
    assistant reply
    <extra_id_1>User
    second user message
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.spec import HELPSTEER2_ATTRIBUTES

_TURN_MARKER = re.compile(r"\n?<extra_id_1>(User|Assistant|System)\n")


@dataclass(frozen=True)
class RatedResponse:
    """One rated response: the conversation ending with it, and its labels in attribute order."""

    messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    labels: tuple[float, ...]
    prompt_key: str  # responses sharing it answer the same prompt (pairwise evaluation)

    def conversation(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]


def parse_prompt(prompt: str) -> list[tuple[str, str]]:
    """Split a HelpSteer2 prompt into (role, content) turns; the first turn is the user's."""
    parts = _TURN_MARKER.split(prompt)
    turns = [("user", parts[0])]
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        turns.append((role.lower(), content))
    return turns


def read_records(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, record) pairs from a .jsonl/.json-lines or .parquet file."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ValueError(f"{path}: reading parquet needs pyarrow (pip install pyarrow)") from exc
        for number, record in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield number, record
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc})") from exc
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            yield number, record


def load_rated(path: Path, attributes: Sequence[str] = HELPSTEER2_ATTRIBUTES) -> list[RatedResponse]:
    """Every rated response in a file, validated: a bad record is an error naming its line."""
    out = []
    for number, record in read_records(path):
        where = f"{path}:{number}"
        prompt, response = record.get("prompt"), record.get("response")
        if not isinstance(prompt, str) or not isinstance(response, str) or not response.strip():
            raise ValueError(f"{where}: needs string `prompt` and non-empty `response`")
        labels = []
        for name in attributes:
            value = record.get(name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{where}: `{name}` must be a number on the 0-4 scale, got {value!r}")
            labels.append(float(value))
        turns = parse_prompt(prompt)
        out.append(
            RatedResponse(
                messages=(*turns, ("assistant", response)),
                labels=tuple(labels),
                prompt_key=str(record.get("prompt_id") or prompt),
            )
        )
    if not out:
        raise ValueError(f"{path}: no records")
    return out
