"""The markdown page of a `bench.precision` result (bench/results/precision.md)."""

from __future__ import annotations

from typing import Any

import torch

from bench.report import table
from reward_service.model.loading import NATIVE_CPU_FLAGS
from reward_service.model.spec import AGGREGATE

# x86 (AVX512-BF16, AMX) and Arm ("bf16" under Features) report bf16 arithmetic in hardware.
BF16_FLAGS = NATIVE_CPU_FLAGS[torch.bfloat16]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _bf16_hardware(machine: dict[str, Any]) -> str:
    flags = machine["bf16_flags"]
    if flags is None:
        return "unknown (/proc/cpuinfo unreadable)"
    if flags:
        return "yes (" + ", ".join(flags) + ")"
    return "**no** (none of " + ", ".join(BF16_FLAGS) + "): bf16 matmuls are emulated, its speed here is not typical"


def render(result: dict[str, Any]) -> str:
    """The result as markdown: one summary table, then the details."""
    machine, data, batching, speed = result["machine"], result["data"], result["batching"], result["speed"]
    accuracy, agreement, drifts = result["accuracy"], result["agreement_with_fp32"], result["drift"]
    names = list(result["variants"])
    reference, others = names[0], names[1:]  # the first variant is the one others are measured against
    attributes = list(accuracy[reference]["attributes"])
    alone, dependence = result["one_row_per_pass"], result["batch_dependence"]
    sample = "a subsample (whole prompts)" if data["subsampled"] else "the whole split"

    def aggregate_drift(d: dict[str, dict[str, float]]) -> str:
        return f"{d[AGGREGATE]['mean_abs']:.3f} / {d[AGGREGATE]['max_abs']:.3f}"

    lines = [
        "# float32, bfloat16 and int8 on the same model",
        "",
        f"{result['started']}, {result['seconds_total']:.0f} s in all. Model: {result['model']['description']}.",
        "",
        *(f"- {name}: {v['description']}." for name, v in result["variants"].items()),
        "",
        "## Summary",
        "",
        *table(
            ["variant", "tokens/s", "vs fp32", "aggregate drift mean / max", "pairwise accuracy"]
            + [f"Pearson {name}" for name in attributes],
            [
                [
                    name,
                    f"{speed[name]['tokens_per_s']:,.0f}",
                    f"{speed[name]['vs_fp32']:.2f}x",
                    aggregate_drift(drifts[name]) if name in drifts else "reference",
                    _percent(accuracy[name]["pairwise_accuracy"]),
                    *(f"{accuracy[name]['attributes'][a]['pearson']:.4f}" for a in attributes),
                ]
                for name in names
            ],
        ),
        "",
        f"- Machine: {machine['cpus']} CPUs, torch CPU capability `{machine['cpu_capability']}`, bf16 in "
        f"hardware: {_bf16_hardware(machine)}; torch threads {machine['torch_threads']}, quantized engine "
        f"`{machine['quantized_engine']}`, load average {machine['load_start']} at start and "
        f"{machine['load_end']} at the end; torch {machine['torch']}.",
        f"- Data: {data['file']}, {sample}: {data['prompts']} prompts, {data['rows']} responses, "
        f"{data['tokens']:,} tokens.",
        f"- Batching: rows sorted by length, at most {batching['max_batch_tokens']} padded tokens and "
        f"{batching['max_batch_size']} rows per forward pass ({batching['batches']} batches), the same for "
        f"all; after a warm-up, {batching['repeats']} passes with the variants interleaved batch by batch.",
        "- Time: " + ", ".join(f"{k.replace('_', '-')} {v:.0f} s" for k, v in result["phases_s"].items()) + ".",
        "",
        "## Speed",
        "",
        *table(
            ["variant", "tokens/s", "tokens/s per pass", "vs fp32 (all passes)", "vs fp32 (median per batch)"],
            [
                [
                    name,
                    f"{speed[name]['tokens_per_s']:,.0f}",
                    ", ".join(f"{v:,.0f}" for v in speed[name]["tokens_per_s_by_pass"]),
                    f"{speed[name]['vs_fp32']:.2f}x",
                    f"{speed[name]['median_batch_vs_fp32']:.2f}x",
                ]
                for name in names
            ],
        ),
        "",
        "## Score drift against fp32 (0-4 scale)",
        "",
        *table(
            ["score", "fp32 std"]
            + [f"{name} {what}" for name in others for what in ("mean abs", "max abs", "mean abs / std")],
            [
                [
                    column,
                    f"{drifts[others[0]][column]['fp32_std']:.3f}",
                    *(
                        cell
                        for name in others
                        for cell in (
                            f"{drifts[name][column]['mean_abs']:.3f}",
                            f"{drifts[name][column]['max_abs']:.3f}",
                            f"{drifts[name][column]['mean_abs_over_std']:.2f}",
                        )
                    ),
                ]
                for column in drifts[others[0]]
            ],
        ),
        "",
        "## Batch dependence",
        "",
        "Change of any score (attributes and aggregate), each row scored alone against in its batch.",
        "",
        *table(
            ["variant", "max abs", "mean abs"],
            [[name, f"{dependence[name]['max_abs']:.2g}", f"{dependence[name]['mean_abs']:.2g}"] for name in names],
        ),
        "",
        "## Accuracy against the human labels (`train.evaluate`)",
        "",
        *table(
            ["attribute"] + [f"Pearson {name}" for name in names] + [f"MAE {name}" for name in names],
            [
                [a]
                + [f"{accuracy[name]['attributes'][a]['pearson']:.4f}" for name in names]
                + [f"{accuracy[name]['attributes'][a]['mae']:.4f}" for name in names]
                for a in attributes
            ],
        ),
        "",
        f"Pairwise accuracy of the aggregate ({accuracy[reference]['pairs']} pairs of differently rated "
        "responses to one prompt): "
        + ", ".join(f"{name} **{_percent(accuracy[name]['pairwise_accuracy'])}**" for name in names)
        + ".",
        "",
        "## Agreement with fp32 (fp32's scores taken as the labels)",
        "",
        *table(
            ["attribute", *(f"Pearson {name} vs fp32" for name in others)],
            [[a, *(f"{agreement[name]['attributes'][a]['pearson']:.4f}" for name in others)] for a in attributes],
        ),
        "",
        "Response pairs whose aggregate is ordered as fp32 orders it: "
        + ", ".join(
            f"{name} {_percent(agreement[name]['pairwise_accuracy'])} of {agreement[name]['pairs']}" for name in others
        )
        + ".",
        "",
        "## One row per forward pass (`--max-batch-size 1`)",
        "",
        f"From the batch-dependence passes ({result['phases_s']['alone']:.0f} s for all variants), so it adds no "
        "forward pass; drift is against fp32 also scored one row per pass.",
        "",
        *table(
            ["variant", "pairwise accuracy", *(f"Pearson {a}" for a in attributes), "aggregate drift mean / max"],
            [
                [
                    name,
                    _percent(alone["accuracy"][name]["pairwise_accuracy"]),
                    *(f"{alone['accuracy'][name]['attributes'][a]['pearson']:.4f}" for a in attributes),
                    aggregate_drift(alone["drift"][name]) if name in alone["drift"] else "reference",
                ]
                for name in names
            ],
        ),
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
