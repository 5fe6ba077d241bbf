"""Uncertainty end to end: /score, /rank, /info, `max_uncertainty` thresholds, the pipelines, the client.

A checkpoint that ships an ensemble of heads (`uncertainty.safetensors`, one tensor `heads` of
shape [K, labels, hidden]) reports, per attribute, the standard deviation of the K heads'
outputs at the position the score is read. Every expected spread here is computed from the
file itself (read with safetensors, as numpy) and transformers' own hidden state at the
position its `logits` come from (checked), with numpy's sample standard deviation: never
read back from the service. Expected verdicts follow from those spreads and bounds set
between two items' spreads, far from both.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest
import torch
from checkpoints import CORPUS, CheckpointFactory, Reference
from safetensors import safe_open
from safetensors.torch import save_file

from reward_service.cli import main
from reward_service.client import AsyncRewardClient, RetryPolicy
from reward_service.config import Settings
from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.pipeline import RunOptions, ScoringOptions, run_pipeline
from reward_service.pipeline.errors import UsageError
from reward_service.pipeline.remote import remote_backend
from reward_service.server.app import create_app

T = TypeVar("T")
Conversation = list[dict[str, str]]

ATTRIBUTES = ["helpfulness", "correctness", "coherence", "complexity", "verbosity"]
ATOL = 1e-4
ENSEMBLE_FILE = "uncertainty.safetensors"
K = 4  # heads in the test ensemble
NO_WAIT = RetryPolicy(max_attempts=50, backoff=0.05, max_backoff=0.05, jitter=0.0)  # /info is 503 until warm
URL = "http://testserver"
QUESTION = "Please explain how a binary search works, step by step."


# --- fixtures and the independent reference ------------------------------------------------


@pytest.fixture(scope="module")
def plain_dir(checkpoint: CheckpointFactory) -> Path:
    """A tiny checkpoint without an ensemble."""
    return checkpoint("llama")


@pytest.fixture(scope="module")
def ensemble_dir(plain_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same checkpoint plus an ensemble of K random heads."""
    target = tmp_path_factory.mktemp("ensemble") / "model"
    shutil.copytree(plain_dir, target)
    hidden = json.loads((plain_dir / "config.json").read_text())["hidden_size"]
    heads = torch.randn(K, len(ATTRIBUTES), hidden, generator=torch.Generator().manual_seed(7)) * 0.3
    save_file({"heads": heads.contiguous()}, str(target / ENSEMBLE_FILE))
    return target


@pytest.fixture(scope="module")
def plain(plain_dir: Path) -> RewardModel:
    return load_reward_model(plain_dir)


@pytest.fixture(scope="module")
def ensemble(ensemble_dir: Path) -> RewardModel:
    return load_reward_model(ensemble_dir)


@pytest.fixture(scope="module")
def ref(plain_dir: Path, reference: Callable[[Path], Reference]) -> Reference:
    """transformers' load of the checkpoint (the ensemble copy has the same weights)."""
    return reference(plain_dir)


@pytest.fixture(scope="module")
def heads(ensemble_dir: Path) -> np.ndarray:
    """The ensemble as the file holds it, [K, labels, hidden]."""
    with safe_open(str(ensemble_dir / ENSEMBLE_FILE), framework="np") as handle:
        return np.asarray(handle.get_tensor("heads"), dtype=np.float64)


@torch.inference_mode()
def read_hidden(ref: Reference, ids: list[int]) -> np.ndarray:
    """transformers' last hidden state at the position its `logits` are read from (checked), [H]."""
    model = ref.model
    states = model.model(input_ids=torch.tensor([ids])).last_hidden_state[0]  # [T, H]
    pad = model.config.pad_token_id
    position = max((i for i, token in enumerate(ids) if token != pad), default=0) if pad is not None else len(ids) - 1
    torch.testing.assert_close(model.score(states[position]), ref.logits(ids), atol=ATOL, rtol=0)
    return states[position].double().numpy()


def ref_scores(ref: Reference, conversation: Conversation) -> dict[str, float]:
    return dict(zip(ATTRIBUTES, ref.logits(ref.ids(conversation)).tolist(), strict=True))


def ref_spread(ref: Reference, heads: np.ndarray, conversation: Conversation) -> dict[str, float]:
    """Per attribute, the sample standard deviation over the K heads of head @ hidden."""
    outputs = heads @ read_hidden(ref, ref.ids(conversation))  # [K, L, H] @ [H] -> [K, L]
    return dict(zip(ATTRIBUTES, np.std(outputs, axis=0, ddof=1).tolist(), strict=True))


def assert_close(actual: Mapping[str, float], expected: Mapping[str, float]) -> None:
    assert list(actual) == ATTRIBUTES
    for name in ATTRIBUTES:
        assert actual[name] == pytest.approx(expected[name], abs=ATOL), name


def between(values: Sequence[float]) -> float:
    """A bound between two of `values` near their median, far (> 1e-3) from every value."""
    ordered = sorted(values)
    gaps = [(abs(i - len(ordered) / 2), i) for i in range(1, len(ordered)) if ordered[i] - ordered[i - 1] > 2e-3]
    _, i = min(gaps)
    return (ordered[i - 1] + ordered[i]) / 2


def conversations(n: int) -> list[Conversation]:
    """`n` distinct two-turn conversations from the fixture corpus."""
    return [
        [
            {"role": "user", "content": CORPUS[i % len(CORPUS)]},
            {"role": "assistant", "content": CORPUS[(5 * i + 3) % len(CORPUS)]},
        ]
        for i in range(n)
    ]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


@asynccontextmanager
async def serving(model: RewardModel) -> AsyncIterator[httpx.AsyncClient]:
    """The app on `model`, lifespan running and warmed up, and a client for it."""
    app = create_app(Settings(model=None), model)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=URL, timeout=10) as client,
    ):
        for _ in range(500):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        yield client


def post_all(model: RewardModel, requests: Sequence[tuple[str, Any]]) -> list[httpx.Response]:
    """POST each (path, JSON body) to one app on `model`, in order."""

    async def body() -> list[httpx.Response]:
        async with serving(model) as client:
            return [await client.post(path, json=payload) for path, payload in requests]

    return run(body())


def items(convs: Sequence[Conversation]) -> list[dict[str, Any]]:
    return [{"messages": conversation} for conversation in convs]


# --- the API -----------------------------------------------------------------------------------


def test_score_and_rank_report_the_ensembles_spread(ensemble: RewardModel, ref: Reference, heads: np.ndarray) -> None:
    convs = conversations(6)
    answers = [CORPUS[3], CORPUS[1], CORPUS[11], CORPUS[27]]
    ranked_convs = [[{"role": "user", "content": QUESTION}, {"role": "assistant", "content": a}] for a in answers]

    async def body() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with serving(ensemble) as client:
            info = await client.get("/info")
            scored = await client.post("/score", json={"items": items(convs)})
            ranked = await client.post("/rank", json={"prompt": QUESTION, "responses": answers})
            return info, scored, ranked

    info, scored, ranked = run(body())
    assert info.status_code == 200 and info.json()["uncertainty"] is True
    assert scored.status_code == 200, scored.text
    for conversation, result in zip(convs, scored.json()["results"], strict=True):
        assert_close(result["scores"], ref_scores(ref, conversation))
        assert_close(result["uncertainty"], ref_spread(ref, heads, conversation))
        assert all(value > 0 for value in result["uncertainty"].values())
        assert result["passed"] is True and result["failed"] == []
    assert ranked.status_code == 200, ranked.text
    results = ranked.json()["results"]
    assert sorted(r["index"] for r in results) == list(range(len(answers)))
    for result in results:
        assert_close(result["uncertainty"], ref_spread(ref, heads, ranked_convs[result["index"]]))


def test_a_model_without_an_ensemble_reports_null_uncertainty(plain: RewardModel) -> None:
    async def body() -> tuple[httpx.Response, ...]:
        async with serving(plain) as client:
            return (
                await client.get("/info"),
                await client.post("/score", json={"items": items(conversations(2))}),
                await client.post("/rank", json={"prompt": QUESTION, "responses": ["a", "b"]}),
            )

    info, scored, ranked = run(body())
    assert info.json()["uncertainty"] is False
    for response in (scored, ranked):
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            assert "uncertainty" in result and result["uncertainty"] is None


def test_the_schema_documents_uncertainty(plain: RewardModel) -> None:
    schemas = create_app(Settings(model=None), plain).openapi()["components"]["schemas"]
    field = schemas["ItemResult"]["properties"]["uncertainty"]
    assert {"type": "null"} in field["anyOf"] and "ensemble" in field["description"]
    assert "uncertainty" in schemas["ItemResult"]["properties"]["failed"]["description"]
    assert "ensemble" in schemas["InfoResponse"]["properties"]["uncertainty"]["description"]
    bound = schemas["Threshold"]["properties"]["max_uncertainty"]
    assert {"type": "number", "minimum": 0} in bound["anyOf"] and bound["description"]


def test_max_uncertainty_passes_exactly_the_items_at_or_under_it(
    ensemble: RewardModel, ref: Reference, heads: np.ndarray
) -> None:
    """A bound between two items' spreads: those under it pass, those over fail with
    `correctness.uncertainty`; a `min` on the same attribute is reported apart, as `correctness`."""
    convs = conversations(10)
    spreads = [ref_spread(ref, heads, c)["correctness"] for c in convs]
    scores = [ref_scores(ref, c)["correctness"] for c in convs]
    most, low = between(spreads), between(scores)
    expected = [
        [name for name, bad in (("correctness", score < low), ("correctness.uncertainty", spread > most)) if bad]
        for score, spread in zip(scores, spreads, strict=True)
    ]
    assert any("correctness.uncertainty" in e for e in expected)
    assert any("correctness.uncertainty" not in e for e in expected)
    only = {"thresholds": {"correctness": {"max_uncertainty": most}}}
    both = {"thresholds": {"correctness": {"min": low, "max_uncertainty": most}}}
    answers = [c[1]["content"] for c in convs[:4]]
    ranked_spreads = [
        ref_spread(ref, heads, [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": a}])
        for a in answers
    ]
    rank_most = between([s["correctness"] for s in ranked_spreads])

    alone, together, ranked = post_all(
        ensemble,
        [
            ("/score", {"items": items(convs), **only}),
            ("/score", {"items": items(convs), **both}),
            (
                "/rank",
                {
                    "prompt": QUESTION,
                    "responses": answers,
                    "thresholds": {"correctness": {"max_uncertainty": rank_most}},
                },
            ),
        ],
    )
    for response in (alone, together, ranked):
        assert response.status_code == 200, response.text
    for result, spread in zip(alone.json()["results"], spreads, strict=True):
        assert result["passed"] is (spread <= most)
        assert result["failed"] == ([] if spread <= most else ["correctness.uncertainty"])
    for result, failed in zip(together.json()["results"], expected, strict=True):
        assert result["failed"] == failed and result["passed"] is (not failed)
    for result in ranked.json()["results"]:
        over = ranked_spreads[result["index"]]["correctness"] > rank_most
        assert result["failed"] == (["correctness.uncertainty"] if over else []), result


def test_max_uncertainty_without_an_ensemble_is_a_422_naming_the_field(plain: RewardModel) -> None:
    bound = {"thresholds": {"correctness": {"min": 0.0, "max_uncertainty": 0.5}}}
    responses = post_all(
        plain,
        [
            ("/score", {"items": items(conversations(1)), **bound}),
            ("/rank", {"prompt": QUESTION, "responses": ["a", "b"], **bound}),
        ],
    )
    for response in responses:
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_request"
        assert "correctness.max_uncertainty" in error["message"] and "ships no ensemble" in error["message"]
        assert error["details"][0]["loc"] == ["thresholds", "correctness", "max_uncertainty"]


@pytest.mark.parametrize(
    ("threshold", "loc", "says"),
    [
        ({"correctness": {"max_uncertainty": -0.1}}, ["thresholds", "correctness", "max_uncertainty"], "greater than"),
        ({"correctness": {"max_uncertainty": "inf"}}, ["thresholds", "correctness", "max_uncertainty"], "finite"),
        ({"aggregate": {"max_uncertainty": 1.0}}, ["thresholds", "aggregate", "max_uncertainty"], "no uncertainty"),
        ({"charm": {"max_uncertainty": 1.0}}, ["thresholds", "charm"], "unknown name"),
    ],
)
def test_invalid_max_uncertainty_is_a_422(
    ensemble: RewardModel, threshold: dict[str, Any], loc: list[str], says: str
) -> None:
    [response] = post_all(ensemble, [("/score", {"items": items(conversations(1)), "thresholds": threshold})])
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["details"][0]["loc"] == loc and says in error["message"]


# --- the client --------------------------------------------------------------------------------


def test_the_client_exposes_uncertainty(ensemble: RewardModel, ref: Reference, heads: np.ndarray) -> None:
    convs = conversations(3)

    async def body() -> tuple[bool, list[dict[str, float] | None]]:
        app = create_app(Settings(model=None), ensemble)
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), AsyncRewardClient(URL, transport=transport, retry=NO_WAIT) as c:
            info = await c.info()
            scored = await c.score(items(convs), thresholds={"correctness": {"max_uncertainty": 1e6}})
            return info.uncertainty, [r.uncertainty for r in scored.results]

    reports, spreads = run(body())
    assert reports is True
    for conversation, spread in zip(convs, spreads, strict=True):
        assert spread is not None
        assert_close(spread, ref_spread(ref, heads, conversation))


# --- the pipelines -----------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    capsys.readouterr()
    status = main([str(arg) for arg in args])
    return status, capsys.readouterr().err


def write_records(path: Path, convs: Sequence[Conversation]) -> Path:
    rows = [{"id": i, "prompt": c[0]["content"], "response": c[1]["content"]} for i, c in enumerate(convs)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_filter_keeps_and_rejects_by_max_uncertainty_and_writes_it(
    tmp_path: Path, ensemble_dir: Path, ref: Reference, heads: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    convs = conversations(12)
    source = write_records(tmp_path / "in.jsonl", convs)
    spreads = [ref_spread(ref, heads, c) for c in convs]
    most = between([s["correctness"] for s in spreads])
    kept, rejected = tmp_path / "kept.jsonl", tmp_path / "rejected.jsonl"
    flags = ("filter", source, "-o", kept, "--rejected", rejected, "--model", ensemble_dir)
    status, err = cli(capsys, *flags, "--max-uncertainty", f"correctness={most}", "--chunk-size", "5")
    assert status == 0, err

    under = [i for i, s in enumerate(spreads) if s["correctness"] <= most]
    assert 0 < len(under) < len(convs)
    assert [row["id"] for row in read_jsonl(kept)] == under
    assert [row["id"] for row in read_jsonl(rejected)] == [i for i in range(len(convs)) if i not in under]
    for row in read_jsonl(kept) + read_jsonl(rejected):
        assert list(row)[-5:] == ["scores", "uncertainty", "aggregate", "passed", "failed"]
        assert_close(row["uncertainty"], spreads[row["id"]])
        assert row["failed"] == ([] if row["id"] in under else ["correctness.uncertainty"])

    # Resuming the finished run reads its lines back (uncertainty and all) with the same options.
    status, err = cli(capsys, *flags, "--max-uncertainty", f"correctness={most}", "--resume")
    assert status == 0, err
    assert [row["id"] for row in read_jsonl(kept)] == under
    # ... and a different bound is a different run.
    status, err = cli(capsys, *flags, "--max-uncertainty", f"correctness={most + 1}", "--resume")
    assert status == 2 and "thresholds" in err


def test_score_and_rank_write_uncertainty_next_to_scores(
    tmp_path: Path, ensemble_dir: Path, ref: Reference, heads: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    convs = conversations(3)
    out = tmp_path / "scored.jsonl"
    status, err = cli(capsys, "score", write_records(tmp_path / "in.jsonl", convs), "-o", out, "--model", ensemble_dir)
    assert status == 0, err
    for row, conversation in zip(read_jsonl(out), convs, strict=True):
        assert list(row)[-3:] == ["scores", "uncertainty", "aggregate"]
        assert_close(row["uncertainty"], ref_spread(ref, heads, conversation))

    answers = [CORPUS[3], CORPUS[1], CORPUS[11]]
    source = tmp_path / "rank.jsonl"
    source.write_text(json.dumps({"prompt": QUESTION, "responses": answers}) + "\n")
    ranked = tmp_path / "ranked.jsonl"
    status, err = cli(capsys, "rank", source, "-o", ranked, "--model", ensemble_dir)
    assert status == 0, err
    [row] = read_jsonl(ranked)
    for entry in row["ranked"]:
        turns = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": answers[entry["index"]]}]
        assert_close(entry["uncertainty"], ref_spread(ref, heads, turns))


def test_pipelines_on_a_model_without_an_ensemble(
    tmp_path: Path, plain_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No `uncertainty` key in the outputs; --max-uncertainty refused before anything is written;
    a negative bound refused by the flag itself."""
    source = write_records(tmp_path / "in.jsonl", conversations(2))
    out = tmp_path / "out.jsonl"
    status, err = cli(capsys, "score", source, "-o", out, "--model", plain_dir)
    assert status == 0, err
    assert all("uncertainty" not in row for row in read_jsonl(out))

    kept = tmp_path / "kept.jsonl"
    status, err = cli(capsys, "filter", source, "-o", kept, "--model", plain_dir, "--max-uncertainty", "correctness=1")
    assert status == 2 and "correctness.max_uncertainty" in err and "ships no ensemble" in err
    assert not kept.exists()
    with pytest.raises(SystemExit) as exited:
        cli(capsys, "filter", source, "-o", kept, "--model", plain_dir, "--max-uncertainty", "correctness=-1")
    assert exited.value.code == 2 and "at least 0" in capsys.readouterr().err


def test_the_remote_pipeline_sends_max_uncertainty_and_checks_the_server(
    tmp_path: Path, ensemble: RewardModel, plain: RewardModel, ref: Reference, heads: np.ndarray
) -> None:
    convs = conversations(8)
    source = write_records(tmp_path / "in.jsonl", convs)
    spreads = [ref_spread(ref, heads, c)["correctness"] for c in convs]
    most = between(spreads)

    def options(name: str) -> RunOptions:
        return RunOptions(
            command="filter",
            input=source,
            output=tmp_path / f"{name}.jsonl",
            rejected=tmp_path / f"{name}.rejected.jsonl",
            scoring=ScoringOptions(thresholds={"correctness": (None, None, most)}),
        )

    async def against(model: RewardModel, name: str) -> None:
        app = create_app(Settings(model=None), model)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            remote_backend(URL, api_key=None, concurrency=2, timeout=10, retry=NO_WAIT, transport=transport) as backend,
        ):
            await run_pipeline(options(name), backend)

    run(against(ensemble, "remote"))
    kept = read_jsonl(tmp_path / "remote.jsonl")
    assert [row["id"] for row in kept] == [i for i, s in enumerate(spreads) if s <= most]
    assert all(row["uncertainty"] is not None for row in kept)
    with pytest.raises(UsageError, match="ships no ensemble"):
        run(against(plain, "plain"))
    assert not (tmp_path / "plain.jsonl").exists()
