"""A repeated request: its first time against its repeat, side by side in one run.

    .venv/bin/python -m bench.repeats            # the default model, about two minutes on 2 cores
    .venv/bin/python -m bench.repeats --quick    # tiny random model, seconds; its figures mean nothing

Two copies of the real app run in this process on the same loaded model (lifespan, engine,
routes and middlewares; httpx over ASGI, so no sockets): one with the result cache at its
defaults, one with `cache_size` 0. Each round builds a fresh request of `items` conversations
(distinct from every other round's, so its first time is really computed) and sends it to
each app twice in a row, the apps taking turns. Latency is client side, per request.

Besides the times, each round records what is not a timing: whether the repeat answered
exactly the first answer's JSON, and from the app's /metrics how many batches the repeat ran
and how many of its items hit the cache.

Writes `bench/results/repeats.json` and `.md` (`--out` for another folder).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (`python bench/repeats.py`): make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import torch
from prometheus_client.parser import text_string_to_metric_families

from bench.models import chosen_model
from bench.online import distinct
from bench.report import add_common_arguments, load_average, table, write_json_and_markdown
from bench.workloads import WorkloadBuilder
from reward_service.cli import quiet_libraries
from reward_service.config import Settings
from reward_service.model.formatting import Conversation
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.server.app import create_app

CACHED, UNCACHED = "cache on (defaults)", "cache off (cache_size 0)"


@dataclass(frozen=True)
class RepeatConfig:
    items: int = 64  # conversations per request
    tokens: tuple[int, int] = (100, 300)  # each conversation's length, uniform in this range
    rounds: int = 3  # fresh requests, each sent twice to each app
    device: str = "cpu"
    dtype: str = "auto"
    seed: int = 0


QUICK = RepeatConfig(tokens=(20, 60), rounds=2)


def cpu_model() -> str:
    """The CPU's model name, as `lscpu` gives it ("Model name")."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def requests_of(model: RewardModel, config: RepeatConfig) -> list[list[Conversation]]:
    """`rounds` requests of `items` conversations each, no conversation in two of them."""
    build = WorkloadBuilder(model.encoder, seed=config.seed)
    pool = build.uniform("repeat", config.items, *config.tokens).conversations
    return [
        [distinct(pool, round_ * config.items + index) for index in range(config.items)]
        for round_ in range(config.rounds)
    ]


async def _metrics(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


async def _timed(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post("/score", json=body)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return seconds, data


async def _round(client: httpx.AsyncClient, conversations: Sequence[Conversation]) -> dict[str, Any]:
    body = {"items": [{"messages": list(conversation)} for conversation in conversations]}
    first_s, first = await _timed(client, body)
    before = await _metrics(client)
    repeat_s, repeat = await _timed(client, body)
    after = await _metrics(client)

    def grown(name: str) -> int:
        return round(after.get(name, 0.0) - before.get(name, 0.0))

    return {
        "first_ms": 1000 * first_s,
        "repeat_ms": 1000 * repeat_s,
        "identical": repeat == first,
        "tokens": sum(result["tokens"] for result in first["results"]),
        "repeat_batches": grown("reward_batch_rows_count"),
        "repeat_hits": grown("reward_cache_hits_total"),
    }


async def measure(model: RewardModel, config: RepeatConfig, threads: int) -> dict[str, list[dict[str, Any]]]:
    base = {"model": None, "threads": threads, "device": config.device, "dtype": config.dtype}
    apps = {CACHED: Settings(**base), UNCACHED: Settings(**base, cache_size=0)}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in apps}
    async with AsyncExitStack() as stack:
        clients = {}
        for name, settings in apps.items():
            app = create_app(settings, model)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600)
            clients[name] = await stack.enter_async_context(client)
            await _wait_ready(clients[name])
        for conversations in requests_of(model, config):
            for name, client in clients.items():
                rounds[name].append(await _round(client, conversations))
    return rounds


async def _wait_ready(client: httpx.AsyncClient, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while (await client.get("/ready")).status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app was not ready within {timeout:g} s")
        await asyncio.sleep(0.01)


def summarize(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    first = statistics.median(r["first_ms"] for r in rounds)
    repeat = statistics.median(r["repeat_ms"] for r in rounds)
    return {
        "first_p50_ms": first,
        "repeat_p50_ms": repeat,
        "speedup": first / repeat if repeat > 0 else float("nan"),
        "slowest_round_speedup": min(r["first_ms"] / r["repeat_ms"] for r in rounds),
        "all_identical": all(r["identical"] for r in rounds),
        "repeat_batches": sum(r["repeat_batches"] for r in rounds),
        "repeat_hits": sum(r["repeat_hits"] for r in rounds),
        "rounds": list(rounds),
    }


def run_repeats(
    config: RepeatConfig, model_dir: Path, *, description: str, threads: int, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Both apps' rounds on the checkpoint at `model_dir`; the JSON-ready result."""
    started, load_start = time.perf_counter(), load_average()
    torch.set_num_threads(threads)
    model = load_reward_model(model_dir, device=config.device, dtype=config.dtype)
    log(f"repeats: {config.rounds} rounds of {config.items} items, {config.tokens[0]}-{config.tokens[1]} tokens")
    rounds = asyncio.run(measure(model, config, threads))
    return {
        "mode": "repeats",
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds_total": time.perf_counter() - started,
        "config": dataclasses.asdict(config),
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_start": load_start,
            "load_end": load_average(),
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "model": {"path": str(model_dir), "description": description, "dtype": str(model.dtype).removeprefix("torch.")},
        "apps": {name: summarize(app_rounds) for name, app_rounds in rounds.items()},
    }


def render(result: dict[str, Any]) -> str:
    config, machine, apps = result["config"], result["machine"], result["apps"]
    lines = [
        f"### Repeated requests: first time against the repeat ({result['started']})",
        "",
        f"- Machine: {machine['cpu']}, {machine['cpus']} CPUs, torch threads {machine['torch_threads']}, "
        f"load average {machine['load_start']} at start and {machine['load_end']} at the end; "
        f"torch {machine['torch']}, Python {machine['python']}.",
        f"- Model: {result['model']['description']}, {result['model']['dtype']}.",
        f"- Requests: {config['rounds']} rounds, each a fresh /score request of {config['items']} conversations "
        f"of {config['tokens'][0]}-{config['tokens'][1]} tokens sent twice in a row to each app, in process "
        "(httpx over ASGI); p50 of the client-side latency.",
        "",
    ]
    rows = []
    for name, app in apps.items():
        rows.append(
            [
                name,
                f"{app['first_p50_ms']:,.1f}",
                f"{app['repeat_p50_ms']:,.1f}",
                f"**{app['speedup']:.1f}x** (slowest round {app['slowest_round_speedup']:.1f}x)",
                app["repeat_batches"],
                app["repeat_hits"],
                "yes" if app["all_identical"] else "no",
            ]
        )
    header = ["app", "first p50 ms", "repeat p50 ms", "first / repeat", "repeat batches", "repeat hits", "identical"]
    lines += table(header, rows)
    return "\n".join(lines)


def write_results(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    return write_json_and_markdown(result, out, "repeats", render(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.repeats", description=__doc__.splitlines()[0])
    add_common_arguments(parser, "Smoke run: tiny random model, short items, seconds.")
    parser.add_argument("--device", default=None, help="torch device, as `serve --device` (default: cpu).")
    parser.add_argument("--dtype", default=None, help="as `serve --dtype` (default: auto).")
    parser.add_argument("--items", type=int, default=None, help="Conversations per request (default: 64).")
    parser.add_argument("--rounds", type=int, default=None, help="Fresh requests, each sent twice to each app.")
    args = parser.parse_args(argv)
    quiet_libraries("warning")

    config = QUICK if args.quick else RepeatConfig()
    given = {"items": args.items, "rounds": args.rounds, "device": args.device, "dtype": args.dtype}
    changes = {name: value for name, value in given.items() if value is not None}
    config = dataclasses.replace(config, **changes)
    threads = args.threads or len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        model_dir, description = chosen_model(args.model, args.quick, Path(scratch))
        result = run_repeats(
            config, model_dir, description=description, threads=threads, log=lambda line: print(line, file=sys.stderr)
        )
    json_path, md_path = write_results(result, args.out)
    print(render(result))
    print(f"\nwrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
