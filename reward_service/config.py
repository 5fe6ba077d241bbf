"""The one settings object. Environment variables use the `REWARD_SERVICE_` prefix (for example
`REWARD_SERVICE_MAX_BATCH_TOKENS=4096`); every field is also a `reward-service serve` flag
(`--max-batch-tokens 4096`). Nothing here is read at import time."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, FiniteFloat, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Weight quantization of the backbone: none, or dynamic int8 (CPU and float32 only).
Quantize = Literal["none", "int8"]
DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def quantize_problem(quantize: str, device: str, dtype: str) -> str | None:
    """Why `quantize` cannot run on `device` (`cpu`, `cuda:1`) in `dtype` (a Settings dtype or a
    torch dtype's name), saying what to change; None when it can. The one place of this rule."""
    if quantize == "none":
        return None
    if quantize != "int8":
        return f"quantize {quantize!r} is not one of 'none', 'int8'"
    on_cpu = device.split(":")[0] == "cpu"
    name = DTYPE_ALIASES.get(dtype, dtype)
    if on_cpu and name in ("auto", "float32"):
        return None
    problem = f"quantize int8 runs on the CPU with float32 weights only (device {device!r}, dtype {dtype!r}): "
    if not on_cpu:
        return problem + (
            f"its kernels are CPU kernels, so it runs on the CPU only, not on {device}. "
            "Use --device cpu, or drop --quantize"
        )
    return problem + (
        f"it quantizes from float32 and computes around the int8 matmuls in float32, so it needs float32 "
        f"weights, not {name}. Use --dtype float32 (or auto), or drop --quantize"
    )


# Rows sharing this many leading tokens are worth a separate pass over that prefix. Measured on
# the default model (BENCHMARKS.md): the 24-token system turn its chat template puts in front of
# every conversation already pays for itself, so the line sits below typical system turns.
DEFAULT_SHARED_PREFIX_MIN_TOKENS = 16


def cpu_quota(cgroup_root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs the cgroup quota allows (`docker run --cpus 2` gives 2.0), or None when unlimited.

    cgroup v2 keeps the quota in `cpu.max` ("200000 100000", or "max 100000"); v1 in
    `cpu/cpu.cfs_quota_us` (-1: none) over `cpu/cpu.cfs_period_us`.
    """
    try:
        quota, period = (cgroup_root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for folder in ("cpu", "cpu,cpuacct"):
        try:
            quota_us = int((cgroup_root / folder / "cpu.cfs_quota_us").read_text())
            period_us = int((cgroup_root / folder / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    return None


def available_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: its affinity set, capped by its cgroup's quota.

    `sched_getaffinity` alone counts every core of a container's host. A fractional quota is
    rounded down (1.5 CPUs: one thread per whole CPU), and there is always at least one.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cpu_quota(cgroup_root)
    if quota is not None:
        cpus = min(cpus, math.floor(quota))
    return max(1, cpus)


def _default_threads() -> int:
    # Scoring is matmul-bound: one thread per core; more only adds contention.
    return available_cpus()


class Settings(BaseSettings):
    """Server, model and limit settings."""

    model_config = SettingsConfigDict(env_prefix="REWARD_SERVICE_", extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Address to bind. The default keeps the service local.")
    port: int = Field(8000, ge=0, le=65535, description="Port to listen on.")
    model: Path | None = Field(None, description="Checkpoint directory to serve.")
    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:1, ...")
    device_map: Literal["auto"] | None = Field(
        None,
        description="auto: place the model across this machine's GPUs with accelerate, for a model larger than "
        "one (--device is then unused); off by default.",
    )
    tensor_parallel: bool = Field(
        False,
        description="Shard the model across the processes of a torchrun launch (one per GPU): "
        "torchrun --nproc-per-node N -m reward_service.cli serve --tensor-parallel. Rank 0 serves.",
    )
    max_memory: dict[str, str] | None = Field(
        None,
        description="With --device-map: memory per device (GPU index or cpu), as JSON, e.g. "
        '{"0": "70GiB", "1": "70GiB", "cpu": "100GiB"}.',
    )
    dtype: Literal["auto", "float32", "fp32", "bfloat16", "bf16", "float16", "fp16", "bf16-mixed"] = Field(
        "auto",
        description="Weights and compute dtype; auto is float32 on CPU and bfloat16 on GPU. bf16-mixed: float32 "
        "weights, residual stream, norms and head, with matmuls in bfloat16 (autocast).",
    )
    quantize: Quantize = Field(
        "none",
        description="int8: the backbone's linear layers in dynamic int8 (CPU and float32 only). About 2.4x "
        "faster, but scores move: the default model loses most of its accuracy (python -m bench.precision).",
    )
    threads: int = Field(default_factory=_default_threads, ge=1, description="torch threads for the model.")
    weights: dict[str, FiniteFloat] | None = Field(
        None, description='Aggregate weights overriding the model\'s, as JSON: {"helpfulness": 1.0}.'
    )

    max_batch_tokens: int = Field(8192, ge=1, description="Padded tokens (rows x longest row) per forward pass.")
    max_batch_size: int = Field(64, ge=1, description="Rows per forward pass.")
    max_padding: float = Field(0.1, ge=0, le=1, description="Padding share a length-grouped batch may carry.")
    shared_prefix_min_tokens: int = Field(
        DEFAULT_SHARED_PREFIX_MIN_TOKENS,
        ge=0,
        description="Rows sharing at least this many leading tokens run that prefix once (best-of-N); 0: off.",
    )
    max_wait_ms: float = Field(2.0, ge=0, description="How long the oldest queued item waits for company.")
    queue_depth: int = Field(4096, ge=1, description="Items that may wait in the queue; beyond it, 429.")
    max_queue_tokens: int = Field(1_048_576, ge=1, description="Tokens that may wait in the queue; beyond it, 429.")
    max_items_per_request: int = Field(1024, ge=1, description="Items one /score request may carry.")
    max_tokens_per_item: int = Field(4096, ge=1, description="Token limit per item (capped by the model's).")
    max_chars_per_item: int = Field(200_000, ge=1, description="Characters of text per item, checked first.")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="Request body size limit; beyond it, 413.")
    request_timeout_s: float = Field(300.0, gt=0, description="Deadline for a request, queueing included; then 504.")
    cache_size: int = Field(
        65536,
        ge=0,
        description="Results kept for exact repeats (the same token ids read at the same position, by this "
        "model), least recently used dropped first; a repeat is answered without the model. 0: off.",
    )
    cache_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Memory the result cache may hold (its keys' token ids, its scores and their bookkeeping); "
        "an entry larger than this alone is not kept. 0: off.",
    )

    # Lists arrive as text from flags and the environment (NoDecode); `_comma_separated` parses them.
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description='Accepted bearer API keys, as JSON (["k1","k2"]) or comma-separated.'
    )
    api_key_file: Path | None = Field(None, description="File with one accepted API key per line.")
    protect_metrics: bool = Field(False, description="Require an API key for /metrics too.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (CORS); none by default."
    )

    served_model_names: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Other names the model answers to on the OpenAI-compatible routes (/v1/chat/completions, "
        "/v1/models) besides its own, e.g. nvidia/nemotron-4-340b-reward for code written for that model. "
        'As JSON (["a","b"]) or comma-separated; the flag --served-model-name takes one and may be repeated.',
    )

    allow_pickle: bool = Field(False, description="Load pickle weights (.bin/.pt). They can run arbitrary code.")
    trust_remote_code: bool = Field(False, description="Run Python code shipped in the model directory.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field("info", description="Log level.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or one JSON object per line (time, level, logger, message, request_id) "
        "for log shippers.",
    )

    @field_validator("api_keys", "cors_origins", "served_model_names", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("served_model_names")
    @classmethod
    def _names_not_blank(cls, value: list[str]) -> list[str]:
        names = [name.strip() for name in value]
        if not all(names):
            raise ValueError("a served model name is empty: give each alias as non-blank text")
        return list(dict.fromkeys(names))

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        # Checked here too, so a bad combination fails before anything loads.
        problem = quantize_problem(self.quantize, self.device, self.dtype)
        if problem is not None:
            raise ValueError(problem)
        if self.device_map is not None and self.quantize != "none":
            raise ValueError("quantize int8 runs on one CPU and cannot be combined with device_map")
        if self.tensor_parallel and (self.device_map is not None or self.quantize != "none"):
            raise ValueError("tensor_parallel shards the model itself: drop device_map and quantize")
        if self.max_memory is not None and self.device_map is None:
            raise ValueError("max_memory applies with device_map only: add --device-map auto")
        if self.max_tokens_per_item > self.max_batch_tokens:
            raise ValueError(
                f"max_tokens_per_item ({self.max_tokens_per_item}) must not exceed max_batch_tokens "
                f"({self.max_batch_tokens}), or a maximal item could never be scored"
            )
        if self.max_items_per_request > self.queue_depth:
            raise ValueError(
                f"max_items_per_request ({self.max_items_per_request}) must not exceed queue_depth ({self.queue_depth})"
            )
        return self
