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
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

from ..config import Quantize
from ..errors import CheckpointError
from .formatting import ConversationEncoder
from .gated import GATED_SCORE, GatedHead, GatedOptions, is_head_key, load_gated_head
from .heads import LM_HEAD_KEY, LmHeadRows, LogitTransform, ProjectionHead, file_holding, lm_head_rows
from .quantize import check_quantize, quantize_model
from .scorer import Scorer
from .spec import (
    REWARD_CONFIG_FILE,
    UNCERTAINTY_FILE,
    ModelSpec,
    attribute_names,
    build_spec,
    read_reward_config,
    select_attributes,
)

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
    autocast: torch.dtype | None = None  # bf16-mixed: the backbone's matmuls run in this dtype

    @property
    def precision(self) -> str:
        """The dtype as /info reports it: `float32`, `bfloat16`, ... or `bf16-mixed`."""
        return MIXED if self.autocast is not None else str(self.dtype).removeprefix("torch.")


MIXED = "bf16-mixed"  # float32 weights and activations, matmuls in bfloat16 under autocast


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """`auto` is fp32 on CPU (bf16 matmul is emulated and far slower there) and bf16 on GPU."""
    if name == "auto":
        return torch.float32 if device.type == "cpu" else torch.bfloat16
    if name == MIXED:
        return torch.float32  # the weights; the matmuls run in bfloat16 (`RewardModel.autocast`)
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"dtype {name!r} is not one of {['auto', *DTYPES, MIXED]}") from None


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
    tensor_parallel: bool = False,
    device_map: str | dict[str, Any] | None = None,
    max_memory: dict[int | str, Any] | None = None,
    offload_folder: str | Path | None = None,
) -> RewardModel:
    """Load the checkpoint directory at `path`.

    With `tensor_parallel`, in a `torchrun` launch, transformers shards the model across the
    launch's ranks (`tp_plan="auto"`); see `parallel.py` for how the ranks run together.

    With `device_map` ("auto", or accelerate's explicit map) the backbone is placed across
    devices by accelerate, within `max_memory` per device (what does not fit may go to
    `offload_folder` on disk), for models larger than one device; `device` is then unused:
    inputs go to the first part's device and each part runs where it was placed.

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
    autocast = torch.bfloat16 if dtype == MIXED else None
    _warn_if_emulated(torch_device, autocast or torch_dtype)
    check_quantize(quantize, torch_device, torch_dtype)
    if device_map is not None and quantize != "none":
        raise ValueError("--quantize int8 and --device-map cannot be combined: int8 runs on one CPU")
    placement: dict[str, Any] = {
        key: value
        for key, value in {"device_map": device_map, "max_memory": max_memory, "offload_folder": offload_folder}.items()
        if value is not None
    }
    if tensor_parallel:
        from transformers import DistributedConfig

        placement["distributed_config"] = DistributedConfig(tp_plan="auto")
    reward_config = read_reward_config(model_dir)
    head_config = reward_config.get("head")
    kind, options = next(iter(head_config.items())) if isinstance(head_config, dict) else ("score", None)
    head_weights = None
    if kind == "lm_head_rows":
        rows = LmHeadRows.parse(options, model_dir / REWARD_CONFIG_FILE)
        model = _load_model(model_dir, torch_dtype, allow_pickle, trust_remote_code, placement, backbone_only=True)
        head: nn.Linear | ProjectionHead | GatedHead = _lm_head(model_dir, model, rows)
        outputs = rows.attributes
    elif kind == "gated":
        gated = GatedOptions.parse(options, config, model_dir / REWARD_CONFIG_FILE)
        model = _load_model(model_dir, torch_dtype, allow_pickle, trust_remote_code, placement, backbone_only=True)
        head = load_gated_head(model_dir, gated.config, hidden_size=model.config.get_text_config().hidden_size)
        outputs, head_weights = gated.outputs, {GATED_SCORE: 1.0}
    else:
        model = _load_model(model_dir, torch_dtype, allow_pickle, trust_remote_code, placement)
        head = _find_head(model, model_dir)
        outputs = _output_names(model_dir, config, head.out_features)
    if tensor_parallel:  # each rank's shard is on its own device already
        torch_device = next(model.parameters()).device
        head.to(torch_device)
    elif device_map is None:
        model.to(torch_device)  # type: ignore[arg-type]
        head.to(torch_device)
    else:  # placed by accelerate: inputs go where the first part is; the head sits with the last
        embedding: Any = model.get_input_embeddings()
        hook = getattr(embedding, "_hf_hook", None)  # an offloaded part runs on its hook's device
        torch_device = torch.device(getattr(hook, "execution_device", None) or embedding.weight.device)
        if isinstance(head, nn.Linear) and head.weight.device.type == "meta":
            head = ProjectionHead(_stored_tensor(model_dir, "score.weight"))  # offloaded: read it ourselves
        if not isinstance(head, nn.Linear):
            head.to(_last_device(model))
    model.eval().requires_grad_(False)
    attributes, chosen = select_attributes(outputs, reward_config, model_dir / REWARD_CONFIG_FILE)
    if head_weights is not None and GATED_SCORE not in attributes:
        head_weights = None
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
        reward_config,
        attributes=attributes,
        max_tokens=limit,
        weight_override=weights,
        head_weights=head_weights,
    )
    ensemble = _load_ensemble(model_dir, head, len(outputs), chosen) if spec.uncertainty else None
    scorer = Scorer(
        model,
        head,
        pad_token_id=text_config.pad_token_id,
        pooling=spec.pooling,
        ensemble=ensemble,
        select=chosen,
        device=torch_device,
        autocast=autocast,
    )
    return RewardModel(
        spec=spec,
        encoder=ConversationEncoder(tokenizer, scorer.rule, check=scorer.row_problem),
        scorer=scorer,
        device=torch_device,
        dtype=torch_dtype,
        quantize=quantize,
        autocast=autocast,
    )


def _output_names(model_dir: Path, config: dict[str, Any], count: int) -> tuple[str, ...]:
    try:
        return attribute_names(config.get("id2label"), count)
    except ValueError as exc:
        raise CheckpointError(model_dir / "config.json", f"id2label: {exc}") from exc


def _lm_head(model_dir: Path, backbone: PreTrainedModel, rows: LmHeadRows) -> ProjectionHead:
    """A head of the LM-head rows `rows` names, checked against the architecture's own
    `*ForCausalLM` output for the same rows (see `_check_against_causal_lm`)."""
    text_config = backbone.config.get_text_config()
    weight = lm_head_rows(model_dir, backbone, text_config, rows.ids)
    logits = ProjectionHead(weight, transform=LogitTransform.of(text_config))
    _check_against_causal_lm(model_dir, backbone, logits)
    return ProjectionHead(weight, combine=rows.combine, transform=logits.transform)


def _check_against_causal_lm(model_dir: Path, backbone: PreTrainedModel, logits: ProjectionHead) -> None:
    """Our logits for the chosen rows must be the architecture's own: its `*ForCausalLM` class,
    built around this backbone with an LM head of just these rows, runs a short probe, and the
    logits at every position must match. An architecture that transforms logits in a way
    `LogitTransform` does not know is refused here rather than scored wrongly."""
    config = backbone.config
    try:
        causal_class: Any = MODEL_FOR_CAUSAL_LM_MAPPING[type(config)]
    except KeyError:
        raise CheckpointError(
            model_dir, f"head.lm_head_rows needs a causal LM; transformers has none for {type(config).__name__}"
        ) from None
    with torch.device("meta"):
        causal = causal_class(config)
    setattr(causal, causal_class.base_model_prefix, backbone)
    weight = logits.rows.to(next(backbone.parameters()).dtype)
    causal.lm_head = nn.Linear(weight.shape[1], weight.shape[0], bias=False, device=weight.device, dtype=weight.dtype)
    causal.lm_head.weight.data.copy_(weight)
    probe = torch.arange(min(8, int(config.get_text_config().vocab_size)), device=weight.device).unsqueeze(0)
    try:
        with torch.inference_mode():
            theirs = causal(input_ids=probe, use_cache=False).logits[0].float()  # [T, R]
            ours = logits(backbone(input_ids=probe, use_cache=False).last_hidden_state[0])  # [T, R]
    except Exception as exc:  # a class holding more than a backbone and an LM head
        raise CheckpointError(
            model_dir, f"head.lm_head_rows: could not check {causal_class.__name__}'s logits ({exc})"
        ) from exc
    tolerance = 1e-4 if weight.dtype == torch.float32 else 5e-2
    if not torch.allclose(ours, theirs, atol=tolerance, rtol=tolerance):
        raise CheckpointError(
            model_dir,
            f"head.lm_head_rows: {causal_class.__name__} transforms its logits in a way this service does not "
            f"reproduce (max difference {(ours - theirs).abs().max().item():.3g}); its scores would be wrong",
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


def _stored_tensor(model_dir: Path, key: str) -> torch.Tensor:
    """One tensor of the checkpoint, read from its safetensors file."""
    stored = file_holding(model_dir, key)
    if stored is None:
        raise CheckpointError(model_dir, f"no tensor {key} in the checkpoint's safetensors files")
    with safe_open(str(stored), framework="pt") as handle:
        return handle.get_tensor(key)


def _last_device(model: PreTrainedModel) -> torch.device:
    """Where the last part of a model placed by accelerate computes (the final norm's device)."""
    # Disk-offloaded parts run on the CPU.
    placed = ["cpu" if device == "disk" else device for device in getattr(model, "hf_device_map", {}).values()]
    last = placed[-1] if placed else "cpu"
    return torch.device(f"cuda:{last}" if isinstance(last, int) else last)


def _load_model(
    model_dir: Path,
    dtype: torch.dtype,
    allow_pickle: bool,
    trust_remote_code: bool,
    placement: dict[str, Any] | None = None,
    *,
    backbone_only: bool = False,
) -> PreTrainedModel:
    """The `*ForSequenceClassification` model, or with `backbone_only` the bare backbone of a
    checkpoint whose head we build ourselves (its LM head is then the one tensor left out)."""
    loader = AutoModel if backbone_only else AutoModelForSequenceClassification
    try:
        model, info = loader.from_pretrained(
            model_dir,
            dtype=dtype,
            use_safetensors=None if allow_pickle else True,
            trust_remote_code=trust_remote_code,
            output_loading_info=True,
            # Report wrong shapes through loading info (which names them) instead of a generic error.
            ignore_mismatched_sizes=True,
            **(placement or {}),
        )
    except Exception as exc:  # from_pretrained raises ValueError, OSError, RuntimeError, ...
        raise CheckpointError(model_dir, f"transformers could not load the model: {exc}") from exc
    problems = []
    if info.get("missing_keys"):
        problems.append(f"missing tensors {sorted(info['missing_keys'])}")
    # A backbone alone leaves out the LM head and a gated head's tensors, read separately.
    unexpected = {
        key
        for key in info.get("unexpected_keys") or ()
        if not (backbone_only and (key == LM_HEAD_KEY or is_head_key(key)))
    }
    if unexpected:
        problems.append(f"unexpected tensors {sorted(unexpected)}")
    if info.get("mismatched_keys"):
        shapes = [f"{key}: file {tuple(got)} vs config {tuple(want)}" for key, got, want in info["mismatched_keys"]]
        problems.append(f"wrong shapes {shapes}")
    if problems:
        hint = ""
        if not backbone_only and LM_HEAD_KEY in unexpected and any("score." in k for k in info["missing_keys"]):
            hint = (
                f"; this is a causal LM: to read its reward from LM-head logits, write {REWARD_CONFIG_FILE} "
                'with {"head": {"lm_head_rows": {"reward": {"<vocabulary id>": 1.0}}}}'
            )
        raise CheckpointError(model_dir, "weights do not match config.json: " + "; ".join(problems) + hint)
    return model


def _load_ensemble(
    model_dir: Path, head: nn.Linear | ProjectionHead | GatedHead, outputs: int, chosen: list[int] | None
) -> torch.Tensor:
    """The ensemble of heads in UNCERTAINTY_FILE, [K, attributes, hidden], checked against the
    head's outputs (and reduced to the `chosen` ones)."""
    path = model_dir / UNCERTAINTY_FILE
    if not isinstance(head, nn.Linear):
        raise CheckpointError(path, "an ensemble of heads needs a plain linear score head")
    try:
        with safe_open(str(path), framework="pt") as handle:
            heads = handle.get_tensor("heads")
    except Exception as exc:  # safetensors raises its own types; a missing key is a KeyError
        raise CheckpointError(path, f"expected one tensor `heads` of shape [K, labels, hidden] ({exc})") from exc
    want = (outputs, head.in_features)
    if heads.dim() != 3 or tuple(heads.shape[1:]) != want or heads.shape[0] < 2:
        raise CheckpointError(
            path, f"`heads` has shape {tuple(heads.shape)}; expected [K >= 2, {want[0]}, {want[1]}] for this head"
        )
    if chosen is not None:
        heads = heads[:, chosen]
    return heads.float().to(head.weight.device)


def _find_head(model: PreTrainedModel, model_dir: Path) -> nn.Linear:
    head = getattr(model, "score", None)
    if not isinstance(head, nn.Linear):
        raise CheckpointError(
            model_dir,
            f"{type(model).__name__} has no linear `score` head; expected a decoder *ForSequenceClassification",
        )
    return head
