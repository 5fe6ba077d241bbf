"""The progress bar: records/s, tokens/s and time left on a terminal; nothing otherwise."""

from __future__ import annotations

import time
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Counts records as their scores arrive (the runner calls `advance` per backend call), not as
    their chunk is written, so the rate and time left mean something from the first results."""

    def __init__(self, *, enabled: bool, total: int | None, initial: int, unit: str, stream: TextIO) -> None:
        self._started = time.monotonic()
        self._tokens = 0
        self._bar = (
            tqdm(total=total, initial=initial, unit=unit, unit_scale=True, file=stream, dynamic_ncols=True)
            if enabled
            else None
        )

    def advance(self, records: int, tokens: int) -> None:
        if self._bar is None:
            return
        self._tokens += tokens
        elapsed = time.monotonic() - self._started
        if elapsed > 0:
            self._bar.set_postfix_str(f"{self._tokens / elapsed:,.0f} tokens/s", refresh=False)
        self._bar.update(records)

    def finish(self) -> None:
        """The input is done: the total was an estimate (blank lines count), the count is exact."""
        if self._bar is not None and self._bar.total != self._bar.n:
            self._bar.total = self._bar.n
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
