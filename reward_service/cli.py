"""`reward-service` command line. Every `serve` flag is a Settings field (`--max-batch-tokens` sets
`max_batch_tokens`); flags left out fall back to `REWARD_SERVICE_*` variables, then defaults."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .config import Settings
from .errors import CheckpointError
from .model.spec import POOLINGS
from .pipeline import commands as pipeline_commands
from .training.options import ALL_LINEAR, LoraOptions

# List fields whose flag takes one value and is repeated for several (the name vLLM uses).
REPEATED_FLAGS = {"served_model_names": "--served-model-name"}


def add_settings_flags(parser: argparse._ActionsContainer, only: Sequence[str] | None = None) -> None:
    """A flag per Settings field (or per field named in `only`)."""
    for name, field in Settings.model_fields.items():
        if only is not None and name not in only:
            continue
        flag = "--" + name.replace("_", "-")
        help_text = field.description or ""
        if name in REPEATED_FLAGS:
            parser.add_argument(
                REPEATED_FLAGS[name], dest=name, action="append", default=None, metavar="NAME", help=help_text
            )
        elif field.annotation is bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif _is_mapping(field.annotation):
            parser.add_argument(flag, dest=name, type=_json_object, default=None, metavar="JSON", help=help_text)
        else:
            parser.add_argument(flag, dest=name, default=None, metavar=name.upper(), help=help_text)


def _is_mapping(annotation: Any) -> bool:
    return any(typing.get_origin(arg) is dict for arg in (annotation, *typing.get_args(annotation)))


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object, e.g. {"helpfulness": 1.0}')
    return value


def quiet_libraries(log_level: str) -> None:
    """Keep third-party progress bars and notices (transformers' "Loading weights" bar) out of
    the server log and the command line, unless the log level is debug."""
    if log_level == "debug":
        return
    # Read when transformers is imported ...
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:  # ... so set directly if that has happened already.
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()


def settings_from_args(args: argparse.Namespace) -> Settings:
    given = {name: getattr(args, name) for name in Settings.model_fields if getattr(args, name, None) is not None}
    return Settings(**given)


def _graceful_server(config: Any) -> Any:
    """A uvicorn server for which SIGTERM is an ordinary stop: it stops accepting connections,
    answers every in-flight request, runs the shutdown (which drains the queue) and exits 0.
    Plain uvicorn re-raises the signal after draining, so the exit status would say "killed"."""
    import uvicorn

    class GracefulServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop without waiting
            else:
                self.should_exit = True

    return GracefulServer(config)


def serve(settings: Settings) -> int:
    import uvicorn

    from .model import parallel
    from .server.app import create_app
    from .server.logs import configure_logging
    from .service import load

    configure_logging(settings.log_level, settings.log_format)
    if settings.tensor_parallel and parallel.launched_ranks() < 2:
        print(
            "reward-service: --tensor-parallel shards the model across the processes of a torchrun launch: "
            "torchrun --nproc-per-node N -m reward_service.cli serve --tensor-parallel ...",
            file=sys.stderr,
        )
        return 2
    try:
        model, _ = load(settings)
    except CheckpointError as exc:
        print(f"reward-service: cannot load the model: {exc}", file=sys.stderr)
        return 2
    lockstep = None
    if settings.tensor_parallel:
        if parallel.rank() != 0:
            # A signal is rank 0's to handle: it drains, then releases this rank.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            parallel.follow(model.scorer)
            return 0
        lockstep = model.scorer.lockstep = parallel.Lockstep()
    try:
        app = create_app(settings, model)
    except ValueError as exc:
        print(f"reward-service: {exc}", file=sys.stderr)
        return 2
    # Uvicorn's loggers go through ours (log_config=None); our request log replaces its access log.
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level, log_config=None, access_log=False
    )
    server = _graceful_server(config)
    try:
        server.run()
    finally:
        if lockstep is not None:
            lockstep.stop()
    return 0


def add_ray_flags(parser: argparse.ArgumentParser) -> None:
    """`serve-ray`'s own flags; every other one is a Settings flag, as for `serve`."""
    from .cluster.serve import RayOptions

    defaults = RayOptions()
    group = parser.add_argument_group("Ray (each replica holds its own model)")
    group.add_argument("--replicas", type=int, default=None, help="Replicas to run (default 1).")
    group.add_argument(
        "--address", default=None, help="host:port of a Ray cluster's GCS to join (default: start a local cluster)."
    )
    group.add_argument(
        "--num-cpus",
        type=float,
        default=defaults.num_cpus,
        help="Logical CPUs each replica reserves; also its torch threads, unless --threads is given.",
    )
    group.add_argument(
        "--num-gpus", type=float, default=defaults.num_gpus, help="GPUs each replica reserves (with --device cuda)."
    )
    group.add_argument(
        "--autoscale",
        type=_min_max,
        default=None,
        metavar="MIN,MAX",
        help="Scale between MIN and MAX replicas on ongoing requests (--replicas: the first count).",
    )
    group.add_argument(
        "--max-ongoing-requests",
        type=int,
        default=defaults.max_ongoing_requests,
        help="Requests one replica holds at once; more wait in Serve's router.",
    )
    group.add_argument(
        "--target-ongoing-requests",
        type=float,
        default=defaults.target_ongoing_requests,
        help="With --autoscale: ongoing requests per replica the autoscaler aims for.",
    )


def _min_max(text: str) -> tuple[int, int]:
    parts = text.split(",")
    try:
        low, high = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX replica counts, e.g. 1,4, not {text!r}") from None
    return low, high


def serve_ray(args: argparse.Namespace, settings: Settings) -> int:
    from .cluster import serve as ray_serve
    from .training.default_model import ensure_default_model

    if settings.model is None:
        # Resolved once here, so replicas do not each build the default model at once.
        try:
            settings = settings.model_copy(update={"model": ensure_default_model()})
        except CheckpointError as exc:
            print(f"reward-service: cannot load the model: {exc}", file=sys.stderr)
            return 2
    options = ray_serve.RayOptions(
        replicas=args.replicas,
        address=args.address,
        num_cpus=args.num_cpus,
        num_gpus=args.num_gpus,
        autoscale=args.autoscale,
        max_ongoing_requests=args.max_ongoing_requests,
        target_ongoing_requests=args.target_ongoing_requests,
    )
    return ray_serve.serve_ray(settings, options)


def pipeline_on_ray(args: argparse.Namespace, settings: Settings) -> int:
    """`score|filter|rank --ray`: the pipeline on Ray Data (see `cluster/data.py`)."""
    import functools

    from .cluster.data import run_on_ray

    def default_model() -> Path:
        # Resolved once here, so that actors do not each build the default model at once.
        from .training.default_model import ensure_default_model

        return ensure_default_model()

    return pipeline_commands.run_command(args, settings, run=functools.partial(run_on_ray, default_model=default_model))


def train(args: argparse.Namespace) -> int:
    from .training.backbone import backbone_dir, cache_root
    from .training.train import TrainOptions, main_train

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        backbone = args.backbone or backbone_dir()
        options = TrainOptions(
            data=args.data,
            backbone=backbone,
            out=args.out,
            cache=args.cache or cache_root() / "features",
            name=args.name,
            pooling=args.pooling,
            pad_token_id=args.pad_token_id,
            max_tokens=args.max_tokens,
            batch_tokens=args.batch_tokens,
            num_layers=args.num_layers,
            lora=lora_options(args),
            ensemble=args.ensemble,
        )
        return main_train(options)
    except (CheckpointError, ValueError) as exc:
        print(f"reward-service train: {exc}", file=sys.stderr)
        return 2


def lora_options(args: argparse.Namespace) -> LoraOptions | None:
    """LoRA fine-tuning options from `train`'s flags, or None for the head alone (--lora-rank 0)."""
    if not args.lora_rank:
        return None
    targets = tuple(name.strip() for name in args.lora_targets.split(",") if name.strip())
    if not targets:
        raise ValueError("--lora-targets names no module")
    return LoraOptions(
        rank=args.lora_rank,
        alpha=args.lora_alpha,
        targets=targets,
        layers=args.lora_layers or None,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        pairwise_weight=args.pairwise_weight,
        batch_tokens=args.train_batch_tokens,
        seed=args.seed,
        precision=args.train_precision,
    )


def add_lora_flags(parser: argparse.ArgumentParser) -> None:
    defaults = LoraOptions()
    group = parser.add_argument_group("LoRA fine-tuning of the backbone (with --lora-rank N)")
    group.add_argument("--lora-rank", type=int, default=0, help="Adapter rank (default 0: train the head alone).")
    group.add_argument("--lora-alpha", type=int, default=defaults.alpha, help="Adapter scale numerator (alpha / rank).")
    group.add_argument(
        "--lora-targets", default=",".join(ALL_LINEAR), help="Comma-separated module names adapted in each layer."
    )
    group.add_argument(
        "--lora-layers", type=int, default=defaults.layers, help="Adapt the last N layers (0: all of them)."
    )
    group.add_argument("--epochs", type=float, default=defaults.epochs, help="Passes over the training split.")
    group.add_argument("--learning-rate", type=float, default=defaults.learning_rate, help="The adapters' peak rate.")
    group.add_argument(
        "--pairwise-weight",
        type=float,
        default=defaults.pairwise_weight,
        help="Weight of the within-prompt Bradley-Terry loss next to the regression loss (0: none).",
    )
    group.add_argument(
        "--train-batch-tokens", type=int, default=defaults.batch_tokens, help="Padded tokens per training step."
    )
    group.add_argument(
        "--train-precision",
        choices=["auto", "float32", "bfloat16"],
        default=defaults.precision,
        help="auto: bfloat16 matmuls where the CPU has them in hardware, else float32.",
    )
    group.add_argument("--seed", type=int, default=defaults.seed, help="Seeds the order of training prompts.")


def prepare() -> int:
    from .training.default_model import ensure_default_model

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        print(ensure_default_model())
    except CheckpointError as exc:
        print(f"reward-service prepare: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reward-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="Start the HTTP server.")
    add_settings_flags(serve_parser)
    serve_ray_parser = commands.add_parser(
        "serve-ray", help="Serve the same HTTP API from Ray Serve replicas, on a local or joined Ray cluster."
    )
    add_settings_flags(serve_ray_parser)
    add_ray_flags(serve_ray_parser)
    train_parser = commands.add_parser(
        "train", help="Fit a reward head on HelpSteer2-format data and write a checkpoint with its report."
    )
    train_parser.add_argument("--data", required=True, type=Path, help="Folder with train/validation/test .jsonl")
    train_parser.add_argument("--out", required=True, type=Path, help="Checkpoint directory to write.")
    train_parser.add_argument(
        "--backbone", type=Path, default=None, help="Backbone checkpoint (default: the converted SmolLM2-135M)."
    )
    train_parser.add_argument("--name", default="reward-head", help="Model name written to reward_config.json.")
    train_parser.add_argument("--pooling", choices=POOLINGS, default="last_non_pad", help="Where scores are read.")
    train_parser.add_argument(
        "--pad-token-id", type=int, default=None, help="Pad id written to the checkpoint (decides the read position)."
    )
    train_parser.add_argument(
        "--num-layers", type=int, default=None, help="Keep only the backbone's first N layers (default: all)."
    )
    train_parser.add_argument("--max-tokens", type=int, default=2048, help="Longer items lose their oldest context.")
    train_parser.add_argument("--batch-tokens", type=int, default=4096, help="Padded tokens per forward pass.")
    train_parser.add_argument("--cache", type=Path, default=None, help="Feature cache folder (resumable).")
    train_parser.add_argument(
        "--ensemble", type=int, default=8, help="Bootstrap heads shipped for per-attribute uncertainty (0: none)."
    )
    add_lora_flags(train_parser)
    commands.add_parser("prepare", help="Build the default model (convert its backbone once) and print its directory.")
    for name, summary in pipeline_commands.COMMANDS.items():
        pipeline_parser = commands.add_parser(name, help=summary, description=summary)
        pipeline_commands.add_arguments(pipeline_parser, name)
        add_settings_flags(
            pipeline_parser.add_argument_group("model in this process (without --url)"),
            only=pipeline_commands.IN_PROCESS_SETTINGS,
        )
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return prepare()
    if args.command == "train":
        return train(args)
    try:
        settings = settings_from_args(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        print(f"reward-service: invalid settings: {problems}", file=sys.stderr)
        return 2
    quiet_libraries(settings.log_level)
    if args.command in pipeline_commands.COMMANDS:
        if args.ray:
            return pipeline_on_ray(args, settings)
        return pipeline_commands.run_command(args, settings)
    if args.command == "serve-ray":
        return serve_ray(args, settings)
    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
