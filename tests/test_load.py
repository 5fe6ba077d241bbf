"""The real server under concurrent load on loopback: nothing lost, nothing mixed up.

`reward-service serve` runs as its own process on 127.0.0.1 and a free port, on the tiny llama
checkpoint. Dozens of asyncio httpx clients, each on its own connection, send a fixed,
seeded list of requests: /score with 1-8 items and some /rank, conversations from a few
tokens to ~200, prompt + response and multi-turn `messages` mixed. The server batches items of
different requests together, so a result routed to the wrong request or item shows up as
wrong scores. Every item's scores are checked against transformers scoring that
conversation alone (the conftest `reference`), to 1e-4; `tokens` against the reference ids.

The whole run is bounded in time; the figures (requests, items, seconds, latency
percentiles) are printed, never asserted: speed belongs in benchmarks. A slow-marked
variant sends more requests from more clients, and another runs `bench/soak.py --quick`.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from checkpoints import CORPUS, CheckpointFactory, Conversation, Reference

# `bench` lives beside the package, not inside it; `python -m pytest` finds it from the
# repository root, plain `pytest` needs the root on the path.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.online import percentile  # noqa: E402
from bench.soak import running_server  # noqa: E402

ATOL = 1e-4
MAX_TOKENS = 200  # longest conversation in the workload, in reference tokens
REQUEST_TIMEOUT = 60.0  # per request, client side
# The server batches across requests under a small token budget, so every batch mixes
# items of several requests and a long request spans several batches.
SERVER_ARGS = ("--max-batch-tokens", "2048", "--max-batch-size", "32", "--max-tokens-per-item", "256")


# --- the workload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One request and, per item (or response), the conversation it must be scored as."""

    path: str
    body: dict[str, Any]
    conversations: tuple[Conversation, ...]


def sentence_text(rng: random.Random, words: int) -> str:
    """About `words` words of corpus text (the tiny tokenizer knows it: ~1-2 tokens a word)."""
    out: list[str] = []
    while len(out) < words:
        out += rng.choice(CORPUS).split()
    return " ".join(out[:words])


def conversation_pool(rng: random.Random, ref: Reference, size: int) -> list[Conversation]:
    """`size` distinct conversations from a few tokens to ~MAX_TOKENS, both item forms."""
    pool: list[Conversation] = []
    while len(pool) < size:
        kind = rng.random()
        words = rng.randint(1, 6) if kind < 0.35 else rng.randint(6, 40) if kind < 0.75 else rng.randint(40, 110)
        turns: list[dict[str, str]] = []
        if rng.random() < 0.4:  # a `messages` item: optional system turn, an earlier exchange
            if rng.random() < 0.5:
                turns.append({"role": "system", "content": sentence_text(rng, rng.randint(3, 10))})
            turns += [
                {"role": "user", "content": sentence_text(rng, rng.randint(2, 12))},
                {"role": "assistant", "content": sentence_text(rng, rng.randint(1, 12))},
            ]
        turns += [
            {"role": "user", "content": sentence_text(rng, rng.randint(2, 16))},
            {"role": "assistant", "content": sentence_text(rng, words)},
        ]
        if len(ref.ids(turns)) <= MAX_TOKENS and turns not in pool:
            pool.append(turns)
    return pool


def as_item(conversation: Conversation) -> dict[str, Any]:
    if len(conversation) == 2:
        return {"prompt": conversation[0]["content"], "response": conversation[1]["content"]}
    return {"messages": conversation}


def plan(ref: Reference, requests: int, seed: int) -> list[Planned]:
    """A fixed, seeded list of requests: 1 in 5 is /rank, the rest /score with 1-8 items."""
    rng = random.Random(seed)
    pool = conversation_pool(rng, ref, 120)
    prompts = [sentence_text(rng, rng.randint(2, 16)) for _ in range(12)]
    answers = [sentence_text(rng, rng.randint(1, 60)) for _ in range(40)]
    planned = []
    for _ in range(requests):
        if rng.random() < 0.2:
            prompt = rng.choice(prompts)
            responses = rng.sample(answers, rng.randint(2, 8))
            conversations = tuple(
                [{"role": "user", "content": prompt}, {"role": "assistant", "content": r}] for r in responses
            )
            planned.append(Planned("/rank", {"prompt": prompt, "responses": responses}, conversations))
        else:
            conversations = tuple(rng.choice(pool) for _ in range(rng.randint(1, 8)))
            planned.append(Planned("/score", {"items": [as_item(c) for c in conversations]}, conversations))
    return planned


# --- running it --------------------------------------------------------------------------------


@dataclass
class Outcome:
    requests: int = 0
    items: int = 0
    answered: int = 0  # requests that got any HTTP answer
    lost: int = 0  # requests without an answer, or items missing from a 200
    mismatched: int = 0  # items whose scores, tokens or index do not match their conversation
    server_errors: int = 0  # 5xx
    refused: int = 0  # 4xx (every request here is valid and the queue is large enough)
    statuses: Counter[int] = field(default_factory=Counter)
    sizes: Counter[int] = field(default_factory=Counter)  # requests by item count
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(problem)

    def figures(self) -> str:
        return (
            f"{self.requests} requests, {self.items} items in {self.seconds:.1f} s "
            f"({self.requests / self.seconds:.1f} req/s, {self.items / self.seconds:.1f} items/s); "
            f"latency p50 {1000 * percentile(self.latencies, 50):.0f} ms, "
            f"p99 {1000 * percentile(self.latencies, 99):.0f} ms; statuses {dict(self.statuses)}; "
            f"lost {self.lost}, mismatched {self.mismatched}, 5xx {self.server_errors}, 4xx {self.refused}"
        )


def check_answer(outcome: Outcome, request: Planned, answer: dict[str, Any], expected: Callable[..., Any]) -> None:
    """Every item answered once, with its own conversation's scores and token count."""
    results = answer["results"]
    attributes = answer["attributes"]
    indices = [result["index"] for result in results]
    wanted = list(range(len(request.conversations)))
    if request.path == "/score" and indices != wanted:
        outcome.note(f"/score result indices {indices}, expected {wanted}")
    if request.path == "/rank" and (
        sorted(indices) != wanted or (answer["chosen"], answer["rejected"]) != (indices[0], indices[-1])
    ):
        outcome.note(f"/rank indices {indices}, chosen {answer['chosen']}, rejected {answer['rejected']}")
    outcome.lost += len(set(wanted) - set(indices))
    for result in results:
        index = result["index"]
        if index not in wanted:
            outcome.mismatched += 1
            continue
        ids, logits = expected(request.conversations[index])
        got = [result["scores"][name] for name in attributes]
        worst = max(abs(g - e) for g, e in zip(got, logits, strict=True))
        if not worst <= ATOL or result["tokens"] != len(ids):
            outcome.mismatched += 1
            outcome.note(
                f"{request.path} item {index}: scores off by {worst:.2e}, tokens {result['tokens']} "
                f"(reference {len(ids)}): {request.conversations[index]!r:.200}"
            )


async def send_all(url: str, planned: list[Planned], clients: int, expected: Callable[..., Any]) -> Outcome:
    """`clients` connections work through `planned` together; each request is sent exactly once."""
    outcome = Outcome(requests=len(planned), items=sum(len(p.conversations) for p in planned))
    outcome.sizes.update(len(p.conversations) for p in planned)
    queue: asyncio.Queue[Planned] = asyncio.Queue()
    for request in planned:
        queue.put_nowait(request)

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
            while not queue.empty():
                request = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(request.path, json=request.body)
                except httpx.HTTPError as exc:
                    outcome.lost += len(request.conversations)
                    outcome.note(f"{request.path}: no answer ({type(exc).__name__}: {exc})")
                    continue
                outcome.latencies.append(time.perf_counter() - started)
                outcome.answered += 1
                outcome.statuses[response.status_code] += 1
                if response.status_code != 200:
                    outcome.lost += len(request.conversations)
                    if response.status_code >= 500:
                        outcome.server_errors += 1
                    else:
                        outcome.refused += 1
                    outcome.note(f"{request.path}: {response.status_code} {response.text[:300]}")
                    continue
                check_answer(outcome, request, response.json(), expected)

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    outcome.seconds = time.perf_counter() - started
    return outcome


def run_load(model_dir: Path, ref: Reference, *, requests: int, clients: int, bound_s: float) -> Outcome:
    planned = plan(ref, requests, seed=requests)
    cache: dict[str, tuple[list[int], list[float]]] = {}

    def expected(conversation: Conversation) -> tuple[list[int], list[float]]:
        key = json.dumps(conversation)
        if key not in cache:
            ids = ref.ids(conversation)
            cache[key] = (ids, ref.logits(ids).tolist())
        return cache[key]

    for request in planned:  # references first, so the load itself runs alone
        for conversation in request.conversations:
            expected(conversation)
    with running_server(model_dir, threads=1, args=SERVER_ARGS) as server:
        outcome = asyncio.run(asyncio.wait_for(send_all(server.url, planned, clients, expected), bound_s))
    print(f"\nload ({clients} clients): {outcome.figures()}")
    return outcome


@pytest.mark.parametrize(
    ("requests", "clients", "bound_s"),
    [
        pytest.param(200, 32, 120.0, id="200x32"),
        pytest.param(2000, 64, 600.0, id="2000x64", marks=pytest.mark.slow),
    ],
)
def test_concurrent_clients_get_every_item_scored_as_if_alone(
    checkpoint: CheckpointFactory, reference: Callable[[Path], Reference], requests: int, clients: int, bound_s: float
) -> None:
    model_dir = checkpoint("llama")
    outcome = run_load(model_dir, reference(model_dir), requests=requests, clients=clients, bound_s=bound_s)
    assert outcome.answered == requests, outcome.figures()
    assert (outcome.lost, outcome.mismatched, outcome.server_errors, outcome.refused) == (0, 0, 0, 0), (
        outcome.figures() + "\n" + "\n".join(outcome.problems)
    )
    assert set(outcome.sizes) == set(range(1, 9)), "the mix should hold every request size from 1 to 8 items"


# --- the soak script ---------------------------------------------------------------------------


@pytest.mark.slow
def test_soak_quick_reports_rss_over_time_and_memory_levels_off(checkpoint: CheckpointFactory, tmp_path: Path) -> None:
    """`bench/soak.py --quick` runs end to end; its report is complete and RSS stays bounded."""
    report_path = tmp_path / "soak.json"
    command = [sys.executable, str(ROOT / "bench" / "soak.py"), "--quick", "--model", str(checkpoint("llama"))]
    result = subprocess.run(
        [*command, "--json", str(report_path)], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    print(result.stdout)
    report = json.loads(report_path.read_text())
    assert set(report) >= {"samples", "load", "rss", "server", "config", "verdict"}
    samples = report["samples"]
    assert len(samples) >= 10
    assert all(set(s) >= {"t", "rss_mb", "threads", "fds", "requests", "items"} for s in samples)
    assert [s["t"] for s in samples] == sorted(s["t"] for s in samples)
    assert samples[-1]["requests"] == report["load"]["requests"] > 0
    load, rss = report["load"], report["rss"]
    assert load["lost"] == 0 and load["unexpected"] == 0, load["problems"]
    assert set(load["statuses"]) <= {"score 200", "rank 200", "invalid 422", "too_long 422"}
    assert math.isclose(rss["second_half_growth_mb"], rss["end_mb"] - rss["mid_mb"])
    # Growth over the second half bounded: 10% of the RSS at half time plus 8 MB.
    assert rss["second_half_growth_mb"] <= 0.10 * rss["mid_mb"] + 8, result.stdout
    assert rss["levels_off"] and report["verdict"]["ok"], result.stdout
    assert rss["threads_end"] <= rss["threads_start"] + 2, "the server's thread count grew under load"
    assert report["server"]["exit_code"] == 0
    assert result.returncode == 0
    assert "verdict: LEVELS OFF" in result.stdout
