"""Tensor parallelism: one model sharded across the ranks of a `torchrun` launch, one engine.

transformers shards a checkpoint across the ranks of a process group (`tp_plan="auto"`): each
rank holds a slice of every attention and MLP weight, and every forward is a collective in
which all ranks must take part with the same inputs, in the same order. So only rank 0 runs
the server and its batching engine; before each batch it computes, it sends the batch plan
to the other ranks (`Lockstep`), which do nothing but run the same plans (`follow`) until
rank 0 tells them to stop. The scores come from rank 0.

Launch: `torchrun --nproc-per-node N -m reward_service.cli serve --tensor-parallel ...`
(one process per GPU; gloo on CPUs, NCCL on GPUs, as torch picks for the device).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.plan import BatchPlan

logger = logging.getLogger(__name__)


def launched_ranks() -> int:
    """How many processes `torchrun` launched (1 outside a launch)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


class Lockstep:
    """Rank 0's side: every plan is broadcast to the other ranks before rank 0 runs it, so all
    ranks enter each forward's collectives together. Thread-safe: plans from any thread are
    broadcast and run one at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False

    def __call__(self, plan: BatchPlan, padding_side: str, run: Any) -> Any:
        """Broadcast the plan, then run it here as `run()` while the other ranks run it too."""
        import torch.distributed as dist

        with self._lock:
            if self._stopped:
                raise RuntimeError("the tensor-parallel ranks have been stopped")
            dist.broadcast_object_list([(plan, padding_side)], src=0)
            return run()

    def stop(self) -> None:
        """Tell the other ranks to leave `follow` (idempotent)."""
        import torch.distributed as dist

        with self._lock:
            if self._stopped or not dist.is_initialized():
                return
            self._stopped = True
            dist.broadcast_object_list([None], src=0)


def follow(scorer: Any) -> None:
    """Another rank's whole life: run every plan rank 0 broadcasts through `scorer` (the
    rank's `Scorer`, holding its shard), until rank 0 sends None."""
    import torch.distributed as dist

    logger.info("rank %d following rank 0's batches", rank())
    while True:
        message: list[Any] = [None]
        dist.broadcast_object_list(message, src=0)
        if message[0] is None:
            return
        plan, padding_side = message[0]
        scorer.features(plan, padding_side=padding_side)
