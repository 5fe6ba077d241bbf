"""int8 against float32 on the default model: speed, score drift and accuracy on its test split.

`python -m bench.quantize` loads the default model twice, as it is (float32) and with
`quantize="int8"`, and scores its held-out test split (data/synthetic_helpsteer/test.jsonl)
with both. It writes bench/results/quantize.md and quantize.json:

- speed: useful tokens per second of each, on the same batches (rows sorted by length, cut at
  the server's default token budget and batch size), after a warm-up. Each batch runs on both
  models back to back, the first alternating, so a busy neighbour slows both alike;
- drift: int8 minus float32 scores, per attribute and for the aggregate, on the 0-4 scale;
- accuracy: `train.evaluate` on both (Pearson and MAE per attribute against the human labels,
  pairwise accuracy of the aggregate within each prompt), as in models/default/eval_report.json;
- batch dependence: each row scored alone against scored in its batch, for both models, and
  int8's accuracy and drift with one row per forward pass.
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
from pathlib import Path
from typing import Any

import torch

from reward_service.config import Settings
from reward_service.default_model import ensure_default_model, shipped_dir
from reward_service.helpsteer import RatedResponse, load_rated
from reward_service.loading import RewardModel, load_reward_model
from reward_service.spec import AGGREGATE, HELPSTEER2_ATTRIBUTES
from reward_service.train import REPORT_FILE, evaluate

ROOT = Path(__file__).resolve().parents[1]
TEST_SPLIT = ROOT / "data" / "synthetic_helpsteer" / "test.jsonl"
Rows = list[list[int]]


def batches(rows: Rows, max_batch_tokens: int, max_batch_size: int) -> list[list[int]]:
    """Row indices in batches: sorted by length, each closed before its padded tokens
    (rows x longest row) pass `max_batch_tokens` or its rows pass `max_batch_size`."""
    out: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(rows)), key=lambda i: len(rows[i])):
        padded = len(rows[index]) * (len(current) + 1)  # sorted: the new row is the longest
        if current and (padded > max_batch_tokens or len(current) == max_batch_size):
            out.append(current)
            current = []
        current.append(index)
    if current:
        out.append(current)
    return out


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
            shift = (number + repeat) % len(names)
            took: dict[str, float] = {}
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                out = models[name].scorer.score([rows[i] for i in batch])  # [len(batch), labels]
                took[name] = time.perf_counter() - started
                seconds[name][-1] += took[name]
                if repeat == 0:
                    scores[name][batch] = out
            per_batch.append(took)
    return scores, seconds, per_batch


def alone_scores(model: RewardModel, rows: Rows) -> torch.Tensor:
    """Each row scored in a forward pass of its own, [rows, labels]."""
    return torch.cat([model.scorer.score([row]) for row in rows])


def drift(int8: torch.Tensor, fp32: torch.Tensor, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Max and mean |int8 - fp32| per column, and the mean relative to fp32's spread (its std)."""
    difference = (int8 - fp32).abs()
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


def run_quantize_bench(
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
    """Measure float32 against int8 on `data` (HelpSteer2 format); returns the JSON-ready result."""
    started = time.perf_counter()
    torch.set_num_threads(threads)
    load_start = _load_average()
    settings = Settings()
    examples = first_prompts(load_rated(data), prompts)
    log(f"loading {model_dir} as float32 and as int8")
    models = {
        "fp32": load_reward_model(model_dir, max_tokens=settings.max_tokens_per_item),
        "int8": load_reward_model(model_dir, max_tokens=settings.max_tokens_per_item, quantize="int8"),
    }
    spec = models["fp32"].spec
    if spec.attributes != HELPSTEER2_ATTRIBUTES:
        raise ValueError(f"{model_dir}: attributes {spec.attributes} are not HelpSteer2's; evaluate() needs them")
    weights = [spec.weights.get(name, 0.0) for name in spec.attributes]
    encoded = models["fp32"].encoder.encode_many(
        [e.conversation() for e in examples], max_tokens=spec.max_tokens, truncation="left"
    )
    rows = [list(item.token_ids) for item in encoded]
    tokens = sum(len(row) for row in rows)
    plan = batches(rows, settings.max_batch_tokens, settings.max_batch_size)
    log(f"{len(rows)} rows, {tokens} tokens, {len(plan)} batches; warm-up")
    for model in models.values():
        for batch in (plan[0], plan[-1]):
            model.scorer.score([rows[i] for i in batch])

    log(f"timing {repeats} passes, the two models interleaved batch by batch")
    scores, seconds, per_batch = timed_scores(models, rows, plan, repeats)
    log("scoring every row alone (batch dependence)")
    alone = {name: alone_scores(model, rows) for name, model in models.items()}

    labels = torch.tensor([e.labels for e in examples])
    keys = [e.prompt_key for e in examples]
    columns = [*spec.attributes, AGGREGATE]
    full = {name: with_aggregate(s, weights) for name, s in scores.items()}
    speed = {
        name: {
            "seconds": [round(s, 3) for s in seconds[name]],
            "tokens_per_s": round(tokens * repeats / sum(seconds[name]), 1),
            "tokens_per_s_by_pass": [round(tokens / s, 1) for s in seconds[name]],
        }
        for name in models
    }
    result = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "quantized_engine": torch.backends.quantized.engine,
            "load_start": load_start,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "model": {"path": str(model_dir), "description": description, "name": spec.name},
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
        "speed": {
            **speed,
            "speedup": round(sum(seconds["fp32"]) / sum(seconds["int8"]), 3),
            "median_batch_speedup": round(statistics.median(b["fp32"] / b["int8"] for b in per_batch), 3),
        },
        "drift": drift(full["int8"], full["fp32"], columns),
        "batch_dependence": {
            name: round(float((with_aggregate(alone[name], weights) - full[name]).abs().max()), 6) for name in models
        },
        "accuracy": {name: evaluate(scores[name], labels, keys, weights) for name in models},
        # What one row per forward pass (--max-batch-size 1) gives: int8 without other rows' activations.
        "int8_alone": {
            "accuracy": evaluate(alone["int8"], labels, keys, weights),
            "drift": drift(with_aggregate(alone["int8"], weights), with_aggregate(alone["fp32"], weights), columns),
        },
        # int8 judged against float32 instead of the labels: Pearson per attribute, and the share
        # of response pairs whose aggregate it orders as float32 does.
        "agreement_with_fp32": evaluate(scores["int8"], scores["fp32"], keys, weights),
        "reference": _reference(reference, prompts),
    }
    result["machine"]["load_end"] = _load_average()
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


def _load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


def render(result: dict[str, Any]) -> str:
    """The result as markdown."""
    machine, data, batching, speed = result["machine"], result["data"], result["batching"], result["speed"]
    fp32, int8 = result["accuracy"]["fp32"], result["accuracy"]["int8"]
    agreement, alone = result["agreement_with_fp32"], result["int8_alone"]
    sample = "a subsample (whole prompts)" if data["subsampled"] else "the whole split"
    lines = [
        "# int8 (dynamic, backbone linear layers) against float32",
        "",
        f"{result['started']}, {result['seconds_total']:.0f} s in all. Model: {result['model']['description']}.",
        "",
        f"- Machine: {machine['cpus']} CPUs ({machine['cpu_capability']}), torch threads "
        f"{machine['torch_threads']}, quantized engine `{machine['quantized_engine']}`, load average "
        f"{machine['load_start']} at start and {machine['load_end']} at the end; torch {machine['torch']}.",
        f"- Data: {data['file']}, {sample}: {data['prompts']} prompts, {data['rows']} responses, "
        f"{data['tokens']:,} tokens.",
        f"- Batching: rows sorted by length, at most {batching['max_batch_tokens']} padded tokens and "
        f"{batching['max_batch_size']} rows per forward pass ({batching['batches']} batches), the same for "
        f"both; after a warm-up, {batching['repeats']} passes with the two models interleaved batch by batch.",
        "",
        "## Speed",
        "",
        *_table(
            ["model", "tokens/s", "tokens/s per pass"],
            [
                [
                    name,
                    f"{speed[name]['tokens_per_s']:,.0f}",
                    ", ".join(f"{v:,.0f}" for v in speed[name]["tokens_per_s_by_pass"]),
                ]
                for name in ("fp32", "int8")
            ],
        ),
        "",
        f"int8 / fp32: **{speed['speedup']:.2f}x** over all passes "
        f"(median per batch {speed['median_batch_speedup']:.2f}x).",
        "",
        "## Score drift (int8 - fp32, 0-4 scale)",
        "",
        *_table(
            ["score", "max abs", "mean abs", "fp32 std", "mean abs / std"],
            [
                [
                    name,
                    f"{d['max_abs']:.3f}",
                    f"{d['mean_abs']:.3f}",
                    f"{d['fp32_std']:.3f}",
                    f"{d['mean_abs_over_std']:.2f}",
                ]
                for name, d in result["drift"].items()
            ],
        ),
        "",
        f"Batch dependence (max abs change of any score, a row scored alone against in its batch): "
        f"fp32 {result['batch_dependence']['fp32']:.2g}, int8 {result['batch_dependence']['int8']:.3f}.",
        "",
        "## Accuracy against the human labels (`train.evaluate`)",
        "",
        *_table(
            ["attribute", "Pearson fp32", "Pearson int8", "MAE fp32", "MAE int8", "Pearson int8 vs fp32"],
            [
                [
                    name,
                    f"{fp32['attributes'][name]['pearson']:.4f}",
                    f"{int8['attributes'][name]['pearson']:.4f}",
                    f"{fp32['attributes'][name]['mae']:.4f}",
                    f"{int8['attributes'][name]['mae']:.4f}",
                    f"{agreement['attributes'][name]['pearson']:.4f}",
                ]
                for name in fp32["attributes"]
            ],
        ),
        "",
        f"Pairwise accuracy of the aggregate ({fp32['pairs']} pairs of differently rated responses to one "
        f"prompt): fp32 **{_percent(fp32['pairwise_accuracy'])}**, int8 **{_percent(int8['pairwise_accuracy'])}**. "
        f"int8 orders {_percent(agreement['pairwise_accuracy'])} of {agreement['pairs']} pairs as fp32 does.",
        "",
        f"int8 with one row per forward pass (`--max-batch-size 1`): pairwise accuracy "
        f"{_percent(alone['accuracy']['pairwise_accuracy'])}, Pearson "
        + ", ".join(f"{name} {value['pearson']:.4f}" for name, value in alone["accuracy"]["attributes"].items())
        + f"; aggregate drift mean {alone['drift'][AGGREGATE]['mean_abs']:.3f}, "
        f"max {alone['drift'][AGGREGATE]['max_abs']:.3f} (against fp32 one row per pass).",
    ]
    reference = result.get("reference")
    if reference:
        test = reference["test"]
        lines += [
            "",
            f"The model's eval report ({reference['file']}) gives for this split: pairwise "
            f"{_percent(test.get('pairwise_accuracy'))}, Pearson "
            + ", ".join(f"{name} {value['pearson']:.4f}" for name, value in test.get("attributes", {}).items())
            + ".",
        ]
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def write_results(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """`<out>/quantize.json` and `<out>/quantize.md`."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "quantize.json", out / "quantize.md"
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render(result) + "\n", encoding="utf-8")
    return json_path, md_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quantize", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="Checkpoint to measure (default: the default model).")
    parser.add_argument("--data", type=Path, default=TEST_SPLIT, help="HelpSteer2-format file to score.")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed passes over the data per model.")
    parser.add_argument("--prompts", type=int, default=None, help="Only the first N prompts (default: all).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="Folder for JSON and markdown.")
    args = parser.parse_args(argv)
    if args.model is None:
        model_dir, reference = ensure_default_model(), shipped_dir() / REPORT_FILE
        description = "default model (models/default head on SmolLM2-135M-Instruct)"
    else:
        model_dir, reference, description = args.model, args.model / REPORT_FILE, f"checkpoint {args.model}"
    threads = args.threads or len(os.sched_getaffinity(0))
    result = run_quantize_bench(
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
