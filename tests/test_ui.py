"""The /ui inspector, end to end in a real headless browser against the real app.

The app runs under uvicorn on a loopback port in a thread (`uvicorn_server`, shared with the
pipeline tests) with tiny random checkpoints; the browser is the system's chromium driven by
playwright. What the page shows is checked against what the API itself answers, fetched with
httpx for the same conversations: the scores and their bars, the aggregate under the model's
weights and under weights typed into the page (also sent to /score as request weights), and
pass/fail under bounds typed into the page (also sent to /score as request thresholds).

Without chromium (Debian: `apt-get install -y chromium`) or playwright (the dev extra) the
browser tests skip, unless REWARD_SERVICE_REQUIRE_BROWSER=1 (as CI sets it): then they fail.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch
from checkpoints import CheckpointFactory
from safetensors.torch import load_file, save_file
from test_pipeline import uvicorn_server

from reward_service.model.loading import RewardModel, load_reward_model
from reward_service.service import rank_order

ROOT = Path(__file__).resolve().parents[1]
UI_FOLDER = ROOT / "reward_service" / "server" / "ui"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REWARD_SERVICE_REQUIRE_BROWSER") == "1"
TIMEOUT_MS = 10_000  # any one wait in the browser
KEY = "ui-secret-key"
SCALE = (0.0, 4.0)

PROMPT = "Explain what a binary search is, in two sentences."
RESPONSES = [
    "A binary search compares the target with the middle of a sorted list and keeps the half that can hold it. "
    "Each step halves the range, so 1024 items need at most 10 steps.",
    "It searches.",
    "Binary search is a kind of tree. Trees grow in forests and need water.",
]


# --- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ensemble_model(checkpoint: CheckpointFactory, tmp_path_factory: pytest.TempPathFactory) -> RewardModel:
    """The tiny llama checkpoint with an ensemble of 4 heads, so that scores carry uncertainty,
    and its head scaled up so that some scores fall off the 0-4 scale on either side."""
    target = tmp_path_factory.mktemp("ui-ensemble") / "model"
    shutil.copytree(checkpoint("llama"), target)
    weights = load_file(target / "model.safetensors")
    weights["score.weight"] = weights["score.weight"] * 4
    save_file(weights, str(target / "model.safetensors"), metadata={"format": "pt"})
    hidden = json.loads((target / "config.json").read_text())["hidden_size"]
    heads = torch.randn(4, 5, hidden, generator=torch.Generator().manual_seed(3)) * 0.3
    save_file({"heads": heads.contiguous()}, str(target / "uncertainty.safetensors"))
    return load_reward_model(target)


@pytest.fixture(scope="module")
def url(ensemble_model: RewardModel) -> Iterator[str]:
    """An open server: five HelpSteer2 attributes, with uncertainty."""
    with uvicorn_server(ensemble_model, []) as base:
        yield base


@pytest.fixture(scope="module")
def keyed_url(checkpoint: CheckpointFactory) -> Iterator[str]:
    """A server that needs KEY, with a three-output model (LABEL_0..2) and no ensemble."""
    with uvicorn_server(load_reward_model(checkpoint("llama", num_labels=3)), [], api_keys=[KEY]) as base:
        yield base


def api_score(base: str, body: Mapping[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{base}/score", json=body, headers=headers, timeout=30)


def prompt_items(prompt: str, responses: Sequence[str]) -> list[dict[str, Any]]:
    return [{"prompt": prompt, "response": response} for response in responses]


# --- the browser -------------------------------------------------------------------------------


def browser_problem() -> tuple[str | None, str | None]:
    """(chromium's path, None), or (None, why the browser tests cannot run)."""
    path = shutil.which("chromium") or (str(DEBIAN_CHROMIUM) if os.access(DEBIAN_CHROMIUM, os.X_OK) else None)
    if path is None:
        return None, "chromium is not installed (on Debian: apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None, "playwright is not installed (it comes with the dev extra: pip install -e '.[dev]')"
    return path, None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path, problem = browser_problem()
    if problem is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"{problem}; REWARD_SERVICE_REQUIRE_BROWSER=1 requires the browser tests to run")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, headless=True, timeout=30_000)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Inspector:
    """One page of the inspector, with every request it made and every script error it hit."""

    page: Any
    base: str
    requests: list[Any] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def set_conversation(self, text: str, form: str = "prompt") -> None:
        self.page.check(f"input[name=format][value={form}]")
        self.page.fill("#conversation", text)

    def set_responses(self, texts: Sequence[str]) -> None:
        boxes = self.page.locator("#responses .response")
        while boxes.count() < len(texts):
            self.page.click("#add-response")
        while boxes.count() > len(texts):
            boxes.last.locator(".remove").click()
        for index, text in enumerate(texts):
            boxes.nth(index).locator(".response-text").fill(text)

    def score(self) -> Any:
        """Click Score; the request the page sent, once its answer is drawn."""
        with self.page.expect_request(f"{self.base}/score") as sent:
            self.page.click("#score")
        self.page.wait_for_function("() => !document.querySelector('#score').disabled")
        return sent.value

    def set_input(self, name: str, field: str, value: str) -> None:
        self.page.fill(f'#settings input[data-name="{name}"][data-field="{field}"]', value)

    def shown(self) -> list[dict[str, Any]]:
        """Per response box, what it shows: numbers as text and as the page holds them, bars as drawn."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll("#responses .response")].map((box) => ({
                scored: !box.querySelector(".result").hidden,
                rank: box.querySelector(".rank").textContent,
                aggregate: Number(box.querySelector(".aggregate-value").dataset.value),
                aggregate_text: box.querySelector(".aggregate-value").textContent,
                verdict: box.querySelector(".verdict").textContent,
                failed: JSON.parse(box.querySelector(".failed").dataset.failed || "[]"),
                marks: [...box.querySelectorAll(".mark")].map((mark) => mark.textContent),
                invalid: box.classList.contains("invalid"),
                scores: Object.fromEntries([...box.querySelectorAll(".score")].map((row) => {
                    const bar = row.querySelector(".bar"), fill = row.querySelector(".fill");
                    const spread = row.querySelector(".uncertainty");
                    return [row.dataset.attribute, {
                        value: Number(row.querySelector(".value").dataset.value),
                        text: row.querySelector(".value").textContent,
                        fill: fill.getBoundingClientRect().width,
                        track: bar.getBoundingClientRect().width,
                        edge: ["below", "above"].find((edge) => bar.classList.contains(edge)) ?? null,
                        spread: spread.dataset.value === undefined ? null : Number(spread.dataset.value),
                        spread_text: spread.textContent,
                    }];
                })),
            }))"""
        )

    def settled(self) -> list[Any]:
        """Every request the page made so far: a fetch of /health from the page is reported after
        any the page had already started, so none can still be on its way."""
        with self.page.expect_request(f"{self.base}/health"):
            self.page.evaluate("() => { fetch('../health'); }")
        return [r for r in self.requests if r.url != f"{self.base}/health"]


@pytest.fixture
def open_inspector(browser: Any) -> Iterator[Any]:
    """`open_inspector(base)`: a fresh page on base/ui, once it has asked /info."""
    contexts = []
    opened: list[Inspector] = []

    def open_at(base: str) -> Inspector:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        inspector = Inspector(page, base)
        page.on("request", lambda request: inspector.requests.append(request))
        page.on("pageerror", lambda error: inspector.script_errors.append(str(error)))
        with page.expect_response(f"{base}/info"):
            page.goto(f"{base}/ui")
        page.wait_for_selector("#model-info[data-state]")
        opened.append(inspector)
        return inspector

    yield open_at
    for context in contexts:
        context.close()
    for inspector in opened:
        assert inspector.script_errors == [], inspector.script_errors


def fixed(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def weighted(scores: Mapping[str, float], weights: Mapping[str, float], attributes: Sequence[str]) -> float:
    return sum(weights.get(name, 0.0) * scores[name] for name in attributes)


def marks_of(aggregates: Sequence[float]) -> list[list[str]]:
    """The marks each response should carry: best on the first of rank_order, worst on the last."""
    order = rank_order(aggregates)
    return [
        ["best"] if index == order[0] else ["worst"] if index == order[-1] else [] for index in range(len(aggregates))
    ]


def ranks_of(aggregates: Sequence[float]) -> list[str]:
    order = rank_order(aggregates)
    return [f"#{order.index(index) + 1} of {len(order)}" for index in range(len(aggregates))]


# --- serving the page (no browser needed) ------------------------------------------------------


def test_the_page_and_its_assets_are_served_offline_with_a_strict_policy(url: str) -> None:
    moved = httpx.get(f"{url}/ui")
    assert moved.status_code == 307 and moved.headers["location"] == "ui/"
    page = httpx.get(f"{url}/ui/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    # Every file the page loads is one of ours, by a relative path: nothing remote.
    linked = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert sorted(linked) == ["data:,", "ui.css", "ui.js"]
    for name, kind in (("ui.css", "text/css"), ("ui.js", "text/javascript")):
        asset = httpx.get(f"{url}/ui/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind), name
        assert asset.content == (UI_FOLDER / name).read_bytes()
        assert "http://" not in asset.text and "https://" not in asset.text, name
    assert not any(path.startswith("/ui") for path in httpx.get(f"{url}/openapi.json").json()["paths"])


def test_with_a_key_configured_the_page_is_open_and_the_api_is_not(keyed_url: str) -> None:
    for path in ("/ui/", "/ui/ui.css", "/ui/ui.js"):
        assert httpx.get(f"{keyed_url}{path}").status_code == 200, path
    assert httpx.get(f"{keyed_url}/ui").status_code == 307
    # Only the page's own paths are open, not whatever sits under /ui.
    assert httpx.get(f"{keyed_url}/ui/other.js").status_code == 401
    assert httpx.get(f"{keyed_url}/info").status_code == 401
    body = {"items": prompt_items(PROMPT, RESPONSES[:1])}
    refused = api_score(keyed_url, body)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert api_score(keyed_url, body, key=KEY).status_code == 200


def test_the_wheel_carries_every_ui_file() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["reward_service.server"]
    files = sorted(path.relative_to(UI_FOLDER.parent).as_posix() for path in UI_FOLDER.iterdir())
    assert files == ["ui/index.html", "ui/ui.css", "ui/ui.js"]
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in files)


# --- in the browser ----------------------------------------------------------------------------


def test_the_page_loads_from_the_app_alone_and_takes_the_models_attributes(url: str, open_inspector: Any) -> None:
    inspector = open_inspector(url)
    info = httpx.get(f"{url}/info").json()
    assert all(request.url.startswith(f"{url}/") for request in inspector.settled())
    assert sorted(r.url.removeprefix(url) for r in inspector.requests[:4]) == ["/ui", "/ui/", "/ui/ui.css", "/ui/ui.js"]
    page = inspector.page
    assert info["model"] in page.inner_text("#model-info")
    rows = page.eval_on_selector_all("#settings tbody tr", "rows => rows.map(row => row.dataset.name)")
    assert rows == [*info["attributes"], "aggregate"]
    for name, weight in info["weights"].items():
        shown = page.input_value(f'#settings input[data-name="{name}"][data-field="weight"]')
        assert float(shown) == weight, name
    # This model reports uncertainty: its bounds can be set too.
    assert page.locator('#settings input[data-field="max_uncertainty"]').count() == len(info["attributes"])


def test_scores_bars_and_aggregates_are_the_apis(url: str, open_inspector: Any) -> None:
    inspector = open_inspector(url)
    inspector.set_conversation(PROMPT)
    inspector.set_responses(RESPONSES)
    sent = inspector.score()
    body = {"items": prompt_items(PROMPT, RESPONSES)}
    assert json.loads(sent.post_data) == body
    answer = api_score(url, body).json()
    results, attributes = answer["results"], answer["attributes"]
    values = [result["scores"][name] for result in results for name in attributes]
    assert min(values) < SCALE[0] and max(values) > SCALE[1], "no score off the scale on each side: clamping untested"

    shown = inspector.shown()
    assert len(shown) == len(results) == 3
    for box, result in zip(shown, results, strict=True):
        assert box["scored"] and list(box["scores"]) == attributes
        for name in attributes:
            row, value, spread = box["scores"][name], result["scores"][name], result["uncertainty"][name]
            assert row["value"] == value and row["text"] == fixed(value), name
            expected = (min(SCALE[1], max(SCALE[0], value)) - SCALE[0]) / (SCALE[1] - SCALE[0])
            assert abs(row["fill"] - expected * row["track"]) <= 1.0, (name, value, row)
            assert row["edge"] == ("below" if value < SCALE[0] else "above" if value > SCALE[1] else None)
            assert row["spread"] == spread and row["spread_text"] == f"\u00b1 {fixed(spread)}"
        assert box["aggregate"] == pytest.approx(result["aggregate"], rel=1e-12, abs=1e-12)
        assert box["aggregate_text"] == fixed(result["aggregate"])
        assert box["verdict"] == "pass" and result["passed"]
    aggregates = [result["aggregate"] for result in results]
    assert [box["marks"] for box in shown] == marks_of(aggregates)
    assert [box["rank"] for box in shown] == ranks_of(aggregates)


def test_weights_recompute_aggregates_and_ranking_without_a_request(url: str, open_inspector: Any) -> None:
    inspector = open_inspector(url)
    inspector.set_conversation(PROMPT)
    inspector.set_responses(RESPONSES)
    inspector.score()
    before = len(inspector.settled())
    answer = api_score(url, {"items": prompt_items(PROMPT, RESPONSES)}).json()
    attributes, scores = answer["attributes"], [result["scores"] for result in answer["results"]]
    default_marks = marks_of([result["aggregate"] for result in answer["results"]])

    weights = dict(zip(attributes, [1.5, -0.5, 0.0, 2.0, 0.25], strict=True))
    for name, weight in weights.items():
        inspector.set_input(name, "weight", str(weight))
    expected = [weighted(s, weights, attributes) for s in scores]
    with_weights = api_score(url, {"items": prompt_items(PROMPT, RESPONSES), "weights": weights}).json()
    assert [r["aggregate"] for r in with_weights["results"]] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    shown = inspector.shown()
    assert [box["aggregate"] for box in shown] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert [box["aggregate_text"] for box in shown] == [fixed(value) for value in expected]
    assert [box["marks"] for box in shown] == marks_of(expected)
    assert [box["rank"] for box in shown] == ranks_of(expected)

    # The model's weights negated: the ranking turns over, best and worst swap.
    for name in attributes:
        inspector.set_input(name, "weight", str(-answer["weights"][name]))
    flipped = [weighted(s, {n: -w for n, w in answer["weights"].items()}, attributes) for s in scores]
    shown = inspector.shown()
    assert [box["aggregate"] for box in shown] == pytest.approx(flipped, rel=1e-12, abs=1e-12)
    assert [box["marks"] for box in shown] == marks_of(flipped)
    assert marks_of(flipped) != default_marks
    assert len(inspector.settled()) == before, [r.url for r in inspector.requests[before:]]


def test_thresholds_flip_pass_and_fail_as_the_api_decides(url: str, open_inspector: Any) -> None:
    inspector = open_inspector(url)
    inspector.set_conversation(PROMPT)
    inspector.set_responses(RESPONSES)
    inspector.score()
    before = len(inspector.settled())
    items = prompt_items(PROMPT, RESPONSES)
    results = api_score(url, {"items": items}).json()["results"]
    attributes = list(results[0]["scores"])
    aggregates = sorted(result["aggregate"] for result in results)

    # Between the two highest aggregates: only the best passes.
    cut = (aggregates[-1] + aggregates[-2]) / 2
    inspector.set_input("aggregate", "min", repr(cut))
    shown = inspector.shown()
    assert [box["verdict"] == "pass" for box in shown] == [r["aggregate"] > cut for r in results]
    assert [box["failed"] for box in shown] == [[] if r["aggregate"] > cut else ["aggregate"] for r in results]

    # A max on one attribute and a max uncertainty on another, each between two responses' values.
    first, second = attributes[0], attributes[1]
    top = sorted(r["scores"][first] for r in results)
    spreads = sorted(r["uncertainty"][second] for r in results)
    thresholds = {
        first: {"max": (top[0] + top[1]) / 2},
        second: {"max_uncertainty": (spreads[0] + spreads[1]) / 2},
        "aggregate": {"min": cut},
    }
    inspector.set_input(first, "max", repr(thresholds[first]["max"]))
    inspector.set_input(second, "max_uncertainty", repr(thresholds[second]["max_uncertainty"]))
    decided = api_score(url, {"items": items, "thresholds": thresholds}).json()["results"]
    shown = inspector.shown()
    assert [box["failed"] for box in shown] == [r["failed"] for r in decided]
    assert [box["verdict"] for box in shown] == ["pass" if r["passed"] else "fail" for r in decided]
    assert any(f"{second}.uncertainty" in r["failed"] for r in decided)
    assert any(first in r["failed"] for r in decided)

    inspector.page.click("#reset")
    assert [box["verdict"] for box in inspector.shown()] == ["pass"] * len(results)
    assert len(inspector.settled()) == before


def test_a_messages_conversation_is_scored_as_the_api_scores_it(url: str, open_inspector: Any) -> None:
    context = [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    responses = ["Paris is the capital of France.", "I'm not sure; could you give me more details?"]
    inspector = open_inspector(url)
    inspector.set_conversation(json.dumps(context), form="messages")
    inspector.set_responses(responses)
    sent = inspector.score()
    body = {"items": [{"messages": [*context, {"role": "assistant", "content": r}]} for r in responses]}
    assert json.loads(sent.post_data) == body
    results = api_score(url, body).json()["results"]
    for box, result in zip(inspector.shown(), results, strict=True):
        assert {name: row["value"] for name, row in box["scores"].items()} == result["scores"]


def test_invalid_input_shows_the_apis_error(url: str, open_inspector: Any) -> None:
    inspector = open_inspector(url)
    inspector.set_conversation(PROMPT)
    inspector.set_responses([RESPONSES[0], "", RESPONSES[2]])
    inspector.score()
    refused = api_score(url, {"items": prompt_items(PROMPT, [RESPONSES[0], "", RESPONSES[2]])})
    assert refused.status_code == 422
    error = refused.json()["error"]
    page = inspector.page
    assert page.is_visible("#error")
    assert page.inner_text("#error .error-code") == f"422 {error['code']}"
    assert page.inner_text("#error .error-message") == error["message"]
    details = page.eval_on_selector_all(
        "#error .error-details li",
        "items => items.map(item => [item.querySelector('.loc').textContent, "
        "item.querySelector('.detail-message').textContent])",
    )
    assert details == [["items[1].response", detail["message"]] for detail in error["details"]]
    assert error["details"][0]["loc"] == ["items", 1, "response"]
    assert [box["invalid"] for box in inspector.shown()] == [False, True, False]

    # A conversation that is not JSON in the messages form is refused in the page, unsent.
    sent = len([r for r in inspector.settled() if r.url == f"{url}/score"])
    inspector.set_conversation('[{"role": "user"', form="messages")
    page.click("#score")
    assert page.inner_text("#error .error-code") == "invalid_conversation"
    assert "not valid JSON" in page.inner_text("#error .error-message")
    assert len([r for r in inspector.settled() if r.url == f"{url}/score"]) == sent


def test_a_keyed_server_answers_401_until_the_key_is_typed(keyed_url: str, open_inspector: Any) -> None:
    inspector = open_inspector(keyed_url)
    page = inspector.page
    unauthorized = httpx.get(f"{keyed_url}/info").json()["error"]
    assert page.inner_text("#error .error-code") == "401 unauthorized"
    assert page.inner_text("#error .error-message") == unauthorized["message"]
    assert page.locator("#settings tbody tr").count() == 0

    inspector.set_conversation(PROMPT)
    inspector.set_responses(RESPONSES[:2])
    refused = inspector.score()
    assert "authorization" not in refused.headers
    assert page.inner_text("#error .error-code") == "401 unauthorized"
    assert page.inner_text("#error .error-message") == api_score(keyed_url, {"items": []}).json()["error"]["message"]
    assert not any(box["scored"] for box in inspector.shown())

    with page.expect_response(f"{keyed_url}/info"):
        page.fill("#api-key", KEY)
        page.press("#api-key", "Tab")
    accepted = inspector.score()
    assert accepted.headers["authorization"] == f"Bearer {KEY}"
    assert page.is_hidden("#error")
    answer = api_score(keyed_url, {"items": prompt_items(PROMPT, RESPONSES[:2])}, key=KEY).json()
    # Whatever the model's attributes are, they are the ones shown, without uncertainty (it has none).
    assert answer["attributes"] == ["LABEL_0", "LABEL_1", "LABEL_2"]
    rows = page.eval_on_selector_all("#settings tbody tr", "rows => rows.map(row => row.dataset.name)")
    assert rows == [*answer["attributes"], "aggregate"]
    assert page.locator('#settings input[data-field="max_uncertainty"]').count() == 0
    for box, result in zip(inspector.shown(), answer["results"], strict=True):
        assert result["uncertainty"] is None
        assert {name: row["value"] for name, row in box["scores"].items()} == result["scores"]
        assert all(row["spread"] is None and row["spread_text"] == "" for row in box["scores"].values())
        assert box["aggregate"] == pytest.approx(result["aggregate"], rel=1e-12, abs=1e-12)
