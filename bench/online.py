"""The real server under load: `reward-service serve` in a subprocess, httpx async clients.

Each concurrency level runs `clients` loops that send one-item /score requests, round-robin
over the workload, until `max_requests` have been sent or `max_seconds` have passed (requests
in flight then finish). Latency is per request, client side; throughput is the scored tokens
(the server's own `tokens` per result) over the level's wall time.

The load generator shares the machine's cores with the server, as any local client would;
on a 2-core machine that costs the server some throughput, which the report states.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from reward_service.model.formatting import Conversation


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int
    tokens: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tokens_per_s": self.tokens_per_s}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples, p99 is the slowest one)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@contextmanager
def running_server(
    model: Path, *, threads: int, device: str = "cpu", dtype: str = "auto", startup_timeout: float = 180.0
) -> Iterator[str]:
    """`reward-service serve` on a free local port; yields its base URL once /ready says so."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "reward_service.cli",
        "serve",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--device",
        device,
        "--dtype",
        dtype,
        "--log-level",
        "warning",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(process, url, startup_timeout, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float, log: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"the server at {url} was not ready within {timeout:g} s")


def distinct(conversations: Sequence[Conversation], index: int) -> list[dict[str, str]]:
    """Request `index`'s conversation: the pool cycled, each round's copies made distinct by a
    numbered first turn, so repeats are not computed once for several requests (as the engine
    does for identical rows) and the throughput is that of distinct traffic."""
    rounds, position = divmod(index, len(conversations))
    turns = [dict(turn) for turn in conversations[position]]
    if rounds:
        turns[0]["content"] = f"{rounds}. {turns[0]['content']}"
    return turns


async def run_load(
    url: str, conversations: Sequence[Conversation], clients: int, max_requests: int, max_seconds: float
) -> LoadResult:
    latencies: list[float] = []
    tokens = errors = sent = 0
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def worker() -> None:
            nonlocal tokens, errors, sent
            while sent < max_requests and time.perf_counter() < deadline:
                conversation = distinct(conversations, sent)
                sent += 1
                started = time.perf_counter()
                response = await client.post("/score", json={"items": [{"messages": conversation}]})
                latencies.append(time.perf_counter() - started)
                if response.status_code == 200:
                    tokens += sum(result["tokens"] for result in response.json()["results"])
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - started
    return LoadResult(
        clients=clients,
        requests=len(latencies),
        errors=errors,
        tokens=tokens,
        seconds=seconds,
        p50_ms=1000 * percentile(latencies, 50),
        p99_ms=1000 * percentile(latencies, 99),
    )


def load_levels(
    url: str,
    conversations: Sequence[Conversation],
    levels: Sequence[int],
    *,
    max_requests: int,
    max_seconds: float,
) -> list[LoadResult]:
    """One `LoadResult` per concurrency level, run one after the other."""
    return [asyncio.run(run_load(url, conversations, clients, max_requests, max_seconds)) for clients in levels]


def request_latencies(url: str, conversation: Conversation, repeats: int) -> list[float]:
    """Seconds per sequential one-item request (after one warm-up request)."""
    body = {"items": [{"messages": list(conversation)}]}
    with httpx.Client(base_url=url, timeout=60) as client:
        client.post("/score", json=body).raise_for_status()
        latencies = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.post("/score", json=body).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies
