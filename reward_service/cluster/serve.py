"""`reward-service serve-ray`: the HTTP API of `serve`, answered by Ray Serve replicas.

This process (the driver) joins a Ray cluster (`--address`) or starts a local one, starts
Serve's HTTP proxy on `--host`/`--port`, deploys one application and waits for SIGTERM or
SIGINT. Each replica is an actor with its own model, engine and copy of the FastAPI app of
`serve` (`create_app`), built in the replica's process from the same Settings.

Start: a replica's start (Serve's "initialize") builds the app, which loads the model, then
runs the app's lifespan startup; Serve routes no request to a replica before that start has
completed. The app is built with `warm_up_in_startup`, so a replica has started only once its
model is loaded and warmed up. A failed load or warm-up fails the start, and Serve tries again
(a few times, then gives up, which this command reports with the loader's message, exiting 2).

Readiness: a request reaches one replica, whose own state says nothing about the others, so
/ready (after the replica's own check) asks Serve's controller about the whole deployment
(`serve.status()`): ready while the application runs and its deployment has every replica it
should have running, hence warmed up (see `readiness_problem`).

Stop: SIGTERM (or SIGINT) deletes the application. Serve stops routing to its replicas, each
replica waits for its ongoing requests to be answered, then runs the app's lifespan shutdown
(which finishes anything still queued) and exits. Then Serve itself is shut down if this
process started it and no other application runs on it, and a cluster this process started
is stopped with all its processes; a joined cluster is left running.

Ray is imported inside the functions that use it, so importing this module needs no Ray.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..config import Settings, available_cpus

logger = logging.getLogger(__name__)

APP_NAME = "reward-service"
DEPLOYMENT_NAME = "RewardService"
# A local cluster's shared-memory object store: requests and answers pass through it only
# when large (over 100 KiB), and Ray spills to disk past it.
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
# How often Serve's controller asks each replica whether it is alive: a replica that died is
# noticed within this, and replaced.
HEALTH_CHECK_PERIOD_S = 2.0
# How often a stopping replica counts its ongoing requests (Serve's default is 2 s per look).
DRAIN_POLL_S = 0.25
# Failed replica starts before Serve gives up on a deployment (a broken checkpoint fails every
# start the same way; Serve's default of 20 would only repeat the message).
START_RETRIES = 3
# A stopping replica's ongoing requests are each bounded by the request deadline; past it and
# this margin, Serve stops the replica anyway.
DRAIN_MARGIN_S = 10.0
# How long /ready's question to Serve's controller may take.
STATUS_TIMEOUT_S = 5.0
# Beyond the replicas' drain budget, what removing the application and Serve may take.
REMOVE_MARGIN_S = 30.0
# How often the driver looks at the application while it waits for a signal.
WATCH_PERIOD_S = 0.5

# Deployment statuses in which every replica Serve means to run is running: HEALTHY, or being
# resized by the autoscaler (the running replicas serve meanwhile; a new one takes requests only
# once warm).
SERVING_STATUSES = frozenset({"HEALTHY", "UPSCALING", "DOWNSCALING"})
# Environment a local cluster starts with, read by Ray when it is imported: a single-machine
# cluster keeps every process on 127.0.0.1 instead of the machine's network address.
LOCAL_CLUSTER_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass(frozen=True)
class RayOptions:
    """How `serve-ray` runs on Ray; the model, limits and HTTP address are the Settings."""

    replicas: int | None = None  # a fixed count; with `autoscale`, the first count (default: its minimum)
    address: str | None = None  # host:port of the GCS of a cluster to join; None: start a local one
    num_cpus: float = 1.0  # logical CPUs each replica reserves
    num_gpus: float = 0.0  # GPUs each replica reserves (all on one node)
    autoscale: tuple[int, int] | None = None  # (min, max) replicas, scaled on ongoing requests
    max_ongoing_requests: int = 64  # requests one replica holds at once; more wait in Serve's router
    target_ongoing_requests: float = 16.0  # with `autoscale`: ongoing requests per replica to aim for

    @property
    def max_replicas(self) -> int:
        if self.autoscale is not None:
            return self.autoscale[1]
        return self.replicas or 1


def options_problem(settings: Settings, options: RayOptions) -> str | None:
    """What is wrong with running these settings with these options, saying how to fix it; None
    when nothing is. Checked before Ray starts."""
    if settings.port == 0:
        return "serve-ray needs a fixed --port: Serve's proxy binds it, and port 0 would pick one nobody knows"
    if options.replicas is not None and options.replicas < 1:
        return f"--replicas must be at least 1, not {options.replicas}"
    if options.autoscale is not None:
        low, high = options.autoscale
        if low < 1 or high < low:
            return (
                f"--autoscale {low},{high}: give MIN,MAX with 1 <= MIN <= MAX (a replica answers /ready, "
                "so at least one always runs)"
            )
        if options.replicas is not None and not low <= options.replicas <= high:
            return f"--replicas {options.replicas} is the first count under --autoscale {low},{high}: keep it in range"
    if options.num_cpus < 0 or options.num_gpus < 0:
        return "--num-cpus and --num-gpus reserve resources per replica: they cannot be negative"
    if options.max_ongoing_requests < 1:
        return "--max-ongoing-requests must be at least 1"
    if options.target_ongoing_requests <= 0:
        return "--target-ongoing-requests must be above 0"
    if settings.tensor_parallel:
        return (
            "--tensor-parallel shards one model over the processes of a torchrun launch, which serve-ray does not "
            "start: use --num-gpus N --device-map auto to give each replica several GPUs"
        )
    on_gpu = settings.device.startswith("cuda") or settings.device_map is not None
    if on_gpu and options.num_gpus == 0:
        return (
            f"--device {settings.device}{' --device-map ' + settings.device_map if settings.device_map else ''} "
            "needs GPUs, but replicas reserve none, and Ray hides every GPU from a replica that reserves none: "
            "add --num-gpus (per replica, e.g. 1)"
        )
    if settings.device.startswith("cuda:"):
        return (
            f"--device {settings.device}: under Ray each replica sees only the GPUs it reserved, numbered from 0; "
            "use --device cuda and let --num-gpus choose"
        )
    return None


def replica_settings(settings: Settings, options: RayOptions) -> Settings:
    """The settings each replica runs with: the driver's, with torch threads matched to the
    CPUs a replica reserves unless `threads` was given (the default counts the driver's CPUs,
    which the replicas on a machine would then all use at once)."""
    if "threads" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"threads": max(1, math.floor(options.num_cpus))})


def readiness_problem(status: Any, app_name: str, deployment_name: str) -> str | None:
    """Why the deployment is not ready, from a `serve.status()`; None when it is.

    Ready means the application runs and its deployment has every replica it should have
    running. Serve counts a replica as running once its start, and so the app's lifespan
    startup with the model's load and warm-up, has completed.
    """
    application = status.applications.get(app_name)
    if application is None:
        return f"the Serve application {app_name!r} is not deployed"
    deployment = application.deployments.get(deployment_name)
    if deployment is None:
        return f"the Serve application {app_name!r} has no deployment {deployment_name!r} yet"
    if _name(application.status) == "RUNNING" and _name(deployment.status) in SERVING_STATUSES:
        return None
    counts = ", ".join(f"{count} {_name(state).lower()}" for state, count in sorted(deployment.replica_states.items()))
    return (
        f"not every replica is loaded and warmed up yet (replicas: {counts or 'none'}; application "
        f"{_name(application.status)}, deployment {_name(deployment.status)}); retry shortly"
    )


def running_replicas(status: Any, app_name: str, deployment_name: str) -> int:
    """How many replicas of the deployment a `serve.status()` counts as running."""
    application = status.applications.get(app_name)
    deployment = application.deployments.get(deployment_name) if application is not None else None
    if deployment is None:
        return 0
    return sum(count for state, count in deployment.replica_states.items() if _name(state) == "RUNNING")


def _name(status: Any) -> str:
    """A Serve status enum's name ("RUNNING"), or the text it already is."""
    return str(getattr(status, "value", status))


class DeploymentReadiness:
    """/ready's check, from inside a replica: asks Serve's controller about this replica's
    deployment (`readiness_problem`). Every answer is fresh (a reused one would let replicas
    asked a moment apart disagree), but at most one question is in flight: probes arriving
    meanwhile share its answer."""

    def __init__(self) -> None:
        self._asking: asyncio.Future[str | None] | None = None

    async def __call__(self) -> str | None:
        if self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self._ask())
        # Shielded: a probe that goes away does not cancel the others' question.
        return await asyncio.shield(self._asking)

    @staticmethod
    async def _ask() -> str | None:
        from ray import serve

        context = serve.get_replica_context()
        try:
            # serve.status() waits on the controller: off the event loop, and bounded.
            status = await asyncio.wait_for(asyncio.to_thread(serve.status), STATUS_TIMEOUT_S)
        except TimeoutError:
            return f"Serve's controller did not say within {STATUS_TIMEOUT_S:g} s whether every replica runs"
        except Exception:
            logger.exception("could not ask Serve's controller for the deployment's status")
            return "Serve's controller could not be asked whether every replica runs"
        return readiness_problem(status, context.app_name, context.deployment)


class ReplicaApp:
    """One replica. Serve awaits `__serve_build_asgi_app__` in the replica's process as part of
    its start, then runs the app's lifespan startup (which warms the model up) before the
    replica takes requests."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def __serve_build_asgi_app__(self) -> Any:
        from ..server.app import create_app
        from ..server.logs import configure_logging
        from ..service import load

        configure_logging(self._settings.log_level, self._settings.log_format)
        # Loaded here rather than in the lifespan, so that a checkpoint error fails the start
        # with its own message, which Serve reports (a failed lifespan startup it reports only
        # as "failed").
        model, _ = await asyncio.to_thread(load, self._settings)
        return create_app(self._settings, model, ready_check=DeploymentReadiness(), warm_up_in_startup=True)


def deployment_options(settings: Settings, options: RayOptions) -> dict[str, Any]:
    """The keyword arguments of `serve.deployment` for the replicas."""
    scaling: dict[str, Any]
    if options.autoscale is not None:
        low, high = options.autoscale
        scaling = {
            "autoscaling_config": {
                "min_replicas": low,
                "max_replicas": high,
                "initial_replicas": options.replicas or low,
                "target_ongoing_requests": options.target_ongoing_requests,
            }
        }
    else:
        scaling = {"num_replicas": options.replicas or 1}
    return {
        "name": DEPLOYMENT_NAME,
        "ray_actor_options": {"num_cpus": options.num_cpus, "num_gpus": options.num_gpus},
        "max_ongoing_requests": options.max_ongoing_requests,
        # Serve's router holds what the replicas cannot take yet, up to this; beyond it, 503.
        "max_queued_requests": options.max_ongoing_requests * options.max_replicas,
        "graceful_shutdown_timeout_s": settings.request_timeout_s + DRAIN_MARGIN_S,
        "graceful_shutdown_wait_loop_s": DRAIN_POLL_S,
        "health_check_period_s": HEALTH_CHECK_PERIOD_S,
        "max_constructor_retry_count": START_RETRIES,
        **scaling,
    }


def build_application(settings: Settings, options: RayOptions) -> Any:
    """The Serve application: a deployment of `ReplicaApp` replicas, bound to their settings."""
    from ray import serve

    deployment = serve.deployment(**deployment_options(settings, options))(serve.ingress()(ReplicaApp))
    return deployment.bind(replica_settings(settings, options))


def serve_ray(settings: Settings, options: RayOptions) -> int:
    """Run the service on Ray until SIGTERM or SIGINT; the exit status (0 after a clean stop,
    2 when it could not start)."""
    from ..server.logs import configure_logging

    problem = options_problem(settings, options)
    if problem is None and options.address is None:
        problem = _local_problem(settings, options)
    if problem is not None:
        print(f"reward-service: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()
    with _stop_on_signals(stop):
        owns_cluster = options.address is None
        if owns_cluster:
            for name, value in LOCAL_CLUSTER_ENV.items():
                os.environ.setdefault(name, value)
        import ray

        try:
            if owns_cluster:
                ray.init(
                    address="local",  # a new cluster, whatever RAY_ADDRESS says
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                    log_to_driver=False,
                )
            else:
                ray.init(address=options.address, log_to_driver=False)
            # ray.init installs its own SIGTERM handler (exit at once): ours again.
            _install(stop)
            return _serve_until_stopped(settings, options, stop)
        finally:
            if owns_cluster:
                ray.shutdown()  # stops every process of the cluster this process started
                logger.info("stopped the local Ray cluster")


def _local_problem(settings: Settings, options: RayOptions) -> str | None:
    """What stops a local cluster from running the replicas, found before it starts."""
    if settings.model is not None and not settings.model.is_dir():
        return f"cannot load the model: no such model directory: {settings.model}"
    cpus = available_cpus()
    needed = options.max_replicas * options.num_cpus
    if needed > cpus:
        return (
            f"{options.max_replicas} replicas x {options.num_cpus:g} CPUs need {needed:g} CPUs, but this machine has "
            f"{cpus}: lower --num-cpus (fractions are allowed, e.g. 0.5) or the replica count"
        )
    return None


def _serve_until_stopped(settings: Settings, options: RayOptions, stop: threading.Event) -> int:
    from ray import serve

    started_serve = not _serve_running()
    if not started_serve:
        problem = _existing_serve_problem(settings)
        if problem is not None:
            print(f"reward-service: {problem}", file=sys.stderr)
            return 2
    serve.start(http_options={"host": settings.host, "port": settings.port})
    code = 1
    try:
        serve.run_many(
            [serve.RunTarget(target=build_application(settings, options), name=APP_NAME, route_prefix="/")],
            wait_for_applications_running=False,
        )
        code = _watch(settings, stop)
    finally:
        removed = _remove(settings, started_serve, owns_cluster=options.address is None)
    return code if removed else 1


def _serve_running() -> bool:
    from ray.serve.context import _get_global_client

    return _get_global_client(raise_if_no_controller_running=False) is not None


def _existing_serve_problem(settings: Settings) -> str | None:
    """Why the Serve already running on the joined cluster cannot take our application."""
    from ray import serve
    from ray.serve.context import _get_global_client

    client = _get_global_client(raise_if_no_controller_running=False)
    if client is None:
        return None  # stopped meanwhile: serve.start starts it afresh
    http = client.http_config
    if (http.host, http.port) != (settings.host, settings.port):
        return (
            f"Serve already runs on this cluster with its HTTP proxy on {http.host}:{http.port}, and one cluster "
            f"has one proxy address: give --host {http.host} --port {http.port}, or stop that Serve first"
        )
    if APP_NAME in serve.status().applications:
        return (
            f"a Serve application named {APP_NAME!r} already runs on this cluster (another serve-ray?): "
            "stop it first (serve.delete)"
        )
    return None


def _watch(settings: Settings, stop: threading.Event) -> int:
    """Log the application's readiness as it changes, until `stop`; 2 if its first start failed."""
    from ray import serve

    seen: tuple[bool, int] = (False, 0)  # (ready, running replicas) last logged
    while not stop.wait(WATCH_PERIOD_S):
        status = serve.status()
        application = status.applications.get(APP_NAME)
        if application is not None and _name(application.status) == "DEPLOY_FAILED":
            deployment = application.deployments.get(DEPLOYMENT_NAME)
            reason = _failure(deployment.message if deployment is not None else application.message)
            print(f"reward-service: the replicas could not start: {reason}", file=sys.stderr)
            return 2
        problem = readiness_problem(status, APP_NAME, DEPLOYMENT_NAME)
        now = (problem is None, running_replicas(status, APP_NAME, DEPLOYMENT_NAME))
        if now != seen and (now[0] or seen[0]):
            if now[0]:
                logger.info("ready on http://%s:%d with %d running replica(s)", settings.host, settings.port, now[1])
            else:
                logger.warning("not ready: %s", problem)
        seen = now
    logger.info("stopping: deleting the Serve application (replicas answer their in-flight requests first)")
    return 0


def _failure(message: str) -> str:
    """The line of a failed start's message (a traceback) that says why: its last non-blank one."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given; see the replica logs under /tmp/ray/session_latest/logs"


def _remove(settings: Settings, started_serve: bool, owns_cluster: bool) -> bool:
    """Delete our application (waiting for its replicas to drain), then Serve if we started it
    and nothing else runs on it. Bounded: by the replicas' drain budget, and, on a cluster of
    ours, by its processes staying alive (a signal sent to this process's whole group, as
    `timeout` and systemd's default KillMode do, stops them too, and Serve would wait forever
    for replicas it can no longer stop)."""
    from ray import serve

    done = threading.Event()

    def remove() -> None:
        try:
            serve.delete(APP_NAME)
            if started_serve and not serve.status().applications:
                serve.shutdown()
        except Exception:
            logger.exception("could not remove the Serve application %r cleanly", APP_NAME)
        finally:
            done.set()

    threading.Thread(target=remove, name="serve-remove", daemon=True).start()
    deadline = time.monotonic() + settings.request_timeout_s + DRAIN_MARGIN_S + REMOVE_MARGIN_S
    while not done.wait(WATCH_PERIOD_S):
        if owns_cluster and not _local_cluster_alive():
            logger.error(
                "the local Ray cluster's processes stopped before its replicas did (was the signal sent to "
                "this process's whole group? send it to this process only, e.g. KillMode=mixed under systemd)"
            )
            return False
        if time.monotonic() > deadline:
            logger.error("the Serve application %r was not removed in time; stopping anyway", APP_NAME)
            return False
    return True


def _local_cluster_alive() -> bool:
    """Whether every process of the cluster this process started still runs."""
    from ray._private import worker

    node = getattr(worker, "_global_node", None)
    return node is None or bool(node.remaining_processes_alive())


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    _install(stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _install(stop: threading.Event) -> None:
    def handle(signum: int, frame: object) -> None:
        if not stop.is_set():
            logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handle)
