"""Load a Hugging Face sequence-classification reward checkpoint, safely and strictly.

Safe: safetensors only and no code from the model directory, unless the caller opts in.
Strict: every missing, unexpected or wrong-shape tensor is an error that names it, so a
mismatched head never silently becomes a randomly initialised one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import nn
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel
from transformers.models.auto.configuration_auto import CONFIG_MAPPING

from ..config import Quantize
from ..errors import CheckpointError
from .formatting import ConversationEncoder
from .quantize import check_quantize, quantize_model
from .scorer import Scorer
from .spec import UNCERTAINTY_FILE, ModelSpec, build_spec

logger = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


@dataclass(frozen=True)
class RewardModel:
    """A loaded checkpoint: what it reports, how it formats input, how it scores."""

    spec: ModelSpec
    encoder: ConversationEncoder
    scorer: Scorer
    device: torch.device
    dtype: torch.dtype
    quantize: Quantize = "none"  # "int8": the backbone's linear layers are dynamic int8 (see quantize.py)


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """`auto` is fp32 on CPU (bf16 matmul is emulated and far slower there) and bf16 on GPU."""
    if name == "auto":
        return torch.float32 if device.type == "cpu" else torch.bfloat16
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"dtype {name!r} is not one of {['auto', *DTYPES]}") from None


def load_reward_model(
    path: str | Path,
    *,
    device: str = "cpu",
    dtype: str = "auto",
    max_tokens: int = 4096,
    weights: dict[str, float] | None = None,
    allow_pickle: bool = False,
    trust_remote_code: bool = False,
    quantize: Quantize = "none",
) -> RewardModel:
    """Load the checkpoint directory at `path`.

    Raises CheckpointError naming the file and the problem when the directory is missing,
    incomplete, corrupt, pickle-only (unless `allow_pickle`), needs custom code (unless
    `trust_remote_code`), or its tensors do not match its config. `quantize="int8"` makes the
    backbone's linear layers dynamic int8 (faster on CPU, but scores move: see quantize.py);
    it raises ValueError before the weights are read unless the device is the CPU and the
    dtype float32.
    """
    model_dir = Path(path)
    if not model_dir.is_dir():
        raise CheckpointError(model_dir, "no such model directory")
    config = _read_config(model_dir, trust_remote_code)
    _check_weight_files(model_dir, allow_pickle)

    torch_device = torch.device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    _warn_if_emulated(torch_device, torch_dtype)
    check_quantize(quantize, torch_device, torch_dtype)
    model = _load_model(model_dir, torch_dtype, allow_pickle, trust_remote_code)
    model.to(torch_device)  # type: ignore[arg-type]
    model.eval().requires_grad_(False)
    head = _find_head(model, model_dir)
    quantize_model(model, quantize)  # the head lives outside the backbone and stays float32

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=trust_remote_code)
    except Exception as exc:  # transformers raises many types for a broken tokenizer
        raise CheckpointError(model_dir, f"tokenizer files could not be loaded: {exc}") from exc

    text_config = model.config.get_text_config()
    limit = max_tokens
    model_limit = getattr(text_config, "max_position_embeddings", None)
    if isinstance(model_limit, int) and model_limit > 0:
        limit = min(limit, model_limit)
    spec = build_spec(
        model_dir,
        id2label=config.get("id2label"),
        num_labels=head.out_features,
        max_tokens=limit,
        weight_override=weights,
    )
    ensemble = _load_ensemble(model_dir, head) if spec.uncertainty else None
    scorer = Scorer(model, head, pad_token_id=text_config.pad_token_id, pooling=spec.pooling, ensemble=ensemble)
    return RewardModel(
        spec=spec,
        encoder=ConversationEncoder(tokenizer, scorer.rule),
        scorer=scorer,
        device=torch_device,
        dtype=torch_dtype,
        quantize=quantize,
    )


# /proc/cpuinfo flags of CPUs that multiply in these dtypes in hardware (x86, then Arm).
NATIVE_CPU_FLAGS = {
    torch.bfloat16: ("avx512_bf16", "amx_bf16", "bf16"),
    torch.float16: ("avx512_fp16", "amx_fp16", "fphp"),
}


def cpu_flags() -> frozenset[str] | None:
    """The CPU feature flags Linux reports, or None where /proc/cpuinfo cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    return frozenset(
        flag for line in text.splitlines() if line.startswith(("flags", "Features")) for flag in line.split()[2:]
    )


def _warn_if_emulated(device: torch.device, dtype: torch.dtype) -> None:
    """Half precision on a CPU without it in hardware runs far slower than float32: say so."""
    native = NATIVE_CPU_FLAGS.get(dtype)
    flags = cpu_flags()
    if device.type != "cpu" or native is None or flags is None or flags & set(native):
        return
    logger.warning(
        "this CPU reports none of %s, so %s matmuls are emulated and far slower than float32; "
        "use --dtype float32 (or auto)",
        "/".join(native),
        str(dtype).removeprefix("torch."),
    )


def _read_config(model_dir: Path, trust_remote_code: bool) -> dict[str, Any]:
    path = model_dir / "config.json"
    if not path.is_file():
        raise CheckpointError(path, "missing; a Hugging Face checkpoint directory needs its config.json")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(path, f"not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise CheckpointError(path, "must hold a JSON object")
    model_type = config.get("model_type")
    if model_type not in CONFIG_MAPPING and not trust_remote_code:
        hint = (
            "it asks for custom code from the model directory (auto_map); pass --trust-remote-code to run it"
            if "auto_map" in config
            else "transformers does not know this architecture"
        )
        raise CheckpointError(path, f"model_type {model_type!r} is not built into transformers: {hint}")
    return config


def _check_weight_files(model_dir: Path, allow_pickle: bool) -> None:
    tensors = sorted(model_dir.glob("*.safetensors"))
    pickles = sorted(p for p in model_dir.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if not tensors:
        if pickles and not allow_pickle:
            names = ", ".join(p.name for p in pickles)
            raise CheckpointError(
                model_dir,
                f"only pickle weights found ({names}); pickles can run arbitrary code when loaded. "
                "Convert them to safetensors, or pass --allow-pickle if you trust this checkpoint",
            )
        if not pickles:
            raise CheckpointError(model_dir, "no weights found: expected *.safetensors files")
        return
    for file in tensors:
        try:
            with safe_open(str(file), framework="pt") as handle:
                handle.keys()
        except Exception as exc:  # safetensors raises its own error types for bad headers
            raise CheckpointError(file, f"corrupt or truncated safetensors file ({exc})") from exc


def _load_model(model_dir: Path, dtype: torch.dtype, allow_pickle: bool, trust_remote_code: bool) -> PreTrainedModel:
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            model_dir,
            dtype=dtype,
            use_safetensors=None if allow_pickle else True,
            trust_remote_code=trust_remote_code,
            output_loading_info=True,
            # Report wrong shapes through loading info (which names them) instead of a generic error.
            ignore_mismatched_sizes=True,
        )
    except Exception as exc:  # from_pretrained raises ValueError, OSError, RuntimeError, ...
        raise CheckpointError(model_dir, f"transformers could not load the model: {exc}") from exc
    problems = []
    if info.get("missing_keys"):
        problems.append(f"missing tensors {sorted(info['missing_keys'])}")
    if info.get("unexpected_keys"):
        problems.append(f"unexpected tensors {sorted(info['unexpected_keys'])}")
    if info.get("mismatched_keys"):
        shapes = [f"{key}: file {tuple(got)} vs config {tuple(want)}" for key, got, want in info["mismatched_keys"]]
        problems.append(f"wrong shapes {shapes}")
    if problems:
        raise CheckpointError(model_dir, "weights do not match config.json: " + "; ".join(problems))
    return model


def _load_ensemble(model_dir: Path, head: nn.Linear) -> torch.Tensor:
    """The ensemble of heads in UNCERTAINTY_FILE, [K, num_labels, hidden], checked against the head."""
    path = model_dir / UNCERTAINTY_FILE
    try:
        with safe_open(str(path), framework="pt") as handle:
            heads = handle.get_tensor("heads")
    except Exception as exc:  # safetensors raises its own types; a missing key is a KeyError
        raise CheckpointError(path, f"expected one tensor `heads` of shape [K, labels, hidden] ({exc})") from exc
    want = (head.out_features, head.in_features)
    if heads.dim() != 3 or tuple(heads.shape[1:]) != want or heads.shape[0] < 2:
        raise CheckpointError(
            path, f"`heads` has shape {tuple(heads.shape)}; expected [K >= 2, {want[0]}, {want[1]}] for this head"
        )
    return heads.float().to(head.weight.device)


def _find_head(model: PreTrainedModel, model_dir: Path) -> nn.Linear:
    head = getattr(model, "score", None)
    if not isinstance(head, nn.Linear):
        raise CheckpointError(
            model_dir,
            f"{type(model).__name__} has no linear `score` head; expected a decoder *ForSequenceClassification",
        )
    return head
