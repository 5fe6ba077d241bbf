"""Session-wide fixtures: one tokenizer, cached tiny checkpoints, cached loads and references.

Building and loading a checkpoint takes tens of milliseconds, but the parity tests ask for
the same few dozen checkpoints from many parametrized tests, so everything is cached for the
session by its parameters. Tests that damage a checkpoint use `fresh_checkpoint`, a private
copy in the test's own tmp_path.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from checkpoints import CheckpointFactory, Reference, build_tokenizer, make_checkpoint
from ray_cluster import Cluster, start_cluster
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from reward_service.model.loading import RewardModel, load_reward_model


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained BPE tokenizer, saved once per session (no chat template)."""
    return build_tokenizer(tmp_path_factory.mktemp("tokenizer"))


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory, tokenizer_dir: Path) -> CheckpointFactory:
    """Factory `checkpoint(arch, pad=..., pooling=..., num_labels=..., tokenizer_variant=..., seed=...)`.

    Returns the directory of a checkpoint built once per distinct set of arguments. Callers
    must not modify it (copy it with `fresh_checkpoint` first).
    """
    cache: dict[tuple[object, ...], Path] = {}

    def get(
        arch: str,
        *,
        pad: str = "pad",
        pooling: str | None = None,
        num_labels: int = 5,
        tokenizer_variant: str = "chatml",
        seed: int = 0,
    ) -> Path:
        key = (arch, pad, pooling, num_labels, tokenizer_variant, seed)
        if key not in cache:
            name = "-".join(str(part) for part in key)
            cache[key] = make_checkpoint(
                tmp_path_factory.mktemp(name),
                arch,
                tokenizer_dir=tokenizer_dir,
                pad=pad,
                pooling=pooling,
                num_labels=num_labels,
                tokenizer_variant=tokenizer_variant,
                seed=seed,
            )
        return cache[key]

    return get


@pytest.fixture
def fresh_checkpoint(tmp_path: Path, checkpoint: CheckpointFactory) -> CheckpointFactory:
    """Like `checkpoint`, but returns a private copy under tmp_path that the test may damage."""

    def get(arch: str = "llama", **kwargs: object) -> Path:
        target = tmp_path / "model"
        shutil.copytree(checkpoint(arch, **kwargs), target)
        return target

    return get


@pytest.fixture(scope="module")
def model_dir(checkpoint: CheckpointFactory) -> Path:
    """The checkpoint a module's tests run against (the tiny llama unless the module overrides it)."""
    return checkpoint("llama")


@pytest.fixture(scope="module")
def model(model_dir: Path) -> RewardModel:
    """The service's own load of `model_dir`, one per module."""
    return load_reward_model(model_dir)


@pytest.fixture(scope="module")
def ref(model_dir: Path, reference: Callable[[Path], Reference]) -> Reference:
    """transformers' load of `model_dir`: where the module's expected scores come from."""
    return reference(model_dir)


@pytest.fixture(scope="session")
def reward_model() -> Callable[[Path], RewardModel]:
    """`reward_model(path)`: the service's load of a checkpoint directory, cached per path."""
    cache: dict[Path, RewardModel] = {}

    def get(path: Path) -> RewardModel:
        if path not in cache:
            cache[path] = load_reward_model(path)
        return cache[path]

    return get


@pytest.fixture(scope="session")
def reference() -> Callable[[Path], Reference]:
    """`reference(path)`: transformers' own load of a checkpoint directory, cached per path."""
    cache: dict[Path, Reference] = {}

    def get(path: Path) -> Reference:
        if path not in cache:
            model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32).eval()
            cache[path] = Reference(model=model, tokenizer=AutoTokenizer.from_pretrained(path))
        return cache[path]

    return get


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Cluster]:
    """One local Ray cluster on loopback for the session's Ray tests (see ray_cluster.py)."""
    yield from start_cluster()
