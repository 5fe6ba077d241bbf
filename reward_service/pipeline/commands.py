"""`reward-service score | filter | rank`: flags, and running them to an exit status.

Exit status: 0 done (malformed records, if any, are in the errors file); 1 the run stopped
early (a malformed record with --on-error stop, or scoring failed; --resume continues it);
2 the command could not start (flags, input, outputs in the way, model); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..config import Settings
from ..errors import CheckpointError
from ..server.schemas import Threshold
from .backends import Bounds, ScoringOptions
from .errors import PipelineError, UsageError
from .runner import RunOptions, run_pipeline
from .summary import Report, format_report
from .units import Fields

API_KEY_ENV = "REWARD_SERVICE_API_KEY"
RAY_FLAGS = ("--ray-address", "--ray-actors", "--ray-num-cpus", "--ray-num-gpus", "--records-per-part")
COMMANDS = {
    "score": "Score every record of a JSONL/Parquet file; write each with its scores added.",
    "filter": "Keep the records that meet every threshold (--min, --max, --max-uncertainty); others go to --rejected.",
    "rank": "Rank several responses per prompt by aggregate; optionally write chosen/rejected pairs.",
}
# Settings fields that apply to scoring in this process; each is a flag like `serve`'s.
IN_PROCESS_SETTINGS = (
    "model",
    "device",
    "dtype",
    "quantize",
    "threads",
    "max_batch_tokens",
    "max_batch_size",
    "max_padding",
    "shared_prefix_min_tokens",
    "max_wait_ms",
    "max_tokens_per_item",
    "max_chars_per_item",
    "max_items_per_request",
    "allow_pickle",
    "trust_remote_code",
)


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The pipeline flags of `command` (the in-process model flags are added by the caller)."""
    parser.add_argument(
        "input", type=Path, metavar="IN", help="Input: JSON Lines, or Parquet (*.parquet); with --ray also a directory."
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help=_OUTPUT_HELP[command])
    if command == "filter":
        parser.add_argument(
            "--rejected", type=Path, metavar="REJ", help="Records failing a threshold (default: OUT.rejected.jsonl)."
        )
    if command == "rank":
        parser.add_argument("--pairs", type=Path, metavar="PAIRS", help="Write chosen/rejected pairs (TRL layout).")
        parser.add_argument(
            "--min-gap", type=_finite, default=0.0, metavar="X", help="Pair only when best - worst aggregate > X."
        )
        parser.add_argument("--responses-field", default="responses", help="Field holding the list of responses.")
        parser.add_argument(
            "--group-field",
            metavar="FIELD",
            help="Rank consecutive records sharing this field (one response each) instead of a responses list.",
        )
    source = parser.add_argument_group("where scores come from (default: the model in this process)")
    source.add_argument("--url", help="A running server, e.g. http://127.0.0.1:8000, instead of loading a model.")
    source.add_argument("--api-key", help=f"Sent as `Authorization: Bearer KEY` (default: ${API_KEY_ENV}).")
    source.add_argument("--timeout", type=_positive, default=330.0, metavar="S", help="Seconds per request (--url).")
    source.add_argument("--max-attempts", type=int, default=5, metavar="N", help="Tries per request on 429/503/errors.")

    cluster = parser.add_argument_group("on a Ray cluster (pip install 'reward-service[ray]')")
    cluster.add_argument(
        "--ray",
        action="store_true",
        help="Score on Ray Data, one model per actor; IN may also be a directory of parts, OUT Parquet or a directory.",
    )
    cluster.add_argument("--ray-address", metavar="ADDR", help="Join this cluster (HEAD:6379) instead of a local one.")
    cluster.add_argument(
        "--ray-actors",
        type=_count,
        metavar="N",
        help="Actors, each with its own model (default: as many as the cluster's CPUs, or GPUs with --device cuda).",
    )
    cluster.add_argument(
        "--ray-num-cpus",
        type=_positive,
        metavar="N",
        help="Logical CPUs each actor reserves (default 1); also its torch threads, unless --threads is given.",
    )
    cluster.add_argument(
        "--ray-num-gpus",
        type=_non_negative,
        metavar="N",
        help="GPUs each actor reserves (default 1 with --device cuda).",
    )
    cluster.add_argument(
        "--records-per-part", type=_count, metavar="N", help="Lines per part of a directory output (default 100000)."
    )

    fields = parser.add_argument_group("input fields")
    fields.add_argument("--prompt-field", default="prompt", help="The user's turn (with --response-field).")
    fields.add_argument("--response-field", default="response", help="The response to score.")
    fields.add_argument("--messages-field", default="messages", help="A conversation; used when present.")

    scoring = parser.add_argument_group("scoring (as the API's options)")
    scoring.add_argument("--weights", type=_weights, metavar="JSON", help='Aggregate weights: {"helpfulness": 1}.')
    scoring.add_argument(
        "--min", action="append", type=_bound, default=[], metavar="NAME=X", help="Pass only when NAME >= X."
    )
    scoring.add_argument(
        "--max", action="append", type=_bound, default=[], metavar="NAME=X", help="Pass only when NAME <= X."
    )
    scoring.add_argument(
        "--max-uncertainty",
        action="append",
        type=_spread_bound,
        default=[],
        metavar="NAME=X",
        help="Pass only when attribute NAME's uncertainty (its spread over the model's ensemble of heads) <= X; "
        "for models that ship one.",
    )
    scoring.add_argument("--truncation", choices=("none", "left"), default="none", help="left: cut oldest context.")

    run = parser.add_argument_group("running")
    run.add_argument("--errors", type=Path, metavar="FILE", help="Malformed records (default: OUT.errors.jsonl).")
    run.add_argument(
        "--on-error", choices=("skip", "stop"), default="skip", help="skip: into the errors file; stop: end the run."
    )
    restart = run.add_mutually_exclusive_group()
    restart.add_argument("--resume", action="store_true", help="Continue an interrupted run with the same options.")
    restart.add_argument("--overwrite", action="store_true", help="Replace existing outputs.")
    run.add_argument("--chunk-size", type=_count, default=256, metavar="N", help="Records scored together.")
    run.add_argument("--concurrency", type=_count, default=4, metavar="N", help="Chunks (requests) in flight.")
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Progress bar (default: when stderr is a terminal).",
    )


_OUTPUT_HELP = {
    "score": "Every record with its scores added.",
    "filter": "The records that pass every threshold, with their scores.",
    "rank": "The records with their responses ranked.",
}


Run = Callable[[RunOptions, argparse.Namespace, Settings], Report]


def run_command(args: argparse.Namespace, settings: Settings, run: Run | None = None) -> int:
    """Run a parsed `score`/`filter`/`rank` command; returns the exit status.

    `run` carries the run out (default: in this process, or against --url); the cluster layer
    passes its own for --ray.
    """
    name = f"reward-service {args.command}"
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        options = options_from_args(args)
        if args.url is not None:
            _refuse_in_process_flags(args)
        if run is None:
            _refuse_ray_flags(args)
            report = asyncio.run(_run(options, args, settings))
        else:
            report = run(options, args, settings)
    except (UsageError, CheckpointError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"{name}: {exc}\n{name}: the outputs hold every record before that; --resume continues", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted; run the same command with --resume to continue", file=sys.stderr)
        return 130
    print(format_report(report, {role: str(path) for role, path in options.paths().items()}), file=sys.stderr)
    if report.stopped:
        print(f"{name}: fix that record (or pass --on-error skip), then rerun with --resume", file=sys.stderr)
        return 1
    return 0


def options_from_args(args: argparse.Namespace) -> RunOptions:
    thresholds = _thresholds(args.min, args.max, args.max_uncertainty)
    if args.command == "filter" and not thresholds:
        raise UsageError(
            "filter needs at least one threshold, e.g. --min helpfulness=3, --max verbosity=2 "
            "or --max-uncertainty correctness=0.5"
        )
    rank = args.command == "rank"
    return RunOptions(
        command=args.command,
        input=args.input,
        output=args.output,
        rejected=getattr(args, "rejected", None),
        pairs=getattr(args, "pairs", None),
        errors=args.errors,
        fields=Fields(
            prompt=args.prompt_field,
            response=args.response_field,
            messages=args.messages_field,
            responses=args.responses_field if rank else "responses",
            group=args.group_field if rank else None,
        ),
        scoring=ScoringOptions(weights=args.weights, thresholds=thresholds, truncation=args.truncation),
        min_gap=args.min_gap if rank else 0.0,
        on_error=args.on_error,
        resume=args.resume,
        overwrite=args.overwrite,
        chunk_size=args.chunk_size,
        concurrency=args.concurrency,
        progress=sys.stderr.isatty() if args.progress is None else args.progress,
    )


async def _run(options: RunOptions, args: argparse.Namespace, settings: Settings) -> Report:
    if args.url is not None:
        from ..client import RetryPolicy
        from .remote import remote_backend

        if args.max_attempts < 1:
            raise UsageError("--max-attempts must be at least 1")
        async with remote_backend(
            args.url,
            api_key=args.api_key or os.environ.get(API_KEY_ENV) or None,
            concurrency=options.concurrency,
            timeout=args.timeout,
            retry=RetryPolicy(max_attempts=args.max_attempts),
        ) as remote:
            return await run_pipeline(options, remote)
    from .local import local_backend

    window = options.concurrency * (options.chunk_size + settings.max_items_per_request)
    async with local_backend(settings, window_items=window) as local:
        return await run_pipeline(options, local)


def _refuse_in_process_flags(args: argparse.Namespace) -> None:
    given = [name for name in IN_PROCESS_SETTINGS if getattr(args, name, None) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UsageError(f"{flags}: for a model in this process; with --url the server's own settings apply")


def _refuse_ray_flags(args: argparse.Namespace) -> None:
    given = [flag for flag in RAY_FLAGS if getattr(args, flag.removeprefix("--").replace("-", "_"), None) is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: for a run on Ray; add --ray")


def _thresholds(
    lows: list[tuple[str, float]], highs: list[tuple[str, float]], spreads: list[tuple[str, float]]
) -> dict[str, Bounds]:
    """Bounds per name, as the API's Threshold checks them: (min, max), and max_uncertainty only
    when given (so a run without it records the same options as before it existed)."""
    bounds: dict[str, list[float | None]] = {}
    for side, pairs in enumerate((lows, highs, spreads)):
        flag = ("--min", "--max", "--max-uncertainty")[side]
        for name, value in pairs:
            entry = bounds.setdefault(name, [None, None, None])
            if entry[side] is not None:
                raise UsageError(f"{flag} {name} is given twice; give each bound once")
            entry[side] = value
    out: dict[str, Bounds] = {}
    for name, (low, high, most) in bounds.items():
        try:
            out[name] = Threshold(min=low, max=high, max_uncertainty=most).bounds()
        except ValidationError as exc:
            raise UsageError(f"{name}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    return out


def _bound(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. helpfulness=3; got {text!r}")
    return name.strip(), _finite(value)


def _spread_bound(text: str) -> tuple[str, float]:
    name, value = _bound(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"an uncertainty bound must be at least 0, got {text!r}")
    return name, value


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _positive(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _weights(text: str) -> dict[str, float]:
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from exc
    if not isinstance(value, dict) or not all(
        isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) for w in value.values()
    ):
        raise argparse.ArgumentTypeError('expected a JSON object of finite numbers, e.g. {"helpfulness": 1.0}')
    return {str(name): float(w) for name, w in value.items()}
