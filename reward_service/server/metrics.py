"""Prometheus metrics, kept in a registry per app so several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ..engine import BatchStats

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_PHASE_BUCKETS = (0.0005, 0.001, 0.0025, *_LATENCY_BUCKETS)
# A request's phases, each timed once per scored request (as TEI reports them).
PHASES = ("tokenize", "queue", "inference")
_ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
_TOKEN_BUCKETS = (16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "reward_requests", "HTTP requests by route and status code.", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "reward_request_seconds",
            "HTTP request latency.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.phase = Histogram(
            "reward_request_phase_seconds",
            "Time a scored request spent in each phase: tokenize (chat template and tokenizer), queue "
            "(waiting for its first batch) and inference (from there until its last row was scored).",
            ["phase"],
            buckets=_PHASE_BUCKETS,
            registry=self.registry,
        )
        for phase in PHASES:
            self.phase.labels(phase)  # every phase is exported from the start, at zero
        self.batch_rows = Histogram(
            "reward_batch_rows", "Rows per forward pass.", buckets=_ROW_BUCKETS, registry=self.registry
        )
        self.batch_tokens = Histogram(
            "reward_batch_computed_tokens",
            "Tokens computed per batch: rows x longest row, or a shared prefix once plus rows x longest suffix.",
            buckets=_TOKEN_BUCKETS,
            registry=self.registry,
        )
        self.tokens_reused = Counter(
            "reward_tokens_reused",
            "Real tokens not computed: prefixes shared by rows of a batch, and repeated rows.",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "reward_batch_seconds", "Forward pass time per batch.", buckets=_LATENCY_BUCKETS, registry=self.registry
        )
        self.tokens = Counter("reward_tokens_scored", "Real (unpadded) tokens scored.", registry=self.registry)
        self.items = Counter("reward_items_scored", "Items scored.", registry=self.registry)
        self.queue_depth = Gauge("reward_queue_depth", "Items waiting in the queue.", registry=self.registry)
        self.queue_tokens = Gauge("reward_queue_tokens", "Tokens waiting in the queue.", registry=self.registry)
        self.cache_hits = Counter(
            "reward_cache_hits",
            "Items answered from the result cache (an exact repeat: same token ids, same read position).",
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "reward_cache_misses",
            "Items looked up in the result cache and not found (copies within a request are computed once).",
            registry=self.registry,
        )
        self.cache_entries = Gauge("reward_cache_entries", "Results held by the result cache.", registry=self.registry)
        self.cache_bytes = Gauge(
            "reward_cache_bytes", "Memory held by the result cache's entries, in bytes.", registry=self.registry
        )

    def observe_batch(self, stats: BatchStats) -> None:
        self.batch_rows.observe(stats.rows)
        self.batch_tokens.observe(stats.computed_tokens)
        self.tokens_reused.inc(stats.reused_tokens)
        self.batch_seconds.observe(stats.seconds)
        self.tokens.inc(stats.tokens)
        self.items.inc(stats.rows)

    def observe_phase(self, phase: str, seconds: float) -> None:
        self.phase.labels(phase).observe(seconds)

    def track_queue(self, depth: Callable[[], float], tokens: Callable[[], float]) -> None:
        self.queue_depth.set_function(depth)
        self.queue_tokens.set_function(tokens)

    def observe_cache(self, hits: int, misses: int) -> None:
        self.cache_hits.inc(hits)
        self.cache_misses.inc(misses)

    def track_cache(self, entries: Callable[[], float], size: Callable[[], float]) -> None:
        self.cache_entries.set_function(entries)
        self.cache_bytes.set_function(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)
