"""The synthetic HelpSteer2-style dataset (data/synthetic_helpsteer), checked from its three
jsonl files alone, independently of build.py's own self-checks: the loader reads every file,
ratings are integers on the 0-4 scale, no prompt, template or entity is in two splits, the
fact and arithmetic pairs are rated by the card's rules (length is no cue to correctness),
and build.py --check reproduces the files byte for byte."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from reward_service.model.spec import HELPSTEER2_ATTRIBUTES
from reward_service.training.helpsteer import load_rated

DATA = Path(__file__).resolve().parents[1] / "data" / "synthetic_helpsteer"
SPLITS = ("train", "validation", "test")
ATTRS = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
KEYS = {"prompt_id", "task", "source", "template", "entity", "prompt", "response", *ATTRS}
NEW_TASKS = {"fact_qa", "arithmetic"}
Row = dict[str, object]


@pytest.fixture(scope="module")
def rows() -> dict[str, list[Row]]:
    return {
        s: [json.loads(line) for line in (DATA / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()] for s in SPLITS
    }


@pytest.fixture(scope="module")
def generated(rows: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """The responses of each generated (rule-made) prompt, by prompt id."""
    out: dict[str, list[Row]] = defaultdict(list)
    for split in SPLITS:
        for r in rows[split]:
            if str(r["source"]).startswith("gen:"):
                out[str(r["prompt_id"])].append(r)
    return out


def by_kind(responses: list[Row]) -> dict[str, Row]:
    return {str(r["source"]).removeprefix("gen:"): r for r in responses}


def test_attributes_are_helpsteer2s() -> None:
    assert tuple(HELPSTEER2_ATTRIBUTES) == ATTRS


@pytest.mark.parametrize("split", SPLITS)
def test_load_rated_reads_every_record(split: str, rows: dict[str, list[Row]]) -> None:
    """The extra fields (task, source, template, entity) are ignored by the loader."""
    examples = load_rated(DATA / f"{split}.jsonl")
    assert len(examples) == len(rows[split]) > 0
    for example, record in zip(examples, rows[split], strict=True):
        assert example.prompt_key == record["prompt_id"]
        assert example.labels == tuple(float(record[a]) for a in ATTRS)  # type: ignore[arg-type]
        assert example.messages[-1] == ("assistant", record["response"])


def test_records_have_the_documented_fields_and_ratings_0_to_4(rows: dict[str, list[Row]]) -> None:
    for split in SPLITS:
        for r in rows[split]:
            assert set(r) == KEYS, (split, r["prompt_id"], set(r) ^ KEYS)
            for a in ATTRS:
                assert type(r[a]) is int and 0 <= r[a] <= 4, (r["prompt_id"], a, r[a])  # type: ignore[operator]
            assert isinstance(r["prompt"], str) and isinstance(r["response"], str) and r["response"].strip()
            assert r["template"] is None or isinstance(r["template"], str)
            assert r["entity"] is None or isinstance(r["entity"], str)
            if r["task"] in NEW_TASKS:
                assert r["entity"], r["prompt_id"]  # every fact/arithmetic prompt names its entity
            if str(r["source"]).startswith("gen:"):
                assert r["template"] and r["task"] in NEW_TASKS, r["prompt_id"]


@pytest.mark.parametrize("field", ["prompt_id", "prompt", "template", "entity"])
def test_nothing_is_in_two_splits(field: str, rows: dict[str, list[Row]]) -> None:
    """Prompts (by id and by text), templates and (relation, entity) pairs: each in one split."""
    where: dict[object, set[str]] = defaultdict(set)
    for split in SPLITS:
        for r in rows[split]:
            if r[field] is not None:
                where[r[field]].add(split)
    crossing = {k: sorted(v) for k, v in where.items() if len(v) > 1}
    assert not crossing, list(crossing.items())[:5]
    if field in ("template", "entity"):  # every split has its own templates and entities
        assert all(any(split in v for v in where.values()) for split in SPLITS)


def test_a_prompts_responses_share_its_template_and_entity(rows: dict[str, list[Row]]) -> None:
    seen: dict[str, tuple[object, object, str]] = {}
    for split in SPLITS:
        for r in rows[split]:
            key = (r["template"], r["entity"], split)
            assert seen.setdefault(str(r["prompt_id"]), key) == key, r["prompt_id"]


def test_splits_are_about_80_10_10_with_every_task_in_each(rows: dict[str, list[Row]]) -> None:
    for part in (lambda t: t not in NEW_TASKS, lambda t: t in NEW_TASKS):
        prompts = {s: {r["prompt_id"] for r in rows[s] if part(r["task"])} for s in SPLITS}
        total = sum(len(p) for p in prompts.values())
        assert total > 300
        assert 0.75 <= len(prompts["train"]) / total <= 0.85, {s: len(p) for s, p in prompts.items()}
        for s in ("validation", "test"):
            assert 0.07 <= len(prompts[s]) / total <= 0.13, {s: len(p) for s, p in prompts.items()}
    tasks = {s: {r["task"] for r in rows[s]} for s in SPLITS}
    assert tasks["train"] == tasks["validation"] == tasks["test"]
    assert tasks["train"] >= NEW_TASKS


def test_every_prompt_has_responses_of_different_quality(rows: dict[str, list[Row]]) -> None:
    quality: dict[object, set[int]] = defaultdict(set)
    for split in SPLITS:
        for r in rows[split]:
            quality[r["prompt_id"]].add(r["helpfulness"] + r["correctness"])  # type: ignore[operator]
    flat = [pid for pid, q in quality.items() if max(q) - min(q) < 2]
    assert not flat, flat[:5]


def test_size_and_make_up_of_the_fact_and_arithmetic_part(generated: dict[str, list[Row]]) -> None:
    tasks = Counter(str(rs[0]["task"]) for rs in generated.values())
    assert tasks["fact_qa"] >= 500 and tasks["arithmetic"] >= 300, tasks
    assert sum(len(rs) for rs in generated.values()) >= 6000
    relations = Counter(str(rs[0]["entity"]).split(":")[0] for rs in generated.values())
    for relation in ("capital", "legs", "symbol", "planet", "count", "science", "work", "event", "unit", "arith"):
        assert relations[relation] >= 15, relations
    kinds = Counter(k for rs in generated.values() for k in by_kind(rs))
    for kind in ("hedge", "hedge_options", "shuffled", "repeated", "looped", "padded", "wrong_padded"):
        assert kinds[kind] >= 250, kinds
    assert kinds["truncated"] + kinds["truncated_after_answer"] >= 250, kinds


def test_right_and_wrong_answers_come_in_both_lengths_rated_alike(generated: dict[str, list[Row]]) -> None:
    """Length is no cue: a wrong long answer is worded like the right long one, and short and
    long answers are rated the same on helpfulness and correctness."""
    for pid, responses in generated.items():
        k = by_kind(responses)
        for kind in ("right_short", "right_long", "wrong_short", "wrong_long"):
            assert kind in k, (pid, kind)
        for kind in ("right_short", "right_long"):
            assert (k[kind]["helpfulness"], k[kind]["correctness"]) == (4, 4), (pid, kind)
        for kind in ("wrong_short", "wrong_long"):
            assert k[kind]["helpfulness"] <= 1 and k[kind]["correctness"] <= 1, (pid, kind)  # type: ignore[operator]
        assert (k["wrong_short"]["helpfulness"], k["wrong_short"]["correctness"]) == (
            k["wrong_long"]["helpfulness"],
            k["wrong_long"]["correctness"],
        ), pid
        right, wrong = str(k["right_long"]["response"]).split(), str(k["wrong_long"]["response"]).split()
        assert abs(len(right) - len(wrong)) <= 6, (pid, right, wrong)
        assert k["right_long"]["response"] != k["wrong_long"]["response"]
        assert len(str(k["right_short"]["response"]).split()) < len(right)


def test_degraded_responses_are_rated_by_the_card_rules(generated: dict[str, list[Row]]) -> None:
    for pid, responses in generated.items():
        k = by_kind(responses)
        if "hedge" in k:
            assert k["hedge"]["helpfulness"] <= 1 and 1 <= k["hedge"]["correctness"] <= 2  # type: ignore[operator]
            assert k["hedge"]["coherence"] >= 3, pid  # type: ignore[operator]
        if "shuffled" in k:
            assert (k["shuffled"]["coherence"], k["shuffled"]["helpfulness"]) == (0, 0), pid
            assert sorted(str(k["shuffled"]["response"]).split()) == sorted(str(k["right_long"]["response"]).split())
        for kind in ("truncated", "truncated_after_answer", "looped", "repeated"):
            if kind in k:
                assert k[kind]["coherence"] <= 2, (pid, kind)  # type: ignore[operator]
        if "padded" in k:
            p = k["padded"]
            assert p["correctness"] == 4 and p["verbosity"] >= 3 and 2 <= p["helpfulness"] <= 3, pid  # type: ignore[operator]
            # the concise right answer beats the padded one on helpfulness, at the same correctness
            assert k["right_short"]["helpfulness"] > p["helpfulness"], pid  # type: ignore[operator]
            assert k["right_short"]["verbosity"] <= 1, pid  # type: ignore[operator]
        if "wrong_padded" in k:
            assert k["wrong_padded"]["correctness"] <= 1 and k["wrong_padded"]["verbosity"] >= 3, pid  # type: ignore[operator]
        for r in responses:  # complexity reflects the language: short answers are 0-1
            if len(str(r["response"]).split()) <= 6:
                assert r["complexity"] <= 1 and r["verbosity"] == 0, (pid, r["source"])  # type: ignore[operator]


def test_length_does_not_predict_correctness_in_the_fact_part(generated: dict[str, list[Row]]) -> None:
    words, correct = [], []
    for responses in generated.values():
        for r in responses:
            words.append(float(len(str(r["response"]).split())))
            correct.append(float(r["correctness"]))  # type: ignore[arg-type]
    assert abs(statistics.correlation(words, correct)) < 0.15


def test_build_check_reproduces_the_files_byte_identically() -> None:
    """build.py --check rebuilds in memory (under another hash seed) and compares, writing nothing."""
    before = {s: (DATA / f"{s}.jsonl").read_bytes() for s in SPLITS}
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, str(DATA / "build.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "byte-identical" in done.stdout
    assert {s: (DATA / f"{s}.jsonl").read_bytes() for s in SPLITS} == before
