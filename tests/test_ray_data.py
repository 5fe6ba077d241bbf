"""`reward-service score | filter | rank --ray` against the same commands run in this process.

Every Ray run joins the session's test cluster (the `ray_cluster` fixture) with `--ray-address`
and is compared with the in-process run of the same input: records, their order, every field,
the errors file and the summary. Runs that score with the engine's usual batching compare
scores within float rounding (which rows share a forward pass moves the last bits); runs that
score one row per forward pass (`--max-batch-size 1`, as in test_pipeline) compare bytes.
Each Ray run starts its actors (a fresh process importing torch and loading the model), which
costs seconds on this machine, so the tests combine what they can into few runs.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from checkpoints import CORPUS
from ray_cluster import Cluster
from test_pipeline import ONE_PER_BATCH, cli, read_jsonl, records, summary_count, write_lines

from reward_service.cli import main

ABS = 1e-5


def on_ray(cluster: Cluster, actors: int = 1) -> tuple[str, ...]:
    return ("--ray", "--ray-address", cluster.address, "--ray-actors", str(actors))


def close(a: Any, b: Any) -> bool:
    """Equal, floats within ABS; dicts with their keys in the same order."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(close(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, abs_tol=ABS)
    return bool(a == b) and type(a) is type(b)


def summary(err: str) -> list[str]:
    """The summary's count lines, without file names (which differ between the two runs)."""
    return [line.split("->")[0].rstrip() for line in err.splitlines() if line.startswith("  ") and "->" in line]


def bad_lines() -> list[str | dict[str, Any]]:
    too_long = {"id": "long", "prompt": "Tell me everything.", "response": " ".join(CORPUS * 3)}  # over 512 tokens
    return [
        "{not json",
        {"id": "empty", "prompt": "Hi", "response": "  "},
        '["a", "list"]',
        {"id": "no-response", "prompt": "Hi"},
        too_long,  # refused by the actor's service, not by validation
    ]


def with_bad_lines(good: list[dict[str, Any]], every: int) -> list[str | dict[str, Any]]:
    bad = bad_lines()
    lines: list[str | dict[str, Any]] = []
    for i, record in enumerate(good):
        lines.append(record)
        if i % every == every - 1 and bad:
            lines.append(bad.pop(0))
    return [*lines, "", *bad]


def test_score_on_ray_equals_the_in_process_run(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """1,000 records and five bad ones, scored with the engine's own batching both ways: the
    same records in the same order with every field, scores within rounding; the errors file
    byte for byte (line numbers, messages, records), the too-long item's included."""
    source = write_lines(tmp_path / "in.jsonl", with_bad_lines(records(1000), every=150))
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    status, local_err = cli(capsys, "score", source, "-o", local, "--model", model_dir)
    assert status == 0, local_err
    status, ray_err = cli(capsys, "score", source, "-o", remote, "--model", model_dir, *on_ray(ray_cluster))
    assert status == 0, ray_err
    expected, got = read_jsonl(local), read_jsonl(remote)
    assert len(got) == len(expected) == 1000
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    mismatched = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if not close(a, b)]
    assert mismatched == []
    errors = (tmp_path / "local.jsonl.errors.jsonl").read_bytes()
    assert (tmp_path / "ray.jsonl.errors.jsonl").read_bytes() == errors
    assert [e["line"] for e in map(json.loads, errors.splitlines())] == [151, 302, 453, 604, 755]
    assert summary(ray_err) == summary(local_err) and summary_count(ray_err, "failed") == 5
    assert "by 1 of 1 actors" in ray_err


def test_filter_and_rank_on_ray_write_the_in_process_files(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """filter (kept, rejected, errors), rank with a responses list and rank --group-field
    (ranked records, pairs, errors): byte for byte the in-process run's files, one row per
    forward pass both ways."""
    data = records(40)
    filter_source = write_lines(tmp_path / "filter.jsonl", with_bad_lines(data, every=9))
    rank_rows = [{"prompt": CORPUS[i], "responses": [CORPUS[i + 1], CORPUS[i + 2], CORPUS[i + 3]]} for i in range(12)]
    rank_source = write_lines(
        tmp_path / "rank.jsonl", [*rank_rows[:5], {"prompt": "x", "responses": ["a", ""]}, *rank_rows[5:]]
    )
    grouped = [{"prompt_id": i // 3, "prompt": CORPUS[i // 3], "response": CORPUS[i + 5]} for i in range(18)]
    grouped_source = write_lines(tmp_path / "grouped.jsonl", [*grouped[:7], "{oops", *grouped[7:]])
    runs = {
        "filter": (filter_source, "--min", "helpfulness=-.5", "--max", "verbosity=0.5", "--weights", '{"coherence":2}'),
        "rank": (rank_source, "--pairs", "DIR/pairs.jsonl", "--min-gap", "0.1"),
        "grouped": (grouped_source, "--group-field", "prompt_id", "--pairs", "DIR/grouped-pairs.jsonl"),
    }  # fmt: skip
    for mode, flags in (("local", ()), ("ray", on_ray(ray_cluster))):
        folder = tmp_path / mode
        folder.mkdir()
        for name, (source, *extra) in runs.items():
            command = "filter" if name == "filter" else "rank"
            extra = [flag.replace("DIR", str(folder)) for flag in extra]
            out = folder / f"{name}.jsonl"
            status, err = cli(capsys, command, source, "-o", out, "--model", model_dir, *ONE_PER_BATCH, *extra, *flags)
            assert status == 0, err
    files = sorted(p.name for p in (tmp_path / "local").iterdir() if not p.name.endswith(".progress.json"))
    assert {"filter.jsonl.rejected.jsonl", "filter.jsonl.errors.jsonl", "pairs.jsonl", "grouped-pairs.jsonl"} <= set(
        files
    )
    assert {"rank.jsonl.errors.jsonl", "grouped.jsonl.errors.jsonl"} <= set(files)
    assert read_jsonl(tmp_path / "local" / "filter.jsonl") and read_jsonl(tmp_path / "local" / "pairs.jsonl")
    for name in files:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_parquet_in_and_out(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory of Parquet parts filtered into a Parquet file (kept) and a directory of
    Parquet parts (rejected): the rows are the in-process run's records over the same parts
    laid end to end; the errors file names rows counted across the parts."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = [{"id": i, "prompt": CORPUS[i % 32], "response": CORPUS[(3 * i + 1) % 32]} for i in range(60)]
    data[7]["response"] = None
    data[45]["prompt"] = ""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for index, start in enumerate((0, 25, 50)):
        pq.write_table(
            pa.Table.from_pylist(data[start : start + 25]), inputs / f"part-{index}.parquet", row_group_size=10
        )
    pq.write_table(pa.Table.from_pylist(data), tmp_path / "all.parquet")
    (inputs / "_SUCCESS").write_text("")  # not a part
    bounds = ("--min", "helpfulness=-0.3", "--max", "verbosity=0.6")
    local = tmp_path / "local.jsonl"
    status, err = cli(
        capsys, "filter", tmp_path / "all.parquet", "-o", local, "--model", model_dir, *ONE_PER_BATCH, *bounds
    )
    assert status == 0, err
    kept, rejected = tmp_path / "kept.parquet", tmp_path / "rejected.parquet"
    rejected.mkdir()  # an existing directory: part files
    status, err = cli(
        capsys, "filter", inputs, "-o", kept, "--rejected", rejected, "--errors", tmp_path / "errors.jsonl",
        "--model", model_dir, *ONE_PER_BATCH, *bounds, *on_ray(ray_cluster), "--records-per-part", "10",
    )  # fmt: skip
    assert status == 0, err
    expected_kept, expected_rejected = read_jsonl(local), read_jsonl(tmp_path / "local.jsonl.rejected.jsonl")
    assert expected_kept and len(expected_rejected) > 10
    assert pq.read_table(kept).to_pylist() == expected_kept
    parts = sorted(p.name for p in rejected.iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(math.ceil(len(expected_rejected) / 10))]
    assert [row for part in parts for row in pq.read_table(rejected / part).to_pylist()] == expected_rejected
    assert read_jsonl(tmp_path / "errors.jsonl") == read_jsonl(tmp_path / "local.jsonl.errors.jsonl")
    assert [e["row"] for e in read_jsonl(tmp_path / "errors.jsonl")] == [8, 46]
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []  # staging files are gone


def test_directory_in_and_out_with_two_actors(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSONL parts in, JSONL parts out, on two actors that both score: the output parts laid end
    to end are the in-process output of the input parts laid end to end.

    An actor only gets a block while the other is busy (Ray Data hands a block to the least
    busy actor), and the tiny model scores a chunk in less time than the next block takes to
    arrive. `--max-wait-ms 1000` makes each chunk wait for company, like a slow model, so the
    blocks overlap; it is an engine setting, applied on every actor as in-process.
    """
    lines = with_bad_lines(records(300), every=70)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for index, start in enumerate(range(0, len(lines), 110)):
        write_lines(inputs / f"part-{index:02d}.jsonl", lines[start : start + 110])
    joined = write_lines(tmp_path / "all.jsonl", lines)
    local = tmp_path / "local.jsonl"
    status, err = cli(capsys, "score", joined, "-o", local, "--model", model_dir)
    assert status == 0, err
    out = tmp_path / "out"
    out.mkdir()
    status, err = cli(
        capsys, "score", inputs, "-o", out, "--model", model_dir, *on_ray(ray_cluster, actors=2),
        "--max-wait-ms", "1000", "--chunk-size", "20", "--records-per-part", "128",
    )  # fmt: skip
    assert status == 0, err
    assert "by 2 of 2 actors" in err
    parts = sorted(out.iterdir())
    assert [p.name for p in parts] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    assert [len(read_jsonl(part)) for part in parts] == [128, 128, 44]
    got, expected = [row for part in parts for row in read_jsonl(part)], read_jsonl(local)
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    assert [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if not close(a, b)] == []
    assert (tmp_path / "out.errors.jsonl").read_bytes() == (tmp_path / "local.jsonl.errors.jsonl").read_bytes()


def test_resume_on_ray_continues_an_interrupted_run(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run stopped at a bad record (in process), fixed, then resumed with --ray: the same
    bytes as one uninterrupted run, and the summary counts the earlier run's records."""
    data = records(30)
    source = write_lines(tmp_path / "in.jsonl", [*data[:12], "oops", *data[12:]])
    out = tmp_path / "out.jsonl"
    args = ("score", source, "-o", out, "--model", model_dir, "--chunk-size", "4", *ONE_PER_BATCH, "--on-error", "stop")
    status, err = cli(capsys, *args)
    assert status == 1 and "line 13: invalid JSON" in err
    write_lines(source, [*data[:12], {"id": "fixed", "prompt": "Hi", "response": "Hello!"}, *data[12:]])
    status, err = cli(capsys, *args, "--resume", *on_ray(ray_cluster))
    assert status == 0, err
    assert "resumed: 12 records from an earlier run" in err and summary_count(err, "scored") == 31
    clean = tmp_path / "clean.jsonl"
    assert cli(capsys, "score", source, "-o", clean, "--model", model_dir, *ONE_PER_BATCH)[0] == 0
    assert out.read_bytes() == clean.read_bytes()


def test_options_are_checked_against_the_model_before_anything_is_written(
    tmp_path: Path, model_dir: Path, ray_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", records(3))
    out = tmp_path / "out.parquet"
    status, err = cli(
        capsys, "filter", source, "-o", out, "--model", model_dir, "--min", "kindness=1", *on_ray(ray_cluster)
    )
    assert status == 2 and "kindness" in err and "helpfulness" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_ray_flags_and_a_missing_ray_are_usage_errors(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", records(2))
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "score", source, "-o", out, "--model", model_dir, "--ray-actors", "2")
    assert status == 2 and "--ray-actors: for a run on Ray; add --ray" in err
    for name in [name for name in sys.modules if name == "ray" or name.startswith("ray.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import ray` now fails as on a plain install
    capsys.readouterr()
    assert main(["score", str(source), "-o", str(out), "--model", str(model_dir), "--ray"]) == 2
    err = capsys.readouterr().err
    assert "--ray needs Ray" in err and "pip install 'reward-service[ray]'" in err and "Traceback" not in err
    assert not out.exists()
