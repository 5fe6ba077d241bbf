"""`reward-service serve-ray`: the HTTP API of `serve` from Ray Serve replicas.

The real command runs as a subprocess, joined to the session's Ray cluster (`ray_cluster`,
with `--address`), except one test of a local cluster the command starts and stops itself.
Every request carries a timeout, so a test that would hang fails instead; every process it
starts is stopped, and no Serve application is left on the shared cluster.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from checkpoints import CheckpointFactory
from fastapi.testclient import TestClient
from ray_cluster import Cluster
from test_process import free_port

from reward_service.cli import main
from reward_service.cluster.serve import (
    APP_NAME,
    DEPLOYMENT_NAME,
    RayOptions,
    deployment_options,
    options_problem,
    readiness_problem,
    replica_settings,
    running_replicas,
)
from reward_service.config import Settings
from reward_service.model.loading import RewardModel
from reward_service.server.app import create_app

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

START_TIMEOUT = 90.0  # a serve-ray process, from its start to /ready 200
REQUEST_TIMEOUT = 60.0  # any one request
# Small batches turn each request into many forward passes, so work is still in flight when
# a replica is killed or the process is stopped.
LIMITS = {"max_batch_tokens": 512, "max_tokens_per_item": 256, "max_batch_size": 4}
LIMIT_FLAGS = [f"--{name.replace('_', '-')}={value}" for name, value in LIMITS.items()]
REPLICA_PREFIX = f"SERVE_REPLICA::{APP_NAME}#{DEPLOYMENT_NAME}#"
ITEMS_HELD = 200  # items of each request in flight when a replica is killed: seconds of work
ACK_PAUSE_S = 0.3


# --- the command as a process --------------------------------------------------------------


@dataclass
class ServeRay:
    process: subprocess.Popen[str]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(model: Path, log: Path, *flags: str) -> ServeRay:
    port = free_port()
    command = [sys.executable, "-m", "reward_service.cli", "serve-ray", "--model", str(model), "--port", str(port)]
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [*command, *flags],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return ServeRay(process, f"http://127.0.0.1:{port}", log)


def wait_ready(server: ServeRay) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"serve-ray exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base}/ready", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve-ray not ready in {START_TIMEOUT:g} s:\n{server.output()}")


def stop(server: ServeRay) -> int:
    """SIGTERM, then the exit status; a process that outstays its drain is killed (and fails)."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise AssertionError(f"serve-ray did not stop within 60 s of SIGTERM:\n{server.output()}") from None


def serve_status() -> Any:
    """`serve.status()` of the shared cluster, asked afresh: each serve-ray process starts and
    stops its own Serve there, so a controller this process cached may be gone."""
    from ray.serve.context import _disconnect

    _disconnect()
    return serve.status()


def replica_names() -> list[str]:
    return sorted(
        actor["name"]
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["namespace"] == "serve" and actor["name"].startswith(REPLICA_PREFIX)
    )


def assert_nothing_left() -> None:
    status = serve_status()
    assert APP_NAME not in status.applications
    assert status.applications == {}, "a Serve application was left on the shared cluster"


def items(count: int, *, offset: int = 0, words: int = 1) -> list[dict[str, str]]:
    return [
        {"prompt": f"Question number {offset + i}?", "response": "An answer " * (words + (offset + i) % 20)}
        for i in range(count)
    ]


# --- replicas answer as `serve` does --------------------------------------------------------


@pytest.fixture(scope="class")
def two_replicas(ray_cluster: Cluster, model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeRay]:
    """One serve-ray process with two replicas on the shared cluster, for the tests of
    `TestTwoReplicas`; stopped after them (one cluster has one Serve proxy address)."""
    log = tmp_path_factory.mktemp("serve-ray") / "two-replicas.log"
    server = start(model_dir, log, "--address", ray_cluster.address, "--replicas", "2", *LIMIT_FLAGS)
    try:
        wait_ready(server)
        yield server
    finally:
        code = stop(server)
        assert code == 0, server.output()
        assert_nothing_left()


class TestTwoReplicas:
    """Two replicas on the shared cluster (the `two_replicas` process)."""

    def test_two_replicas_are_running_when_ready(self, two_replicas: ServeRay) -> None:
        assert httpx.get(f"{two_replicas.base}/ready", timeout=10).status_code == 200
        status = serve_status()
        assert running_replicas(status, APP_NAME, DEPLOYMENT_NAME) == 2
        assert readiness_problem(status, APP_NAME, DEPLOYMENT_NAME) is None
        assert len(replica_names()) == 2

    def test_100_concurrent_requests_score_as_serve_does(self, two_replicas: ServeRay, model_dir: Path) -> None:
        bodies = [{"items": items(1 + i % 3, offset=i)} for i in range(100)]

        async def post_all() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(base_url=two_replicas.base, timeout=REQUEST_TIMEOUT, limits=limits) as client:
                return await asyncio.gather(*(client.post("/score", json=body) for body in bodies))

        answers = asyncio.run(asyncio.wait_for(post_all(), 2 * REQUEST_TIMEOUT))
        # The same app in this process, as `serve` runs it.
        with TestClient(create_app(Settings(model=model_dir, **LIMITS))) as local:
            deadline = time.monotonic() + 30
            while local.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, "the in-process app never became ready"
                time.sleep(0.05)
            expected = [local.post("/score", json=body) for body in bodies]
        for answer, reference in zip(answers, expected, strict=True):
            assert answer.status_code == 200, answer.text
            assert reference.status_code == 200, reference.text
            got, want = answer.json(), reference.json()
            assert got["model"] == want["model"] and got["weights"] == want["weights"]
            assert len(got["results"]) == len(want["results"])
            for result, wanted in zip(got["results"], want["results"], strict=True):
                assert result["scores"].keys() == wanted["scores"].keys()
                for name, value in wanted["scores"].items():
                    assert result["scores"][name] == pytest.approx(value, abs=1e-5)
                assert result["aggregate"] == pytest.approx(wanted["aggregate"], abs=1e-5)
                assert result["tokens"] == wanted["tokens"]

    def test_a_killed_replica_fails_its_requests_and_is_replaced(self, two_replicas: ServeRay) -> None:
        before = replica_names()
        assert len(before) == 2
        victim = ray.get_actor(before[0], namespace="serve")
        answers: list[httpx.Response | Exception] = []
        lock = threading.Lock()

        def post(offset: int) -> None:
            try:
                answer: httpx.Response | Exception = httpx.post(
                    f"{two_replicas.base}/score",
                    json={"items": items(ITEMS_HELD, offset=offset, words=10)},
                    timeout=REQUEST_TIMEOUT,
                )
            except httpx.TransportError as exc:  # a connection-level error is a clear answer too
                answer = exc
            with lock:
                answers.append(answer)

        clients = [threading.Thread(target=post, args=(ITEMS_HELD * i,)) for i in range(8)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while ray.get(victim.get_num_ongoing_requests.remote(), timeout=10) < 2:
            assert time.monotonic() < deadline, "the replica to kill never held requests"
            time.sleep(0.01)
        # Serve's router sends a request a replica has not yet acknowledged to another one, so
        # the victim gets a moment to acknowledge what it holds; its share (hundreds of items
        # on two shared cores) takes seconds to score, so it still holds it when killed.
        time.sleep(ACK_PAUSE_S)
        assert ray.get(victim.get_num_ongoing_requests.remote(), timeout=10) >= 1
        ray.kill(victim, no_restart=True)  # at once, as the kernel's OOM killer would
        for client in clients:
            client.join(timeout=REQUEST_TIMEOUT + 10)
        assert not any(client.is_alive() for client in clients), "a request held by the killed replica hung"
        assert len(answers) == len(clients)
        # A request the victim held fails (it was not re-sent); the others are answered in full.
        failed = [
            answer for answer in answers if not (isinstance(answer, httpx.Response) and answer.status_code == 200)
        ]
        assert failed, "the killed replica held requests, but every request succeeded"
        for answer in failed:
            # Serve's proxy, not our app, answers for a replica that died: a plain 500.
            if isinstance(answer, httpx.Response):
                assert answer.status_code >= 500, answer.text
        for answer in answers:
            if isinstance(answer, httpx.Response) and answer.status_code == 200:
                assert len(answer.json()["results"]) == ITEMS_HELD

        # Serve notices the death and starts a replacement; /ready says so until it is warm.
        seen: list[int] = []
        deadline = time.monotonic() + START_TIMEOUT
        while not (503 in seen and seen[-1] == 200):
            assert time.monotonic() < deadline, f"/ready answers while the replica was replaced: {seen[-20:]}"
            seen.append(httpx.get(f"{two_replicas.base}/ready", timeout=10).status_code)
            time.sleep(0.1)
        after = replica_names()
        assert len(after) == 2 and before[0] not in after and before[1] in after
        assert running_replicas(serve_status(), APP_NAME, DEPLOYMENT_NAME) == 2
        answer = httpx.post(f"{two_replicas.base}/score", json={"items": items(3)}, timeout=REQUEST_TIMEOUT)
        assert answer.status_code == 200, answer.text


# --- stopping ------------------------------------------------------------------------------


def test_sigterm_answers_in_flight_requests_and_removes_the_app(
    ray_cluster: Cluster, model_dir: Path, tmp_path: Path
) -> None:
    server = start(model_dir, tmp_path / "serve-ray.log", "--address", ray_cluster.address, *LIMIT_FLAGS)
    try:
        wait_ready(server)
        body = {"items": items(60, words=10)}
        answers: list[httpx.Response | BaseException] = []

        def post() -> None:
            try:
                answers.append(httpx.post(f"{server.base}/score", json=body, timeout=REQUEST_TIMEOUT))
            except BaseException as exc:  # recorded and asserted below
                answers.append(exc)

        clients = [threading.Thread(target=post) for _ in range(4)]
        for client in clients:
            client.start()
        replica = ray.get_actor(replica_names()[0], namespace="serve")
        deadline = time.monotonic() + 30
        while ray.get(replica.get_num_ongoing_requests.remote(), timeout=10) < len(clients):
            assert time.monotonic() < deadline, "the requests never reached the replica"
            time.sleep(0.02)
        server.process.send_signal(signal.SIGTERM)
        for client in clients:
            client.join(timeout=REQUEST_TIMEOUT)
        assert stop(server) == 0, server.output()
    finally:
        if server.process.poll() is None:
            stop(server)
    assert len(answers) == len(clients)
    for answer in answers:
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["results"]) == len(body["items"])
    assert_nothing_left()
    assert replica_names() == []
    assert ray.is_initialized() and ray.cluster_resources().get("CPU") == 8  # the shared cluster stays


def test_a_checkpoint_no_replica_can_load_exits_2_naming_it(
    ray_cluster: Cluster, fresh_checkpoint: CheckpointFactory, tmp_path: Path
) -> None:
    model = fresh_checkpoint("llama")
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    server = start(model, tmp_path / "serve-ray.log", "--address", ray_cluster.address)
    try:
        code = server.process.wait(timeout=START_TIMEOUT)
    finally:
        if server.process.poll() is None:
            stop(server)
    assert code == 2, server.output()
    lines = [line for line in server.output().splitlines() if line.startswith("reward-service:")]
    assert len(lines) == 1, server.output()
    assert "could not start" in lines[0] and str(weights) in lines[0] and "truncated" in lines[0]
    assert_nothing_left()


def descendants(pid: int) -> list[Any]:
    psutil = pytest.importorskip("psutil")
    return list(psutil.Process(pid).children(recursive=True))


def test_a_local_cluster_is_started_and_stopped_with_all_its_processes(model_dir: Path, tmp_path: Path) -> None:
    """The one test of the command's own cluster (no --address): a second cluster on this
    machine, for as long as the test runs."""
    psutil = pytest.importorskip("psutil")
    server = start(model_dir, tmp_path / "serve-ray.log", "--num-cpus", "1")
    started: list[Any] = []
    try:
        wait_ready(server)
        started = descendants(server.process.pid)
        names = " ".join(process.name() for process in started)
        assert "raylet" in names and "gcs_server" in names, names
        answer = httpx.post(f"{server.base}/score", json={"items": items(2)}, timeout=REQUEST_TIMEOUT)
        assert answer.status_code == 200, answer.text
    finally:
        code = stop(server)
    assert code == 0, server.output()
    _, alive = psutil.wait_procs(started, timeout=30)
    assert alive == [], f"processes of the local cluster outlived serve-ray: {alive}"


# --- checks before Ray starts -----------------------------------------------------------------


def one_error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["serve-ray", *argv]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("reward-service:")]
    assert len(lines) == 1
    return lines[0]


def test_bad_options_exit_2_with_one_line_before_ray_starts(
    capsys: pytest.CaptureFixture[str], model_dir: Path, tmp_path: Path
) -> None:
    model = ["--model", str(model_dir)]
    assert "fixed --port" in one_error_line(capsys, *model, "--port", "0")
    assert "1 <= MIN <= MAX" in one_error_line(capsys, *model, "--port", "1", "--autoscale", "3,2")
    assert "keep it in range" in one_error_line(capsys, *model, "--port", "1", "--autoscale", "1,2", "--replicas", "5")
    assert "--num-gpus" in one_error_line(capsys, *model, "--port", "1", "--device", "cuda")
    assert "--device cuda" in one_error_line(capsys, *model, "--port", "1", "--device", "cuda:1", "--num-gpus", "1")
    assert "--num-gpus" in one_error_line(capsys, *model, "--port", "1", "--device-map", "auto")
    assert "torchrun" in one_error_line(capsys, *model, "--port", "1", "--tensor-parallel")
    assert "no such model directory" in one_error_line(capsys, "--model", str(tmp_path / "nowhere"), "--port", "1")
    assert "fractions are allowed" in one_error_line(capsys, *model, "--port", "1", "--replicas", "999")


def test_options_problem_accepts_a_sound_configuration() -> None:
    settings = Settings(model=None, port=8000)
    assert options_problem(settings, RayOptions(replicas=2)) is None
    assert options_problem(settings, RayOptions(autoscale=(1, 4), replicas=2)) is None
    gpu = Settings(model=None, port=8000, device="cuda")
    assert options_problem(gpu, RayOptions(num_gpus=0.5)) is None
    parts = Settings(model=None, port=8000, device_map="auto")
    assert options_problem(parts, RayOptions(num_gpus=4)) is None


def test_deployment_options_fix_or_autoscale_the_replicas() -> None:
    settings = Settings(model=None, port=8000, request_timeout_s=30)
    fixed = deployment_options(settings, RayOptions(replicas=3, num_cpus=0.5, max_ongoing_requests=8))
    assert fixed["num_replicas"] == 3 and "autoscaling_config" not in fixed
    assert fixed["ray_actor_options"] == {"num_cpus": 0.5, "num_gpus": 0.0}
    assert fixed["max_ongoing_requests"] == 8 and fixed["max_queued_requests"] == 24
    assert fixed["graceful_shutdown_timeout_s"] > 30  # a drain outlasts the longest request
    scaled = deployment_options(settings, RayOptions(autoscale=(1, 4), target_ongoing_requests=5))
    assert "num_replicas" not in scaled
    assert scaled["autoscaling_config"] == {
        "min_replicas": 1,
        "max_replicas": 4,
        "initial_replicas": 1,
        "target_ongoing_requests": 5,
    }
    # The options are ones Serve takes.
    deployment = serve.deployment(**scaled)(type("Replica", (), {}))
    assert deployment.name == DEPLOYMENT_NAME


def test_replica_threads_follow_their_cpus_unless_given() -> None:
    assert replica_settings(Settings(model=None), RayOptions(num_cpus=3)).threads == 3
    assert replica_settings(Settings(model=None), RayOptions(num_cpus=0.5)).threads == 1
    assert replica_settings(Settings(model=None, threads=2), RayOptions(num_cpus=4)).threads == 2


def status_of(application: str, deployment: str, replicas: dict[str, int]) -> Any:
    from ray.serve.schema import ApplicationStatusOverview, DeploymentStatusOverview, ServeStatus

    return ServeStatus(
        applications={
            APP_NAME: ApplicationStatusOverview(
                status=application,
                message="",
                last_deployed_time_s=0.0,
                deployments={
                    DEPLOYMENT_NAME: DeploymentStatusOverview(
                        status=deployment, status_trigger="CONFIG_UPDATE_STARTED", replica_states=replicas, message=""
                    )
                },
            )
        }
    )


@pytest.mark.parametrize(
    ("application", "deployment", "replicas", "ready"),
    [
        ("RUNNING", "HEALTHY", {"RUNNING": 2}, True),
        ("RUNNING", "UPSCALING", {"RUNNING": 2, "STARTING": 1}, True),  # the autoscaler adds one
        ("DEPLOYING", "UPDATING", {"RUNNING": 1, "STARTING": 1}, False),  # one still loading
        ("UNHEALTHY", "UNHEALTHY", {"RUNNING": 1, "STARTING": 1}, False),  # one died, replaced
        ("DELETING", "HEALTHY", {"RUNNING": 2}, False),  # stopping
    ],
)
def test_readiness_follows_the_deployment(
    application: str, deployment: str, replicas: dict[str, int], ready: bool
) -> None:
    problem = readiness_problem(status_of(application, deployment, replicas), APP_NAME, DEPLOYMENT_NAME)
    assert (problem is None) == ready
    if not ready:
        assert problem is not None and "retry shortly" in problem
    assert "is not deployed" in str(readiness_problem(status_of("RUNNING", "HEALTHY", {}), "other", DEPLOYMENT_NAME))


# --- the app's hooks for replicas ------------------------------------------------------------


class FailingScorer:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def score(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")


def test_warm_up_in_startup_is_done_or_fails_the_startup(model_dir: Path, reward_model: Any) -> None:
    model: RewardModel = reward_model(model_dir)

    async def ready_right_after_startup(model: RewardModel) -> int:
        app = create_app(Settings(model=None), model, warm_up_in_startup=True)
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return (await c.get("/ready")).status_code

    assert asyncio.run(ready_right_after_startup(model)) == 200
    broken = dataclasses.replace(model, scorer=FailingScorer(model.scorer))
    with pytest.raises(RuntimeError, match="warm-up"):
        asyncio.run(ready_right_after_startup(broken))


def test_ready_check_decides_ready_once_the_app_is_warm(model_dir: Path, reward_model: Any) -> None:
    answers: list[str | None] = ["replica 2 of 2 is loading", None]

    async def check() -> str | None:
        return answers.pop(0)

    async def go() -> list[httpx.Response]:
        app = create_app(Settings(model=None), reward_model(model_dir), ready_check=check, warm_up_in_startup=True)
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [await c.get("/ready"), await c.get("/ready")]

    waiting, ready = asyncio.run(go())
    assert waiting.status_code == 503
    assert waiting.json()["error"]["code"] == "not_ready"
    assert waiting.json()["error"]["message"] == "replica 2 of 2 is loading"
    assert ready.status_code == 200
