"""One local Ray cluster for the tests that need it, started by the tests and stopped by them.

It stays on loopback: Ray picks the machine's network address for its node unless told it is
a single-machine cluster (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, set below for the test process
and so for every process it starts), so nothing the tests send leaves 127.0.0.1. The dashboard is off, the object
store small, and the CPUs logical (Ray schedules actors by them; the machine has 2 cores).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
# Ray reads these when it is imported, which a test module may do at collection: so they are
# set when this module is (by the conftest), for the whole test process and its children.
for _name, _value in LOOPBACK_ENV.items():
    os.environ.setdefault(_name, _value)
OBJECT_STORE_BYTES = 128 * 1024 * 1024
LOGICAL_CPUS = 8


@dataclass(frozen=True)
class Cluster:
    address: str  # host:port of its GCS, for `--address` / `--ray-address` of processes joining it


def start_cluster() -> Iterator[Cluster]:
    ray = pytest.importorskip("ray")
    try:
        ray.init(
            num_cpus=LOGICAL_CPUS,
            include_dashboard=False,
            object_store_memory=OBJECT_STORE_BYTES,
            log_to_driver=False,
        )
        address = ray.get_runtime_context().gcs_address
        assert address.startswith("127.0.0.1:"), f"the test cluster left loopback: {address}"
        yield Cluster(address)
    finally:
        ray.shutdown()
