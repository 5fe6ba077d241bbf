"""The engine in front of the real Scorer: the plan the engine made is the plan that ran.

The engine's own tests use a fake model that runs no passes. Here a tiny real checkpoint sits
behind `service.start_engine`, exactly as the server wires it. A hook on the backbone records
every forward pass (its input shape, and whether it extends a prefix cache); a wrapper records
every plan the engine hands over. For each batch the passes that ran must be the plan's: one
prefix pass of `split` tokens when it shares a prefix, then one pass per planned pass with its
rows and its width; the tokens they computed must be what the engine reported; and every
score must equal transformers' own for that conversation alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import torch
from checkpoints import CORPUS, CheckpointFactory, Reference
from torch import nn

from reward_service.config import Settings
from reward_service.engine import BatchPlan, BatchStats, EngineLimits
from reward_service.model.loading import RewardModel
from reward_service.service import start_engine

ATOL = 1e-4
SYSTEM = "You are a helpful, honest and harmless assistant."
PROMPT = " ".join(CORPUS[:10])
ANSWERS = ("Yes.", CORPUS[24], " ".join(CORPUS[25:27]), "No: " + CORPUS[13], "Maybe " + CORPUS[30], "Ok.")
LONERS = (("Hi", "Hello!"), ("What is two plus two?", "Four."), (CORPUS[11], " ".join(CORPUS[14:17])))


@dataclasses.dataclass
class Recorded:
    plans: list[BatchPlan] = dataclasses.field(default_factory=list)
    calls: list[list[dict[str, Any]]] = dataclasses.field(default_factory=list)  # backbone calls per plan
    stats: list[BatchStats] = dataclasses.field(default_factory=list)


@contextmanager
def recording(model: RewardModel) -> Iterator[Recorded]:
    """Record each plan the engine runs and the backbone calls made while running it."""
    scorer, record = model.scorer, Recorded()
    inner = scorer.score

    def score(plan: BatchPlan, **kwargs: Any) -> torch.Tensor:
        record.plans.append(plan)
        record.calls.append([])
        return inner(plan, **kwargs)

    def hook(_module: nn.Module, _args: tuple[Any, ...], kwargs: dict[str, Any], _out: Any) -> None:
        shape = tuple(kwargs["input_ids"].shape)
        record.calls[-1].append({"rows": shape[0], "width": shape[1], "cache_in": kwargs.get("cache") is not None})

    handle = scorer.backbone.register_forward_hook(hook, with_kwargs=True)
    scorer.score = score  # type: ignore[method-assign]
    try:
        yield record
    finally:
        del scorer.score
        handle.remove()


def conversation(prompt: str, answer: str, system: bool = True) -> list[dict[str, str]]:
    turns = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
    return [{"role": "system", "content": SYSTEM}, *turns] if system else turns


def expected_calls(plan: BatchPlan) -> list[dict[str, Any]]:
    """The backbone calls that carrying `plan` out must make, in order."""
    calls = [{"rows": 1, "width": plan.split, "cache_in": False}] if plan.split else []
    for chunk in plan.passes:
        width = max(len(plan.rows[i]) for i in chunk) - plan.split
        calls.append({"rows": len(chunk), "width": width, "cache_in": bool(plan.split)})
    return calls


def score_through_engine(
    model: RewardModel, requests: list[list[list[int]]], limits: EngineLimits, record: Recorded
) -> list[list[tuple[float, ...]]]:
    """All requests submitted at once to a started engine over `model`; their scores, in order."""

    async def body() -> list[list[tuple[float, ...]]]:
        engine = start_engine(model.scorer, limits, on_batch=record.stats.append)
        try:
            return list(
                await asyncio.gather(*(engine.score([model.scorer.row(ids) for ids in rows]) for rows in requests))
            )
        finally:
            await asyncio.to_thread(engine.stop)

    return asyncio.run(asyncio.wait_for(body(), 60))


def engine_limits(**changes: Any) -> EngineLimits:
    # A long wait, so every request submitted at once is queued before the first batch closes.
    return dataclasses.replace(EngineLimits.from_settings(Settings()), **{"max_wait": 0.2, **changes})


CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "small budget": {"max_batch_tokens": 400, "max_batch_size": 3},
    "no sharing": {"shared_prefix_min_tokens": 0},
    "one row a pass": {"max_batch_size": 1},
}


@pytest.mark.parametrize("arch", ["llama", "gemma2", "qwen2"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_plan_that_ran_is_the_plan_the_engine_made(
    arch: str,
    case: str,
    checkpoint: CheckpointFactory,
    reward_model: Callable[[Path], RewardModel],
    reference: Callable[[Path], Reference],
) -> None:
    path = checkpoint(arch, pad="eos")
    model, ref = reward_model(path), reference(path)
    best_of_n = [ref.ids(conversation(PROMPT, answer)) for answer in ANSWERS]
    loners = [[ref.ids(conversation(prompt, answer, system=False))] for prompt, answer in LONERS]
    requests = [best_of_n, *loners, [best_of_n[1]]]  # the last repeats a row of the first request
    limits = engine_limits(**CASES[case])

    with recording(model) as record:
        scores = score_through_engine(model, requests, limits, record)

    # Every score is transformers' own for that conversation alone.
    for rows, got in zip(requests, scores, strict=True):
        want = torch.stack([ref.logits(ids) for ids in rows])
        torch.testing.assert_close(torch.tensor(got), want, atol=ATOL, rtol=0)
    # Every plan ran exactly as planned, and the engine reported what ran.
    assert len(record.plans) == len(record.stats) > 0
    for plan, calls, stats in zip(record.plans, record.calls, record.stats, strict=True):
        assert calls == expected_calls(plan)
        ran = sum(call["rows"] * call["width"] for call in calls)
        assert stats.computed_tokens == plan.computed_tokens == ran
        assert stats.shared_prefix == plan.split
        assert all(call["rows"] <= limits.max_batch_size for call in calls)
        # Each pass within the budget, a suffix pass counting the prefix every row attends to.
        widths = [call["width"] + (plan.split if call["cache_in"] else 0) for call in calls]
        assert all(call["rows"] * width <= limits.max_batch_tokens for call, width in zip(calls, widths, strict=True))
    # Every row ran, and none twice in one batch (the repeated row, when it shares a batch with
    # its copy, is computed once).
    assert {row.ids for plan in record.plans for row in plan.rows} == {tuple(ids) for rows in requests for ids in rows}
    assert all(len(set(plan.rows)) == len(plan.rows) for plan in record.plans)
    shared = [plan for plan in record.plans if plan.split]
    if CASES[case].get("shared_prefix_min_tokens") == 0 or limits.max_batch_size == 1:
        assert not shared
    else:  # the answers to one prompt share it whole: its tokens ran once per shared batch
        prompt = next(i for i, ids in enumerate(zip(*best_of_n, strict=False)) if len(set(ids)) > 1)
        assert shared and all(plan.split >= prompt for plan in shared)
