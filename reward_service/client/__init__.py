"""Python clients for a running reward_service server: `RewardClient` (blocking) and
`AsyncRewardClient` (asyncio), both on httpx.

    with RewardClient("http://127.0.0.1:8000") as client:
        scored = client.score([{"prompt": "What is 2+2?", "response": "4"}])
        ranked = client.rank(["4", "5"], prompt="What is 2+2?")

What they take care of:

- one pooled httpx client per instance (use it as a context manager, or call `close`);
- timeouts, and retries with exponential backoff on 429 / 503 and on connection errors,
  honouring the server's `Retry-After`, for a bounded number of attempts (`RetryPolicy`);
- inputs of any size: `score` splits them into requests within the server's limits (read
  once from `GET /info`: items per request and body bytes) and reassembles the results in
  input order, with `index` counting from the first item given;
- concurrency (async client): at most `concurrency` requests in flight per client.

Results are the API's own response models from `reward_service.server.schemas`: each ItemResult
has `scores` and, when the server's model ships an ensemble of heads (`info().uncertainty`),
`uncertainty` per attribute (None otherwise); thresholds take `max_uncertainty` next to `min`
and `max`, e.g. `{"correctness": {"min": 3, "max_uncertainty": 0.5}}`. This module imports
no torch and no model code, so it is cheap to use from data pipelines.
"""

from __future__ import annotations

from .aio import AsyncRewardClient
from .blocking import RewardClient
from .common import ItemTooLarge, RetriesExhausted, RetryPolicy, RewardClientError, ServerError

__all__ = [
    "AsyncRewardClient",
    "ItemTooLarge",
    "RetriesExhausted",
    "RetryPolicy",
    "RewardClient",
    "RewardClientError",
    "ServerError",
]
