"""float32, bfloat16 and int8 side by side on the default model: speed, score drift and accuracy.

`python -m bench.precision` loads the default model four times: as it is (float32, the
reference), with `dtype="bfloat16"`, with `dtype="bf16-mixed"` (float32 weights and
activations, matmuls in bfloat16 under autocast) and with `quantize="int8"` (dynamic int8
backbone linear layers, float32 otherwise). It scores the model's held-out test split
(data/synthetic_helpsteer/test.jsonl) with each and writes bench/results/precision.md and
precision.json:

- speed: useful tokens per second of each, on the same batches (rows sorted by length, cut at
  the server's default token budget and batch size), after a warm-up. Each batch runs on all
  all of them back to back, the first rotating, so a busy neighbour slows them alike;
- drift: each variant's scores minus float32's, per attribute and for the aggregate (0-4 scale);
- accuracy: `train.evaluate` on each (Pearson and MAE per attribute against the human labels,
  pairwise accuracy of the aggregate within each prompt), as in models/default/eval_report.json,
  and each variant judged against float32's scores instead of the labels;
- batch dependence: each row scored alone against scored in its batch. The same single-row
  passes give each variant's accuracy and drift with one row per forward pass, at no extra cost;
- machine: whether the CPU does bf16 in hardware (its /proc/cpuinfo flags); without it bf16
  matmuls are emulated and far slower than float32, so bf16's speed here does not carry over.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from bench.precision_report import BF16_FLAGS, render
from bench.report import load_average, write_json_and_markdown
from reward_service.config import Quantize, Settings
from reward_service.engine import pack
from reward_service.model.loading import RewardModel, cpu_flags, load_reward_model
from reward_service.model.spec import AGGREGATE, HELPSTEER2_ATTRIBUTES
from reward_service.training.default_model import ensure_default_model, shipped_dir
from reward_service.training.helpsteer import RatedResponse, load_rated
from reward_service.training.train import REPORT_FILE, evaluate

ROOT = Path(__file__).resolve().parents[1]
TEST_SPLIT = ROOT / "data" / "synthetic_helpsteer" / "test.jsonl"
Rows = list[list[int]]


@dataclass(frozen=True)
class Variant:
    """One way to load the same checkpoint: `load_reward_model`'s `dtype` and `quantize`."""

    name: str
    dtype: str
    quantize: Quantize
    description: str


VARIANTS = (
    Variant("fp32", "float32", "none", "float32, the CPU default (the reference)"),
    Variant("bf16", "bfloat16", "none", "bfloat16 weights and activations (`--dtype bfloat16`)"),
    Variant(
        "bf16-mixed",
        "bf16-mixed",
        "none",
        "float32 weights, residual stream, norms and head; matmuls in bfloat16 (`--dtype bf16-mixed`)",
    ),
    Variant("int8", "float32", "int8", "dynamic int8 backbone linear layers, float32 otherwise (`--quantize int8`)"),
)
REFERENCE = VARIANTS[0].name
OTHERS = [v.name for v in VARIANTS[1:]]


def timed_scores(
    models: dict[str, RewardModel], rows: Rows, plan: list[list[int]], repeats: int
) -> tuple[dict[str, torch.Tensor], dict[str, list[float]], list[dict[str, float]]]:
    """Every model scores every batch `repeats` times, the models interleaved batch by batch.

    Returns the scores of the first repeat per model ([rows, labels]), the seconds of each
    repeat per model, and each batch's seconds per model (one dict per batch and repeat).
    """
    names = list(models)
    scores = {name: torch.empty(len(rows), models[name].scorer.num_labels) for name in names}
    seconds: dict[str, list[float]] = {name: [] for name in names}
    per_batch: list[dict[str, float]] = []
    for repeat in range(repeats):
        for name in names:
            seconds[name].append(0.0)
        for number, batch in enumerate(plan):
            shift = (number + repeat) % len(names)  # who goes first rotates
            took: dict[str, float] = {}
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                out = models[name].scorer.score_ids([rows[i] for i in batch])  # [len(batch), labels]
                took[name] = time.perf_counter() - started
                seconds[name][-1] += took[name]
                if repeat == 0:
                    scores[name][batch] = out
            per_batch.append(took)
    return scores, seconds, per_batch


def alone_scores(model: RewardModel, rows: Rows) -> torch.Tensor:
    """Each row scored in a forward pass of its own, [rows, labels]."""
    return torch.cat([model.scorer.score_ids([row]) for row in rows])


def drift(scores: torch.Tensor, fp32: torch.Tensor, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Max and mean |scores - fp32| per column, and the mean relative to fp32's spread (its std)."""
    difference = (scores - fp32).abs()
    return {
        name: {
            "max_abs": round(float(difference[:, i].max()), 4),
            "mean_abs": round(float(difference[:, i].mean()), 4),
            "fp32_std": round(float(fp32[:, i].std()), 4),
            "mean_abs_over_std": round(float(difference[:, i].mean() / fp32[:, i].std()), 4),
        }
        for i, name in enumerate(names)
    }


def with_aggregate(scores: torch.Tensor, weights: Sequence[float]) -> torch.Tensor:
    """The scores with the weighted aggregate appended as a last column."""
    return torch.cat([scores, (scores @ torch.tensor(weights)).unsqueeze(1)], dim=1)


def first_prompts(examples: list[RatedResponse], limit: int | None) -> list[RatedResponse]:
    """The responses of the first `limit` prompts (all when None): whole prompts, so every pair stays."""
    if limit is None:
        return examples
    keys = list(dict.fromkeys(e.prompt_key for e in examples))[:limit]
    kept = set(keys)
    return [e for e in examples if e.prompt_key in kept]


def bf16_cpu_flags() -> list[str] | None:
    """Which of BF16_FLAGS the CPU reports (empty: bf16 is emulated), None where it cannot be read."""
    flags = cpu_flags()
    return None if flags is None else [flag for flag in BF16_FLAGS if flag in flags]


def run_precision_bench(
    model_dir: Path,
    data: Path,
    *,
    description: str,
    threads: int,
    repeats: int = 3,
    prompts: int | None = None,
    reference: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure bf16 and int8 against float32 on `data` (HelpSteer2 format); returns the JSON-ready result."""
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = round(now - since, 1)
        return now

    torch.set_num_threads(threads)
    load_start = load_average()
    settings = Settings()
    examples = first_prompts(load_rated(data), prompts)
    log(f"loading {model_dir} as " + ", ".join(v.name for v in VARIANTS))
    models = {
        v.name: load_reward_model(
            model_dir, max_tokens=settings.max_tokens_per_item, dtype=v.dtype, quantize=v.quantize
        )
        for v in VARIANTS
    }
    spec = models[REFERENCE].spec
    if spec.attributes != HELPSTEER2_ATTRIBUTES:
        raise ValueError(f"{model_dir}: attributes {spec.attributes} are not HelpSteer2's; evaluate() needs them")
    weights = [spec.weights.get(name, 0.0) for name in spec.attributes]
    encoded = models[REFERENCE].encoder.encode_many(
        [e.conversation() for e in examples], max_tokens=spec.max_tokens, truncation="left"
    )
    rows = [list(item.token_ids) for item in encoded]
    tokens = sum(len(row) for row in rows)
    plan = pack([len(row) for row in rows], max_tokens=settings.max_batch_tokens, max_rows=settings.max_batch_size)
    mark = phase("load", started)

    log(f"{len(rows)} rows, {tokens} tokens, {len(plan)} batches; warm-up")
    for model in models.values():
        for batch in (plan[0], plan[-1]):
            model.scorer.score_ids([rows[i] for i in batch])
    mark = phase("warm_up", mark)
    log(f"timing {repeats} passes, the {len(models)} variants interleaved batch by batch")
    scores, seconds, per_batch = timed_scores(models, rows, plan, repeats)
    mark = phase("timed", mark)
    log("scoring every row alone (batch dependence)")
    alone = {name: alone_scores(model, rows) for name, model in models.items()}
    phase("alone", mark)

    labels = torch.tensor([e.labels for e in examples])
    keys = [e.prompt_key for e in examples]
    columns = [*spec.attributes, AGGREGATE]
    full = {name: with_aggregate(s, weights) for name, s in scores.items()}
    full_alone = {name: with_aggregate(s, weights) for name, s in alone.items()}
    speed = {
        name: {
            "seconds": [round(s, 3) for s in seconds[name]],
            "tokens_per_s": round(tokens * repeats / sum(seconds[name]), 1),
            "tokens_per_s_by_pass": [round(tokens / s, 1) for s in seconds[name]],
            "vs_fp32": round(sum(seconds[REFERENCE]) / sum(seconds[name]), 3),
            "median_batch_vs_fp32": round(statistics.median(b[REFERENCE] / b[name] for b in per_batch), 3),
        }
        for name in models
    }
    bf16_flags = bf16_cpu_flags()
    result: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "native_bf16": None if bf16_flags is None else bool(bf16_flags),
            "bf16_flags": bf16_flags,
            "quantized_engine": torch.backends.quantized.engine,
            "load_start": load_start,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "model": {"path": str(model_dir), "description": description, "name": spec.name},
        "variants": {
            v.name: {"dtype": v.dtype, "quantize": v.quantize, "description": v.description} for v in VARIANTS
        },
        "data": {
            "file": _shown(data),
            "prompts": len(set(keys)),
            "rows": len(rows),
            "tokens": tokens,
            "subsampled": prompts is not None,
        },
        "batching": {
            "max_batch_tokens": settings.max_batch_tokens,
            "max_batch_size": settings.max_batch_size,
            "batches": len(plan),
            "repeats": repeats,
        },
        "speed": speed,
        "drift": {name: drift(full[name], full[REFERENCE], columns) for name in OTHERS},
        # Any score, a row alone against the same row in its batch: padding and other rows' values
        # should not matter, and in float32 they do not beyond rounding.
        "batch_dependence": {
            name: {
                "max_abs": round(float((full_alone[name] - full[name]).abs().max()), 6),
                "mean_abs": round(float((full_alone[name] - full[name]).abs().mean()), 6),
            }
            for name in models
        },
        "accuracy": {name: evaluate(scores[name], labels, keys, weights) for name in models},
        # Each variant judged against float32 instead of the labels: Pearson per attribute, and
        # the share of response pairs whose aggregate it orders as float32 does.
        "agreement_with_fp32": {name: evaluate(scores[name], scores[REFERENCE], keys, weights) for name in OTHERS},
        # What one row per forward pass (--max-batch-size 1) gives, from the batch-dependence passes.
        "one_row_per_pass": {
            "accuracy": {name: evaluate(alone[name], labels, keys, weights) for name in models},
            "drift": {name: drift(full_alone[name], full_alone[REFERENCE], columns) for name in OTHERS},
        },
        "reference": _reference(reference, prompts),
    }
    result["machine"]["load_end"] = load_average()
    result["phases_s"] = phases
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    return result


def _reference(path: Path | None, prompts: int | None) -> dict[str, Any] | None:
    """The test figures of the model's own eval report, when it is given and the split is whole."""
    if path is None or prompts is not None or not path.is_file():
        return None
    report = json.loads(path.read_text(encoding="utf-8"))
    test = report.get("test")
    return {"file": _shown(path), "test": test} if isinstance(test, dict) else None


def _shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def write_results(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """`<out>/precision.json` and `<out>/precision.md`."""
    return write_json_and_markdown(result, out, "precision", render(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.precision", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="Checkpoint to measure (default: the default model).")
    parser.add_argument("--data", type=Path, default=TEST_SPLIT, help="HelpSteer2-format file to score.")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed passes over the data per variant.")
    parser.add_argument("--prompts", type=int, default=None, help="Only the first N prompts (default: all).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="Folder for JSON and markdown.")
    args = parser.parse_args(argv)
    if args.model is None:
        model_dir, reference = ensure_default_model(), shipped_dir() / REPORT_FILE
        description = "default model (models/default head on SmolLM2-135M-Instruct)"
    else:
        model_dir, reference, description = args.model, args.model / REPORT_FILE, f"checkpoint {args.model}"
    threads = args.threads or len(os.sched_getaffinity(0))
    result = run_precision_bench(
        model_dir,
        args.data,
        description=description,
        threads=threads,
        repeats=args.repeats,
        prompts=args.prompts,
        reference=reference,
        log=lambda message: print(message, file=sys.stderr),
    )
    json_path, md_path = write_results(result, args.out)
    print(render(result))
    print(f"\nwrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
