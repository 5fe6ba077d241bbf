"""`reward-service score|filter|rank --ray`: the same pipeline, scored on Ray Data.

    read (one task, on this machine) -> score (map_batches over an actor pool) -> write (here)

One read task streams the input, validates its records and cuts them into the in-process
run's chunks, exactly as the in-process run does (the same code: `runner.units_of` and
`chunks_of`), and hands each chunk to Ray Data as one block. Each actor of a fixed pool loads
the model once (`local_backend`: `service.load` and `build` from the Settings it is given, so
every in-process setting applies) and scores blocks through the engine, up to `--concurrency`
at once (`actors.py`). Ray Data
keeps the blocks in order (`preserve_order`), so this process receives them in input order and
writes them with the in-process writer and progress file: the outputs, the errors file, the
summary and `--resume` are those of the in-process run. The first block is a probe that
carries no records: the actor answers it with the model's name and precision and whether the
options suit the model, so nothing is written before the model has been checked, and no extra
model load is needed for it.

The input is read where this command runs (the read task is pinned to this node) and the
outputs are written here; only the model directory has to be readable on every node. That
path around the actors (one reader, this process) carried over 2,000 records per second on
2 shared cores with 256-record chunks (BENCHMARKS.md); a block costs Ray Data tens of
milliseconds whatever its size, so small chunks lower that ceiling.

Ray is an optional dependency: it is imported inside the functions that use it, and
`datasource.py` (which subclasses Ray's Datasource) is imported only once Ray is known to be there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import pickle
import sys
import time
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings, available_cpus
from ..errors import CheckpointError
from ..pipeline import PipelineError, Report, RunOptions, UsageError
from ..pipeline.outputs import Outputs, check_same_run, progress_path
from ..pipeline.progress import Progress
from ..pipeline.records import Position
from ..pipeline.render import Outcome
from ..pipeline.runner import Writer, check_paths, count_earlier, fingerprint_of, layout_of
from ..pipeline.units import Unit
from .actors import PROBE, ChunkReader, ChunkScorer, ModelFacts
from .files import destinations, input_parts, open_parts, publish

READ_CPUS = 0.5  # the read task parses JSON; it must not hold a whole CPU an actor could use
OBJECT_STORE_BYTES = 256 * 1024 * 1024  # a local cluster's: blocks are chunks of records, small
RECORDS_PER_PART = 100_000
ACTOR_START_S = 1800  # starting every actor, its model load included (a large model on a slow disk)
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass(frozen=True)
class ClusterOptions:
    """The --ray flags, with their defaults resolved."""

    address: str | None  # None: start a local cluster, and stop it at the end
    actors: int | None  # None: as many as the cluster holds
    num_cpus: float
    num_gpus: float
    records_per_part: int

    @classmethod
    def from_args(cls, args: argparse.Namespace, settings: Settings) -> ClusterOptions:
        device = settings.device
        if device.startswith("cuda:"):
            raise UsageError(
                f"--device {device}: with --ray, Ray gives each actor its own GPUs (--ray-num-gpus); use --device cuda"
            )
        gpus = args.ray_num_gpus if args.ray_num_gpus is not None else (1.0 if device == "cuda" else 0.0)
        return cls(
            address=args.ray_address,
            actors=args.ray_actors,
            num_cpus=args.ray_num_cpus if args.ray_num_cpus is not None else 1.0,
            num_gpus=gpus,
            records_per_part=args.records_per_part or RECORDS_PER_PART,
        )


def run_on_ray(
    options: RunOptions,
    args: argparse.Namespace,
    settings: Settings,
    *,
    default_model: Callable[[], Path] | None = None,
) -> Report:
    """Run the command on Ray (see the module docstring); the report of the whole output.

    `default_model` gives the model directory when the settings name none: resolved here, once,
    so that actors do not each build the default model at the same time.
    """
    ray = _import_ray(local=args.ray_address is None)
    if args.url is not None:
        raise UsageError("--ray and --url: scores come from actors on the cluster or from a server; choose one")
    cluster = ClusterOptions.from_args(args, settings)
    if settings.model is None:
        if default_model is None:
            raise UsageError("name the model with --model")
        settings = settings.model_copy(update={"model": default_model()})
    assert settings.model is not None
    if not settings.model.is_dir():
        raise CheckpointError(settings.model, "no such model directory")
    update: dict[str, Any] = {"model": settings.model.resolve()}
    if "threads" not in settings.model_fields_set:  # this machine's core count means nothing to an actor
        update["threads"] = max(1, math.floor(cluster.num_cpus))
    settings = settings.model_copy(update=update)
    with _connected(ray, cluster) as address:
        run = _RayRun(ray, options, settings, cluster)
        report = run.go()
    print(
        f"reward-service {options.command}: scored on Ray ({address}) by {len(run.scored_by)} of {run.actors} actors",
        file=sys.stderr,
    )
    return report


def _import_ray(*, local: bool) -> Any:
    if local:
        # A local cluster stays on loopback only when Ray is told, before it is imported, that
        # it is a single-machine cluster; it would otherwise bind the machine's address.
        for name, value in LOOPBACK_ENV.items():
            os.environ.setdefault(name, value)
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise UsageError(f"--ray needs Ray, which is not installed: pip install 'reward-service[ray]' ({exc})") from exc
    return ray


@contextlib.contextmanager
def _connected(ray: Any, cluster: ClusterOptions) -> Iterator[str]:
    """Connected to the cluster (joined, or a local one started and stopped here); its address.

    A process already connected (a program that called `ray.init` itself) stays connected.
    """
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # a few lines per dataset otherwise
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled": ours counts
    if ray.is_initialized():
        address = ray.get_runtime_context().gcs_address
        if cluster.address is not None and cluster.address != address:
            raise UsageError(f"this process is connected to the Ray cluster at {address}, not {cluster.address}")
        yield address
        return
    common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if cluster.address is not None:
        try:
            ray.init(address=cluster.address, **common)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(f"cannot join the Ray cluster at {cluster.address}: {exc}") from exc
    else:
        wanted = (cluster.actors or 1) * cluster.num_cpus + READ_CPUS
        ray.init(
            num_cpus=max(available_cpus(), math.ceil(wanted)),
            include_dashboard=False,
            object_store_memory=OBJECT_STORE_BYTES,
            **common,
        )
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()  # a joined cluster keeps running; a local one stops


class _RayRun:
    """One run: checks, the dataset, and writing what it yields in order."""

    def __init__(self, ray: Any, options: RunOptions, settings: Settings, cluster: ClusterOptions) -> None:
        self.ray = ray
        self.options = options
        self.settings = settings
        self.cluster = cluster
        self.destinations = destinations(options.paths())
        self.written = {role: destination.written for role, destination in self.destinations.items()}
        self.actors = self._actor_count()
        self.scored_by: set[str] = set()

    def go(self) -> Report:
        started = time.monotonic()
        options = self.options
        check_paths(options.input, self.written)
        self._check_outside_input()
        parts = input_parts(options.input.resolve())
        outputs, start = self._resume() if options.resume else (None, Position())
        with ExitStack() as closing:
            if outputs is not None:
                closing.callback(outputs.close)
            else:
                self._refuse_existing()
            source = open_parts(parts, start)  # a missing input, or a changed one on --resume, fails here
            unit = source.unit
            total = source.estimated_total() if options.progress else None
            source.close()
            scored = self._scored(parts, start)
            closing.callback(scored.close)
            facts = self._probe(scored)
            fingerprint = fingerprint_of(options, self.written, model=facts.model, precision=facts.precision)
            if outputs is None:
                self._clear_replaced()
                outputs = Outputs.start(self.written, fingerprint, overwrite=options.overwrite)
                closing.callback(outputs.close)
            else:
                check_same_run(outputs.fingerprint, fingerprint)
            report = self._write(scored, outputs, unit, total, start)
        if report.stopped is None:
            for destination in self.destinations.values():
                if destination.staged:
                    publish(destination, self.cluster.records_per_part)
        report.seconds = time.monotonic() - started
        return report

    def _write(self, scored: _Scored, outputs: Outputs, unit: str, total: int | None, start: Position) -> Report:
        """Write the scored blocks as they come, in order; the report of the whole output."""
        options = self.options
        layout = layout_of(options, unit)
        report = Report(options.command, unit, resumed_after=start.records)
        if options.resume:
            count_earlier(report, layout, outputs)
        progress = Progress(enabled=options.progress, total=total, initial=start.records, unit="rec", stream=sys.stderr)
        writer = Writer(options, outputs, report, layout)
        done = start.records
        try:
            for index, (expected, chunk_bytes, scored_bytes, actor) in enumerate(scored, start=1):
                if expected != index:
                    raise PipelineError(f"Ray returned block {expected} where block {index} was due")
                chunk: list[Unit] = pickle.loads(chunk_bytes)
                outcomes: list[list[Outcome]] | str = pickle.loads(scored_bytes)
                if isinstance(outcomes, str):
                    raise PipelineError(outcomes)
                self.scored_by.add(actor)
                tokens = sum(o.tokens for per_unit in outcomes for o in per_unit if not isinstance(o, str))
                progress.advance(chunk[-1].end.records - done, tokens)
                done = chunk[-1].end.records
                if not writer.write(chunk, outcomes):
                    return report
            progress.finish()
        finally:
            progress.close()
        return report

    def _probe(self, scored: Iterator[tuple[int, bytes, bytes, str]]) -> ModelFacts:
        """The model's facts, from the first block; a UsageError (nothing written yet) otherwise."""
        try:
            first = next(scored, None)
        except PipelineError as exc:  # the dataset did not start: its actors, or the read
            raise UsageError(str(exc)) from exc
        if first is None or first[0] != PROBE:
            raise PipelineError("Ray returned no answer to the probe block")
        facts = pickle.loads(first[2])
        assert isinstance(facts, ModelFacts)
        if facts.problem is not None:
            raise UsageError(facts.problem)
        return facts

    # -- the dataset ------------------------------------------------------------------------

    def _scored(self, parts: Sequence[Path], start: Position) -> _Scored:
        """Scored blocks in input order, the probe's first: (index, chunk, outcomes, actor)."""
        from ray.data import ActorPoolStrategy, DataContext

        from .datasource import ChunkSource

        options, settings = self.options, self.settings
        reader = ChunkReader(tuple(parts), start, options, settings.max_items_per_request)
        # A dataset copies the current context when it is created: set, create, put back.
        with (
            _context_set(
                DataContext.get_current(),
                preserve_order=True,
                enable_progress_bars=False,  # the pipeline's own bar counts records
                # One chunk per block, as the read task yields them: Ray Data would otherwise gather
                # the small chunks into blocks of up to 128 MiB, each scored whole by one actor.
                target_max_block_size=1,
                # Score once every actor holds its model (so each gets a share), and give up with a
                # clear error rather than wait forever for actors the cluster cannot place.
                wait_for_min_actors_s=ACTOR_START_S,
            ),
            warnings.catch_warnings(),
        ):
            # map_batches has no named parameter for max_restarts, and warns of the generic route.
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*is deprecated")
            dataset = self.ray.data.read_datasource(
                ChunkSource(reader), override_num_blocks=1, num_cpus=READ_CPUS
            ).map_batches(
                ChunkScorer,
                fn_constructor_kwargs={
                    "settings": settings,
                    "scoring": options.scoring,
                    "window_items": options.concurrency * (options.chunk_size + settings.max_items_per_request),
                },
                batch_size=1,
                batch_format="pyarrow",
                zero_copy_batch=True,
                compute=ActorPoolStrategy(
                    size=self.actors,
                    max_concurrent_calls_per_actor=options.concurrency,
                    enable_true_multi_threading=True,  # calls wait on the engine, not compute in Python
                ),
                num_cpus=self.cluster.num_cpus,
                num_gpus=self.cluster.num_gpus,
                # A lost actor fails the run, which --resume continues. Restarting it would
                # retry its chunk without end if that chunk is what kills it (out of memory).
                max_restarts=0,
            )
        return _Scored(dataset.iter_batches(batch_size=None, batch_format="pyarrow"))

    def _actor_count(self) -> int:
        cluster = self.cluster
        resources = self.ray.cluster_resources()
        cpus, gpus = resources.get("CPU", 0.0), resources.get("GPU", 0.0)
        if cluster.actors is None:
            fit = gpus // cluster.num_gpus if cluster.num_gpus else (cpus - READ_CPUS) // cluster.num_cpus
            return max(1, int(fit))
        need_cpus = cluster.actors * cluster.num_cpus + READ_CPUS
        need_gpus = cluster.actors * cluster.num_gpus
        if need_cpus > cpus or need_gpus > gpus:
            raise UsageError(
                f"--ray-actors {cluster.actors} need {need_cpus:g} CPUs and {need_gpus:g} GPUs (with the read task), "
                f"and the cluster has {cpus:g} and {gpus:g}; ask for fewer actors or smaller ones (--ray-num-cpus)"
            )
        return cluster.actors

    # -- outputs ----------------------------------------------------------------------------

    def _check_outside_input(self) -> None:
        folder = self.options.input.resolve()
        if folder.is_dir():
            inside = [str(d.path) for d in self.destinations.values() if folder in d.written.resolve().parents]
            if inside:
                raise UsageError(f"{', '.join(inside)} would be written into the input directory {folder}")

    def _resume(self) -> tuple[Outputs, Position]:
        """The interrupted run's outputs, cut back to its last complete state, and its position.

        The model and precision are checked once the probe has answered; until then the
        recorded ones stand in for them.
        """
        journal = progress_path(self.written["output"])
        if not journal.exists():
            done = [str(d.path) for d in self.destinations.values() if d.staged and d.occupied()]
            if done:
                raise UsageError(
                    f"cannot resume: the run that wrote {', '.join(done)} finished (Parquet and directory outputs "
                    "are written once every record is in); start over with --overwrite"
                )
        try:
            recorded = json.loads(journal.read_text(encoding="utf-8"))["fingerprint"]
        except (OSError, ValueError, KeyError, TypeError):
            recorded = {}
        model, precision = str(recorded.get("model", "")), str(recorded.get("precision", ""))
        provisional = fingerprint_of(self.options, self.written, model=model, precision=precision)
        outputs = Outputs.resume(self.written, provisional)
        return outputs, outputs.state.position

    def _refuse_existing(self) -> None:
        if self.options.overwrite:
            return
        found: list[Path] = []
        for destination in self.destinations.values():
            found += destination.occupied()
            if destination.staged and destination.written.exists():
                found.append(destination.written)
        journal = progress_path(self.written["output"])
        if journal.exists():
            found.append(journal)
        if found:
            raise UsageError(
                f"{', '.join(map(str, found))} already exist: pass --resume to continue the run that wrote them, "
                "or --overwrite to start over"
            )

    def _clear_replaced(self) -> None:
        """With --overwrite, what the earlier run converted goes now, as in-process files are emptied."""
        for destination in self.destinations.values():
            if destination.staged:
                for path in destination.occupied():
                    path.unlink()


@contextlib.contextmanager
def _context_set(context: Any, **values: Any) -> Iterator[None]:
    """Ray Data's context with `values` set (`preserve_order` is an execution option), then as before."""
    targets = {name: context.execution_options if name == "preserve_order" else context for name in values}
    saved = {name: getattr(targets[name], name) for name in values}
    for name, value in values.items():
        setattr(targets[name], name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(targets[name], name, value)


class _Scored:
    """The dataset's rows as (index, chunk, outcomes, actor), closable to stop the dataset early."""

    def __init__(self, batches: Any) -> None:
        self._batches = iter(batches)
        self._rows = self._iterate()

    def _iterate(self) -> Generator[tuple[int, bytes, bytes, str], None, None]:
        while True:
            try:
                table = next(self._batches, None)
            except Exception as exc:  # Ray's own: an actor lost for good, actors that never started, ...
                lines = str(exc).strip().splitlines() or [type(exc).__name__]
                raise PipelineError(f"the run on Ray failed: {lines[-1]}") from exc
            if table is None:
                return
            columns = [table.column(name).to_pylist() for name in ("index", "chunk", "scored", "actor")]
            yield from zip(*columns, strict=True)

    def __iter__(self) -> Iterator[tuple[int, bytes, bytes, str]]:
        return self._rows

    def __next__(self) -> tuple[int, bytes, bytes, str]:
        return next(self._rows)

    def close(self) -> None:
        self._rows.close()
        close = getattr(self._batches, "close", None)
        if close is not None:
            close()
