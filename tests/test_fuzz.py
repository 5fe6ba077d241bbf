"""Schema fuzzing: our own OpenAPI spec, turned into requests by schemathesis, against the real app.

The app runs with its lifespan (model loaded from the tiny llama checkpoint, engine started,
warm-up done: /ready is 200 before the first case), under settings with small limits so that
whatever the generator invents stays cheap to answer: at most 8 items per request, 64 tokens
and 256 characters per item, a 4 KiB body. Items over a limit are answered 413/422, never
truncated silently and never scored at length.

One campaign runs per module (the `campaign` fixture): for every operation in the spec,

* schemathesis' coverage phase: deterministic boundary and negative cases, including methods
  the spec does not list (which must answer 405 with an `Allow` header);
* hypothesis fuzzing in positive mode (bodies valid by the schema) and negative mode (bodies
  that break it: wrong types, missing fields, bytes that are not JSON), derandomized.

Deterministic, whatever else the session runs or imports, and in whatever order: every
hypothesis setting is passed explicitly (no loaded profile leaks in), and the campaign runs
with hypothesis' draws of constants from imported modules switched off (the `isolated_generation`
fixture): left on, hypothesis would now and then put a literal from the source of any non-test
module imported so far (`reward_service.*`, `bench/` once another test module has imported
it) into a body, so this file alone and the whole suite would send different cases. The
summary prints a digest of every case sent, equal across those runs. Every problem is
reported with the exact body, so any one reproduces outside the suite.

Every response goes through every one of schemathesis' checks (no 5xx; status documented for
the route; content type; body valid by that status' schema, ErrorResponse included; invalid
data rejected with a 4xx; valid data accepted: 2xx, or 413/429/503, which answer a body's size
or the server's load, never its validity; and the rest) and through our own: any error body,
documented status or not, is an ErrorResponse; a 200 answers every item of its request
exactly once, in order. Failures are collected rather than raised at the first one, so one
run reports every distinct problem, each with a curl line that reproduces it; the tests
below then assert on the collection.

Hand-picked hostile bodies the generator cannot produce (bytes that are not UTF-8, lone
surrogates spelled as JSON escapes, deep nesting) get the same treatment, one test each.

Valid data must be accepted, so the spec says all that JSON Schema can of what the server
checks (`reward_service.server.contract`). What it cannot say is in its descriptions, and a
positive case is brought within those rules before it is sent (`Unsaid`): user and assistant
turns alternating, ending with the right turn; a whole conversation within the characters and
tokens per item; `min` not over `max`; weights that keep the aggregate finite. The body sent
must still be valid by the spec (checked: a "conform" problem otherwise), so every positive
case still tests that what the spec allows, the server takes.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import inspect
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs  # comes with schemathesis, which validates with it too
import pytest
import requests
import schemathesis
from checkpoints import CheckpointFactory, chat_ids
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core import NotSet
from schemathesis.errors import FailureGroup
from schemathesis.python import asgi
from transformers import AutoTokenizer

from reward_service.config import Settings
from reward_service.server.app import ROUTES, create_app

# Small limits: generated inputs larger than these are refused before any model work.
LIMITS: dict[str, Any] = {
    "max_items_per_request": 8,
    "max_tokens_per_item": 64,
    "max_chars_per_item": 256,
    "max_body_bytes": 4096,
    "max_batch_tokens": 512,
    "max_batch_size": 8,
    "max_wait_ms": 0.0,  # sequential cases: waiting for company only adds latency
    "queue_depth": 64,
    "request_timeout_s": 30.0,
}
OPERATIONS = ("POST /score", "POST /rank", "GET /info", "GET /health", "GET /ready", "GET /metrics")
# Hypothesis examples per generation mode for operations that take input. The GET routes take
# none: fuzzing them yields one case each, and their coverage cases (other methods) add a few.
FUZZ_EXAMPLES = {"POST /score": 220, "POST /rank": 220}
# Every hypothesis setting but max_examples, so that nothing is inherited from the profile
# loaded when a case is generated (another module, a plugin or --hypothesis-profile may load one).
FUZZ_SETTINGS: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "verbosity": Verbosity.normal,
    "phases": [Phase.explicit, Phase.generate],
    "stateful_step_count": 50,
    "report_multiple_bugs": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "deadline": None,
    "print_blob": False,
    "backend": "hypothesis",
}
MIN_CASES = 1000
CALL_TIMEOUT = 10.0  # seconds; a case not answered by then is recorded as lost
# What negative data may be answered with: schemathesis' defaults plus 413 (a body over
# max_body_bytes is refused before it is parsed, whatever it holds).
REJECTION_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
# What valid data may be answered with: a score, or a refusal for size (a body over
# max_body_bytes: JSON Schema cannot bound a body's bytes) or load (429 queue full, 503 not
# ready or shutting down). Never 422: the spec says what is valid.
ACCEPTANCE_STATUSES = ["2xx", "413", "429", "503"]


@dataclass
class Problem:
    """One distinct failure, the first case that showed it, and how often it was seen."""

    kind: str
    operation: str
    status: int | None
    title: str
    detail: str
    curl: str
    body: str
    count: int = 1

    def __str__(self) -> str:
        detail = self.detail.replace("\n", "\n    ")
        return (
            f"[{self.kind}] {self.operation} -> {self.status}: {self.title} (x{self.count})\n"
            f"    {detail}\n    reproduce: {self.curl}\n    body sent: {self.body}"
        )


@dataclass
class Campaign:
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)  # (operation, phase/mode) -> cases sent
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status) -> responses
    problems: dict[tuple[str, str, int | None, str], Problem] = field(default_factory=dict)
    ready_before: bool = False
    engine_running_after: bool = False
    seconds: float = 0.0
    sent: Any = field(default_factory=hashlib.sha256)  # digest of every case sent, in order

    def add_case(self, label: str, case: Case) -> None:
        self.cases[(case.operation.label, label)] += 1
        self.sent.update(repr(case_key(label, case)).encode())

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def record(self, kind: str, case: Case, status: int | None, title: str, detail: str) -> None:
        key = (kind, case.operation.label, status, title)
        if key in self.problems:
            self.problems[key].count += 1
            return
        try:
            curl = case.as_curl_command()
        except Exception as exc:  # a body curl cannot spell still deserves a report
            curl = f"(no curl: {exc})"
        # The exact body (as a Python literal): curl cannot carry bytes that are not UTF-8.
        body = "(none)" if isinstance(case.body, NotSet) else repr(case.body)
        self.problems[key] = Problem(kind, case.operation.label, status, title, detail[:600], curl[:800], body[:800])

    def of_kind(self, kind: str) -> list[Problem]:
        return [problem for problem in self.problems.values() if problem.kind == kind]

    def summary(self) -> str:
        lines = [f"{self.total} cases in {self.seconds:.1f} s, digest {self.sent.hexdigest()[:16]}"]
        for operation in OPERATIONS:
            phases = ", ".join(f"{phase} {n}" for (op, phase), n in sorted(self.cases.items()) if op == operation)
            statuses = ", ".join(f"{s}: {n}" for (op, s), n in sorted(self.statuses.items()) if op == operation)
            lines.append(f"  {operation}: {phases} | {statuses}")
        return "\n".join(lines)


def describe(problems: list[Problem]) -> str:
    return "\n".join(str(problem) for problem in problems)


def case_key(label: str, case: Case) -> tuple[Any, ...]:
    """What a case sends (its id is random, so it is left out)."""
    body = None if isinstance(case.body, NotSet) else case.body
    parts = (case.path_parameters, case.query, case.headers, case.cookies)
    return (label, case.method, case.formatted_path, *parts, case.media_type, body)


# --- positive cases and the rules the spec can only describe ---------------------------------

Turns = list[dict[str, str]]
# The tiny model's scores are nowhere near 1e8 in size, so weights up to this keep a sum of
# weighted scores finite.
LARGEST_WEIGHT = 1e300


@dataclass
class Unsaid:
    """Brings a positive /score or /rank body within the rules its spec states only in words.

    JSON Schema cannot say them (`reward_service.server.contract` says what it can), so the
    generator breaks them, and the server rightly answers 422. Each rule changes only what
    it is about and keeps the body valid by the spec; `changed` counts the bodies each changed.
    """

    max_chars: int
    max_tokens: int
    tokens: Callable[[Turns], int]  # the server's token count of a conversation
    changed: Counter[str] = field(default_factory=Counter)

    def conform(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        rules: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "turn order": self.turn_order,
            "conversation size": self.size,
            "min over max": self.min_under_max,
            "aggregate overflow": self.finite_aggregate,
        }
        for name, rule in rules.items():
            before = json.dumps(body, sort_keys=True)
            rule(operation, body)
            if json.dumps(body, sort_keys=True) != before:
                self.changed[name] += 1
        return body

    def turn_order(self, operation: str, body: dict[str, Any]) -> None:
        """User and assistant turns alternate from a user turn, ending with the right one."""
        if operation == "POST /score":
            for item in body["items"]:
                if item.get("messages") is not None:
                    alternate(item["messages"], last="assistant")
        elif body.get("messages") is not None:
            alternate(body["messages"], last="user")

    def size(self, operation: str, body: dict[str, Any]) -> None:
        """Every conversation within the characters and tokens per item."""
        if operation == "POST /score":
            for item in body["items"]:
                if item.get("messages") is not None:
                    self.fit(item["messages"], opening=2)
                else:
                    turns = [turn("user", item["prompt"]), turn("assistant", item["response"])]
                    self.fit(turns, opening=2)
                    item["prompt"], item["response"] = turns[0]["content"], turns[1]["content"]
        else:
            context = body["messages"] if body.get("messages") is not None else [turn("user", body["prompt"])]
            self.fit(context, opening=1, responses=body["responses"])
            if body.get("messages") is None:
                body["prompt"] = context[0]["content"]

    def fits(self, conversation: Turns) -> bool:
        chars = sum(len(message["content"]) for message in conversation)
        return chars <= self.max_chars and self.tokens(conversation) <= self.max_tokens

    def fit(self, turns: Turns, *, opening: int, responses: list[str] | None = None) -> None:
        """Drop the last exchange, else halve the longest text, until each conversation fits.

        `opening`: the dialogue turns the spec requires (after a system turn). /rank's
        conversations are its context `turns` plus each of the `responses`.
        """
        start = 1 if turns[0]["role"] == "system" else 0

        def conversations() -> list[Turns]:
            if responses is None:
                return [turns]
            return [[*turns, turn("assistant", response)] for response in responses]

        while not all(self.fits(conversation) for conversation in conversations()):
            if len(turns) - start > opening:
                del turns[-2:]  # an exchange: the conversation still ends with the same role
                continue
            texts = [(len(message["content"]), 0, index) for index, message in enumerate(turns)]
            texts += [(len(response), 1, index) for index, response in enumerate(responses or [])]
            length, kind, index = max(texts)
            if length <= 1:
                return  # nothing left to cut: the server's answer will say why
            if kind == 0:
                turns[index]["content"] = halve(turns[index]["content"], may_blank=turns[index]["role"] == "system")
            else:
                assert responses is not None
                responses[index] = halve(responses[index], may_blank=False)

    def min_under_max(self, operation: str, body: dict[str, Any]) -> None:
        for bounds in (body.get("thresholds") or {}).values():
            if not isinstance(bounds, dict):
                continue
            low, high = bounds.get("min"), bounds.get("max")
            if low is not None and high is not None and low > high:
                bounds["min"], bounds["max"] = high, low

    def finite_aggregate(self, operation: str, body: dict[str, Any]) -> None:
        weights = body.get("weights") or {}
        for name, weight in weights.items():
            if abs(weight) > LARGEST_WEIGHT:
                weights[name] = math.copysign(LARGEST_WEIGHT, weight)


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def alternate(turns: Turns, *, last: str) -> None:
    """Roles after an opening system turn set to user, assistant, user, ...; the last turn
    dropped when it is not `last`. The spec already has every such turn hold text."""
    start = 1 if turns[0]["role"] == "system" else 0
    for offset, message in enumerate(turns[start:]):
        message["role"] = ("user", "assistant")[offset % 2]
    if turns[-1]["role"] != last:
        turns.pop()


def halve(text: str, *, may_blank: bool) -> str:
    """About half of `text`; from its first non-whitespace character unless it `may_blank`."""
    if may_blank:
        return text[: len(text) // 2]
    start = len(text) - len(text.lstrip())
    return text[start : start + max(1, (len(text) - start) // 2)]


def body_validators(spec: dict[str, Any]) -> dict[str, Callable[[Any], list[str]]]:
    """Per operation with a JSON body, the errors of a body against the spec's request schema."""
    validators = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                schema = {**body["schema"], "components": spec["components"]}
                validator = jsonschema_rs.Draft202012Validator(schema)
                validators[f"{method.upper()} {path}"] = lambda instance, v=validator: [
                    e.message for e in v.iter_errors(instance)
                ]
    return validators


# --- the campaign ----------------------------------------------------------------------------


def error_body_validator(spec: dict[str, Any]) -> Callable[[Any], list[str]]:
    """Errors of `instance` against the spec's own ErrorResponse schema (empty when valid)."""
    validator = jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/ErrorResponse", "components": spec["components"]}
    )
    return lambda instance: [error.message for error in validator.iter_errors(instance)]


def check_response(campaign: Campaign, case: Case, response: Any, error_errors: Callable[[Any], list[str]]) -> None:
    status = response.status_code
    try:
        case.validate_response(response)  # every check the config enables: all of them
    except FailureGroup as group:
        for failure in group.exceptions:
            kind = "server-error" if status >= 500 else "spec"
            campaign.record(kind, case, status, failure.title, failure.message)
    if status >= 400:
        try:
            body = json.loads(response.content)
        except ValueError:
            campaign.record("error-body", case, status, "error body is not JSON", response.text[:300])
        else:
            errors = error_errors(body)
            if errors:
                campaign.record("error-body", case, status, "error body is not an ErrorResponse", "; ".join(errors))
    elif status == 200 and case.method == "POST" and isinstance(case.body, dict):
        mismatch = answer_mismatch(case.operation.label, case.body, response.json())
        if mismatch:
            campaign.record("answer", case, status, "the answer does not match the request", mismatch)


def answer_mismatch(operation: str, request: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """What is wrong with a 200's results for this request (None when every item is answered once)."""
    results = answer.get("results", [])
    indices = [result["index"] for result in results]
    if operation == "POST /score":
        expected = list(range(len(request["items"])))
        if indices != expected:
            return f"result indices {indices}, expected {expected} (one per item, in order)"
    elif operation == "POST /rank":
        expected = list(range(len(request["responses"])))
        if sorted(indices) != expected:
            return f"result indices {sorted(indices)}, expected a permutation of {expected}"
        aggregates = [result["aggregate"] for result in results]
        if aggregates != sorted(aggregates, reverse=True):
            return f"results not ordered best first: {aggregates}"
        if (answer["chosen"], answer["rejected"]) != (indices[0], indices[-1]):
            return f"chosen/rejected {answer['chosen']}/{answer['rejected']} are not the first/last result"
    for result in results:
        if sorted(result["scores"]) != sorted(answer["attributes"]):
            return f"result {result['index']} scores {sorted(result['scores'])}, expected {answer['attributes']}"
    return None


def run_case(campaign: Campaign, label: str, case: Case, served: Served) -> None:
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and isinstance(case.body, dict):
        operation = case.operation.label
        case.body = served.unsaid.conform(operation, case.body)
        errors = served.validate_body[operation](case.body)
        if errors:
            campaign.record("conform", case, None, "the conformed body is not valid by the spec", "; ".join(errors))
    campaign.add_case(label, case)
    try:
        response = case.call(timeout=CALL_TIMEOUT)
    except requests.Timeout as exc:
        campaign.record("lost", case, None, "no answer in time", str(exc))
        return
    except Exception as exc:  # raised by the app itself: a server answers 500 internal_error
        campaign.record("server-error", case, 500, f"the app raised {type(exc).__name__}", str(exc))
        return
    campaign.statuses[(case.operation.label, response.status_code)] += 1
    check_response(campaign, case, response, served.validate_error)


def has_inputs(operation: Any) -> bool:
    return bool(
        len(operation.body) or operation.query or operation.headers or operation.path_parameters or operation.cookies
    )


def fuzz(campaign: Campaign, served: Served) -> None:
    schema = served.schema
    for result in schema.get_all_operations():
        operation = result.ok()
        # Coverage phase: deterministic, both modes, including methods the spec does not list.
        coverage = schema.config.generation_for(operation=operation, phase="coverage")
        for case in schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=coverage
        ):
            run_case(campaign, "coverage", case, served)
        # Fuzzing phase: hypothesis, derandomized so every run sends the same cases.
        modes = list(GenerationMode) if has_inputs(operation) else [GenerationMode.POSITIVE]
        for mode in modes:
            fuzz_mode(campaign, operation, mode, served)


def fuzz_mode(campaign: Campaign, operation: Any, mode: GenerationMode, served: Served) -> None:
    label = f"fuzz-{mode.value}"

    @settings(max_examples=FUZZ_EXAMPLES.get(operation.label, 1), **FUZZ_SETTINGS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Case) -> None:
        run_case(campaign, label, case, served)

    one()


def app_settings(model_dir: Path, **overrides: Any) -> Settings:
    return Settings(**{"model": model_dir, **overrides})


@dataclass
class Served:
    """The app with its lifespan running, its schema as schemathesis loaded it, and the spec."""

    app: Any
    schema: Any
    spec: dict[str, Any]
    ready: bool
    unsaid: Unsaid
    validate_error: Callable[[Any], list[str]] = field(init=False)  # ErrorResponse errors of a body
    validate_body: dict[str, Callable[[Any], list[str]]] = field(init=False)  # request body errors, per operation

    def __post_init__(self) -> None:
        self.validate_error = error_body_validator(self.spec)
        self.validate_body = body_validators(self.spec)

    def documented(self, method: str, path: str) -> set[int]:
        return {int(code) for code in self.spec["paths"][path][method.lower()]["responses"]}


@pytest.fixture(scope="module")
def served(checkpoint: CheckpointFactory) -> Iterator[Served]:
    """One app for the module, its lifespan running from the first request to the last."""
    model_dir: Path = checkpoint("llama")
    app: Any = create_app(app_settings(model_dir, **LIMITS))  # Any: schemathesis types ASGI apps narrowly
    config = schemathesis.Config.from_dict(
        {
            "seed": 0,
            "checks": {
                "negative_data_rejection": {"expected-statuses": REJECTION_STATUSES},
                "positive_data_acceptance": {"expected-statuses": ACCEPTANCE_STATUSES},
            },
        }
    )
    # Loading the schema through the app starts its lifespan (schemathesis keeps it running
    # for every later call to this app); it ends in `shutdown_lifespans` below.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    try:
        with asgi.get_client(app) as client:
            deadline = time.monotonic() + 60
            while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.02)
            ready = client.get("/ready").status_code == 200
            spec = client.get("/openapi.json").json()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)  # the server's own, with its chat template

        def tokens(turns: Turns) -> int:
            return len(chat_ids(tokenizer, turns))

        unsaid = Unsaid(LIMITS["max_chars_per_item"], LIMITS["max_tokens_per_item"], tokens)
        yield Served(app, schema, spec, ready, unsaid)
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def isolated_generation() -> Iterator[None]:
    """While active, hypothesis draws no constants from the source of imported modules.

    Hypothesis sometimes draws a literal collected from every local, non-test module in
    `sys.modules`, so what it generates would depend on which modules were imported before
    (by other test modules, in collection order) and on their current source. Hypothesis has
    no setting for this, so its private hook is replaced; should the hook move, `setattr`
    fails here rather than letting the dependence back in silently.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(providers, "_get_local_constants", Constants)  # an empty set of constants
        providers.CONSTANTS_CACHE.cache.clear()  # pools already built from the modules' constants
        try:
            yield
        finally:
            providers.CONSTANTS_CACHE.cache.clear()  # pools built without them


@pytest.fixture(scope="module")
def campaign(served: Served, isolated_generation: None) -> Campaign:
    """Run the whole fuzzing campaign once; the tests below assert on what it collected."""
    result = Campaign(ready_before=served.ready)
    if served.ready:
        started = time.perf_counter()
        fuzz(result, served)
        result.seconds = time.perf_counter() - started
    engine = served.app.state.runtime.service.engine
    result.engine_running_after = engine is not None and engine.running
    print("\nschema fuzzing:", result.summary())
    print("positive bodies brought within the spec's unsaid rules:", dict(served.unsaid.changed))
    return result


# --- assertions on the campaign --------------------------------------------------------------


def test_the_spec_lists_every_route(checkpoint: CheckpointFactory) -> None:
    """Fuzzing covers the spec's operations; a new route must be added to OPERATIONS (and fuzzed)."""
    spec = create_app(app_settings(checkpoint("llama"))).openapi()
    labels = {f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods}
    assert labels == set(OPERATIONS)
    assert {path for path in spec["paths"]} == set(ROUTES)


def test_the_app_was_ready_and_stayed_up(campaign: Campaign) -> None:
    assert campaign.ready_before, "/ready never turned 200: the lifespan did not start the engine"
    assert campaign.engine_running_after, "the engine stopped during the campaign"


def test_every_route_was_fuzzed_with_at_least_1000_cases_in_all(campaign: Campaign) -> None:
    per_operation = Counter[str]()
    for (operation, _), n in campaign.cases.items():
        per_operation[operation] += n
    assert set(per_operation) == set(OPERATIONS), campaign.summary()
    for operation, examples in FUZZ_EXAMPLES.items():
        # Hypothesis stops early only when it has exhausted a strategy; these never are.
        assert per_operation[operation] >= 2 * examples, campaign.summary()
    assert campaign.total >= MIN_CASES, campaign.summary()
    # Not everything was refused: real scoring happened on both scoring routes.
    assert campaign.statuses[("POST /score", 200)] > 0, campaign.summary()
    assert campaign.statuses[("POST /rank", 200)] > 0, campaign.summary()


def test_no_case_gets_a_server_error_or_goes_unanswered(campaign: Campaign) -> None:
    problems = campaign.of_kind("server-error") + campaign.of_kind("lost")
    assert not problems, describe(problems)


def test_every_response_conforms_to_the_spec(campaign: Campaign) -> None:
    """Status documented for the route, content type, body schema, invalid data rejected."""
    problems = campaign.of_kind("spec")
    assert not problems, describe(problems)


def test_every_schemathesis_check_is_on(served: Served) -> None:
    """All of schemathesis' checks run on every response, valid data's acceptance included."""
    load_all_checks()
    names = set(CHECKS.get_all_names())
    assert {"positive_data_acceptance", "negative_data_rejection", "not_a_server_error"} <= names
    config = served.schema.config.checks_config_for()
    assert {name for name in names if not config.get_by_name(name=name).enabled} == set()
    assert config.positive_data_acceptance.expected_statuses == ACCEPTANCE_STATUSES


def test_positive_bodies_stay_valid_by_the_spec_once_conformed(campaign: Campaign) -> None:
    """Bringing a body within the rules the spec only describes never takes it outside the spec."""
    problems = campaign.of_kind("conform")
    assert not problems, describe(problems)


def test_every_error_body_is_an_error_response(campaign: Campaign) -> None:
    """Documented status or not (405, 400, ...), a client sees the one stable error body."""
    problems = campaign.of_kind("error-body")
    assert not problems, describe(problems)


def test_every_scored_request_is_answered_item_for_item(campaign: Campaign) -> None:
    problems = campaign.of_kind("answer")
    assert not problems, describe(problems)


# --- what the cases depend on ------------------------------------------------------------------


def test_fuzz_settings_name_every_hypothesis_setting() -> None:
    """No setting is left to the profile loaded when the campaign runs."""
    names = set(inspect.signature(settings).parameters) - {"parent"}
    assert names == {*FUZZ_SETTINGS, "max_examples"}


# Literals of the kinds hypothesis collects from a module's source (short strings, floats,
# integers outside -99..99), in numbers it would draw from often.
PROBE_SOURCE = "PROBE = (\n" + "".join(f'    "probe {i}", {i / 7 + 0.5}, {1000 + i},\n' for i in range(300)) + ")\n"


def draw_cases(operation: Any, mode: GenerationMode, examples: int) -> list[str]:
    """What the campaign's fuzzing phase would send for `operation`, first `examples` cases."""
    sent: list[str] = []

    @settings(max_examples=examples, **FUZZ_SETTINGS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Case) -> None:
        sent.append(repr(case_key("probe", case)))

    one()
    return sent


def test_generated_cases_do_not_depend_on_imported_modules(
    served: Served, isolated_generation: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the campaign's isolation, importing one more module full of literals (as another
    test module importing `bench` first would) changes none of the cases generated. Without
    it, these positive-mode cases do change (negative mode draws few such literals, so it
    would not show the difference)."""
    operation = next(result.ok() for result in served.schema.get_all_operations() if result.ok().label == "POST /score")
    mode = GenerationMode.POSITIVE
    before = draw_cases(operation, mode, 60)
    assert len(set(before)) > 30, "the probe needs varied cases"
    path = tmp_path / "fuzz_probe_constants.py"
    path.write_text(PROBE_SOURCE)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, path.stem, module)  # removed again after the test
    assert draw_cases(operation, mode, 60) == before


# --- hand-picked hostile bodies -----------------------------------------------------------------

# Inputs the generator does not produce: hypothesis draws no lone surrogates (which JSON's
# \uXXXX escapes can spell), schemathesis sends UTF-8 only, and nesting stays shallow. Each
# must get a documented, non-5xx status and, for an error, an ErrorResponse body.
SCORE_OK = '"items": [{"prompt": "Hi", "response": "Hello"}]'
HOSTILE: dict[str, tuple[str, bytes]] = {
    "body not UTF-8": ("/score", b"\xff\xfe{"),
    "JSON in Latin-1": ("/score", '{"items": [{"prompt": "café", "response": "oui"}]}'.encode("latin-1")),
    "JSON nested 1500 deep": ("/score", b'{"items": ' + b"[" * 1500 + b"]" * 1500 + b"}"),
    "lone surrogate in a response": ("/score", b'{"items": [{"prompt": "Hi", "response": "a\\ud800b"}]}'),
    "lone surrogate in a prompt": ("/score", b'{"items": [{"prompt": "\\udfff", "response": "ok"}]}'),
    "lone surrogate in messages": (
        "/score",
        b'{"items": [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "\\ud83d"}]}]}',
    ),
    "lone surrogate in /rank responses": ("/rank", b'{"prompt": "Hi", "responses": ["a\\ud800", "b"]}'),
    "lone surrogate in a thresholds name": (
        "/score",
        b"{" + SCORE_OK.encode() + b', "thresholds": {"\\ud800": {"min": 1}}}',
    ),
    "lone surrogate in a /rank thresholds name": (
        "/rank",
        b'{"prompt": "Hi", "responses": ["a", "b"], "thresholds": {"\\udc00": {"max": 1}}}',
    ),
    "lone surrogate in a weights name": ("/score", b"{" + SCORE_OK.encode() + b', "weights": {"\\ud800": 1}}'),
    "NUL characters": ("/score", b'{"items": [{"prompt": "\\u0000", "response": "a\\u0000b"}]}'),
    "UTF-16 with BOM": ("/score", ("{" + SCORE_OK + "}").encode("utf-16")),
    "NaN weight": ("/score", b"{" + SCORE_OK.encode() + b', "weights": {"helpfulness": NaN}}'),
    "threshold 1e400": ("/score", b"{" + SCORE_OK.encode() + b', "thresholds": {"aggregate": {"min": 1e400}}}'),
    "empty body": ("/score", b""),
    "JSON null": ("/rank", b"null"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_body_gets_a_documented_client_error_or_a_score(served: Served, name: str) -> None:
    path, body = HOSTILE[name]
    assert served.ready
    with asgi.get_client(served.app) as client:
        try:
            response = client.post(path, data=body, headers={"content-type": "application/json"}, timeout=CALL_TIMEOUT)
        except requests.Timeout:
            pytest.fail(f"{name}: no answer within {CALL_TIMEOUT:g} s")
        except Exception as exc:  # raised by the app: a real server answers 500 internal_error
            pytest.fail(f"{name}: POST {path} -> 500 (the app raised {type(exc).__name__}: {exc}); body {body!r:.200}")
    status = response.status_code
    assert status < 500, f"{name}: POST {path} -> {status} {response.text[:300]}; body {body!r:.200}"
    assert status in served.documented("POST", path), (
        f"{name}: POST {path} -> {status}, documented {sorted(served.documented('POST', path))}: "
        f"{response.text[:300]}; body {body!r:.200}"
    )
    if status >= 400:
        assert not served.validate_error(response.json()), response.text
