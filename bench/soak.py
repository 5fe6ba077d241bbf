"""Soak test: does the server's memory level off under steady load?

    .venv/bin/python bench/soak.py --minutes 30 --model PATH
    .venv/bin/python bench/soak.py --quick --model PATH      # ~half a minute, for smoke tests

Starts `reward-service serve` on a free loopback port, warms it up, then keeps `--clients`
concurrent clients sending a steady mix for `--minutes`: /score requests of 1-8 items of mixed
lengths, some /rank requests, and a few requests the server must refuse (an empty response, an
item over the token limit) so that error paths run too. Every `--interval` seconds it samples
the server's resident memory (VmRSS in /proc/PID/status), its thread and file descriptor
counts, and the requests answered so far.

Memory levels off when the RSS grown over the second half of the measured period stays within
`--max-growth-pct` of the RSS at half time plus `--slack-mb` (allocator noise). The first half
is reported beside it: a leak grows in both halves alike, a warm-up only in the first. The
report is a table plus a verdict; `--json PATH` writes it all. The exit status is 0 when memory
levelled off and every request got the answer it should (200, or 422 for the refused ones),
1 otherwise.

The load generator runs on the same machine as the server and shares its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

if __package__ in (None, ""):  # run as a script (`python bench/soak.py`): make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.online import free_port, percentile
from bench.workloads import WORDS

# --- the server process ------------------------------------------------------------------------


@dataclass
class Server:
    """A running `reward-service serve` process and where to reach it."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    exit_code: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def running_server(
    model: Path | None,
    *,
    threads: int = 1,
    args: Sequence[str] = (),
    startup_timeout: float = 180.0,
    stop_timeout: float = 60.0,
) -> Iterator[Server]:
    """`reward-service serve` on 127.0.0.1 and a free port, yielded once /ready is 200.

    Output goes to a temporary file (a pipe nobody reads would stall a chatty server). On exit
    the server gets SIGTERM (it drains in-flight requests, then exits 0); `exit_code` records
    how it ended.
    """
    port = free_port()
    command = [sys.executable, "-m", "reward_service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if model is not None:
        command += ["--model", str(model)]
    command += ["--threads", str(threads), "--log-level", "warning", *args]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_ready(server, startup_timeout)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            server.exit_code = process.returncode


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the server at {server.url} was not ready within {timeout:g} s:\n{server.output()}")


def process_sample(pid: int) -> dict[str, float]:
    """Resident memory (MB), peak resident memory (MB), threads and open file descriptors of `pid`."""
    fields: dict[str, str] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return {
        "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
        "hwm_mb": int(fields["VmHWM"].split()[0]) / 1024,
        "threads": int(fields["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


# --- the load ----------------------------------------------------------------------------------


@dataclass
class LoadStats:
    requests: int = 0  # answered, whatever the status
    items: int = 0  # items in requests answered as expected
    lost: int = 0  # no answer: connection error or client timeout
    unexpected: int = 0  # an answer other than the one this kind of request should get
    statuses: Counter[str] = field(default_factory=Counter)  # "kind status" -> count
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first few unexpected answers

    def note(self, problem: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(problem)


class Mix:
    """Deterministic request mix: mostly /score of 1-8 items, some /rank, a few refused requests."""

    def __init__(self, seed: int, *, max_words: int, max_tokens: int) -> None:
        self.random = random.Random(seed)
        self.max_words = max_words
        self.max_tokens = max_tokens

    def text(self, low: int, high: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(low, high)))

    def length(self) -> int:
        """Mostly short items, some medium, a few at the top of the range."""
        roll = self.random.random()
        if roll < 0.5:
            return self.random.randint(1, 12)
        if roll < 0.85:
            return self.random.randint(12, max(12, self.max_words // 3))
        return self.random.randint(max(12, self.max_words // 3), self.max_words)

    def item(self) -> dict[str, Any]:
        words = self.length()
        if self.random.random() < 0.7:
            return {"prompt": self.text(2, 20), "response": self.text(words, words)}
        turns: list[dict[str, str]] = []
        if self.random.random() < 0.5:
            turns.append({"role": "system", "content": self.text(3, 12)})
        turns += [{"role": "user", "content": self.text(2, 20)}, {"role": "assistant", "content": self.text(2, 10)}]
        turns += [
            {"role": "user", "content": self.text(2, 20)},
            {"role": "assistant", "content": self.text(words, words)},
        ]
        return {"messages": turns}

    def request(self) -> tuple[str, str, dict[str, Any], int]:
        """(kind, path, body, expected status)."""
        body: dict[str, Any]
        roll = self.random.random()
        if roll < 0.05:
            blank = {"prompt": self.text(2, 10), "response": "   "}  # must be refused, never scored
            return "invalid", "/score", {"items": [self.item(), blank]}, 422
        if roll < 0.08:
            # Every one of these words is at least one token: over the limit whatever the tokenizer.
            long = " ".join(self.random.choice(WORDS) for _ in range(self.max_tokens + 16))
            return "too_long", "/score", {"items": [{"prompt": "Hi", "response": long}]}, 422
        if roll < 0.18:
            responses = [self.text(1, self.length()) for _ in range(self.random.randint(2, 6))]
            body = {"prompt": self.text(2, 20), "responses": responses, "truncation": "left"}
            return "rank", "/rank", body, 200
        # Left truncation: lengths are in words, so an item may come out over a small model's
        # token limit; it is then cut (exercising that path) rather than refused.
        body = {"items": [self.item() for _ in range(self.random.randint(1, 8))], "truncation": "left"}
        if self.random.random() < 0.2:
            body["thresholds"] = {"aggregate": {"min": 0.0}}
        return "score", "/score", body, 200


def expected_results(path: str, body: dict[str, Any]) -> int:
    return len(body["items"]) if path == "/score" else len(body["responses"])


async def drive(
    url: str, clients: int, seconds: float, stats: LoadStats, *, seed: int, max_tokens: int, max_words: int
) -> None:
    """`clients` loops, each sending one request at a time, until `seconds` have passed."""
    deadline = time.perf_counter() + seconds

    async def client_loop(index: int) -> None:
        mix = Mix(seed * 1000 + index, max_words=max_words, max_tokens=max_tokens)
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            while time.perf_counter() < deadline:
                kind, path, body, expected = mix.request()
                started = time.perf_counter()
                try:
                    response = await client.post(path, json=body)
                except httpx.HTTPError as exc:
                    stats.lost += 1
                    stats.note(f"{kind} {path}: no answer ({type(exc).__name__}: {exc})")
                    continue
                stats.latencies.append(time.perf_counter() - started)
                stats.requests += 1
                stats.statuses[f"{kind} {response.status_code}"] += 1
                if response.status_code != expected:
                    stats.unexpected += 1
                    stats.note(f"{kind} {path}: {response.status_code}, expected {expected}: {response.text[:300]}")
                elif expected == 200:
                    answered = len(response.json()["results"])
                    if answered != expected_results(path, body):
                        stats.unexpected += 1
                        stats.note(f"{kind} {path}: {answered} results for {expected_results(path, body)} items")
                    else:
                        stats.items += answered

    await asyncio.gather(*(client_loop(index) for index in range(clients)))


# --- the soak ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoakConfig:
    model: Path | None
    minutes: float
    warmup_s: float
    interval_s: float
    clients: int
    threads: int
    max_words: int
    max_growth_pct: float
    slack_mb: float
    seed: int = 0


DEFAULTS: dict[str, float] = {"minutes": 10.0, "warmup_s": 30.0, "interval_s": 5.0, "clients": 16, "max_words": 150}
QUICK: dict[str, float] = {"minutes": 0.4, "warmup_s": 6.0, "interval_s": 1.0, "clients": 8, "max_words": 60}


def slope_mb_per_min(samples: Sequence[dict[str, float]]) -> float:
    """Least-squares slope of RSS against time."""
    if len(samples) < 2:
        return 0.0
    ts = [s["t"] for s in samples]
    rs = [s["rss_mb"] for s in samples]
    mean_t, mean_r = sum(ts) / len(ts), sum(rs) / len(rs)
    var = sum((t - mean_t) ** 2 for t in ts)
    if var == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (r - mean_r) for t, r in zip(ts, rs, strict=True)) / var


def analyse(samples: Sequence[dict[str, float]], config: SoakConfig) -> dict[str, Any]:
    """RSS at start, half time and end; growth per half; the bound the second half must stay within."""
    start, end = samples[0], samples[-1]
    half = start["t"] + (end["t"] - start["t"]) / 2
    mid = min(samples, key=lambda s: abs(s["t"] - half))
    first = [s for s in samples if s["t"] <= mid["t"]]
    second = [s for s in samples if s["t"] >= mid["t"]]
    bound = config.max_growth_pct / 100 * mid["rss_mb"] + config.slack_mb
    second_growth = end["rss_mb"] - mid["rss_mb"]
    return {
        "start_mb": start["rss_mb"],
        "mid_mb": mid["rss_mb"],
        "end_mb": end["rss_mb"],
        "peak_mb": max(s["hwm_mb"] for s in samples),
        "first_half_growth_mb": mid["rss_mb"] - start["rss_mb"],
        "second_half_growth_mb": second_growth,
        "second_half_bound_mb": bound,
        "first_half_slope_mb_per_min": slope_mb_per_min(first),
        "second_half_slope_mb_per_min": slope_mb_per_min(second),
        "threads_start": start["threads"],
        "threads_end": end["threads"],
        "fds_start": start["fds"],
        "fds_end": end["fds"],
        "levels_off": second_growth <= bound,
    }


async def soak_async(server: Server, config: SoakConfig, max_tokens: int) -> dict[str, Any]:
    warm = LoadStats()
    await drive(
        server.url,
        config.clients,
        config.warmup_s,
        warm,
        seed=config.seed + 1,
        max_tokens=max_tokens,
        max_words=config.max_words,
    )
    stats = LoadStats()
    samples: list[dict[str, float]] = []
    seconds = config.minutes * 60
    started = time.perf_counter()

    def sample() -> None:
        samples.append(
            {
                "t": time.perf_counter() - started,
                **process_sample(server.pid),
                "requests": stats.requests,
                "items": stats.items,
                "errors": stats.lost + stats.unexpected,
            }
        )

    async def sampler() -> None:
        while True:
            sample()
            await asyncio.sleep(config.interval_s)

    sampling = asyncio.create_task(sampler())
    try:
        await drive(
            server.url,
            config.clients,
            seconds,
            stats,
            seed=config.seed,
            max_tokens=max_tokens,
            max_words=config.max_words,
        )
    finally:
        sampling.cancel()
    elapsed = time.perf_counter() - started
    sample()
    return {
        "samples": samples,
        "warmup": {"requests": warm.requests, "lost": warm.lost, "unexpected": warm.unexpected},
        "load": {
            "clients": config.clients,
            "requests": stats.requests,
            "items": stats.items,
            "seconds": elapsed,
            "requests_per_s": stats.requests / elapsed if elapsed > 0 else 0.0,
            "items_per_s": stats.items / elapsed if elapsed > 0 else 0.0,
            "p50_ms": 1000 * percentile(stats.latencies, 50),
            "p99_ms": 1000 * percentile(stats.latencies, 99),
            "lost": stats.lost + warm.lost,
            "unexpected": stats.unexpected + warm.unexpected,
            "statuses": dict(sorted(stats.statuses.items())),
            "problems": warm.problems + stats.problems,
        },
    }


def run_soak(config: SoakConfig) -> dict[str, Any]:
    with running_server(config.model, threads=config.threads) as server:
        info = httpx.get(f"{server.url}/info", timeout=10).json()
        max_tokens = int(info["limits"]["max_tokens_per_item"])
        result = asyncio.run(soak_async(server, config, max_tokens))
    result["rss"] = analyse(result["samples"], config)
    result["server"] = {"model": info["model"], "max_tokens_per_item": max_tokens, "exit_code": server.exit_code}
    result["config"] = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(config).items()}
    load, rss = result["load"], result["rss"]
    ok = rss["levels_off"] and load["lost"] == 0 and load["unexpected"] == 0
    if not rss["levels_off"]:
        text = (
            f"STILL GROWING: RSS grew {rss['second_half_growth_mb']:.1f} MB over the second half, over the bound "
            f"of {rss['second_half_bound_mb']:.1f} MB ({config.max_growth_pct:g}% of {rss['mid_mb']:.1f} MB "
            f"+ {config.slack_mb:g} MB)"
        )
    else:
        text = (
            f"LEVELS OFF: RSS grew {rss['first_half_growth_mb']:+.1f} MB over the first half and "
            f"{rss['second_half_growth_mb']:+.1f} MB over the second (bound {rss['second_half_bound_mb']:.1f} MB)"
        )
    if load["lost"] or load["unexpected"]:
        text += f"; {load['lost']} requests lost and {load['unexpected']} answered wrongly"
    result["verdict"] = {"ok": ok, "levels_off": rss["levels_off"], "text": text}
    return result


def render(result: dict[str, Any], rows: int = 30) -> str:
    samples = result["samples"]
    step = max(1, len(samples) // rows)
    shown = samples[::step]
    if shown[-1] is not samples[-1]:
        shown.append(samples[-1])
    base = samples[0]["rss_mb"]
    lines = [
        f"{'t (s)':>7} {'RSS (MB)':>9} {'ΔRSS':>7} {'threads':>7} {'fds':>5} "
        f"{'requests':>9} {'items':>8} {'errors':>6}",
    ]
    for s in shown:
        lines.append(
            f"{s['t']:7.1f} {s['rss_mb']:9.1f} {s['rss_mb'] - base:+7.1f} {s['threads']:7d} {s['fds']:5d} "
            f"{s['requests']:9d} {s['items']:8d} {s['errors']:6d}"
        )
    load, rss = result["load"], result["rss"]
    lines += [
        "",
        f"model {result['server']['model']}: {load['requests']} requests ({load['items']} items) in "
        f"{load['seconds']:.1f} s from {load['clients']} clients: {load['requests_per_s']:.1f} req/s, "
        f"{load['items_per_s']:.1f} items/s, p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms",
        "statuses: " + ", ".join(f"{k}: {v}" for k, v in load["statuses"].items()),
        f"RSS start {rss['start_mb']:.1f} MB, half time {rss['mid_mb']:.1f} MB, end {rss['end_mb']:.1f} MB, "
        f"peak {rss['peak_mb']:.1f} MB; slope {rss['first_half_slope_mb_per_min']:+.2f} then "
        f"{rss['second_half_slope_mb_per_min']:+.2f} MB/min; threads {rss['threads_start']}->{rss['threads_end']}, "
        f"fds {rss['fds_start']}->{rss['fds_end']}",
        f"server exit code after SIGTERM: {result['server']['exit_code']}",
        *(f"problem: {p}" for p in load["problems"]),
        "verdict: " + result["verdict"]["text"],
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> tuple[SoakConfig, Path | None]:
    """The soak's configuration and where to write the JSON report (if anywhere)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the server's own)")
    parser.add_argument("--minutes", type=float, default=None, help="measured duration, after the warm-up (10)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 24 s measured, 1 s samples, 8 clients")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of load before measuring (30)")
    parser.add_argument("--interval", type=float, default=None, help="seconds between samples (5)")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (16)")
    parser.add_argument("--threads", type=int, default=1, help="the server's torch threads (1)")
    parser.add_argument("--max-words", type=int, default=None, help="longest response, in words (150)")
    parser.add_argument("--max-growth-pct", type=float, default=10.0, help="second-half growth bound, %% of RSS (10)")
    parser.add_argument("--slack-mb", type=float, default=8.0, help="second-half growth allowed on top, MB (8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the request mix (0)")
    parser.add_argument("--json", type=Path, default=None, help="write the whole report here")
    args = parser.parse_args(argv)
    chosen = {**DEFAULTS, **(QUICK if args.quick else {})}
    given = {
        "minutes": args.minutes,
        "warmup_s": args.warmup,
        "interval_s": args.interval,
        "clients": args.clients,
        "max_words": args.max_words,
    }
    chosen.update({name: value for name, value in given.items() if value is not None})
    config = SoakConfig(
        model=args.model,
        minutes=float(chosen["minutes"]),
        warmup_s=float(chosen["warmup_s"]),
        interval_s=float(chosen["interval_s"]),
        clients=int(chosen["clients"]),
        threads=args.threads,
        max_words=int(chosen["max_words"]),
        max_growth_pct=args.max_growth_pct,
        slack_mb=args.slack_mb,
        seed=args.seed,
    )
    return config, args.json


def main(argv: Sequence[str] | None = None) -> int:
    config, json_path = parse_args(argv)
    result = run_soak(config)
    print(render(result))
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["verdict"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
