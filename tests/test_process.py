"""The real `reward-service serve` process: start-up failures exit with one clear message, and
SIGTERM answers every in-flight request before the process exits 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import torch
from checkpoints import CheckpointFactory
from safetensors.torch import load_file, save_file


def serve_command(model: Path, *extra: str, port: int = 0) -> list[str]:
    return [sys.executable, "-m", "reward_service.cli", "serve", "--model", str(model), "--port", str(port), *extra]


def start_failure(model: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_command(model, *extra), capture_output=True, text=True, timeout=120)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("reward-service:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_directory_exits_non_zero_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert_one_clear_line(start_failure(missing), str(missing), "no such model directory")


def test_truncated_safetensors_exits_naming_the_file(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    assert_one_clear_line(start_failure(path), str(weights), "truncated")


def test_wrong_head_shape_exits_naming_the_tensor(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    state = load_file(path / "model.safetensors")
    state["score.weight"] = torch.zeros(3, state["score.weight"].shape[1])
    save_file(state, str(path / "model.safetensors"))
    assert_one_clear_line(start_failure(path), "score.weight", "(3, 32)")


def test_pickle_only_exits_naming_the_flag(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    torch.save(load_file(path / "model.safetensors"), path / "pytorch_model.bin")
    (path / "model.safetensors").unlink()
    assert_one_clear_line(start_failure(path), "pytorch_model.bin", "--allow-pickle")


def test_remote_code_exits_naming_the_flag(fresh_checkpoint: CheckpointFactory) -> None:
    path = fresh_checkpoint("llama")
    config = json.loads((path / "config.json").read_text())
    config.update(model_type="my_custom_arch", auto_map={"AutoModel": "modeling.MyModel"})
    (path / "config.json").write_text(json.dumps(config))
    assert_one_clear_line(start_failure(path), "config.json", "--trust-remote-code")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited during start-up:\n{output}")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server not ready in time")


def queue_depth(base: str) -> float:
    for line in httpx.get(f"{base}/metrics", timeout=5).text.splitlines():
        if line.startswith("reward_queue_depth "):
            return float(line.split()[1])
    raise AssertionError("no reward_queue_depth metric")


def test_sigterm_answers_every_in_flight_request_then_exits_zero(checkpoint: CheckpointFactory) -> None:
    """Requests queued when SIGTERM arrives are all scored and answered; the process exits 0."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A small token budget turns each request into many forward passes, so work is still queued
    # when the signal arrives.
    process = subprocess.Popen(
        serve_command(
            checkpoint("llama"),
            *("--max-batch-tokens", "512", "--max-tokens-per-item", "256", "--max-batch-size", "4"),
            port=port,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_ready(base, process, time.monotonic() + 120)
        items = [{"prompt": f"Question number {i}?", "response": "An answer " * (1 + i % 20)} for i in range(120)]
        answers: list[httpx.Response | BaseException] = []

        def post() -> None:
            try:
                answers.append(httpx.post(f"{base}/score", json={"items": items}, timeout=120))
            except BaseException as exc:  # recorded and asserted below
                answers.append(exc)

        clients = [threading.Thread(target=post) for _ in range(6)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while queue_depth(base) == 0:
            assert time.monotonic() < deadline, "requests never reached the queue"
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        for client in clients:
            client.join(timeout=120)
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert len(answers) == len(clients)
    for answer in answers:
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["results"]) == len(items)
