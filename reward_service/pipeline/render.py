"""Scored units to output lines: annotated records, rankings, preference pairs and error lines.

Record layouts (keys added after the record's own; a key the record already has is replaced):

- score, filter: `scores` (per attribute); `uncertainty` (per attribute, the spread over the
  model's ensemble of heads) when the model ships one; `aggregate`; with thresholds `passed`
  and `failed` (`NAME.uncertainty` for a spread over --max-uncertainty); with
  `--truncation left`, `truncated`.
- rank, one record with `responses`: `ranked` (one entry per response, best first: `index`
  into the responses, `scores`, `aggregate`, ...), `chosen` and `rejected` (indices).
- rank --group-field: each record of the group as for score plus `rank` (1 = best), written
  best first.
- pairs (TRL's preference layout): `prompt`, `chosen`, `rejected`, plus `score_chosen` and
  `score_rejected` (the aggregates) and, with --group-field, the group value. Records read
  from `prompt` give strings; records read from `messages` give TRL's conversational layout:
  `prompt` the messages before the response, `chosen`/`rejected` one assistant message each.
- errors: `line` (or `row` for Parquet), `error`, and the `record` (or its raw `text` when it
  was not JSON).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..server.schemas import ItemResult
from ..service import rank_order
from .summary import Report
from .units import Candidates, Conversation, Failure, Group, Item, Unit

Command = Literal["score", "filter", "rank"]
Outcome = ItemResult | str  # a result, or why that conversation could not be scored


@dataclass(frozen=True)
class Layout:
    """What the rendering depends on, from the command and its flags."""

    command: Command
    unit: str = "line"  # "line" or "row": the key error lines name the record by
    thresholds: bool = False
    truncation: bool = False
    responses_field: str = "responses"
    group_field: str | None = None
    pairs: bool = False
    min_gap: float = 0.0


def failures_of(unit: Unit, outcomes: Sequence[Outcome], layout: Layout) -> list[Failure]:
    """The records of `unit` that go to the errors file, in line order."""
    if isinstance(unit, Failure):
        return [unit]
    if isinstance(unit, Item):
        return [_failed(unit, outcomes[0])] if isinstance(outcomes[0], str) else []
    if isinstance(unit, Candidates):
        bad = [f"{layout.responses_field}[{i}]: {o}" for i, o in enumerate(outcomes) if isinstance(o, str)]
        return [Failure(unit.line, "; ".join(bad), unit.record, None, unit.end)] if bad else []
    members = [_failed(m, o) for m, o in zip(unit.members, outcomes, strict=True) if isinstance(o, str)]
    return sorted([*unit.failures, *members], key=lambda f: f.line)


def render(unit: Unit, outcomes: Sequence[Outcome], layout: Layout, report: Report) -> dict[str, list[bytes]]:
    """Lines per output role for one unit, counting what happened in `report`."""
    lines: dict[str, list[bytes]] = defaultdict(list)
    failures = failures_of(unit, outcomes, layout)
    for failed in failures:
        lines["errors"].append(_line(_error(failed, layout.unit)))
        report.counts["failed"] += 1
    if isinstance(unit, Item) and isinstance(result := outcomes[0], ItemResult):
        _observe(report, result)
        role = "output" if layout.command == "score" or result.passed else "rejected"
        lines[role].append(_line(annotate(unit.record, result, layout)))
        _count_item(report.counts, layout, result)
    elif isinstance(unit, Candidates) and not failures:
        _render_candidates(unit, [o for o in outcomes if isinstance(o, ItemResult)], layout, report, lines)
    elif isinstance(unit, Group):
        scored = [(m, o) for m, o in zip(unit.members, outcomes, strict=True) if isinstance(o, ItemResult)]
        _render_group(unit, scored, layout, report, lines)
    return lines


def annotate(record: Mapping[str, Any], result: ItemResult, layout: Layout) -> dict[str, Any]:
    """The record with its scores added."""
    return {**record, **_fields(result, layout)}


def _fields(result: ItemResult, layout: Layout) -> dict[str, Any]:
    out: dict[str, Any] = {"scores": result.scores}
    if result.uncertainty is not None:  # not read back by `_result`: the summary has no use for it
        out["uncertainty"] = result.uncertainty
    out["aggregate"] = result.aggregate
    if layout.thresholds:
        out["passed"] = result.passed
        out["failed"] = result.failed
    if layout.truncation:
        out["truncated"] = result.truncated
    return out


def _render_candidates(
    unit: Candidates, results: list[ItemResult], layout: Layout, report: Report, lines: dict[str, list[bytes]]
) -> None:
    order = rank_order([r.aggregate for r in results])
    ranked = [{"index": i, **_fields(results[i], layout)} for i in order]
    lines["output"].append(_line({**unit.record, "ranked": ranked, "chosen": order[0], "rejected": order[-1]}))
    best, worst = results[order[0]], results[order[-1]]
    if _count_ranking(report, layout, results, best, worst, records=1):
        pair = preference_pair(
            unit.context, unit.responses[order[0]], unit.responses[order[-1]], unit.conversational, best, worst
        )
        lines["pairs"].append(_line(pair))


def _render_group(
    unit: Group,
    scored: list[tuple[Item, ItemResult]],
    layout: Layout,
    report: Report,
    lines: dict[str, list[bytes]],
) -> None:
    if not scored:
        return
    ranked = [scored[position] for position in rank_order([result.aggregate for _, result in scored])]
    for rank, (member, result) in enumerate(ranked, start=1):
        lines["output"].append(_line({**annotate(member.record, result, layout), "rank": rank}))
    (best_item, best), (worst_item, worst) = ranked[0], ranked[-1]
    if _count_ranking(report, layout, [result for _, result in ranked], best, worst, records=len(ranked)):
        pair = preference_pair(
            best_item.conversation[:-1],
            best_item.conversation[-1]["content"],
            worst_item.conversation[-1]["content"],
            best_item.conversational,
            best,
            worst,
        )
        assert layout.group_field is not None
        lines["pairs"].append(_line({**pair, layout.group_field: unit.key}))


def _count_ranking(
    report: Report, layout: Layout, results: Sequence[ItemResult], best: ItemResult, worst: ItemResult, records: int
) -> bool:
    """Count one ranking of `records` records, observing `results` in the order given; True when
    its pair is to be written."""
    for result in results:
        _observe(report, result)
    report.counts["ranked"] += records
    report.counts["groups"] += 1
    return layout.pairs and len(results) >= 2 and _wide_enough(best, worst, layout, report)


def _wide_enough(best: ItemResult, worst: ItemResult, layout: Layout, report: Report) -> bool:
    """A pair is written only when the aggregates differ by more than --min-gap (and at all)."""
    if best.aggregate - worst.aggregate > layout.min_gap:
        report.counts["pairs"] += 1
        return True
    report.counts["below_min_gap"] += 1
    return False


def count_written(report: Report, layout: Layout, written: Callable[[str], Iterable[bytes]]) -> None:
    """Count into `report`, as `render` counted them, the lines earlier runs wrote (`written(role)`).

    Scores are observed in the order `render` observed them, so a resumed run's distributions
    are those of one uninterrupted run; except filter's, read kept first, then rejected (the
    mean may differ in its last bits, and past SAMPLE records the sampled quantiles). Tokens
    are not written: `report.tokens` stays this run's. Raises ValueError for a line `render`
    did not write.
    """
    report.counts["failed"] += sum(1 for _ in written("errors"))
    if layout.command != "rank":
        for role in ("output", "rejected") if layout.command == "filter" else ("output",):
            for value in _read(written, role):
                result = _result(value, layout)
                _observe(report, result)
                _count_item(report.counts, layout, result)
    elif layout.group_field is None:
        for value in _read(written, "output"):
            entries = _object(value).get("ranked")
            if not isinstance(entries, list) or len(entries) < 2:
                raise ValueError("a ranked record without its `ranked` list")
            ranked = [_result(entry, layout, _object(entry).get("index")) for entry in entries]  # best first
            in_order = sorted(ranked, key=lambda result: result.index)
            _count_ranking(report, layout, in_order, ranked[0], ranked[-1], records=1)
    else:
        group: list[ItemResult] = []  # best first: a group's lines start at rank 1
        for value in _read(written, "output"):
            if _object(value).get("rank") == 1 and group:
                _count_ranking(report, layout, group, group[0], group[-1], records=len(group))
                group = []
            group.append(_result(value, layout))
        if group:
            _count_ranking(report, layout, group, group[0], group[-1], records=len(group))


def _read(written: Callable[[str], Iterable[bytes]], role: str) -> Iterator[Any]:
    for line in written(role):
        yield json.loads(line)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _result(value: Any, layout: Layout, index: Any = 0) -> ItemResult:
    """A result back from the fields `_fields` wrote (`passed` and `failed` only with thresholds)."""
    record = _object(value)
    passed, failed = (record.get("passed"), record.get("failed")) if layout.thresholds else (True, [])
    fields = {"scores": record.get("scores"), "aggregate": record.get("aggregate"), "passed": passed, "failed": failed}
    return ItemResult.model_validate({"index": index, **fields, "tokens": 0})


def preference_pair(
    context: Conversation, chosen: str, rejected: str, conversational: bool, best: ItemResult, worst: ItemResult
) -> dict[str, Any]:
    """A chosen/rejected pair in the layout TRL's preference trainers read."""
    pair: dict[str, Any]
    if conversational:
        pair = {
            "prompt": list(context),
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
        }
    else:
        pair = {"prompt": context[-1]["content"], "chosen": chosen, "rejected": rejected}
    return {**pair, "score_chosen": best.aggregate, "score_rejected": worst.aggregate}


def _count_item(counts: Counter[str], layout: Layout, result: ItemResult) -> None:
    if layout.command == "filter":
        counts["kept" if result.passed else "rejected"] += 1
        return
    counts["scored"] += 1
    if layout.thresholds:
        counts["passed" if result.passed else "rejected"] += 1


def _observe(report: Report, result: ItemResult) -> None:
    report.observe(result.scores, result.aggregate, result.tokens)


def _failed(item: Item, outcome: Outcome) -> Failure:
    return Failure(item.line, str(outcome), item.record, None, item.end)


def _error(failure: Failure, unit: str) -> dict[str, Any]:
    error: dict[str, Any] = {unit: failure.line, "error": failure.message}
    if failure.text is not None:
        error["text"] = failure.text
    else:
        error["record"] = failure.record
    return error


def _line(value: Any) -> bytes:
    """One JSONL line: UTF-8 as is, or \\u-escaped when the text holds lone surrogates."""
    try:
        return (json.dumps(value, ensure_ascii=False, default=_jsonable) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(value, default=_jsonable) + "\n").encode("ascii")


def _jsonable(value: Any) -> Any:
    """Parquet values JSON lacks: dates and times as ISO 8601, anything else as its text."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
