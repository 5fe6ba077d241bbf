"""The Ray Data source of a run on Ray: one read task, on the driver's node, streaming chunks.

Its own module because it subclasses Ray's Datasource, so importing it imports Ray: `data.py`
imports it only once Ray is known to be installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ray.data import Datasource, ReadTask
from ray.data.block import BlockMetadata


class ChunkSource(Datasource):  # type: ignore[misc]
    """A single read task: `read()` yields the blocks, in order."""

    def __init__(self, read: Callable[[], Iterable[Any]]) -> None:
        super().__init__()
        self.read = read

    @property
    def supports_distributed_reads(self) -> bool:
        return False  # pinned to the driver's node: the input is on the machine running the command

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(
        self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
    ) -> list[ReadTask]:
        # One task whatever the parallelism: the records are grouped and chunked in order (a
        # rank group may span any number of lines), and reading is far faster than scoring.
        metadata = BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None, input_files=None)
        return [ReadTask(self.read, metadata)]
