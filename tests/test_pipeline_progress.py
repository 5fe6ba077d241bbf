"""The pipeline's progress bar and its summary after `--resume`, on a model-free backend.

The bar counts each backend call's records as the call returns, not when their chunk is written
(a held call keeps its chunk unwritten while the bar has moved), and a resumed run's bar starts
at the records already done. A resumed run's summary covers the whole output: its counts and
score distributions are those of a run that was never interrupted, read back from what the
earlier run wrote, and outputs edited since cannot be read back, so resuming refuses.

Scores are a function of the response text alone, so every run gives the same numbers and the
uninterrupted run is the reference the resumed one is compared with.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from test_pipeline import read_jsonl, write_lines

from reward_service.pipeline import (
    Fields,
    PipelineError,
    Report,
    RunOptions,
    ScoringOptions,
    UsageError,
    format_report,
    run_pipeline,
    runner,
    summary,
)
from reward_service.pipeline.progress import Progress
from reward_service.pipeline.render import Command
from reward_service.pipeline.summary import QUANTILES, Distribution
from reward_service.server.schemas import ItemResult

HANG_GUARD_S = 30  # only so that a broken runner fails the test instead of hanging it


class ScriptedBackend:
    """Scores from the response text, `call_items` conversations per call (as the runner groups
    them). Every call after the first `fail_after` raises PipelineError; a call holding one of the
    responses in `held` waits for `gate`."""

    model = "scripted"
    precision = "float32"
    attributes: tuple[str, ...] = ("helpfulness", "verbosity")
    max_items = 64
    source = "scripted"

    def __init__(self, *, call_items: int = 2, fail_after: int | None = None, held: Sequence[str] = ()) -> None:
        self.call_items = call_items
        self.fail_after = fail_after
        self.held = set(held)
        self.calls = 0
        self.gate = asyncio.Event()
        self.blocked = asyncio.Event()  # a held call is waiting for the gate
        self.returned = asyncio.Event()  # a call not held has returned its results

    def check(self, options: ScoringOptions) -> None:
        pass

    async def score(self, conversations: Sequence[Any], options: ScoringOptions) -> list[ItemResult]:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise PipelineError("scoring failed: simulated crash")
        if self.held & {conversation[-1]["content"] for conversation in conversations}:
            self.blocked.set()
            await self.gate.wait()
        else:
            self.returned.set()
        return [_result(i, conversation[-1]["content"], options) for i, conversation in enumerate(conversations)]


def _result(index: int, response: str, options: ScoringOptions) -> ItemResult:
    # Full-precision values that differ between responses (and repeat for the same one).
    scores = {"helpfulness": zlib.crc32(response.encode()) / 2**32 * 10 - 5, "verbosity": len(response) / 7}
    aggregate = scores["helpfulness"] - 0.5 * scores["verbosity"]
    values = {**scores, "aggregate": aggregate}
    failed = [
        name
        for name, (low, high, *_) in options.thresholds.items()
        if (low is not None and values[name] < low) or (high is not None and values[name] > high)
    ]
    return ItemResult(index=index, scores=scores, aggregate=aggregate, passed=not failed, failed=failed, tokens=3)


class RecordingProgress(Progress):
    """The real bar, remembering where it started and each advance the runner made."""

    made: ClassVar[list[RecordingProgress]] = []

    def __init__(self, *, enabled: bool, total: int | None, initial: int, unit: str, stream: Any) -> None:
        super().__init__(enabled=enabled, total=total, initial=initial, unit=unit, stream=stream)
        self.initial = initial
        self.advances: list[int] = []
        RecordingProgress.made.append(self)

    def advance(self, records: int, tokens: int) -> None:
        super().advance(records, tokens)
        self.advances.append(records)

    @property
    def count(self) -> int:
        return self.initial + sum(self.advances)


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[RecordingProgress]:
    """The progress bars the runs of this test make, in order."""
    made: list[RecordingProgress] = []
    monkeypatch.setattr(RecordingProgress, "made", made)
    monkeypatch.setattr(runner, "Progress", RecordingProgress)
    return made


def response(i: int) -> str:
    return f"response {i}: " + "lorem ipsum " * (i % 5)


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "prompt": f"prompt {i}", "response": response(i)} for i in range(n)]


def run(options: RunOptions, backend: ScriptedBackend) -> Report:
    return asyncio.run(run_pipeline(options, backend, stream=io.StringIO()))


def interrupt(options: RunOptions, fail_after: int) -> None:
    with pytest.raises(PipelineError, match="simulated crash"):
        run(options, ScriptedBackend(fail_after=fail_after))


def lines_written(options: RunOptions) -> int:
    """Records the outputs hold: each input record is one line of output, rejected or errors
    (rank with candidates: the pairs file repeats some, so it does not count)."""
    paths = options.paths()
    return sum(len(read_jsonl(paths[role])) for role in ("output", "rejected", "errors") if role in paths)


# --- the progress bar ------------------------------------------------------------------------


def test_progress_counts_each_call_as_it_returns_before_the_chunk_is_written(
    tmp_path: Path, bars: list[RecordingProgress]
) -> None:
    """One chunk of 4 records in two calls of 2; the second call is held. Meanwhile the bar shows
    the first call's 2 records and the output file is still empty: counting at write time would
    show 0, counting per chunk would advance once by 4."""
    data = items(4)
    source = write_lines(tmp_path / "in.jsonl", data)
    out = tmp_path / "out.jsonl"
    options = RunOptions(command="score", input=source, output=out, chunk_size=4, progress=True)

    async def scenario() -> None:
        backend = ScriptedBackend(call_items=2, held=[data[3]["response"]])
        task = asyncio.create_task(run_pipeline(options, backend, stream=io.StringIO()))
        try:
            await asyncio.wait_for(backend.blocked.wait(), HANG_GUARD_S)
            await asyncio.wait_for(backend.returned.wait(), HANG_GUARD_S)
            [bar] = bars
            assert (bar.count, bar.advances) == (2, [2])
            assert out.read_bytes() == b""
        finally:
            backend.gate.set()
        report = await asyncio.wait_for(task, HANG_GUARD_S)
        assert report.counts["scored"] == 4

    asyncio.run(scenario())
    [bar] = bars
    assert (bar.initial, bar.advances) == (0, [2, 2])
    assert [record["id"] for record in read_jsonl(out)] == [0, 1, 2, 3]


def test_resumed_progress_starts_at_the_records_already_done(tmp_path: Path, bars: list[RecordingProgress]) -> None:
    """The bar of a resumed run starts at the records the interrupted run wrote (as the bar
    itself shows first) and advances by the rest only."""
    lines: list[str | dict[str, Any]] = [*items(20)]
    lines.insert(5, "{broken")
    source = write_lines(tmp_path / "in.jsonl", lines)
    options = RunOptions(
        command="score", input=source, output=tmp_path / "out.jsonl", chunk_size=4, concurrency=1, progress=True
    )
    interrupt(options, fail_after=5)
    done = lines_written(options)
    assert 0 < done < len(lines)
    bars.clear()

    stream = io.StringIO()
    report = asyncio.run(run_pipeline(dataclasses.replace(options, resume=True), ScriptedBackend(), stream=stream))
    [bar] = bars
    assert bar.initial == report.resumed_after == done
    assert sum(bar.advances) == len(lines) - done
    first = re.search(r"\| *([\d.]+)/([\d.]+) \[", stream.getvalue())  # tqdm's `| 8.00/21.0 [`
    assert first is not None and (float(first[1]), float(first[2])) == (done, len(lines))


# --- the summary after --resume --------------------------------------------------------------


def score_input(tmp_path: Path) -> Path:
    lines: list[str | dict[str, Any]] = [*items(40)]
    lines.insert(7, "{broken")
    lines.insert(23, '"not an object"')
    return write_lines(tmp_path / "in.jsonl", lines)


def candidates_input(tmp_path: Path) -> Path:
    """Records of 2 to 4 responses; every fifth has two equal ones at the top and bottom (a gap
    of 0, under --min-gap), some use messages, two are bad."""
    lines: list[str | dict[str, Any]] = []
    for i in range(24):
        responses = [response(3 * i + k) for k in range(2 + i % 3)]
        if i % 5 == 0:
            responses = [responses[0], responses[0]]
        if i % 4 == 3:
            messages = [{"role": "user", "content": f"prompt {i}"}]
            lines.append({"id": i, "messages": messages, "responses": responses})
        else:
            lines.append({"id": i, "prompt": f"prompt {i}", "responses": responses})
    lines.insert(9, {"id": 99, "prompt": "no responses"})
    lines.insert(17, "{broken")
    return write_lines(tmp_path / "in.jsonl", lines)


def group_input(tmp_path: Path) -> Path:
    """Groups of 1 to 4 consecutive records sharing `q`; one group holds a bad line, one has
    two equal responses (a gap of 0)."""
    lines: list[str | dict[str, Any]] = []
    n = 0
    for group in range(14):
        for member in range(1 + group % 4):
            text = response(n) if group != 6 else "the same response"
            lines.append({"id": n, "q": group, "prompt": f"prompt of group {group}", "response": text})
            n += 1
            if (group, member) == (5, 1):
                lines.append("{broken")
    return write_lines(tmp_path / "in.jsonl", lines)


def template(command: Command, **flags: Any) -> RunOptions:
    """A case's options; input and outputs are set per run (by `case_options`)."""
    pairs = Path() if command == "rank" else None
    return RunOptions(command, Path(), Path(), pairs=pairs, chunk_size=4, concurrency=2, **flags)


CASES: dict[str, tuple[Callable[[Path], Path], RunOptions]] = {
    "score": (score_input, template("score")),
    "score-thresholds": (score_input, template("score", scoring=ScoringOptions(thresholds={"aggregate": (None, 0.5)}))),
    "filter": (score_input, template("filter", scoring=ScoringOptions(thresholds={"helpfulness": (0.0, None)}))),
    "rank-candidates": (candidates_input, template("rank", min_gap=0.01)),
    "rank-groups": (group_input, template("rank", min_gap=0.01, fields=Fields(group="q"))),
}


def case_options(name: str, source: Path, folder: Path) -> RunOptions:
    _, options = CASES[name]
    folder.mkdir()
    pairs = folder / "pairs.jsonl" if options.pairs is not None else None
    return dataclasses.replace(options, input=source, output=folder / "out.jsonl", pairs=pairs)


def interrupted_midway(name: str, tmp_path: Path) -> tuple[RunOptions, Report, int]:
    """Options writing under tmp_path/resumed, whose run was interrupted midway; the report of
    the same run uninterrupted (under tmp_path/full), and how many records the interrupted one wrote."""
    make_input, _ = CASES[name]
    source = make_input(tmp_path)
    backend = ScriptedBackend()
    full = run(case_options(name, source, tmp_path / "full"), backend)
    options = case_options(name, source, tmp_path / "resumed")
    interrupt(options, fail_after=backend.calls // 2)
    done = lines_written(options)
    assert 0 < done < full.counts["records"]
    return options, full, done


@pytest.mark.parametrize("case", CASES)
def test_resumed_summary_covers_the_whole_output(case: str, tmp_path: Path) -> None:
    """Interrupted midway, then resumed: the summary counts and score distributions are those of
    the run that was never interrupted, the outputs the same bytes, and the summary says how
    many records came from the earlier run."""
    options, full, done = interrupted_midway(case, tmp_path)
    resumed = run(dataclasses.replace(options, resume=True), ScriptedBackend())

    assert resumed.resumed_after == done
    assert resumed.counts == full.counts
    exercised = {"score": ["scored"], "filter": ["kept", "rejected"], "rank": ["pairs", "below_min_gap"]}
    if options.scoring.thresholds and options.command == "score":
        exercised["score"] += ["passed", "rejected"]
    for key in [*exercised[options.command], "failed"]:  # the case exercises what it claims to
        assert full.counts[key] > 0, key
    assert list(resumed.scores) == list(full.scores) == ["helpfulness", "verbosity", "aggregate"]
    for name, expected in full.scores.items():
        got = resumed.scores[name]
        assert got.count == expected.count, name
        assert [got.mean, got.low, got.high] == pytest.approx([expected.mean, expected.low, expected.high]), name
        assert [got.quantile(q) for q in QUANTILES] == pytest.approx([expected.quantile(q) for q in QUANTILES]), name
    for role, path in options.paths().items():
        reference = tmp_path / "full" / path.name
        assert path.exists() == reference.exists(), role
        assert not path.exists() or path.read_bytes() == reference.read_bytes(), role

    paths = {role: str(path) for role, path in options.paths().items()}
    assert f"resumed: {done} records from an earlier run" in format_report(resumed, paths)
    assert "resumed:" not in format_report(full, paths)


class SmallSample(Distribution):
    """A reservoir of 8 values: which ones it keeps depends on the order they were observed in."""

    def __init__(self, sample: int = 8, seed: int = 0) -> None:
        super().__init__(sample, seed)


@pytest.mark.parametrize("case", [name for name in CASES if name != "filter"])
def test_resumed_scores_are_observed_in_the_uninterrupted_order(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the reservoir's size the quantiles come from a sample that depends on the order of
    observation: a resumed run reads the earlier lines back in the order the uninterrupted run
    observed them (responses by index, group members best first), so even these are the same.
    (Not filter: it reads all kept lines, then all rejected ones, as its docstring says.)"""
    monkeypatch.setattr(summary, "Distribution", SmallSample)
    options, full, _ = interrupted_midway(case, tmp_path)
    resumed = run(dataclasses.replace(options, resume=True), ScriptedBackend())
    for name, expected in full.scores.items():
        assert expected.count > 8
        got = resumed.scores[name]
        assert [got.quantile(q) for q in QUANTILES] == [expected.quantile(q) for q in QUANTILES], name
        assert got.mean == expected.mean, name


# --- outputs edited before --resume ----------------------------------------------------------


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number] = text.encode() + b"\n"
    path.write_bytes(b"".join(lines))


def same_length(path: Path, number: int, make: Callable[[int], str]) -> str:
    """`make(width)` for the width of line `number` of `path`, without its newline."""
    width = len(path.read_bytes().splitlines()[number])
    text = make(width)
    assert len(text) == width
    return text


@pytest.mark.parametrize(
    ("case", "role", "garbage"),
    [
        ("score", "output", lambda width: "x" * width),  # not JSON
        ("filter", "rejected", lambda width: "{" * width),  # not JSON
        ("score", "output", lambda width: json.dumps("y" * (width - 2))),  # JSON, not an object
        ("filter", "output", lambda width: json.dumps({"id": "z" * (width - 10)})),  # an object without scores
        ("rank-candidates", "output", lambda width: json.dumps({"id": "z" * (width - 10)})),  # without `ranked`
        ("rank-groups", "output", lambda width: json.dumps({"rank": 1, "q": "z" * (width - 20)})),  # nor scores
    ],
)
def test_resume_refuses_outputs_edited_to_what_the_run_did_not_write(
    case: str, role: str, garbage: Callable[[int], str], tmp_path: Path
) -> None:
    """A line replaced by another of the same length: the sizes the progress file recorded still
    match, so it is reading the lines back for the summary that finds it; the message says to
    start over with --overwrite, which then writes the uninterrupted run's bytes."""
    options, _, _ = interrupted_midway(case, tmp_path)
    path = options.paths()[role]
    size = path.stat().st_size
    replace_line(path, 1, same_length(path, 1, garbage))
    assert path.stat().st_size == size

    with pytest.raises(UsageError, match="--overwrite") as refused:
        run(dataclasses.replace(options, resume=True), ScriptedBackend())
    assert "do not hold what the interrupted run wrote" in str(refused.value)

    run(dataclasses.replace(options, overwrite=True), ScriptedBackend())
    assert path.read_bytes() == (tmp_path / "full" / path.name).read_bytes()


def test_resume_refuses_an_output_edited_shorter(tmp_path: Path) -> None:
    """A line replaced by a shorter one leaves the file shorter than recorded: refused on its
    size, before anything is read back (the other path to the same advice)."""
    options, _, _ = interrupted_midway("score", tmp_path)
    replace_line(options.output, 1, "{}")
    with pytest.raises(UsageError, match="--overwrite") as refused:
        run(dataclasses.replace(options, resume=True), ScriptedBackend())
    assert "shorter than" in str(refused.value)


def test_resume_refuses_an_output_edited_longer(tmp_path: Path) -> None:
    """A line replaced by a longer one leaves the file longer than recorded, which resuming
    takes for a chunk cut short and cuts back to the recorded size; what is left is then not
    what the run wrote, and reading it back finds that."""
    options, _, _ = interrupted_midway("score", tmp_path)
    size = options.output.stat().st_size
    width = len(options.output.read_bytes().splitlines()[1])
    replace_line(options.output, 1, json.dumps({"edited": "z" * width}))
    assert options.output.stat().st_size > size
    with pytest.raises(UsageError, match="--overwrite") as refused:
        run(dataclasses.replace(options, resume=True), ScriptedBackend())
    assert "do not hold what the interrupted run wrote" in str(refused.value)
