"""What an operator sees: per-phase durations in /metrics, a request id on every answer (its
header, error bodies, the openai client's `request_id`, the log), and JSON logs from the real
`reward-service serve` process.

The app runs under uvicorn on a loopback port (`uvicorn_server`, shared with the pipeline
tests) with the tiny llama checkpoint; the log test starts the real command line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
from checkpoints import CheckpointFactory
from prometheus_client.parser import text_string_to_metric_families
from test_pipeline import uvicorn_server
from test_process import free_port, serve_command, wait_ready

from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.server.app import create_app
from reward_service.server.logs import TEXT_FORMAT, JsonFormatter, RequestIdFilter, request_id

KEY = "secret-key"
MAX_WAIT_S = 0.2  # how long a lone item waits for company: its queue phase is at least this
PHASES = ("tokenize", "queue", "inference")
ITEM = {"prompt": "What is the capital of Italy?", "response": "Rome."}
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def model(checkpoint: CheckpointFactory) -> RewardModel:
    return load_reward_model(checkpoint("llama"))


@pytest.fixture(scope="module")
def url(model: RewardModel) -> Iterator[str]:
    with uvicorn_server(model, [], max_wait_ms=MAX_WAIT_S * 1000, max_body_bytes=4096) as base:
        yield base


@pytest.fixture(scope="module")
def keyed_url(model: RewardModel) -> Iterator[str]:
    with uvicorn_server(model, [], api_keys=[KEY]) as base:
        yield base


def samples(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def phase(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], suffix: str, name: str) -> float:
    return values[(f"reward_request_phase_seconds_{suffix}", (("phase", name),))]


# --- per-phase durations -----------------------------------------------------------------------


def test_each_scored_request_adds_one_duration_per_phase(url: str) -> None:
    """One /score of three items: each phase counted once; the queue phase holds the engine's
    wait for company; together the phases fit inside the request's own latency."""
    before = samples(url)
    started = time.perf_counter()
    response = httpx.post(f"{url}/score", json={"items": [ITEM] * 3}, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    after = samples(url)
    spent = {name: phase(after, "sum", name) - phase(before, "sum", name) for name in PHASES}
    for name in PHASES:
        assert phase(after, "count", name) - phase(before, "count", name) == 1, name
        assert spent[name] > 0, name
    assert spent["queue"] >= MAX_WAIT_S * 0.9, spent
    assert sum(spent.values()) <= elapsed, (spent, elapsed)
    key = ("reward_request_seconds_sum", (("route", "/score"),))
    latency = after[key] - before.get(key, 0.0)  # absent before the route's first request
    assert sum(spent.values()) <= latency, (spent, latency)


def test_a_refused_request_adds_no_phase_durations(url: str) -> None:
    before = samples(url)
    response = httpx.post(f"{url}/score", json={"items": [{"prompt": "Hi", "response": " "}]}, timeout=30)
    assert response.status_code == 422
    after = samples(url)
    for name in PHASES:
        assert phase(after, "count", name) == phase(before, "count", name), name


# --- request ids -------------------------------------------------------------------------------


def test_a_client_request_id_is_answered_back(url: str) -> None:
    response = httpx.post(f"{url}/score", json={"items": [ITEM]}, headers={"X-Request-ID": "batch-7/item:3"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "batch-7/item:3"


def test_without_a_usable_id_each_request_gets_a_new_one(url: str) -> None:
    answers = [
        httpx.get(f"{url}/health"),
        httpx.get(f"{url}/health"),
        httpx.get(f"{url}/health", headers={"X-Request-ID": "has a space"}),
        httpx.get(f"{url}/health", headers={"X-Request-ID": "x" * 129}),
        httpx.get(f"{url}/health", headers={"X-Request-ID": ""}),
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert all(GENERATED_ID.fullmatch(rid) for rid in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "status"),
    [
        ("validation", "POST", "/score", {"items": [{"prompt": "Hi", "response": " "}]}, 422),
        ("domain", "POST", "/score", {"items": [ITEM], "weights": {"kindness": 1.0}}, 422),
        ("body limit", "POST", "/score", {"items": [{"prompt": "Hi", "response": "x" * 5000}]}, 413),
        ("unknown route", "GET", "/nowhere", None, 404),
        ("wrong method", "GET", "/score", None, 405),
    ],
)
def test_error_bodies_carry_the_request_id(
    url: str, what: str, method: str, path: str, body: object, status: int
) -> None:
    response = httpx.request(method, f"{url}{path}", json=body, headers={"X-Request-ID": f"req-{status}"})
    assert response.status_code == status, (what, response.text)
    assert response.headers["x-request-id"] == f"req-{status}"
    assert response.json()["error"]["request_id"] == f"req-{status}", what


def test_a_missing_key_answer_carries_the_request_id(keyed_url: str) -> None:
    response = httpx.post(f"{keyed_url}/score", json={"items": [ITEM]}, headers={"X-Request-ID": "no-key"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "no-key"
    assert response.json()["error"]["request_id"] == "no-key"


def test_the_openai_client_reads_the_request_id(keyed_url: str) -> None:
    """The official client exposes `x-request-id` as `request_id`, on answers and on errors."""
    messages = [{"role": "user", "content": ITEM["prompt"]}, {"role": "assistant", "content": ITEM["response"]}]
    model = httpx.get(f"{keyed_url}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).json()["data"][0]["id"]
    client = openai.OpenAI(base_url=f"{keyed_url}/v1", api_key=KEY, max_retries=0, timeout=30)
    completion = client.chat.completions.create(
        model=model, messages=messages, extra_headers={"X-Request-ID": "oa-1"}
    )
    assert completion._request_id == "oa-1"
    refused = openai.OpenAI(base_url=f"{keyed_url}/v1", api_key="wrong", max_retries=0, timeout=30)
    with pytest.raises(openai.AuthenticationError) as raised:
        refused.chat.completions.create(model=model, messages=messages)
    assert raised.value.request_id is not None
    assert GENERATED_ID.fullmatch(raised.value.request_id)


# --- logs --------------------------------------------------------------------------------------


def test_text_log_lines_name_the_request() -> None:
    record = logging.LogRecord("reward_service.requests", logging.WARNING, __file__, 1, "failed", None, None)
    token = request_id.set("abc-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    assert logging.Formatter(TEXT_FORMAT).format(record).endswith("failed [request_id=abc-1]")
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "idle", None, None)
    RequestIdFilter().filter(outside)
    assert logging.Formatter(TEXT_FORMAT).format(outside).endswith("x: idle")


def test_json_logs_from_the_real_server_one_line_per_failed_request(checkpoint: CheckpointFactory) -> None:
    """`reward-service serve --log-format json`: every line on stderr is one JSON object; a
    failed request is logged once, with its id, status and error code; a success is not
    logged at the info level."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        serve_command(checkpoint("llama"), "--log-format", "json", port=port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_ready(base, process, time.monotonic() + 120)
        ok = httpx.post(f"{base}/score", json={"items": [ITEM]}, headers={"X-Request-ID": "good-1"}, timeout=30)
        bad = httpx.post(
            f"{base}/score", json={"items": [{"prompt": "Hi"}]}, headers={"X-Request-ID": "bad-1"}, timeout=30
        )
        lost = httpx.get(f"{base}/nowhere", headers={"X-Request-ID": "lost-1"}, timeout=30)
        assert (ok.status_code, bad.status_code, lost.status_code) == (200, 422, 404)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = [line for line in stderr.splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}\n{stderr}")
    assert all({"time", "level", "logger", "message", "request_id"} <= set(entry) for entry in entries), stderr
    assert any("ready" in entry["message"] for entry in entries), stderr  # start-up lines are JSON too
    by_id = {rid: [e for e in entries if e["request_id"] == rid] for rid in ("good-1", "bad-1", "lost-1")}
    assert by_id["good-1"] == [], stderr
    (bad_line,) = by_id["bad-1"]
    assert (bad_line["level"], bad_line["status"], bad_line["path"]) == ("warning", 422, "/score")
    assert bad_line["error_code"] == "invalid_request"
    assert bad_line["method"] == "POST" and bad_line["duration_ms"] > 0
    (lost_line,) = by_id["lost-1"]
    assert (lost_line["status"], lost_line["path"]) == (404, "/nowhere")


def test_json_formatter_keeps_the_traceback() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "error" and entry["request_id"] is None
    assert "ValueError: broken" in entry["exception"]



def test_an_unexpected_failure_is_a_500_with_its_request_id_logged_once(
    model: RewardModel, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug below the routes: the client gets the ordinary 500 body with its id, and the one
    log line for the request carries the traceback."""
    app = create_app(Settings(model=None), model)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    async def call() -> httpx.Response:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                while (await client.get("/ready")).status_code != 200:
                    await asyncio.sleep(0.01)
                app.state.runtime.service.score = broken  # after the warm-up, which scores too
                return await client.post("/score", json={"items": [ITEM]}, headers={"X-Request-ID": "bug-1"})

    with caplog.at_level(logging.WARNING, logger="reward_service.requests"):
        response = asyncio.run(asyncio.wait_for(call(), 30))
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": "internal server error",
        "details": [],
        "request_id": "bug-1",
    }
    lines = [r for r in caplog.records if r.name == "reward_service.requests" and r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].exc_info is not None
    assert "RuntimeError: a bug" in caplog.text
