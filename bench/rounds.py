"""The measurements `bench.run` adds beside its offline and online tables, each side by side:

- many clients, short items, no shared turn: N closed-loop clients send one-item /score
  requests to the real server, against transformers one item at a time on the same rows;
- best-of-N through the real server: one /score request of N responses to one prompt;
- mixed precision: `--dtype bf16-mixed` against float32 through the engine, with the drift;
- repeats: a repeated request with the result cache on and off (`bench.repeats`' rounds).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import torch
from prometheus_client.parser import text_string_to_metric_families

from bench import offline, online, repeats
from bench.precision import bf16_cpu_flags
from bench.workloads import Workload, WorkloadBuilder
from reward_service.engine import EngineLimits
from reward_service.engine.plan import common_prefix_length
from reward_service.model.formatting import Conversation
from reward_service.model.loading import RewardModel, load_reward_model


def server_metrics(url: str) -> dict[str, float]:
    """The server's unlabelled /metrics samples by name."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


def many_clients(
    model_dir: Path,
    description: str,
    *,
    items: int,
    tokens: tuple[int, int],
    clients: int,
    threads: int,
    device: str,
    dtypes: Sequence[str],
    seed: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """`items` one-item requests from `clients` concurrent clients, each request sent once, to a
    server per dtype in `dtypes`; against transformers one item at a time on the same rows (in
    the first dtype). Each server gets one warm-up round of distinct copies first."""
    reward = load_reward_model(model_dir, device=device, dtype=dtypes[0], max_tokens=4 * tokens[1])
    workload = WorkloadBuilder(reward.encoder, seed=seed).uniform("many-clients", items, *tokens)
    shape = offline.ModelShape.of(reward.scorer.model)
    log(f"many clients: transformers one at a time ({workload.describe()})")
    baseline = offline.hf_loop(workload.name, reward.scorer.model, workload.rows, shape)
    prefix = common_prefix_length(workload.rows)
    del reward
    servers = []
    for dtype in dtypes:
        log(f"many clients: {clients} clients, {dtype} server")
        with online.running_server(model_dir, threads=threads, device=device, dtype=dtype) as url:
            warm_up = [online.distinct(workload.conversations, items + i) for i in range(clients)]
            asyncio.run(online.run_load(url, warm_up, clients, max_requests=clients, max_seconds=600))
            before = server_metrics(url)
            level = asyncio.run(
                online.run_load(url, workload.conversations, clients, max_requests=items, max_seconds=600)
            )
            after = server_metrics(url)

        def grown(name: str, before: dict[str, float] = before, after: dict[str, float] = after) -> float:
            return after.get(name, 0.0) - before.get(name, 0.0)

        batches = grown("reward_batch_rows_count")
        servers.append(
            {
                "dtype": dtype,
                **level.as_dict(),
                "vs_one_at_a_time": baseline.seconds / level.seconds if level.seconds > 0 else 0.0,
                "batches": round(batches),
                "rows_per_batch": grown("reward_batch_rows_sum") / batches if batches else 0.0,
                "engine_busy": grown("reward_batch_seconds_sum") / level.seconds if level.seconds > 0 else 0.0,
            }
        )
    return {
        "model": description,
        "workload": workload.describe(),
        "clients": clients,
        "shared_prefix_tokens": prefix,
        "one_at_a_time_s": baseline.seconds,
        "one_at_a_time_tokens_per_s": baseline.tokens_per_s,
        "servers": servers,
    }


def best_of_n_request(url: str, conversations: Sequence[Conversation], repeats_: int) -> list[float]:
    """Seconds per /score request holding the N conversations, after one warm-up request. Each
    request numbers the shared prompt afresh (`online.distinct`), so none repeats another."""
    latencies = []
    with httpx.Client(base_url=url, timeout=600) as client:
        for attempt in range(repeats_ + 1):
            body = {
                "items": [
                    # One numbering for the whole request: the N responses still share their prompt.
                    {"messages": online.distinct([conversation], attempt + 1)}
                    for conversation in conversations
                ]
            }
            started = time.perf_counter()
            client.post("/score", json=body).raise_for_status()
            if attempt:
                latencies.append(time.perf_counter() - started)
    return latencies


def mixed_precision(
    model_dir: Path,
    reference: RewardModel,
    workload: Workload,
    limits: EngineLimits,
    *,
    device: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The engine on `workload` in float32 (`reference`) and in bf16-mixed, each warmed up,
    interleaved twice; throughput and the aggregate's drift against float32."""
    flags = bf16_cpu_flags()
    if device == "cpu" and not flags:
        return {"skipped": f"this CPU has no bf16 hardware ({flags}): bf16 is emulated and far slower"}
    mixed = load_reward_model(model_dir, device=device, dtype="bf16-mixed", max_tokens=reference.spec.max_tokens)
    shape = offline.ModelShape.of(reference.scorer.model)
    weights = torch.tensor([reference.spec.weights.get(name, 0.0) for name in reference.spec.attributes])
    runs: dict[str, list[offline.Measurement]] = {"float32": [], "bf16-mixed": []}
    kept: dict[str, list[torch.Tensor]] = {"float32": [], "bf16-mixed": []}
    for turn in range(2):
        log(f"mixed precision: turn {turn + 1} of 2 ({workload.describe()})")
        for name, model in (("float32", reference), ("bf16-mixed", mixed)):
            runs[name].append(
                offline.engine_path(workload.name, model.scorer, workload.rows, shape, limits, keep=kept[name])
            )
    aggregate = {name: scores[0][:, : len(weights)] @ weights for name, scores in kept.items()}
    difference = (aggregate["bf16-mixed"] - aggregate["float32"]).abs()
    order = _pairs_in_order(aggregate["float32"], aggregate["bf16-mixed"])
    seconds = {name: statistics.mean(m.seconds for m in measured) for name, measured in runs.items()}
    tokens = workload.tokens
    return {
        "workload": workload.describe(),
        "bf16_flags": flags,
        "float32_tokens_per_s": tokens / seconds["float32"],
        "mixed_tokens_per_s": tokens / seconds["bf16-mixed"],
        "speedup": seconds["float32"] / seconds["bf16-mixed"],
        "drift_mean": float(difference.mean()),
        "drift_max": float(difference.max()),
        "pairs_in_order": order,
    }


def _pairs_in_order(reference: torch.Tensor, other: torch.Tensor) -> float:
    """Share of item pairs that `other` orders as `reference` does (pairs tied in it left out)."""
    first, second = torch.triu_indices(len(reference), len(reference), offset=1)
    ref = reference[first] - reference[second]
    kept = ref != 0
    same = (ref[kept] > 0) == ((other[first] - other[second])[kept] > 0)
    return float(same.float().mean()) if kept.any() else 1.0


def cached_repeats(model: RewardModel, config: repeats.RepeatConfig, threads: int) -> dict[str, Any]:
    """`bench.repeats`' rounds (the real app twice in process, cache on and off) on `model`."""
    rounds = asyncio.run(repeats.measure(model, config, threads))
    return {
        "items": config.items,
        "tokens": list(config.tokens),
        "rounds": config.rounds,
        "apps": {name: repeats.summarize(app_rounds) for name, app_rounds in rounds.items()},
    }
