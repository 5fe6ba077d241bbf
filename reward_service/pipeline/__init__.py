"""Data pipelines: score, filter and rank JSONL (or Parquet) files of LLM responses.

`reward-service score|filter|rank` (see `commands.py`) run `run_pipeline` on a backend: the
model in this process (`local.py`, the server's own engine and service) or a running server
(`remote.py`, through `reward_service.client`). Both give the same output.
"""

from __future__ import annotations

from .backends import Backend, ScoringOptions
from .errors import PipelineError, UsageError
from .runner import RunOptions, run_pipeline
from .summary import Report, format_report
from .units import Fields

__all__ = [
    "Backend",
    "Fields",
    "PipelineError",
    "Report",
    "RunOptions",
    "ScoringOptions",
    "UsageError",
    "format_report",
    "run_pipeline",
]
