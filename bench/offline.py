"""In-process measurements: the machine's matmul peak, our scoring path and two baselines.

Every method scores the same token rows with the same weights and returns a `Measurement`:
useful tokens (the rows' own), computed tokens (rows x padded width, summed over forward
passes) and wall time. Throughput is useful tokens per second; padding share is the part
of the computed tokens that was padding; MFU relates useful work to the measured peak.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import torch
from transformers import PreTrainedModel

from reward_service.engine import BatchPlan, BatchStats, EngineLimits, Row, pack
from reward_service.engine.select import prefix_key, select
from reward_service.model.scorer import Scorer
from reward_service.service import start_engine

Rows = Sequence[Sequence[int]]
T = TypeVar("T")
HF_LOOP = "transformers, one item at a time"
NAIVE = "arrival-order batches, pad to longest"
OURS = "ours: BatchingEngine + Scorer"
CPU = torch.device("cpu")


@dataclass(frozen=True)
class ModelShape:
    """What the FLOP estimate needs: matmul parameters and the attention width per layer."""

    non_embedding_params: int
    layers: int
    attention_width: int  # heads x head dim (the hidden size for most models)

    @classmethod
    def of(cls, model: PreTrainedModel) -> ModelShape:
        config = model.config.get_text_config()
        embedding = model.get_input_embeddings()
        assert isinstance(embedding, torch.nn.Module)
        total = sum(p.numel() for p in model.parameters())
        embedding_params = sum(p.numel() for p in embedding.parameters())
        heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        return cls(total - embedding_params, config.num_hidden_layers, heads * head_dim)

    def row_flops(self, length: int) -> float:
        """Forward FLOPs of one row: 2 x params per token, plus 4 x layers x length x width per
        token for attention scores and values (the usual estimate: full, not causal-halved)."""
        return length * (2.0 * self.non_embedding_params + 4.0 * self.layers * length * self.attention_width)


@dataclass(frozen=True)
class Measurement:
    workload: str
    method: str
    rows: int
    tokens: int  # the rows' own tokens
    computed_tokens: int  # rows x padded width, over every forward pass (a shared prefix once)
    seconds: float
    useful_flops: float  # of the rows' own tokens, computed or reused
    reused_tokens: int = 0  # tokens of shared prefixes not recomputed for the second row on

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def pad_share(self) -> float:
        """Padding / computed tokens (0 = no padding)."""
        return 1 - (self.tokens - self.reused_tokens) / self.computed_tokens if self.computed_tokens else 0.0

    def mfu(self, peak_flops: float) -> float:
        return self.useful_flops / self.seconds / peak_flops if self.seconds > 0 and peak_flops > 0 else 0.0

    def as_dict(self, peak_flops: float) -> dict[str, Any]:
        return {
            **asdict(self),
            "tokens_per_s": self.tokens_per_s,
            "pad_share": self.pad_share,
            "mfu": self.mfu(peak_flops),
        }


def on_worker(fn: Callable[[], T]) -> T:
    """Run `fn` on a fresh thread and return its result.

    The server does its torch work on the engine's worker thread, not the main thread, and
    OpenMP thread teams behave differently per calling thread (on a busy machine the main
    thread's team was seen to be far slower). Every method runs on a worker thread, so they
    are compared on equal terms with each other and with the server.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench") as pool:
        return pool.submit(fn).result()


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (GPU kernels run asynchronously); nothing on the CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(n: int, repeats: int, *, device: torch.device = CPU, dtype: torch.dtype = torch.float32) -> float:
    """Best-of-`repeats` FLOP/s of an n x n matmul in `dtype` on `device`, at the current thread count."""
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)

    def best_seconds() -> float:
        torch.mm(a, b)  # warm-up: allocation and the BLAS thread pool
        synchronize(device)
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            torch.mm(a, b)  # [n, n]
            synchronize(device)
            best = min(best, time.perf_counter() - started)
        return best

    return 2.0 * n**3 / on_worker(best_seconds)


def _timed(
    workload: str,
    method: str,
    rows: Rows,
    shape: ModelShape,
    run: Callable[[], int],
    *,
    warmup: Callable[[], object],
    device: torch.device = CPU,
) -> Measurement:
    """Run `warmup`, then time `run` (which returns the computed tokens), on a worker thread;
    work queued on `device` is waited for on both sides of the timing."""

    def measure() -> tuple[int, float]:
        with torch.inference_mode():
            warmup()
            synchronize(device)
            started = time.perf_counter()
            computed = run()
            synchronize(device)
            return computed, time.perf_counter() - started

    computed, seconds = on_worker(measure)
    flops = sum(shape.row_flops(len(row)) for row in rows)
    return Measurement(workload, method, len(rows), sum(map(len, rows)), computed, seconds, flops)


def _padded(rows: Rows, fill: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), fill, dtype=torch.long)  # [B, T]
    mask = torch.zeros((len(rows), width), dtype=torch.long)  # [B, T]
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.as_tensor(list(row))
        mask[i, : len(row)] = 1
    return ids.to(device), mask.to(device)


def hf_loop(workload: str, model: PreTrainedModel, rows: Rows, shape: ModelShape) -> Measurement:
    """Baseline (a): transformers' own forward, one item at a time, no padding."""

    device = model.device

    def run() -> int:
        for row in rows:
            model(input_ids=torch.tensor([list(row)], device=device))  # logits [1, L]
        return sum(map(len, rows))

    def warmup() -> None:
        model(input_ids=torch.tensor([list(rows[0][:64])], device=device))

    return _timed(workload, HF_LOOP, rows, shape, run, warmup=warmup, device=device)


def naive_batches(
    workload: str, model: PreTrainedModel, rows: Rows, shape: ModelShape, *, batch_size: int, fill: int
) -> Measurement:
    """Baseline (b): fixed-size batches in arrival order, each padded to its longest item."""

    def run() -> int:
        computed = 0
        for start in range(0, len(rows), batch_size):
            ids, mask = _padded(rows[start : start + batch_size], fill, model.device)
            model(input_ids=ids, attention_mask=mask)  # logits [B, L]
            computed += ids.numel()
        return computed

    def warmup() -> None:
        ids, mask = _padded(rows[:batch_size], fill, model.device)
        model(input_ids=ids[:, :64], attention_mask=mask[:, :64])

    return _timed(workload, f"{NAIVE} ({batch_size} per batch)", rows, shape, run, warmup=warmup, device=model.device)


def engine_path(
    workload: str,
    scorer: Scorer,
    rows: Rows,
    shape: ModelShape,
    limits: EngineLimits,
    *,
    one_request: bool = False,
    keep: list[torch.Tensor] | None = None,
) -> Measurement:
    """Ours: the server's engine (`service.start_engine`) on the rows, every row its own request
    arriving all at once, or all of them in one request (`one_request`, as /rank sends them).

    As in the server, the engine is started and warmed up on its own worker thread before the
    timing, which covers the submission until the last score is back (a first forward on a
    fresh thread pays for its OpenMP team). Computed tokens are what the engine's batches ran
    (shared prefixes counted once); the scores are appended to `keep` when given.
    """
    batches: list[BatchStats] = []
    queued = [scorer.row(row) for row in rows]

    async def submit() -> float:
        engine = start_engine(scorer, limits, on_batch=batches.append)
        try:
            await engine.score([scorer.row(rows[0][:64])])
            batches.clear()
            started = time.perf_counter()
            if one_request:
                scores = await engine.score(queued)
            else:
                scores = [score for [score] in await asyncio.gather(*(engine.score([row]) for row in queued))]
            seconds = time.perf_counter() - started
            if keep is not None:
                keep.append(torch.tensor(scores))  # [N, L]
            return seconds
        finally:
            await asyncio.to_thread(engine.stop)

    seconds = on_worker(lambda: asyncio.run(submit()))
    return Measurement(
        workload,
        OURS,
        len(rows),
        sum(map(len, rows)),
        sum(stats.computed_tokens for stats in batches),
        seconds,
        sum(shape.row_flops(len(row)) for row in rows),
        reused_tokens=sum(stats.reused_tokens for stats in batches),
    )


def plain_batched(
    workload: str, scorer: Scorer, rows: Rows, shape: ModelShape, max_batch_tokens: int, keep: list[torch.Tensor]
) -> Measurement:
    """Best-of-N without prefix sharing: the Scorer on the full rows, packed under the token budget.

    The scores are appended to `keep`, to check them against the shared path's.
    """
    queued = [scorer.row(row) for row in rows]
    chunks = pack([len(row) for row in rows], max_tokens=max_batch_tokens)
    computed = sum(len(chunk) * max(len(rows[i]) for i in chunk) for chunk in chunks)

    def run() -> int:
        scores = torch.empty(len(rows), scorer.num_labels)  # [N, L]
        for chunk in chunks:
            scores[chunk] = scorer.score(BatchPlan.one_pass([queued[i] for i in chunk]))  # [b, L]
        keep.append(scores)
        return computed

    return _timed(workload, "plain batched", rows, shape, run, warmup=lambda: scorer.score_ids(rows[:2]))


@dataclass(frozen=True)
class _Queued:
    row: Row
    prefix_key: int | None


def plan_all(rows: Sequence[Row], limits: EngineLimits) -> list[tuple[list[int], BatchPlan, list[int]]]:
    """Every row planned into batches as the engine takes them from a queue holding them all,
    in order: for each batch, the indices into `rows`, the plan, and each row's slot in it."""
    pending = [_Queued(row, prefix_key(row, limits.shared_prefix_min_tokens)) for row in rows]
    order = list(range(len(rows)))
    batches = []
    while pending:
        taken, plan, slot = select(pending, limits)
        batches.append(([order[i] for i in taken], plan, slot))
        chosen = set(taken)
        pending = [item for i, item in enumerate(pending) if i not in chosen]
        order = [index for i, index in enumerate(order) if i not in chosen]
    return batches


def shared_prefix(
    workload: str, scorer: Scorer, rows: Rows, shape: ModelShape, limits: EngineLimits, keep: list[torch.Tensor]
) -> Measurement:
    """Best-of-N planned as the engine plans it (`plan_all`: the prompt computed once) and run on
    the Scorer directly, without a queue; scores appended to `keep`."""
    planned = plan_all([scorer.row(row) for row in rows], limits)
    computed = sum(plan.computed_tokens for _, plan, _ in planned)

    def run() -> int:
        scores = torch.empty(len(rows), scorer.num_labels)  # [N, L]
        for taken, plan, slot in planned:
            scores[taken] = scorer.score(plan)[slot]
        keep.append(scores)
        return computed

    return _timed(workload, "shared prefix", rows, shape, run, warmup=lambda: scorer.score_ids(rows[:2]))


def attention_impl(
    workload: str, model: PreTrainedModel, scorer: Scorer, rows: Rows, shape: ModelShape, impl: str
) -> Measurement:
    """The Scorer on long rows with the model switched to attention `impl` ("sdpa" or "eager")."""
    previous = model.config._attn_implementation
    model.set_attn_implementation(impl)
    try:

        def run() -> int:
            for row in rows:
                scorer.score_ids([row])
            return sum(map(len, rows))

        return _timed(workload, f"attention: {impl}", rows, shape, run, warmup=lambda: scorer.score_ids([rows[0][:64]]))
    finally:
        model.set_attn_implementation(previous)
