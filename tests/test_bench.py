"""Smoke test of the benchmark suite: every code path of `python -m bench.run --quick` runs.

On the tiny fixture checkpoint, with the smallest sizes, the real server included. Only the
structure of the results is checked, plus the one thing that is not a timing: the
shared-prefix path scores best-of-N exactly as the plain path does. Speed belongs in the
benchmark itself, never in a test.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from checkpoints import CheckpointFactory
from ray_cluster import Cluster

# `bench` lives beside the package, not inside it; `python -m pytest` finds it from the
# repository root, plain `pytest` needs the root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import repeats, rounds
from bench.precision import bf16_cpu_flags
from bench.report import END, START, _mixed_precision, render, update_section
from bench.run import QUICK, engine_limits, run_benchmarks, with_overrides, write_results
from bench.workloads import WorkloadBuilder
from reward_service.model.loading import load_reward_model

SMOKE = dataclasses.replace(
    QUICK,
    short_items=3,
    realistic_items=2,
    realistic_tokens=(60, 90),
    heavy_items=3,
    max_tokens=128,
    naive_batch_size=2,
    long_tokens=128,
    best_of_n=(2, 3),
    best_of_n_prompt_tokens=48,
    best_of_n_response_tokens=12,
    concurrency=(1, 2),
    online_max_requests=3,
    online_max_seconds=1.0,
    latency_repeats=1,
    clients_items=4,
    clients_tokens=(12, 20),
    clients=2,
    mixed_precision=False,  # its own test below: a second model load, and a CPU-dependent path
    repeat_items=2,
    repeat_tokens=(12, 30),
    repeat_rounds=1,
)


def test_quick_run_produces_every_table(tmp_path: Path, checkpoint: CheckpointFactory) -> None:
    path = checkpoint("llama")
    result = run_benchmarks(
        SMOKE, path, mode="quick", description="fixture", threads=1, clients_model=(path, "fixture"), log=lambda _: None
    )

    assert result["machine"]["torch_threads"] == 1
    assert result["roofline"]["flops"] > 0
    assert result["model"]["non_embedding_params"] < result["model"]["params"]
    offline = result["offline"]
    assert [m["workload"] for m in offline] == ["short"] * 3 + ["realistic"] * 3 + ["heavy-tailed"] * 3
    for m in offline:
        assert m["tokens"] - m["reused_tokens"] <= m["computed_tokens"] and 0 <= m["pad_share"] < 1
        assert m["seconds"] > 0 and m["tokens_per_s"] > 0 and m["mfu"] > 0
    assert [m["method"] for m in result["attention"]] == ["attention: sdpa", "attention: eager"]

    assert [b["n"] for b in result["best_of_n"]] == [2, 3]
    for b in result["best_of_n"]:
        assert b["shared_computed"] < b["plain_computed"]
        assert b["engine_computed"] < b["plain_computed"]  # the engine took the shared path
        assert b["max_abs_diff"] < 1e-4  # the same scores every way
        assert b["server_s"] > 0 and "workload" not in b

    online = result["online"]
    assert [level["clients"] for level in online["levels"]] == [1, 2]
    assert all(level["requests"] >= 1 and level["errors"] == 0 and level["tokens"] > 0 for level in online["levels"])
    assert online["single"]["server_p50_ms"] > 0 and online["single"]["forward_p50_ms"] > 0

    clients = result["many_clients"]
    [server] = clients["servers"]
    assert server["dtype"] == SMOKE.dtype and clients["one_at_a_time_s"] > 0
    assert (server["requests"], server["errors"]) == (SMOKE.clients_items, 0)
    # Every request's one row went through some batch (the warm-up round is not counted).
    assert server["batches"] >= 1 and round(server["batches"] * server["rows_per_batch"]) == SMOKE.clients_items
    assert server["engine_busy"] > 0 and server["vs_one_at_a_time"] > 0
    assert result["mixed_precision"] is None

    apps = result["repeats"]["apps"]
    assert apps[repeats.CACHED]["repeat_batches"] == 0 and apps[repeats.UNCACHED]["repeat_batches"] >= 1
    assert all(app["all_identical"] for app in apps.values())

    json_path, md_path = write_results(result, tmp_path)
    assert json.loads(json_path.read_text())["mode"] == "quick"
    markdown = md_path.read_text()
    for heading in ("Offline scoring", "Attention implementation", "Best-of-N", "Online", "Many clients", "Repeated"):
        assert heading in markdown
    assert "vs one-at-a-time" in markdown and "MFU" in markdown


def test_mixed_precision_row_runs_or_says_why_not(checkpoint: CheckpointFactory) -> None:
    """bf16-mixed against float32 through the engine; on a CPU without bf16 hardware it is skipped
    (emulated bf16 is far slower), and says so."""
    path = checkpoint("llama")
    reference = load_reward_model(path, dtype="float32")
    workload = WorkloadBuilder(reference.encoder, seed=0).uniform("mixed", 4, 20, 40)
    mixed = rounds.mixed_precision(path, reference, workload, engine_limits(SMOKE), device="cpu", log=lambda _: None)
    if not bf16_cpu_flags():
        assert "bf16" in mixed["skipped"]
        return
    assert mixed["float32_tokens_per_s"] > 0 and mixed["mixed_tokens_per_s"] > 0
    # bf16 rounding moves scores a little, never far, and most pairs keep their order.
    assert 0 < mixed["drift_max"] < 0.5 and mixed["drift_mean"] <= mixed["drift_max"]
    assert 0.5 <= mixed["pairs_in_order"] <= 1
    assert "Mixed precision" in "\n".join(_mixed_precision(mixed))


def test_results_section_is_replaced_in_place(tmp_path: Path) -> None:
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(f"# Title\n\nmethod\n\n{START}\nto be measured\n{END}\n\ntail\n")
    update_section(target, "first")
    update_section(target, "second")
    text = target.read_text()
    assert text == f"# Title\n\nmethod\n\n{START}\nsecond\n{END}\n\ntail\n"


def test_overrides_parse_by_field_type() -> None:
    config = with_overrides(QUICK, ["short_items=9", "concurrency=1,2,3", "online=false", "online_max_seconds=0.5"])
    assert (config.short_items, config.concurrency, config.online, config.online_max_seconds) == (
        9,
        (1, 2, 3),
        False,
        0.5,
    )


def test_render_without_online() -> None:
    """A run with the server skipped still renders."""
    result = {
        "mode": "quick",
        "started": "now",
        "seconds_total": 1.0,
        "machine": {
            "cpus": 2,
            "torch_threads": 2,
            "load_start": [],
            "load_end": [],
            "torch": "t",
            "transformers": "x",
            "python": "p",
        },
        "model": {
            "description": "d",
            "params": 2e6,
            "non_embedding_params": 1e6,
            "layers": 2,
            "attention_width": 8,
            "dtype": "float32",
        },
        "roofline": {"n": 8, "repeats": 1, "flops": 1e9},
        "workloads": {},
        "offline": [],
        "attention": [],
        "best_of_n": [],
        "online": None,
    }
    assert "Online" not in render(result)


def test_repeats_bench_runs_both_apps_side_by_side(tmp_path: Path, checkpoint: CheckpointFactory) -> None:
    """`python -m bench.repeats` on the fixture: the cached app's repeats ran no batch, hit on
    every item and answered exactly the first answers; the uncached app computed them again."""
    config = dataclasses.replace(repeats.QUICK, items=6, tokens=(20, 40), rounds=2)
    result = repeats.run_repeats(config, checkpoint("llama"), description="fixture", threads=1, log=lambda _: None)

    cached, uncached = result["apps"][repeats.CACHED], result["apps"][repeats.UNCACHED]
    assert cached["all_identical"] and cached["repeat_batches"] == 0 and cached["repeat_hits"] == 2 * 6
    assert uncached["repeat_batches"] > 0 and uncached["repeat_hits"] == 0
    for app in (cached, uncached):
        assert len(app["rounds"]) == 2
        assert all(r["first_ms"] > 0 and r["repeat_ms"] > 0 and r["tokens"] > 0 for r in app["rounds"])
    json_path, md_path = repeats.write_results(result, tmp_path)
    assert json.loads(json_path.read_text())["mode"] == "repeats"
    assert "first / repeat" in md_path.read_text() and result["machine"]["cpu"]


def test_ray_data_bench_times_in_process_and_ray_runs(
    tmp_path: Path, checkpoint: CheckpointFactory, ray_cluster: Cluster
) -> None:
    """`python -m bench.ray_data` on the fixture, joining the session's cluster: both runs
    scored every record, in the same order, and their times split at the first chunk."""
    from bench import ray_data

    config = dataclasses.replace(ray_data.QUICK, records=40, chunk_size=8, setups=((1, 1.0),))
    result = ray_data.run_ray_data(
        config, checkpoint("llama"), description="fixture", threads=1, address=ray_cluster.address, log=lambda _: None
    )
    runs = result["runs"]
    assert [run["setup"] for run in runs] == [ray_data.IN_PROCESS, "ray: 1 actor x 1 CPU"]
    for run in runs:
        assert run["same_records"] and run["max_abs_diff"] < 1e-4
        assert 0 < run["startup_s"] < run["seconds"] and run["steady_records_per_s"] > 0
    json_path, md_path = ray_data.write_results(result, tmp_path)
    assert json.loads(json_path.read_text())["mode"] == "ray_data"
    assert "records/s (steady)" in md_path.read_text()
