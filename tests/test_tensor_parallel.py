"""Tensor parallelism, the seed model's own method, on CPUs: a tiny Llama sharded across two
`torchrun` processes (gloo) by transformers' `tp_plan="auto"`, served by rank 0 with the other
rank in lockstep (`model/parallel.py`). Its scores must be transformers' own, unsharded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from checkpoints import CONVERSATIONS, CheckpointFactory, Reference
from test_process import free_port, serve_command

ATOL = 1e-4
START_TIMEOUT = 120


def torchrun_serve(model: Path, port: int) -> list[str]:
    serve = ["-m", "reward_service.cli", "serve", "--model", str(model), "--port", str(port), "--tensor-parallel"]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *serve]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def sharded(checkpoint: CheckpointFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The two-rank server, its URL and its log file; stopped (and checked gone) at the end."""
    port = free_port()
    log = tmp_path_factory.mktemp("tp") / "torchrun.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            torchrun_serve(checkpoint("llama"), port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the launcher and both ranks
            env={**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"torchrun exited during start-up:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"not ready in {START_TIMEOUT} s:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        deadline = time.monotonic() + 30
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(process.pid), "a rank outlived the launcher"


def test_sharded_scores_equal_transformers_unsharded(
    sharded: tuple[str, Path], checkpoint: CheckpointFactory, reference: Callable[[Path], Reference]
) -> None:
    base, log = sharded
    ref = reference(checkpoint("llama"))
    conversations = list(CONVERSATIONS.values())
    body = {"items": [{"messages": conversation} for conversation in conversations]}
    answer = httpx.post(f"{base}/score", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    for conversation, result in zip(conversations, answer.json()["results"], strict=True):
        expected = ref.logits(ref.ids(conversation)).tolist()
        assert list(result["scores"].values()) == pytest.approx(expected, abs=ATOL)
    assert "rank 1 following rank 0's batches" in log.read_text()


def test_sharded_shared_prefix_path_equals_rows_scored_alone(sharded: tuple[str, Path]) -> None:
    """/rank runs best-of-N rows on one shared prefix (a cache of sharded keys and values)."""
    base, _ = sharded
    prompt = "Explain how a binary search works, step by step, with a small example please."
    responses = ["It halves the range.", "Compare with the middle item and keep the half that can hold it.", "No."]
    ranked = httpx.post(f"{base}/rank", json={"prompt": prompt, "responses": responses}, timeout=60)
    assert ranked.status_code == 200, ranked.text
    alone = httpx.post(
        f"{base}/score", json={"items": [{"prompt": prompt, "response": r} for r in responses]}, timeout=60
    ).json()["results"]
    for result in ranked.json()["results"]:
        assert result["scores"] == pytest.approx(alone[result["index"]]["scores"], abs=1e-5)


def test_tensor_parallel_outside_torchrun_exits_with_one_clear_line(checkpoint: CheckpointFactory) -> None:
    result = subprocess.run(
        [*serve_command(checkpoint("llama")), "--tensor-parallel"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("reward-service:")]
    assert len(lines) == 1 and "torchrun --nproc-per-node" in lines[0], result.stderr
