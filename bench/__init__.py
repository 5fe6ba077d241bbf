"""Benchmarks for reward_service: `python -m bench.run` (see BENCHMARKS.md)."""
