"""Records/s of `reward-service score --ray` with 1 and 2 actors, against the in-process run.

    .venv/bin/python -m bench.ray_data            # the default model, a few minutes on 2 cores
    .venv/bin/python -m bench.ray_data --quick    # tiny random model, under a minute; figures mean nothing

One JSONL input of `records` conversations (`tokens` long each, built by WorkloadBuilder) is
scored by the real command (`reward_service.cli.main`): in this process first, then on a Ray
cluster, with each setup of `setups` (actors, logical CPUs per actor). An actor's torch threads
are its CPUs; the in-process run uses every core. The cluster is started once for the whole
run (local, loopback only, dashboard off), or joined with `--address`, so that its own start
is not counted: what is counted is what every `score --ray` pays (its dataset, its actors
importing torch and loading the model, the probe) and the scoring itself.

Each run is timed from the command's start to its return. A thread watching the output file
notes when the first chunk lands in it and when the last does, which splits the wall time
into start-up (until the first chunk) and steady scoring: steady records/s = the records after
the first chunk / the seconds from the first chunk to the last. Not a timing: every run's
output holds the same records in the same order as the in-process run's, with the largest
difference between their aggregates reported (batches differ, so the last bits may).

Writes `bench/results/ray_data.json` and `.md` (`--out` for another folder).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import io
import json
import math
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (`python bench/ray_data.py`): make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from bench.models import chosen_model
from bench.report import add_common_arguments, load_average, table, write_json_and_markdown
from bench.workloads import WorkloadBuilder
from reward_service.cli import main as cli_main
from reward_service.cli import quiet_libraries
from reward_service.model.loading import load_reward_model

IN_PROCESS = "in-process"
OBJECT_STORE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class RayDataConfig:
    records: int = 240
    tokens: tuple[int, int] = (60, 160)  # each conversation's length, uniform in this range
    chunk_size: int = 16  # records per block (and per in-process chunk)
    setups: tuple[tuple[int, float], ...] = ((1, 1.0), (1, 2.0), (2, 1.0))  # (actors, CPUs per actor)
    seed: int = 0


QUICK = RayDataConfig(records=400, tokens=(20, 60))


def setup_name(actors: int, cpus: float) -> str:
    return f"ray: {actors} actor{'s' if actors > 1 else ''} x {cpus:g} CPU{'s' if cpus != 1 else ''}"


def write_input(model_dir: Path, config: RayDataConfig, path: Path) -> int:
    """The records, one `prompt` + `response` each; their total tokens."""
    model = load_reward_model(model_dir)
    build = WorkloadBuilder(model.encoder, seed=config.seed)
    workload = build.uniform("ray-data", config.records, *config.tokens)
    with path.open("w", encoding="utf-8") as file:
        for index, conversation in enumerate(workload.conversations):
            record = {"id": index, "prompt": conversation[0]["content"], "response": conversation[1]["content"]}
            file.write(json.dumps(record) + "\n")
    return workload.tokens


class _Watcher:
    """Notes each time the output file grows: (seconds since `started`, size)."""

    def __init__(self, path: Path, started: float) -> None:
        self.path, self.started = path, started
        self.sizes: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        last = 0
        while not self._stop.is_set():
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size != last:
                self.sizes.append((time.perf_counter() - self.started, size))
                last = size
            time.sleep(0.002)

    def __enter__(self) -> _Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_run(argv: Sequence[str], output: Path, records: int) -> dict[str, Any]:
    """One `reward-service` command, its wall time split at its first chunk."""
    started = time.perf_counter()
    with _Watcher(output, started) as watcher, contextlib.redirect_stderr(io.StringIO()) as err:
        status = cli_main([str(arg) for arg in argv])
        seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"reward-service {' '.join(map(str, argv))} exited {status}:\n{err.getvalue()}")
    text = output.read_bytes()
    (first_s, first_size), (last_s, _) = watcher.sizes[0], watcher.sizes[-1]
    first_records = text[:first_size].count(b"\n")
    steady = (records - first_records) / (last_s - first_s) if last_s > first_s else math.nan
    return {
        "seconds": seconds,
        "startup_s": first_s,
        "records_per_s": records / seconds,
        "steady_records_per_s": steady,
        "output": [json.loads(line) for line in text.splitlines()],
    }


@contextlib.contextmanager
def ray_cluster(address: str | None, cpus: int) -> Iterator[str]:
    """The address of the cluster this process is connected to: the one it already is, the one at
    `address` (joined and left), or a local one started here and stopped after."""
    if address is None:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback only (before importing ray)
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if ray.is_initialized():
        yield ray.get_runtime_context().gcs_address
        return
    if address is None:
        ray.init(num_cpus=cpus, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES, log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def run_ray_data(
    config: RayDataConfig,
    model_dir: Path,
    *,
    description: str,
    threads: int,
    address: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The in-process run and every Ray setup on the checkpoint at `model_dir`; the JSON-ready result."""
    started, load_start = time.perf_counter(), load_average()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ray-data-") as scratch:
        folder = Path(scratch)
        source = folder / "in.jsonl"
        tokens = write_input(model_dir, config, source)
        base = ["score", source, "--model", model_dir, "--chunk-size", config.chunk_size]
        log(f"ray_data: {config.records} records, {tokens} tokens; {IN_PROCESS}")
        local = timed_run(
            [*base, "-o", folder / "local.jsonl", "--threads", threads], folder / "local.jsonl", config.records
        )
        runs.append({"setup": IN_PROCESS, "actors": 0, "cpus_per_actor": threads, **local})
        needed = max(a * c for a, c in config.setups) + 0.5  # and the read task
        with ray_cluster(address, max(threads, math.ceil(needed))) as cluster:
            for actors, cpus in config.setups:
                name = setup_name(actors, cpus)
                log(f"ray_data: {name}")
                out = folder / f"ray-{actors}-{cpus:g}.jsonl"
                flags = ["--ray", "--ray-address", cluster, "--ray-actors", actors, "--ray-num-cpus", cpus]
                measured = timed_run([*base, "-o", out, *flags], out, config.records)
                runs.append({"setup": name, "actors": actors, "cpus_per_actor": cpus, **measured})
    reference = runs[0]["output"]
    for run in runs:
        output = run.pop("output")
        run["same_records"] = [r["id"] for r in output] == [r["id"] for r in reference]
        run["max_abs_diff"] = max(abs(a["aggregate"] - b["aggregate"]) for a, b in zip(output, reference, strict=True))
        run["vs_in_process"] = run["steady_records_per_s"] / runs[0]["steady_records_per_s"]
    return {
        "mode": "ray_data",
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds_total": time.perf_counter() - started,
        "config": dataclasses.asdict(config),
        "tokens": tokens,
        "machine": {
            "cpus": os.cpu_count(),
            "in_process_threads": threads,
            "load_start": load_start,
            "load_end": load_average(),
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "model": {"path": str(model_dir), "description": description},
        "runs": runs,
    }


def render(result: dict[str, Any]) -> str:
    config, machine = result["config"], result["machine"]
    lines = [
        f"### `score --ray` against in-process ({result['started']})",
        "",
        f"- Machine: {machine['cpus']} CPUs; in-process run with {machine['in_process_threads']} torch threads, "
        "each actor with as many threads as its CPUs; load average "
        f"{machine['load_start']} at start and {machine['load_end']} at the end; torch {machine['torch']}, "
        f"Python {machine['python']}.",
        f"- Model: {result['model']['description']}.",
        f"- Input: {config['records']} records of {config['tokens'][0]}-{config['tokens'][1]} tokens "
        f"({result['tokens']} in all), chunks of {config['chunk_size']} records; one Ray cluster for every setup.",
        "",
    ]
    rows = [
        [
            run["setup"],
            f"{run['seconds']:.1f}",
            f"{run['startup_s']:.1f}",
            f"{run['records_per_s']:.1f}",
            f"**{run['steady_records_per_s']:.1f}**",
            f"{run['vs_in_process']:.2f}x",
            "yes" if run["same_records"] else "no",
            f"{run['max_abs_diff']:.1e}",
        ]
        for run in result["runs"]
    ]
    header = [
        "setup", "wall s", "start-up s", "records/s (wall)", "records/s (steady)", "steady vs in-process",
        "same records", "max aggregate diff",
    ]  # fmt: skip
    lines += table(header, rows)
    return "\n".join(lines)


def write_results(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    return write_json_and_markdown(result, out, "ray_data", render(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ray_data", description=__doc__.splitlines()[0])
    add_common_arguments(parser, "Smoke run: tiny random model, short items.")
    parser.add_argument("--records", type=int, default=None, help="Records in the input.")
    parser.add_argument("--chunk-size", type=int, default=None, help="Records per chunk (a Ray Data block).")
    parser.add_argument("--address", default=None, help="Join this Ray cluster instead of starting a local one.")
    args = parser.parse_args(argv)
    quiet_libraries("warning")

    config = QUICK if args.quick else RayDataConfig()
    given = {"records": args.records, "chunk_size": args.chunk_size}
    config = dataclasses.replace(config, **{name: value for name, value in given.items() if value is not None})
    threads = args.threads or len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        model_dir, description = chosen_model(args.model, args.quick, Path(scratch))
        result = run_ray_data(
            config,
            model_dir,
            description=description,
            threads=threads,
            address=args.address,
            log=lambda line: print(line, file=sys.stderr),
        )
    json_path, md_path = write_results(result, args.out)
    print(render(result))
    print(f"\nwrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
