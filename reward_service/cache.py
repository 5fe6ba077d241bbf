"""Exact results of rows already scored, so that scoring the same conversation again costs nothing.

A row's result depends on its token ids, the index its score is read at (`Row.read`, the
checkpoint's pooling rule) and the model. The key holds the first two; the third is held by
ownership: each RewardService builds its own cache for its one loaded model, so a different
checkpoint, pooling, dtype, quantization or head never sees another's entries. Text alone is
never a key: the same text under another template or tokenizer is another row.

The cache keeps the engine's raw output tuples (scores, then uncertainty spreads when the
model ships an ensemble), so a hit answers with exactly the floats its first computation gave.
Weights and thresholds apply after it, per request.

Bounded in entries and in bytes, least recently used dropped first. Not thread-safe, and it
needs no lock: its owner reads and writes it from one thread (RewardService.score, on the
event loop, never from the engine's worker).

Pure Python: importing it loads no torch.
"""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .engine import Row, Scores

# (read index, token ids packed as 8-byte integers): 8 bytes a token instead of the 36 of a
# tuple of Python ints, and a bytes object caches its own hash.
Key = tuple[int, bytes]

# What an entry costs besides its key and value objects: the ordered dict's hash table slot,
# entry and recency link. About 105 bytes on CPython 3.11 at a typical fill; rounded up.
ENTRY_OVERHEAD = 128


def row_key(row: Row) -> Key:
    """The cache key of a row: its read index and its token ids (all of them, in order)."""
    return row.read, array("q", row.ids).tobytes()


def entry_bytes(key: Key, value: Scores) -> int:
    """The memory an entry holds: its key's objects, its value's tuple and floats, and the
    cache's own bookkeeping for it (`ENTRY_OVERHEAD`)."""
    read, ids = key
    held = sys.getsizeof(key) + sys.getsizeof(read) + sys.getsizeof(ids) + sys.getsizeof(value)
    return ENTRY_OVERHEAD + held + sum(sys.getsizeof(number) for number in value)


@dataclass(frozen=True)
class Lookup:
    """One request's rows looked up: what was found, and the distinct rows still to compute.

    `missing` holds each row not found once, in first-seen order; `slot[i]` is row i's index
    in `missing`, or -1 when `found[i]` holds its result.
    """

    keys: tuple[Key, ...]
    found: tuple[Scores | None, ...]
    missing: tuple[Row, ...]
    slot: tuple[int, ...]

    @property
    def hits(self) -> int:
        return sum(result is not None for result in self.found)

    @property
    def misses(self) -> int:
        return len(self.found) - self.hits


class ResultCache:
    """Scores by row, for one model: at most `max_entries` entries holding at most `max_bytes`
    (`entry_bytes`), least recently used evicted first. Either bound 0: off, nothing stored.

    A hit returns the very tuple that was stored. An entry larger than `max_bytes` alone is
    not stored.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        if max_entries < 0 or max_bytes < 0:
            raise ValueError(f"cache bounds must be >= 0, got {max_entries} entries and {max_bytes} bytes")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, Scores] = OrderedDict()  # oldest use first
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Key) -> bool:
        """Whether `key` is stored, without making it recently used."""
        return key in self._entries

    @property
    def bytes(self) -> int:
        """The memory its entries hold, as `entry_bytes` counts it."""
        return self._bytes

    def get(self, key: Key) -> Scores | None:
        """The stored result (now the most recently used), or None."""
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: Key, value: Scores) -> bool:
        """Store `value` as the most recently used entry, evicting the least recently used ones
        until both bounds hold. False when it was not stored: the cache is off, or the entry
        alone is larger than `max_bytes`."""
        if not self.enabled:
            return False
        size = entry_bytes(key, value)
        if size > self.max_bytes:
            return False
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= entry_bytes(key, previous)
        self._entries[key] = value
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            oldest, dropped = self._entries.popitem(last=False)
            self._bytes -= entry_bytes(oldest, dropped)
        return True

    def lookup(self, rows: Sequence[Row]) -> Lookup:
        """Each row's stored result, and the distinct rows not found. Off: every row is missing,
        as given (copies included), so the engine sees exactly the request."""
        if not self.enabled:
            return Lookup((), (None,) * len(rows), tuple(rows), tuple(range(len(rows))))
        keys = [row_key(row) for row in rows]
        found = [self.get(key) for key in keys]
        first: dict[Key, int] = {}  # key -> index in missing
        missing: list[Row] = []
        slot = []
        for key, row, result in zip(keys, rows, found, strict=True):
            if result is not None:
                slot.append(-1)
                continue
            if key not in first:
                first[key] = len(missing)
                missing.append(row)
            slot.append(first[key])
        return Lookup(tuple(keys), tuple(found), tuple(missing), tuple(slot))

    def fill(self, lookup: Lookup, computed: Sequence[Scores]) -> list[Scores]:
        """Every row's result, in order: the found ones, and `computed` (one per missing row,
        in order), which is stored. Raises ValueError when `computed` does not match."""
        if len(computed) != len(lookup.missing):
            raise ValueError(f"{len(computed)} results for {len(lookup.missing)} rows")
        if self.enabled:
            stored = set()
            for key, index in zip(lookup.keys, lookup.slot, strict=True):
                if index >= 0 and index not in stored:
                    stored.add(index)
                    self.put(key, computed[index])
        return [
            result if result is not None else computed[index]
            for result, index in zip(lookup.found, lookup.slot, strict=True)
        ]
