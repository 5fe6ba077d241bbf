"""`reward-service score | filter | rank` end to end, on a tiny real checkpoint.

Expected scores come from transformers itself (the conftest `reference`, one unpadded
conversation per forward) and the published weights written out here; expected partitions,
rankings and pairs are computed from those, never read back from the service.

Byte-for-byte comparisons between runs (resume, remote vs in-process) score each item in a
batch of its own (`--max-batch-size 1`): the engine's batches depend on timing, and a row's
float32 result can move in its last bits with the rows it shares a forward pass with, which
no output format can hide. With one row per batch every run computes exactly the same numbers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import torch
import uvicorn
from checkpoints import CORPUS, Reference

from reward_service.cli import main
from reward_service.config import Settings
from reward_service.engine import BatchPlan
from reward_service.model.loading import RewardModel
from reward_service.pipeline import Fields, PipelineError, RunOptions, ScoringOptions, run_pipeline
from reward_service.pipeline.local import local_backend
from reward_service.pipeline.outputs import Outputs, State, progress_path
from reward_service.pipeline.records import Position, RawRecord
from reward_service.pipeline.summary import Distribution
from reward_service.pipeline.units import Failure, Group, grouped, to_item
from reward_service.server.app import create_app
from reward_service.server.schemas import ItemResult

ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
PUBLISHED_WEIGHTS = {"helpfulness": 0.3, "correctness": 0.74, "coherence": 0.46, "complexity": 0.47, "verbosity": -0.33}
ATOL = 1e-4
SYSTEM = "You are a helpful, honest and harmless assistant."
ONE_PER_BATCH = ("--max-batch-size", "1")
Row = tuple[int, ...]


# --- fixtures and helpers --------------------------------------------------------------------


def records(n: int) -> list[dict[str, Any]]:
    """`n` distinct records from the fixture corpus; every fourth is in the messages layout."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        prompt, response = CORPUS[i % len(CORPUS)], CORPUS[(7 * i + 3) % len(CORPUS)]
        if i % 4 == 3:
            messages = [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": response},
            ]
            out.append({"id": i, "messages": messages})
        else:
            out.append({"id": i, "prompt": prompt, "response": response, "meta": {"n": i}})
    return out


def conversation_of(record: dict[str, Any]) -> list[dict[str, str]]:
    if "messages" in record:
        return record["messages"]
    return [{"role": "user", "content": record["prompt"]}, {"role": "assistant", "content": record["response"]}]


def ref_scores(ref: Reference, conversation: list[dict[str, str]]) -> dict[str, float]:
    return dict(zip(ATTRIBUTES, ref.logits(ref.ids(conversation)).tolist(), strict=True))


def weighted(scores: dict[str, float], weights: dict[str, float] = PUBLISHED_WEIGHTS) -> float:
    return sum(weights.get(name, 0.0) * scores[name] for name in ATTRIBUTES)


def ref_values(ref: Reference, record: dict[str, Any]) -> dict[str, float]:
    scores = ref_scores(ref, conversation_of(record))
    return {**scores, "aggregate": weighted(scores)}


def write_lines(path: Path, lines: Sequence[str | dict[str, Any]]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Run `reward-service ARGS` in this process; its exit status and what it printed to stderr."""
    capsys.readouterr()
    status = main([str(arg) for arg in args])
    return status, capsys.readouterr().err


def summary_count(err: str, label: str) -> int:
    """A count from the summary's `  LABEL   N -> FILE` lines."""
    [count] = [int(m.group(1)) for m in re.finditer(rf"^  {label} +(\d+)", err, flags=re.MULTILINE)]
    return count


def split_point(values: Sequence[float], fraction: float) -> float:
    """A threshold between two of `values`, about `fraction` of them below it, far from every value."""
    ordered = sorted(values)
    gaps = [(abs(i - fraction * len(ordered)), i) for i in range(1, len(ordered)) if ordered[i] - ordered[i - 1] > 1e-3]
    _, i = min(gaps)
    return (ordered[i - 1] + ordered[i]) / 2


class RecordingScorer:
    """Wraps the real scorer: records every row it scores, and fails every batch after `fail_after` rows."""

    def __init__(self, inner: Any, fail_after: int | None = None) -> None:
        self.inner = inner
        self.fail_after = fail_after
        self.rows: list[Row] = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # the model, pad id and pooling the engine asks about

    def score(self, plan: BatchPlan, padding_side: str = "right") -> torch.Tensor:
        self._record([row.ids for row in plan.rows])
        return self.inner.score(plan, padding_side=padding_side)

    def _record(self, rows: Sequence[Sequence[int]]) -> None:
        with self._lock:
            if self.fail_after is not None and len(self.rows) + len(rows) > self.fail_after:
                raise RuntimeError("simulated crash")
            self.rows.extend(tuple(int(t) for t in row) for row in rows)


def run_in_process(options: RunOptions, model: RewardModel, scorer: RecordingScorer) -> None:
    """The pipeline on `model` with its scorer replaced by `scorer`, one row per batch."""
    wrapped = dataclasses.replace(model, scorer=scorer)  # type: ignore[arg-type]

    async def go() -> None:
        settings = Settings(model=None, max_batch_size=1)
        async with local_backend(settings, window_items=64, model=wrapped) as backend:
            await run_pipeline(options, backend)

    asyncio.run(go())


# --- score -----------------------------------------------------------------------------------


def test_score_adds_transformers_scores_to_each_record(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every record comes back in input order with its own fields first and `scores` and
    `aggregate` added, equal to transformers' scores; no verdict keys without thresholds."""
    data = records(10)
    source = write_lines(tmp_path / "in.jsonl", data)
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "score", source, "-o", out, "--model", model_dir, "--chunk-size", "3")
    assert status == 0, err
    written = read_jsonl(out)
    assert [r["id"] for r in written] == [r["id"] for r in data]
    for record, result in zip(data, written, strict=True):
        expected = ref_values(ref, record)
        assert list(result) == [*record, "scores", "aggregate"]
        assert {k: result[k] for k in record} == record
        assert list(result["scores"]) == ATTRIBUTES
        assert result["scores"] == pytest.approx({k: expected[k] for k in ATTRIBUTES}, abs=ATOL)
        assert result["aggregate"] == pytest.approx(expected["aggregate"], abs=5 * ATOL)
    assert summary_count(err, "scored") == 10
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()  # no errors, no errors file


def test_field_names_and_weights_are_configurable(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    data = records(4)
    renamed = [
        {"conv": r["messages"]} if "messages" in r else {"question": r["prompt"], "answer": r["response"]} for r in data
    ]
    source = write_lines(tmp_path / "in.jsonl", renamed)
    out = tmp_path / "out.jsonl"
    flags = ["--prompt-field", "question", "--response-field", "answer", "--messages-field", "conv"]
    status, err = cli(
        capsys, "score", source, "-o", out, "--model", model_dir, *flags, "--weights", '{"helpfulness": 1}'
    )
    assert status == 0, err
    for record, result in zip(data, read_jsonl(out), strict=True):
        assert result["aggregate"] == pytest.approx(ref_values(ref, record)["helpfulness"], abs=ATOL)


def test_malformed_lines_go_to_the_errors_file_with_their_line_numbers(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = records(3)
    lines: list[str | dict[str, Any]] = [
        good[0],
        "{not json",
        "",  # blank lines are not records, but they count as lines
        {"id": "empty", "prompt": "Hi", "response": "  "},
        good[1],
        '["a", "list"]',
        {"id": "no-response", "prompt": "Hi"},
        {"id": "ends-with-user", "messages": [{"role": "user", "content": "Hi"}]},
        {"id": "bad-role", "messages": [{"role": "robot", "content": "Hi"}, {"role": "assistant", "content": "x"}]},
        good[2],
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "score", source, "-o", out, "--model", model_dir)
    assert status == 0, err
    assert [r["id"] for r in read_jsonl(out)] == [g["id"] for g in good]
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [2, 4, 6, 7, 8, 9]
    assert errors[0]["text"] == "{not json" and errors[0]["error"].startswith("invalid JSON")
    assert errors[1]["record"]["id"] == "empty" and "response: must be a non-empty string" in errors[1]["error"]
    assert "expected a JSON object" in errors[2]["error"]
    assert "'response'" in errors[3]["error"] and "--response-field" in errors[3]["error"]
    assert "must end with an assistant turn" in errors[4]["error"]
    assert errors[5]["error"].startswith("messages[0].role:")
    assert summary_count(err, "failed") == 6


def test_too_long_items_are_errors_unless_truncated(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    long_record = {"id": "long", "prompt": "Tell me everything.", "response": " ".join(CORPUS * 3)}
    assert len(ref.ids(conversation_of(long_record))) > 512  # the tiny models' position limit
    source = write_lines(tmp_path / "in.jsonl", [*records(2), long_record])
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "score", source, "-o", out, "--model", model_dir)
    assert status == 0, err
    [error] = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert (
        error["line"] == 3
        and error["error"].startswith("the conversation is ")
        and "--truncation left" in error["error"]
    )
    status, err = cli(capsys, "score", source, "-o", out, "--model", model_dir, "--truncation", "left", "--overwrite")
    assert status == 0, err
    assert [r["truncated"] for r in read_jsonl(out)] == [False, False, True]


def test_stop_on_error_names_the_line_and_resume_continues_after_the_fix(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = records(8)
    lines: list[str | dict[str, Any]] = [*data[:5], "oops", *data[5:]]
    source = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    args = ("score", source, "-o", out, "--model", model_dir, "--on-error", "stop", "--chunk-size", "2", *ONE_PER_BATCH)
    status, err = cli(capsys, *args)
    assert status == 1
    assert "line 6: invalid JSON" in err and "--resume" in err
    assert [r["id"] for r in read_jsonl(out)] == [r["id"] for r in data[:5]]
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()

    fixed = {"id": "fixed", "prompt": "Hi", "response": "Hello! How can I help you today?"}
    write_lines(source, [*data[:5], fixed, *data[5:]])
    status, err = cli(capsys, *args, "--resume")
    assert status == 0, err
    clean = tmp_path / "clean.jsonl"
    assert cli(capsys, "score", source, "-o", clean, "--model", model_dir, *ONE_PER_BATCH)[0] == 0
    assert out.read_bytes() == clean.read_bytes()


# --- filter ----------------------------------------------------------------------------------


def test_filter_partitions_every_record_exactly(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """kept + rejected + failed = input, each record in exactly one file, in input order, with the
    API's semantics: a value below `min` or above `max` fails, and `failed` lists the unmet names
    in threshold order (the --min names, then the --max names)."""
    data = records(24)
    malformed = ["{", {"id": "blank", "prompt": "Hi", "response": ""}]
    source = write_lines(tmp_path / "in.jsonl", [*data[:10], malformed[0], *data[10:], malformed[1]])
    values = [ref_values(ref, r) for r in data]
    bounds = {
        "helpfulness": (split_point([v["helpfulness"] for v in values], 0.3), None),
        "aggregate": (split_point([v["aggregate"] for v in values], 0.2), None),
        "verbosity": (None, split_point([v["verbosity"] for v in values], 0.8)),
    }
    expected_failed = [
        [
            name
            for name, (low, high) in bounds.items()
            if (low is not None and v[name] < low) or (high is not None and v[name] > high)
        ]
        for v in values
    ]
    assert any(expected_failed) and not all(expected_failed)
    kept, rejected = tmp_path / "kept.jsonl", tmp_path / "rejected.jsonl"
    status, err = cli(
        capsys, "filter", source, "-o", kept, "--rejected", rejected, "--model", model_dir,
        "--min", f"helpfulness={bounds['helpfulness'][0]}", "--max", f"verbosity={bounds['verbosity'][1]}",
        "--min", f"aggregate={bounds['aggregate'][0]}", "--chunk-size", "5",
    )  # fmt: skip
    assert status == 0, err
    kept_rows, rejected_rows = read_jsonl(kept), read_jsonl(rejected)
    errors = read_jsonl(tmp_path / "kept.jsonl.errors.jsonl")
    assert [r["id"] for r in kept_rows] == [r["id"] for r, f in zip(data, expected_failed, strict=True) if not f]
    assert [r["id"] for r in rejected_rows] == [r["id"] for r, f in zip(data, expected_failed, strict=True) if f]
    assert [e["line"] for e in errors] == [11, 26]
    assert len(kept_rows) + len(rejected_rows) + len(errors) == len(data) + len(malformed)
    by_id = dict(zip([r["id"] for r in data], expected_failed, strict=True))
    for row in kept_rows + rejected_rows:
        assert row["failed"] == by_id[row["id"]]
        assert row["passed"] is (not by_id[row["id"]])
    assert (summary_count(err, "kept"), summary_count(err, "rejected")) == (len(kept_rows), len(rejected_rows))
    assert summary_count(err, "failed") == 2


def test_filter_needs_a_threshold_and_checks_names_before_writing(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", records(2))
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "filter", source, "-o", out, "--model", model_dir)
    assert status == 2 and "at least one threshold" in err
    status, err = cli(capsys, "filter", source, "-o", out, "--model", model_dir, "--min", "kindness=1")
    assert status == 2 and "kindness" in err and "helpfulness" in err
    status, err = cli(
        capsys, "filter", source, "-o", out, "--model", model_dir, "--min", "coherence=3", "--max", "coherence=1"
    )
    assert status == 2 and "greater than max" in err
    assert not out.exists()


# --- resume ----------------------------------------------------------------------------------


def test_resume_after_a_crash_is_byte_identical_and_scores_nothing_twice(
    tmp_path: Path, model_dir: Path, model: RewardModel, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that dies midway (the model fails after 10 rows), whose last line was then half
    written, resumed: kept, rejected and errors files are byte for byte those of a run that never
    stopped, and the resumed run scores exactly the records that were not yet written."""
    data = records(30)
    lines: list[str | dict[str, Any]] = [*data[:3], "{broken", *data[3:20], '"not an object"', *data[20:]]
    source = write_lines(tmp_path / "in.jsonl", lines)
    threshold = split_point([ref_values(ref, r)["aggregate"] for r in data], 0.5)

    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    status, err = cli(
        capsys, "filter", source, "-o", reference_dir / "kept.jsonl", "--rejected", reference_dir / "rejected.jsonl",
        "--errors", reference_dir / "errors.jsonl", "--min", f"aggregate={threshold}", "--model", model_dir,
        *ONE_PER_BATCH,
    )  # fmt: skip
    assert status == 0, err

    kept, rejected, errors = tmp_path / "kept.jsonl", tmp_path / "rejected.jsonl", tmp_path / "errors.jsonl"
    options = RunOptions(
        command="filter",
        input=source,
        output=kept,
        rejected=rejected,
        errors=errors,
        scoring=ScoringOptions(thresholds={"aggregate": (threshold, None)}),
        chunk_size=4,
        concurrency=2,
    )
    crashing = RecordingScorer(model.scorer, fail_after=10)
    with pytest.raises(PipelineError, match=r"scoring failed: .*RuntimeError"):
        run_in_process(options, model, crashing)
    written = read_jsonl(kept) + read_jsonl(rejected)
    assert 0 < len(written) < len(data)
    with kept.open("ab") as file:  # killed in the middle of writing a line
        file.write(b'{"id": 99, "prom')

    resumed = RecordingScorer(model.scorer)
    run_in_process(dataclasses.replace(options, resume=True), model, resumed)

    for name in ("kept.jsonl", "rejected.jsonl", "errors.jsonl"):
        assert (tmp_path / name).read_bytes() == (reference_dir / name).read_bytes(), name
    done_ids = {r["id"] for r in written}
    expected_rows = {tuple(ref.ids(conversation_of(r))) for r in data if r["id"] not in done_ids}
    assert len(resumed.rows) == len(data) - len(written)
    assert set(resumed.rows) == expected_rows


def test_resume_after_a_prefix_continues_with_the_rest(
    tmp_path: Path, model: RewardModel, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run over the first 7 lines, then the whole file with --resume: the same bytes as one run,
    and only the 13 new records scored."""
    data = records(20)
    source = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    options = RunOptions(command="score", input=source, output=out, chunk_size=3)
    write_lines(source, data[:7])
    first = RecordingScorer(model.scorer)
    run_in_process(options, model, first)
    write_lines(source, data)
    second = RecordingScorer(model.scorer)
    run_in_process(dataclasses.replace(options, resume=True), model, second)
    assert (len(first.rows), len(second.rows)) == (7, 13)
    clean = tmp_path / "clean.jsonl"
    assert cli(capsys, "score", source, "-o", clean, "--model", model_dir, *ONE_PER_BATCH)[0] == 0
    assert out.read_bytes() == clean.read_bytes()


def test_resume_cuts_back_to_the_last_state_complete_on_disk(tmp_path: Path) -> None:
    """The write-ahead progress file: killed after recording a chunk but before (all of) its
    lines were written, a resume keeps the chunk only if every file holds it completely."""
    paths = {"output": tmp_path / "out.jsonl", "errors": tmp_path / "err.jsonl"}
    fingerprint = {"command": "score"}
    p1, p2 = Position(2, 2, 20, 10, "a"), Position(4, 5, 40, 30, "b")
    outputs = Outputs.start(paths, fingerprint, overwrite=False)
    outputs.commit({"output": b'{"a": 1}\n{"a": 2}\n'}, p1)
    after_first = outputs.state
    outputs.commit({"output": b'{"a": 3}\n', "errors": b'{"line": 5}\n'}, p2)
    after_second = outputs.state
    outputs.close()
    journal_path = progress_path(paths["output"])

    def killed_between(done: State, following: State) -> None:
        journal = json.loads(journal_path.read_text())
        journal["done"], journal["next"] = done.to_json(), following.to_json()
        journal_path.write_text(json.dumps(journal))

    killed_between(after_first, after_second)  # both files complete: the chunk counts
    assert Outputs.resume(paths, fingerprint).state == after_second
    killed_between(after_first, after_second)
    with paths["errors"].open("r+b") as file:  # the errors line was only half written
        file.truncate(5)
    resumed = Outputs.resume(paths, fingerprint)
    resumed.close()
    assert resumed.state == after_first
    assert paths["output"].read_bytes() == b'{"a": 1}\n{"a": 2}\n' and not paths["errors"].exists()


def test_refusals_name_the_problem(tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_lines(tmp_path / "in.jsonl", records(3))
    out = tmp_path / "out.jsonl"
    base = ("filter", source, "-o", out, "--model", model_dir)
    assert cli(capsys, *base, "--min", "helpfulness=0")[0] == 0
    status, err = cli(capsys, *base, "--min", "helpfulness=0")
    assert status == 2 and "--resume" in err and "--overwrite" in err
    status, err = cli(capsys, *base, "--min", "helpfulness=1", "--resume")
    assert status == 2 and "thresholds: was" in err
    progress_path(out).unlink()
    status, err = cli(capsys, *base, "--min", "helpfulness=0", "--resume")
    assert status == 2 and "does not exist" in err
    status, err = cli(capsys, "score", source, "-o", source, "--model", model_dir)
    assert status == 2 and "both the input and an output" in err
    status, err = cli(capsys, "score", tmp_path / "missing.jsonl", "-o", tmp_path / "o.jsonl", "--model", model_dir)
    assert status == 2 and "missing.jsonl" in err and not (tmp_path / "o.jsonl").exists()
    status, err = cli(capsys, "score", source, "-o", tmp_path / "o.jsonl", "--url", "http://x", "--model", model_dir)
    assert status == 2 and "--model" in err


# --- rank ------------------------------------------------------------------------------------


def expected_order(aggregates: Sequence[float]) -> list[int]:
    order = sorted(range(len(aggregates)), key=lambda i: -aggregates[i])
    assert all(aggregates[a] - aggregates[b] > 10 * ATOL for a, b in itertools.pairwise(order)), aggregates
    return order


def test_rank_orders_responses_and_writes_pairs_over_the_gap(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records with a `responses` list: `ranked` best first with input indices, chosen = best,
    rejected = worst, computed from transformers' scores; pairs in TRL's layouts (strings for a
    prompt, message lists for messages), only where best - worst exceeds --min-gap."""
    context_a = [{"role": "user", "content": "What is 2 + 2?"}]
    context_b = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "How many days are in a leap year?"},
    ]
    answers_a = ["4", "2 + 2 = 4.", "It is 4, of course!", "The answer is 42, according to the book."]
    answers_b = ["There are 366 days.", "365 days, of course!", "Hello! How can I help you today?"]
    rows = [
        {"id": "a", "prompt": context_a[0]["content"], "responses": answers_a},
        {"id": "b", "messages": context_b, "responses": answers_b},
        {"id": "tie", "prompt": "Hi", "responses": ["Ok.", "Ok."]},
    ]
    aggregates = [
        [weighted(ref_scores(ref, [*context, {"role": "assistant", "content": r}])) for r in answers]
        for context, answers in ((context_a, answers_a), (context_b, answers_b))
    ]
    orders = [expected_order(a) for a in aggregates]
    spreads = [a[o[0]] - a[o[-1]] for a, o in zip(aggregates, orders, strict=True)]
    assert abs(spreads[0] - spreads[1]) > 1e-3
    source = write_lines(tmp_path / "in.jsonl", rows)
    out, pairs = tmp_path / "ranked.jsonl", tmp_path / "pairs.jsonl"

    status, err = cli(capsys, "rank", source, "-o", out, "--pairs", pairs, "--model", model_dir)
    assert status == 0, err
    ranked = read_jsonl(out)
    for row, order, aggregate in zip(ranked, orders, aggregates, strict=False):
        assert [r["index"] for r in row["ranked"]] == order
        assert [r["aggregate"] for r in row["ranked"]] == pytest.approx([aggregate[i] for i in order], abs=5 * ATOL)
        assert (row["chosen"], row["rejected"]) == (order[0], order[-1])
    assert ranked[2]["chosen"] == 0 and ranked[2]["rejected"] == 1  # a tie keeps input order
    pair_a, pair_b = read_jsonl(pairs)  # the tie has no pair: a gap of 0 is not over 0
    assert pair_a["prompt"] == "What is 2 + 2?"
    assert (pair_a["chosen"], pair_a["rejected"]) == (answers_a[orders[0][0]], answers_a[orders[0][-1]])
    assert pair_a["score_chosen"] - pair_a["score_rejected"] == pytest.approx(spreads[0], abs=5 * ATOL)
    assert pair_b["prompt"] == context_b
    assert pair_b["chosen"] == [{"role": "assistant", "content": answers_b[orders[1][0]]}]
    assert pair_b["rejected"] == [{"role": "assistant", "content": answers_b[orders[1][-1]]}]
    assert summary_count(err, "below min gap") == 1

    gap = (spreads[0] + spreads[1]) / 2
    status, err = cli(
        capsys, "rank", source, "-o", out, "--pairs", pairs, "--model", model_dir, "--min-gap", str(gap), "--overwrite"
    )
    assert status == 0, err
    [only] = read_jsonl(pairs)
    wider = int(spreads[1] > spreads[0])
    assert only["chosen"] == (pair_a, pair_b)[wider]["chosen"]


def test_rank_groups_consecutive_records_by_field(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """--group-field: each group's records written best first with `rank`; a malformed line inside
    a group goes to the errors file without splitting it; a record with another prompt is refused;
    a group of one is ranked but has no pair."""
    question = "Why is the sky blue?"
    answers = ["Because air scatters blue light more than red light.", "Write a short poem about the sea.", "Blue."]
    group_a = [{"prompt_id": 1, "prompt": question, "response": a, "model": f"m{i}"} for i, a in enumerate(answers)]
    context = [{"role": "user", "content": "Translate 'good morning' into French."}]
    group_b = [
        {"prompt_id": 2, "messages": [*context, {"role": "assistant", "content": a}]} for a in ("'bonjour'", "Hello!")
    ]
    lines: list[str | dict[str, Any]] = [
        group_a[0],
        "{bad",
        group_a[1],
        {"prompt_id": 1, "prompt": "Another question?", "response": "x"},
        group_a[2],
        *group_b,
        {"prompt_id": 3, "prompt": "Hi", "response": "Hello!"},
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    out, pairs = tmp_path / "ranked.jsonl", tmp_path / "pairs.jsonl"
    status, err = cli(
        capsys, "rank", source, "-o", out, "--pairs", pairs, "--group-field", "prompt_id", "--model", model_dir
    )
    assert status == 0, err

    order_a = expected_order([ref_values(ref, r)["aggregate"] for r in group_a])
    order_b = expected_order([ref_values(ref, r)["aggregate"] for r in group_b])
    ranked = read_jsonl(out)
    expected = [group_a[i] for i in order_a] + [group_b[i] for i in order_b] + [lines[-1]]
    assert [{k: r[k] for k in e} for r, e in zip(ranked, expected, strict=True)] == expected
    assert [r["rank"] for r in ranked] == [1, 2, 3, 1, 2, 1]
    errors = read_jsonl(tmp_path / "ranked.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [2, 4]
    assert "prompt differs from line 1" in errors[1]["error"]
    pair_a, pair_b = read_jsonl(pairs)
    assert pair_a == {
        "prompt": question,
        "chosen": answers[order_a[0]],
        "rejected": answers[order_a[-1]],
        "score_chosen": pytest.approx(ref_values(ref, group_a[order_a[0]])["aggregate"], abs=5 * ATOL),
        "score_rejected": pytest.approx(ref_values(ref, group_a[order_a[-1]])["aggregate"], abs=5 * ATOL),
        "prompt_id": 1,
    }
    assert pair_b["prompt"] == context and pair_b["prompt_id"] == 2
    assert pair_b["chosen"] == [group_b[order_b[0]]["messages"][-1]]


def test_groups_are_bounded_and_not_split_by_bad_records() -> None:
    """Bad records inside a group stay with it; a group over the limit (failures included) is
    reported record by record; units come out in line order."""
    fields = Fields(group="g")

    def raw(line: int, value: Any = None, error: str | None = None) -> RawRecord:
        return RawRecord(line, value, error, "x" if error else None, Position(line, line, line, line - 1, ""))

    def rec(group: int, response: str) -> dict[str, Any]:
        return {"g": group, "prompt": "p", "response": response}

    ungrouped = {"prompt": "p", "response": "b"}
    stream = [
        raw(1, rec(1, "a")), raw(2, error="invalid JSON"), raw(3, ungrouped), raw(4, rec(1, "c")),
        raw(5, rec(2, "a")), raw(6, rec(2, "b")), raw(7, rec(2, "c")), raw(8, rec(2, "d")), raw(9, rec(2, "e")),
        raw(10, rec(3, "a")), raw(11, error="bad"), raw(12, error="bad"), raw(13, error="bad"), raw(14, error="bad"),
        raw(15, rec(4, "a")),
    ]  # fmt: skip
    units = list(grouped((to_item(r, fields) for r in stream), fields, max_members=4))
    shapes = [
        ("group", [m.line for m in u.members], [f.line for f in u.failures]) if isinstance(u, Group) else u.line
        for u in units
    ]
    assert shapes == [("group", [1, 4], [2, 3]), 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, ("group", [15], [])]
    too_many = [u.line for u in units if isinstance(u, Failure) and "more than 4 records" in u.message]
    assert too_many == [5, 6, 7, 8, 9, 10]
    assert [u.end.records for u in units] == sorted(u.end.records for u in units)


def test_the_examples_folder_runs(tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's example inputs are well formed for their commands."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    for args in (
        ("score", examples / "responses.jsonl"),
        ("filter", examples / "responses.jsonl", "--min", "helpfulness=3", "--max", "verbosity=2"),
        ("rank", examples / "candidates.jsonl", "--pairs", tmp_path / "pairs.jsonl"),
        ("rank", examples / "grouped.jsonl", "--group-field", "prompt_id", "--pairs", tmp_path / "pairs.jsonl"),
    ):
        status, err = cli(capsys, *args, "-o", tmp_path / "out.jsonl", "--model", model_dir, "--overwrite")
        assert status == 0, err
        assert not (tmp_path / "out.jsonl.errors.jsonl").exists(), (args, err)


def test_rank_reports_records_without_responses(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"prompt": "Hi", "responses": ["Ok.", "Hello!"]},
        {"prompt": "Hi", "response": "Ok."},
        {"prompt": "Hi", "responses": ["Ok.", "   "]},
        {
            "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}],
            "responses": ["a", "b"],
        },
    ]
    source = write_lines(tmp_path / "in.jsonl", rows)
    out = tmp_path / "ranked.jsonl"
    status, err = cli(capsys, "rank", source, "-o", out, "--model", model_dir)
    assert status == 0, err
    assert len(read_jsonl(out)) == 1
    errors = read_jsonl(tmp_path / "ranked.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [2, 3, 4]
    assert "'responses'" in errors[0]["error"] and "--group-field" in errors[0]["error"]
    assert errors[1]["error"].startswith("responses[1]: must be a non-empty string")
    assert errors[2]["error"].startswith("messages: must end with the user turn")


# --- remote vs in-process ----------------------------------------------------------------------


@contextmanager
def uvicorn_server(model: RewardModel, seen_headers: list[dict[str, str]], **settings: Any) -> Iterator[str]:
    """The real app under uvicorn on a free local port, in a thread; yields its URL once ready."""
    app = create_app(Settings(model=None, **settings), model)

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen_headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await app(scope, receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(recording, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not (server.started and httpx.get(f"{url}/ready").status_code == 200):
            assert time.monotonic() < deadline and thread.is_alive(), "the server did not become ready"
            time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def test_remote_and_in_process_runs_write_identical_files(
    tmp_path: Path,
    model: RewardModel,
    model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """filter and rank through --url (a real uvicorn server, 5 items per request so the client
    splits every chunk) and in this process: the same bytes in every output; the API key from
    the environment reaches the server as a bearer token."""
    data = records(17)
    filter_source = write_lines(tmp_path / "filter.jsonl", [*data[:8], "{oops", *data[8:]])
    rank_rows = [{"prompt": CORPUS[i], "responses": [CORPUS[i + 1], CORPUS[i + 2], CORPUS[i + 3]]} for i in range(6)]
    rank_source = write_lines(
        tmp_path / "rank.jsonl", [*rank_rows[:3], {"prompt": "x", "responses": ["a", ""]}, *rank_rows[3:]]
    )
    flags = {
        "filter": (
            "--min",
            "helpfulness=0",
            "--max",
            "verbosity=0.5",
            "--weights",
            '{"correctness": 1, "coherence": 0.5}',
        ),
        "rank": ("--pairs", "DIR/pairs.jsonl"),
    }
    monkeypatch.setenv("REWARD_SERVICE_API_KEY", "secret")
    headers: list[dict[str, str]] = []
    with uvicorn_server(model, headers, max_batch_size=1, max_items_per_request=5, queue_depth=64) as url:
        for mode, scores_from in (("remote", ("--url", url)), ("local", ("--model", model_dir, *ONE_PER_BATCH))):
            folder = tmp_path / mode
            folder.mkdir()
            for command, source in (("filter", filter_source), ("rank", rank_source)):
                extra = [flag.replace("DIR", str(folder)) for flag in flags[command]]
                out = folder / f"{command}.jsonl"
                status, err = cli(capsys, command, source, "-o", out, *scores_from, "--chunk-size", "8", *extra)
                assert status == 0, err
    remote_files = sorted(p.name for p in (tmp_path / "remote").iterdir() if not p.name.endswith(".progress.json"))
    local_files = sorted(p.name for p in (tmp_path / "local").iterdir() if not p.name.endswith(".progress.json"))
    assert remote_files == local_files
    assert {"filter.jsonl", "filter.jsonl.rejected.jsonl", "filter.jsonl.errors.jsonl", "pairs.jsonl"} <= set(
        local_files
    )
    for name in local_files:
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    scoring = [h for h in headers if h.get("content-type") == "application/json"]
    assert scoring and all(h["authorization"] == "Bearer secret" for h in scoring)


# --- streaming, summary, progress, inputs --------------------------------------------------


class FakeBackend:
    """A model-free backend that finishes later calls first, and measures what is in flight."""

    model = "fake"
    precision = "float32"
    attributes = ("reward",)
    max_items = 1024
    call_items = 1024
    source = "fake"

    def __init__(self) -> None:
        self.calls_in_flight = 0
        self.items_in_flight = 0
        self.most_calls = 0
        self.most_items = 0
        self.calls = 0

    def check(self, options: ScoringOptions) -> None:
        pass

    async def score(self, conversations: Sequence[Any], options: ScoringOptions) -> list[ItemResult]:
        self.calls += 1
        self.calls_in_flight += 1
        self.items_in_flight += len(conversations)
        self.most_calls = max(self.most_calls, self.calls_in_flight)
        self.most_items = max(self.most_items, self.items_in_flight)
        for _ in range(20 - self.calls % 7):  # uneven durations: chunks finish out of order
            await asyncio.sleep(0)
        self.calls_in_flight -= 1
        self.items_in_flight -= len(conversations)
        return [
            ItemResult(index=i, scores={"reward": float(len(c[-1]["content"]))}, aggregate=float(len(c[-1]["content"])),
                       passed=True, failed=[], tokens=1)
            for i, c in enumerate(conversations)
        ]  # fmt: skip


def test_memory_is_bounded_and_order_kept(tmp_path: Path) -> None:
    """3000 records, chunks of 16, 3 in flight: never more than 3 chunks (48 items) being scored,
    and the output in input order though chunks finish out of order."""
    data = [{"i": i, "prompt": "p", "response": "x" * (1 + i % 13)} for i in range(3000)]
    source = write_lines(tmp_path / "in.jsonl", data)
    out = tmp_path / "out.jsonl"
    backend = FakeBackend()
    options = RunOptions(command="score", input=source, output=out, chunk_size=16, concurrency=3)
    report = asyncio.run(run_pipeline(options, backend))
    assert backend.most_calls == 3 and backend.most_items <= 3 * 16
    assert [r["i"] for r in read_jsonl(out)] == list(range(3000))
    assert report.counts["scored"] == 3000


def test_summary_statistics_match_numpy(
    tmp_path: Path, model_dir: Path, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    data = records(9)
    source = write_lines(tmp_path / "in.jsonl", data)
    status, err = cli(capsys, "score", source, "-o", tmp_path / "out.jsonl", "--model", model_dir)
    assert status == 0, err
    values = [ref_values(ref, r) for r in data]
    for name in [*ATTRIBUTES, "aggregate"]:
        column = np.array([v[name] for v in values])
        expected = [column.mean(), column.min(), *np.percentile(column, [10, 50, 90]), column.max()]
        [line] = [line for line in err.splitlines() if line.split()[:1] == [name]]
        assert [float(x) for x in line.split()[1:]] == pytest.approx(expected, abs=2e-3), name


def test_distribution_is_bounded_and_exact_where_it_can_be() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=500), rng.normal(size=20_000)
    exact = Distribution(sample=1000)
    for value in small:
        exact.add(float(value))
    assert [exact.quantile(q) for q in (0.1, 0.5, 0.9)] == pytest.approx(np.percentile(small, [10, 50, 90]))
    sampled = Distribution(sample=1000)
    for value in large:
        sampled.add(float(value))
    assert len(sampled._sample) == 1000
    assert (sampled.low, sampled.high) == (large.min(), large.max())
    assert sampled.mean == pytest.approx(large.mean())
    assert sampled.quantile(0.5) == pytest.approx(np.median(large), abs=0.15)


def test_progress_bar_only_when_asked_or_on_a_terminal(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", records(3))
    status, quiet = cli(capsys, "score", source, "-o", tmp_path / "a.jsonl", "--model", model_dir)
    assert status == 0 and "rec/s" not in quiet  # (transformers' own loading bar may be there)
    status, shown = cli(capsys, "score", source, "-o", tmp_path / "b.jsonl", "--model", model_dir, "--progress")
    assert status == 0 and "rec/s" in shown and "tokens/s]" in shown


def test_parquet_input_gives_the_jsonl_output(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = [{"id": r["id"], "prompt": CORPUS[r["id"]], "response": CORPUS[r["id"] + 1]} for r in records(6)]
    data[3]["response"] = None
    pq.write_table(pa.Table.from_pylist(data), tmp_path / "in.parquet", row_group_size=2)
    write_lines(tmp_path / "in.jsonl", data)
    for name in ("in.parquet", "in.jsonl"):
        status, err = cli(
            capsys, "score", tmp_path / name, "-o", tmp_path / f"{name}.out", "--model", model_dir, *ONE_PER_BATCH
        )
        assert status == 0, err
    assert (tmp_path / "in.parquet.out").read_bytes() == (tmp_path / "in.jsonl.out").read_bytes()
    [error] = read_jsonl(tmp_path / "in.parquet.out.errors.jsonl")
    assert error["row"] == 4 and error["record"]["id"] == 3


def test_default_model_when_neither_model_nor_url(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import reward_service.training.default_model as default_model

    calls: list[int] = []

    def fake_default() -> Path:
        calls.append(1)
        return model_dir

    monkeypatch.setattr(default_model, "ensure_default_model", fake_default)
    source = write_lines(tmp_path / "in.jsonl", records(2))
    status, err = cli(capsys, "score", source, "-o", tmp_path / "out.jsonl")
    assert status == 0, err
    assert calls == [1] and len(read_jsonl(tmp_path / "out.jsonl")) == 2


def test_fields_default_to_prompt_response_messages() -> None:
    assert Fields() == Fields(prompt="prompt", response="response", messages="messages", responses="responses")


def test_resume_refuses_another_precision(tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bf16 or int8 scores differ from float32 ones: a run interrupted in one precision does not
    resume in another (the output would mix them); the message names both."""
    source = write_lines(tmp_path / "in.jsonl", records(4))
    out = tmp_path / "out.jsonl"
    args = ("score", source, "-o", out, "--model", model_dir, *ONE_PER_BATCH)
    assert cli(capsys, *args)[0] == 0

    status, err = cli(capsys, *args, "--resume", "--quantize", "int8")
    assert status == 2
    assert "cannot resume" in err and "'float32'" in err and "'float32, int8 linear layers'" in err
    status, err = cli(capsys, *args, "--resume")
    assert status == 0, err
