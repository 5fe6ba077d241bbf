"""One command for every benchmark: `python -m bench.run [--quick]`.

Measures, side by side in one run: the machine's fp32 matmul peak; our scoring path against
transformers one item at a time and against arrival-order padded batches, on short, realistic
and heavy-tailed workloads; sdpa against eager attention on long items; best-of-N with and
without the shared prefix; and the real server under 1, 8 and 32 concurrent clients.

Writes `bench/results/<mode>.json` and `.md`; a full run also puts the tables in BENCHMARKS.md.
`--quick` runs every code path in seconds on a tiny random model (its figures mean nothing).
Sizes are fields of `BenchConfig`, each settable with `--set name=value`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (`python bench/run.py`): make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import transformers

from bench import offline, online, repeats, rounds
from bench.models import chosen_model, no_system_turn_model
from bench.precision import bf16_cpu_flags
from bench.report import add_common_arguments, load_average, render, update_section, write_json_and_markdown
from bench.workloads import Workload, WorkloadBuilder
from reward_service.config import DEFAULT_SHARED_PREFIX_MIN_TOKENS, Settings
from reward_service.engine import EngineLimits
from reward_service.engine.plan import common_prefix_length
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.model.scorer import Scorer

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("bench")


@dataclass(frozen=True)
class BenchConfig:
    """Sizes of every measurement. Full-mode defaults aim at under 10 minutes on 2 cores."""

    short_items: int = 64
    short_tokens: tuple[int, int] = (20, 64)
    realistic_items: int = 32
    realistic_tokens: tuple[int, int] = (100, 500)
    heavy_items: int = 24
    heavy_long_items: int = 2  # near `max_tokens`, spread through the arrival order
    heavy_short_tokens: tuple[int, int] = (20, 100)
    max_tokens: int = 1024  # the item limit the heavy tail approaches
    naive_batch_size: int = 8
    max_batch_tokens: int = 8192  # the server's default token budget
    matmul_n: int = 2048
    matmul_repeats: int = 5
    long_items: int = 2
    long_tokens: int = 1024
    best_of_n: tuple[int, ...] = (4, 8, 16)
    best_of_n_prompt_tokens: int = 256
    best_of_n_response_tokens: int = 64
    shared_prefix_min_tokens: int = DEFAULT_SHARED_PREFIX_MIN_TOKENS  # the server's default
    device: str = "cpu"  # as `serve --device`
    dtype: str = "auto"  # as `serve --dtype`: float32 on CPU, bfloat16 on GPU
    online: bool = True
    concurrency: tuple[int, ...] = (1, 8, 32)
    online_max_requests: int = 200
    online_max_seconds: float = 10.0
    latency_repeats: int = 10
    # Many clients, short items, a template without a system turn (so nothing shared).
    clients_items: int = 96
    clients_tokens: tuple[int, int] = (20, 35)
    clients: int = 16
    mixed_precision: bool = True  # bf16-mixed beside float32 (skipped on CPUs without bf16 hardware)
    repeat_items: int = 64
    repeat_tokens: tuple[int, int] = (100, 300)
    repeat_rounds: int = 2
    seed: int = 0


QUICK = BenchConfig(
    short_items=6,
    realistic_items=4,
    realistic_tokens=(100, 160),
    heavy_items=6,
    heavy_long_items=1,
    max_tokens=256,
    naive_batch_size=4,
    matmul_n=256,
    matmul_repeats=2,
    long_items=1,
    long_tokens=256,
    best_of_n=(2, 4),
    best_of_n_prompt_tokens=64,
    best_of_n_response_tokens=16,
    concurrency=(1, 4),
    online_max_requests=8,
    online_max_seconds=2.0,
    latency_repeats=3,
    clients_items=12,
    clients=4,
    repeat_items=8,
    repeat_tokens=(20, 60),
)


def with_overrides(config: BenchConfig, assignments: Sequence[str]) -> BenchConfig:
    """Apply `name=value` overrides; tuples are comma-separated (`concurrency=1,4`)."""
    changes: dict[str, Any] = {}
    fields = {field.name for field in dataclasses.fields(config)}
    for assignment in assignments:
        name, _, text = assignment.partition("=")
        if name not in fields or not text:
            raise ValueError(f"--set {assignment!r}: expected NAME=VALUE with NAME one of {sorted(fields)}")
        current = getattr(config, name)
        if isinstance(current, bool):
            changes[name] = text.lower() in ("1", "true", "yes", "on")
        elif isinstance(current, tuple):
            changes[name] = tuple(type(current[0])(part) for part in text.split(","))
        else:
            changes[name] = type(current)(text)
    return dataclasses.replace(config, **changes)


def run_benchmarks(
    config: BenchConfig,
    model_dir: Path,
    *,
    mode: str,
    description: str,
    threads: int,
    clients_model: tuple[Path, str] | None = None,
    log: Callable[[str], None] = logger.info,
) -> dict[str, Any]:
    """Every measurement on the checkpoint at `model_dir` (the many-clients one on
    `clients_model`, a checkpoint whose template adds no system turn); the JSON-ready result."""
    started, load_start = time.perf_counter(), load_average()
    torch.set_num_threads(threads)
    reward = load_reward_model(
        model_dir,
        device=config.device,
        dtype=config.dtype,
        max_tokens=max(config.max_tokens, config.long_tokens) + 64,
    )
    model, scorer = reward.scorer.model, reward.scorer
    shape = offline.ModelShape.of(model)
    fill = scorer.fill_id

    log(f"matmul peak ({config.matmul_n}^3 x {config.matmul_repeats})")
    peak = offline.matmul_flops(config.matmul_n, config.matmul_repeats, device=reward.device, dtype=reward.dtype)

    build = WorkloadBuilder(reward.encoder, seed=config.seed)
    near_limit = (config.max_tokens * 7 // 8, config.max_tokens)
    workloads = [
        build.uniform("short", config.short_items, *config.short_tokens),
        build.uniform("realistic", config.realistic_items, *config.realistic_tokens),
        build.heavy_tailed(config.heavy_items, config.heavy_long_items, config.heavy_short_tokens, near_limit),
    ]
    limits = engine_limits(config)
    measurements = []
    for workload in workloads:
        log(f"offline: {workload.name} ({workload.describe()})")
        rows = workload.rows
        measurements += [
            offline.hf_loop(workload.name, model, rows, shape),
            offline.naive_batches(workload.name, model, rows, shape, batch_size=config.naive_batch_size, fill=fill),
            offline.engine_path(workload.name, scorer, rows, shape, limits),
        ]

    long = build.uniform("long", config.long_items, config.long_tokens, config.long_tokens)
    log(f"attention: sdpa vs eager ({long.describe()})")
    attention = [offline.attention_impl("long", model, scorer, long.rows, shape, impl) for impl in ("sdpa", "eager")]

    best_of_n = [_best_of_n(build, scorer, shape, n, config, log) for n in config.best_of_n]

    realistic = workloads[1]
    ours_realistic = next(m for m in measurements if m.workload == "realistic" and m.method == offline.OURS)
    online_result = _online(config, reward, model_dir, realistic, workloads[0], ours_realistic, best_of_n, threads, log)
    for entry in best_of_n:
        entry.pop("workload")

    mixed: dict[str, Any] | None = None
    if config.mixed_precision:
        if (config.device, config.dtype) in (("cpu", "auto"), ("cpu", "float32")):
            mixed = rounds.mixed_precision(model_dir, reward, realistic, limits, device=config.device, log=log)
        else:
            mixed = {"skipped": f"the run is in {config.dtype} on {config.device}, not against float32 on the CPU"}

    log(f"repeats: {config.repeat_rounds} rounds of {config.repeat_items} items, cache on and off")
    repeat_config = repeats.RepeatConfig(
        items=config.repeat_items,
        tokens=config.repeat_tokens,
        rounds=config.repeat_rounds,
        device=config.device,
        dtype=config.dtype,
        seed=config.seed,
    )
    repeated = rounds.cached_repeats(reward, repeat_config, threads)

    clients: dict[str, Any] | None = None
    if config.online and clients_model is not None:
        dtypes = [config.dtype]
        if mixed is not None and "skipped" not in mixed:
            dtypes.append("bf16-mixed")
        clients = rounds.many_clients(
            *clients_model,
            items=config.clients_items,
            tokens=config.clients_tokens,
            clients=config.clients,
            threads=threads,
            device=config.device,
            dtypes=dtypes,
            seed=config.seed,
            log=log,
        )

    return {
        "mode": mode,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds_total": time.perf_counter() - started,
        "config": dataclasses.asdict(config),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cpu": repeats.cpu_model(),
            "bf16_flags": bf16_cpu_flags(),
            "load_start": load_start,
            "load_end": load_average(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "python": platform.python_version(),
        },
        "model": {
            "path": str(model_dir),
            "description": description,
            "params": sum(p.numel() for p in model.parameters()),
            "non_embedding_params": shape.non_embedding_params,
            "layers": shape.layers,
            "attention_width": shape.attention_width,
            "dtype": str(reward.dtype).removeprefix("torch."),
        },
        "roofline": {"n": config.matmul_n, "repeats": config.matmul_repeats, "flops": peak},
        "workloads": {w.name: w.describe() for w in [*workloads, long]},
        "offline": [m.as_dict(peak) for m in measurements],
        "attention": [m.as_dict(peak) for m in attention],
        "best_of_n": best_of_n,
        "online": online_result,
        "many_clients": clients,
        "mixed_precision": mixed,
        "repeats": repeated,
    }


def engine_limits(config: BenchConfig) -> EngineLimits:
    """The server's default limits (its Settings) with this run's batch budget and sharing."""
    return dataclasses.replace(
        EngineLimits.from_settings(Settings()),
        max_batch_tokens=config.max_batch_tokens,
        shared_prefix_min_tokens=config.shared_prefix_min_tokens,
    )


def _best_of_n(
    build: WorkloadBuilder,
    scorer: Scorer,
    shape: offline.ModelShape,
    n: int,
    config: BenchConfig,
    log: Callable[[str], None],
) -> dict[str, Any]:
    workload = build.best_of_n(n, config.best_of_n_prompt_tokens, config.best_of_n_response_tokens)
    log(f"best-of-{n} ({workload.describe()})")
    scores: list[torch.Tensor] = []
    rows = workload.rows
    plain = offline.plain_batched(workload.name, scorer, rows, shape, config.max_batch_tokens, scores)
    limits = engine_limits(config)
    shared = offline.shared_prefix(workload.name, scorer, rows, shape, limits, scores)
    engine = offline.engine_path(workload.name, scorer, rows, shape, limits, one_request=True, keep=scores)
    prompt = common_prefix_length(rows)  # the template's header + the prompt turn
    return {
        "workload": workload,  # for the server's measurement; dropped from the result
        "n": n,
        "prompt_tokens": prompt,
        "response_tokens": round(statistics.mean(len(row) - prompt for row in rows)),
        "plain_s": plain.seconds,
        "shared_s": shared.seconds,
        "engine_s": engine.seconds,
        "plain_computed": plain.computed_tokens,
        "shared_computed": shared.computed_tokens,
        "engine_computed": engine.computed_tokens,
        "plain_tokens_per_s": plain.tokens_per_s,
        "shared_tokens_per_s": shared.tokens_per_s,
        "engine_tokens_per_s": engine.tokens_per_s,
        "max_abs_diff": max(float((other - scores[0]).abs().max()) for other in scores[1:]),
    }


def _online(
    config: BenchConfig,
    reward: RewardModel,
    model_dir: Path,
    realistic: Workload,
    short: Workload,
    ours: offline.Measurement,
    best_of_n: list[dict[str, Any]],
    threads: int,
    log: Callable[[str], None],
) -> dict[str, Any] | None:
    """The server under 1 or more clients, one short request's latency, and each best-of-N as
    one /score request (its median over `latency_repeats`, stored in its `best_of_n` entry)."""
    if not config.online:
        return None
    log("online: starting the server")
    with online.running_server(model_dir, threads=threads, device=config.device, dtype=config.dtype) as url:
        levels = []
        for clients in config.concurrency:
            log(f"online: {clients} clients")
            levels += online.load_levels(
                url,
                realistic.conversations,
                [clients],
                max_requests=config.online_max_requests,
                max_seconds=config.online_max_seconds,
            )
        conversation, row = short.conversations[0], short.rows[0]
        server = online.request_latencies(url, conversation, config.latency_repeats)
        for entry in best_of_n:
            log(f"online: best-of-{entry['n']} as one request")
            seconds = rounds.best_of_n_request(url, entry["workload"].conversations, config.latency_repeats)
            entry["server_s"] = statistics.median(seconds)
    forward = _forward_latencies(reward, row, config.latency_repeats)
    return {
        "offline_tokens_per_s": ours.tokens_per_s,
        "levels": [level.as_dict() for level in levels],
        "single": {
            "tokens": len(row),
            "server_p50_ms": 1000 * statistics.median(server),
            "forward_p50_ms": 1000 * statistics.median(forward),
        },
    }


def _forward_latencies(reward: RewardModel, row: Sequence[int], repeats: int) -> list[float]:
    """Seconds per bare transformers forward of one row (after one warm-up)."""
    model, ids = reward.scorer.model, torch.tensor([list(row)], device=reward.device)  # [1, T]

    def measure() -> list[float]:
        latencies = []
        with torch.inference_mode():
            model(input_ids=ids)
            for _ in range(repeats):
                started = time.perf_counter()
                model(input_ids=ids)
                offline.synchronize(reward.device)
                latencies.append(time.perf_counter() - started)
        return latencies

    return offline.on_worker(measure)


def write_results(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """`<out>/<mode>.json` and `<out>/<mode>.md`."""
    return write_json_and_markdown(result, out, result["mode"], render(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    add_common_arguments(parser, "Smoke run: tiny random model, tiny sizes, seconds.")
    parser.add_argument("--device", default=None, help="torch device, as `serve --device` (default: cpu).")
    parser.add_argument("--dtype", default=None, help="as `serve --dtype` (default: auto).")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="Override a size.")
    parser.add_argument("--no-online", action="store_true", help="Skip the server measurements.")
    parser.add_argument(
        "--no-update-md", action="store_true", help="Do not write the tables into BENCHMARKS.md (full mode)."
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    mode = "quick" if args.quick else "full"
    config = with_overrides(QUICK if args.quick else BenchConfig(), args.set)
    if args.no_online:
        config = dataclasses.replace(config, online=False)
    if args.device is not None or args.dtype is not None:
        config = dataclasses.replace(config, device=args.device or config.device, dtype=args.dtype or config.dtype)
    if mode == "full" and (config.device, config.dtype) != ("cpu", "auto"):
        # Another device or precision gets its own results files and leaves BENCHMARKS.md's
        # (CPU, float32) tables alone.
        mode = f"full-{config.device.replace(':', '')}-{config.dtype}"
    threads = args.threads or len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        model_dir, description = chosen_model(args.model, args.quick, Path(scratch))
        clients_model = no_system_turn_model(args.quick, Path(scratch)) if config.online else None
        result = run_benchmarks(
            config, model_dir, mode=mode, description=description, threads=threads, clients_model=clients_model
        )
    json_path, md_path = write_results(result, args.out)
    if mode == "full" and not args.no_update_md:  # the default CPU, float32 run only
        update_section(ROOT / "BENCHMARKS.md", render(result))
    print(render(result))
    print(f"\nwrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
