"""Render a benchmark run (the JSON-ready dict from `bench.run`) as markdown, and put it in BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .offline import HF_LOOP, NAIVE

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _num(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A markdown table, one line a row."""
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


RESULTS = Path(__file__).resolve().parent / "results"


def add_common_arguments(parser: argparse.ArgumentParser, quick: str) -> None:
    """The flags every side-by-side bench takes: `--quick` (what `quick` says it runs),
    `--model`, `--threads` and `--out`."""
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--model", type=Path, default=None, help="Checkpoint to measure instead of the default.")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available).")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Folder for JSON and markdown.")


def write_json_and_markdown(result: Mapping[str, Any], out: Path, stem: str, markdown: str) -> tuple[Path, Path]:
    """`<out>/<stem>.json` (the result) and `<out>/<stem>.md` (its rendering)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown + "\n", encoding="utf-8")
    return json_path, md_path


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def render(result: Mapping[str, Any]) -> str:
    """The whole run as markdown: setup, then one table per measurement family."""
    machine, model, roofline = result["machine"], result["model"], result["roofline"]
    peak = roofline["flops"]
    lines = [
        f"Mode **{result['mode']}**, {result['started']}, {result['seconds_total']:.0f} s in all.",
        "",
        f"- Machine: {machine.get('cpu', 'a')} CPU ({machine['cpus']} CPUs; bf16 hardware: "
        f"{', '.join(machine.get('bf16_flags') or []) or 'none'}), torch threads {machine['torch_threads']}, "
        f"load average {machine['load_start']} at start and {machine['load_end']} at the end; "
        f"torch {machine['torch']}, transformers {machine['transformers']}, Python {machine['python']}.",
        f"- Model: {model['description']}; {model['params'] / 1e6:.1f} M parameters "
        f"({model['non_embedding_params'] / 1e6:.1f} M outside the embedding), {model['layers']} layers, "
        f"attention width {model['attention_width']}, {model['dtype']}.",
        f"- Peak: {model['dtype']} matmul {roofline['n']}x{roofline['n']}, best of {roofline['repeats']}: "
        f"**{peak / 1e9:.1f} GFLOP/s**. MFU = useful tokens' FLOPs (2 x non-embedding params per token + "
        "4 x layers x length x width for attention) / time / that peak.",
        "",
        "### Offline scoring (in process)",
        "",
    ]
    by_workload: dict[str, list[Mapping[str, Any]]] = {}
    for m in result["offline"]:
        by_workload.setdefault(m["workload"], []).append(m)
    rows = []
    for workload, measurements in by_workload.items():
        base = {m["method"]: m["tokens_per_s"] for m in measurements}
        naive = next((m["tokens_per_s"] for m in measurements if m["method"].startswith(NAIVE)), 0.0)
        for m in measurements:
            rows.append(
                [
                    workload,
                    m["method"],
                    str(m["rows"]),
                    _num(m["tokens_per_s"]),
                    _ratio(m["tokens_per_s"], base.get(HF_LOOP, 0.0)),
                    _ratio(m["tokens_per_s"], naive),
                    f"{100 * m['pad_share']:.0f}%",
                    f"{100 * m['mfu']:.0f}%",
                ]
            )
    header = ["workload", "method", "items", "tokens/s", "vs one-at-a-time", "vs padded batches", "padding", "MFU"]
    lines += table(header, rows)
    lines += ["", "Workloads: " + "; ".join(f"{k}: {v}" for k, v in result["workloads"].items()) + ".", ""]

    attention = result["attention"]
    if attention:
        lines += ["### Attention implementation, long items", ""]
        sdpa = next((m["tokens_per_s"] for m in attention if m["method"].endswith("sdpa")), 0.0)
        lines += table(
            ["method", "items", "tokens/s", "vs sdpa"],
            [
                [m["method"], str(m["rows"]), _num(m["tokens_per_s"]), _ratio(m["tokens_per_s"], sdpa)]
                for m in attention
            ],
        )
        lines.append("")

    if result["best_of_n"]:
        lines += ["### Best-of-N: one prompt, N responses", ""]
        lines += table(
            [
                "N",
                "prompt tokens",
                "response tokens",
                "plain s",
                "shared prefix s",
                "ours (engine) s",
                "ours vs plain",
                "server s",
                "server vs plain",
                "computed tokens, plain -> ours",
                "max |diff|",
            ],
            [
                [
                    str(b["n"]),
                    str(b["prompt_tokens"]),
                    str(b["response_tokens"]),
                    f"{b['plain_s']:.3f}",
                    f"{b['shared_s']:.3f}",
                    f"{b['engine_s']:.3f}",
                    _ratio(b["plain_s"], b["engine_s"]) if b["engine_s"] > 0 else "n/a",
                    f"{b['server_s']:.3f}" if "server_s" in b else "-",
                    _ratio(b["plain_s"], b["server_s"]) if b.get("server_s") else "-",
                    f"{b['plain_computed']:,} -> {b['engine_computed']:,}",
                    f"{b['max_abs_diff']:.1e}",
                ]
                for b in result["best_of_n"]
            ],
        )
        lines.append("")

    online = result.get("online")
    if online:
        lines += ["### Online: the server under concurrent clients", ""]
        offline = online["offline_tokens_per_s"]
        lines += table(
            ["clients", "requests", "errors", "tokens/s", "vs offline (same items)", "p50 ms", "p99 ms"],
            [
                [
                    str(level["clients"]),
                    str(level["requests"]),
                    str(level["errors"]),
                    _num(level["tokens_per_s"]),
                    _ratio(level["tokens_per_s"], offline),
                    _num(level["p50_ms"], 1),
                    _num(level["p99_ms"], 1),
                ]
                for level in online["levels"]
            ],
        )
        single = online["single"]
        lines += [
            "",
            f"One short request ({single['tokens']} tokens): server p50 {single['server_p50_ms']:.1f} ms, "
            f"bare model forward p50 {single['forward_p50_ms']:.1f} ms, "
            f"so {single['server_p50_ms'] - single['forward_p50_ms']:.1f} ms of HTTP, validation, tokenizing and "
            "queueing. One item per request, items cycled from the realistic workload; the load generator "
            "runs on the same cores.",
            "",
        ]
    lines += _many_clients(result.get("many_clients"))
    lines += _mixed_precision(result.get("mixed_precision"))
    lines += _repeats(result.get("repeats"))
    return "\n".join(lines)


def _many_clients(clients: Mapping[str, Any] | None) -> list[str]:
    if not clients:
        return []
    lines = [
        f"### Many clients, short items, no shared turn ({clients['clients']} clients)",
        "",
        f"{clients['model']}; {clients['workload']}, one item per request, each sent once; the "
        f"conversations share {clients['shared_prefix_tokens']} leading tokens. Transformers one item at a "
        f"time on the same rows: {clients['one_at_a_time_s']:.2f} s.",
        "",
    ]
    lines += table(
        [
            "server dtype",
            "requests",
            "errors",
            "wall s",
            "vs one-at-a-time",
            "batches",
            "rows per batch",
            "engine busy",
            "p50 ms",
        ],
        [
            [
                server["dtype"],
                str(server["requests"]),
                str(server["errors"]),
                f"{server['seconds']:.2f}",
                f"{server['vs_one_at_a_time']:.2f}x",
                str(server["batches"]),
                f"{server['rows_per_batch']:.1f}",
                f"{100 * server['engine_busy']:.0f}%",
                _num(server["p50_ms"], 1),
            ]
            for server in clients["servers"]
        ],
    )
    return [*lines, ""]


def _mixed_precision(mixed: Mapping[str, Any] | None) -> list[str]:
    if not mixed:
        return []
    lines = ["### Mixed precision: bf16-mixed against float32, the engine on the realistic workload", ""]
    if "skipped" in mixed:
        return [*lines, f"Skipped: {mixed['skipped']}.", ""]
    lines += table(
        ["float32 tokens/s", "bf16-mixed tokens/s", "speed-up", "aggregate drift mean / max", "pairs ordered as fp32"],
        [
            [
                _num(mixed["float32_tokens_per_s"]),
                _num(mixed["mixed_tokens_per_s"]),
                f"{mixed['speedup']:.2f}x",
                f"{mixed['drift_mean']:.3f} / {mixed['drift_max']:.3f}",
                f"{100 * mixed['pairs_in_order']:.1f}%",
            ]
        ],
    )
    return [*lines, "", f"{mixed['workload']}; CPU flags {', '.join(mixed['bf16_flags'] or [])}.", ""]


def _repeats(repeated: Mapping[str, Any] | None) -> list[str]:
    if not repeated:
        return []
    lines = [
        f"### Repeated requests: {repeated['items']} items of {repeated['tokens'][0]}-{repeated['tokens'][1]} "
        f"tokens, each request sent twice, {repeated['rounds']} rounds",
        "",
    ]
    lines += table(
        ["app", "first p50 ms", "repeat p50 ms", "first / repeat", "repeat batches", "repeat = first"],
        [
            [
                name,
                _num(app["first_p50_ms"]),
                _num(app["repeat_p50_ms"], 1),
                f"{app['speedup']:.1f}x",
                str(app["repeat_batches"]),
                "yes" if app["all_identical"] else "no",
            ]
            for name, app in repeated["apps"].items()
        ],
    )
    return [*lines, ""]


def update_section(path: Path, body: str) -> None:
    """Replace what lies between the results markers in `path` (appending the markers if absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{body.rstrip()}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
