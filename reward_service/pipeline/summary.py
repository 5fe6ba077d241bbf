"""What a run's output holds, for the summary printed at its end: counts, and each score's
distribution. After `--resume` these cover what the earlier runs wrote too (read back by
`render.count_written`), so they are those of one run that was never interrupted.

Distributions keep at most SAMPLE values per score (a uniform reservoir sample with a fixed
seed), so memory stays flat however long the input: statistics are exact up to SAMPLE records
and estimated from the sample beyond (mean, min and max are always exact).
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

SAMPLE = 100_000
QUANTILES = (0.1, 0.5, 0.9)


# Summary lines per command: label, count key, output role the count went to.
ROWS: dict[str, list[tuple[str, str, str | None]]] = {
    "score": [("scored", "scored", "output"), ("passed", "passed", None), ("not passed", "rejected", None)],
    "filter": [("kept", "kept", "output"), ("rejected", "rejected", "rejected")],
    "rank": [
        ("ranked", "ranked", "output"),
        ("prompts", "groups", None),
        ("pairs", "pairs", "pairs"),
        ("below min gap", "below_min_gap", None),
    ],
}


class Distribution:
    """Running count, mean, min, max and a bounded sample for quantiles."""

    def __init__(self, sample: int = SAMPLE, seed: int = 0) -> None:
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf
        self._capacity = sample
        self._sample = array("d")
        self._random = random.Random(seed)

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        if len(self._sample) < self._capacity:
            self._sample.append(value)
        else:
            slot = self._random.randrange(self.count)
            if slot < self._capacity:
                self._sample[slot] = value

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else math.nan

    def quantile(self, q: float) -> float:
        """Linear interpolation between the two nearest ranks (numpy's default method)."""
        values = sorted(self._sample)
        if not values:
            return math.nan
        rank = (len(values) - 1) * q
        below = math.floor(rank)
        above = min(below + 1, len(values) - 1)
        return values[below] + (values[above] - values[below]) * (rank - below)


@dataclass
class Report:
    """Counts and score distributions of the whole output; tokens and seconds of this run alone."""

    command: str
    unit: str  # "line" or "row"
    counts: Counter[str] = field(default_factory=Counter)
    scores: dict[str, Distribution] = field(default_factory=dict)
    tokens: int = 0
    resumed_after: int = 0  # records an earlier run had finished, counted in `counts` too
    stopped: str | None = None  # why the run stopped early, naming the line
    seconds: float = 0.0

    def observe(self, scores: Mapping[str, float], aggregate: float, tokens: int) -> None:
        for name, value in (*scores.items(), ("aggregate", aggregate)):
            self.scores.setdefault(name, Distribution()).add(value)
        self.tokens += tokens


def format_report(report: Report, outputs: Mapping[str, str]) -> str:
    """The summary: one line of counts per output, then a table of score distributions."""
    c = report.counts
    now = c["records"] - report.resumed_after  # the rates are this run's
    lines = [f"reward-service {report.command}: {c['records']} records"]
    lines[0] += f", {now} of them in {report.seconds:.1f} s" if report.resumed_after else f" in {report.seconds:.1f} s"
    if report.seconds > 0 and now:
        lines[0] += f", {now / report.seconds:.1f} records/s, {report.tokens / report.seconds:.0f} tokens/s"
    if report.resumed_after:
        lines.append(f"  resumed: {report.resumed_after} records from an earlier run (counted below)")
    rows = ROWS[report.command]
    for label, key, role in [*rows, ("failed", "failed", "errors")]:
        if (role is None or key == "failed") and not c[key]:
            continue
        where = f" -> {outputs[role]}" if role is not None and role in outputs and c[key] else ""
        lines.append(f"  {label:<14}{c[key]:>10}{where}")
    if report.stopped:
        lines.append(f"  stopped: {report.stopped}")
    if report.scores:
        lines.append(_table(report.scores))
    return "\n".join(lines)


def _table(distributions: Mapping[str, Distribution]) -> str:
    header = ["", "mean", "min", *(f"p{round(q * 100)}" for q in QUANTILES), "max"]
    width = max(len(name) for name in distributions) + 2
    out = ["  " + header[0].ljust(width) + "".join(f"{h:>9}" for h in header[1:])]
    for name, d in distributions.items():
        values = [d.mean, d.low, *(d.quantile(q) for q in QUANTILES), d.high]
        out.append("  " + name.ljust(width) + "".join(f"{v:>9.3f}" for v in values))
    return "\n".join(out)
