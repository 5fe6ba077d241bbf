"""LoRA fine-tuning of the backbone together with the reward head.

The backbone gets low-rank adapters (peft) on the chosen linear modules of its last N layers;
the layers below stay frozen and need no backward pass. Each step takes whole prompts (every
rated response to a prompt lands in the same batch), so the loss can add a pairwise term:

    loss = MSE(predicted attributes, labels) + pairwise_weight * BT

where BT is the Bradley-Terry loss -log sigmoid(s_better - s_worse) over every pair of
responses to one prompt whose labelled aggregates differ, s being the aggregate under the
published weights. The forward pass is `forward.padded_hidden`, the one the server runs, so the
read position is the same.

Training is resumable: every `checkpoint_every` steps the adapter, the head and the optimizer's
moments are saved (safetensors, no pickle) under a folder keyed by everything that decides the
run; a rerun continues from the last save, and a finished run is not repeated.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn
from tqdm import tqdm

from ..engine.plan import Row, pack
from ..model import forward
from ..model.loading import NATIVE_CPU_FLAGS, cpu_flags
from .adapter import ADAPTER_FILES
from .options import LoraOptions, Precision

logger = logging.getLogger(__name__)

STATE_FILE = "state.safetensors"


@dataclass(frozen=True)
class Split:
    rows: Sequence[Row]
    labels: torch.Tensor  # [N, attributes]
    keys: Sequence[str]  # prompt per row: rows sharing one are compared pairwise


@dataclass
class Finetuned:
    adapter: Path  # folder with adapter_config.json and adapter_model.safetensors
    history: list[dict[str, Any]] = field(default_factory=list)  # per epoch: losses, validation metrics
    steps: int = 0
    seconds: float = 0.0  # of training in this process (a resumed run counts only its part)
    precision: str = "float32"


def training_precision(choice: Precision, device: torch.device) -> torch.dtype:
    """The autocast dtype: bfloat16 where the hardware multiplies in it, else float32."""
    if choice != "auto":
        return torch.bfloat16 if choice == "bfloat16" else torch.float32
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type != "cpu":
        return torch.float32
    flags = cpu_flags() or frozenset()
    return torch.bfloat16 if flags & set(NATIVE_CPU_FLAGS[torch.bfloat16]) else torch.float32


def schedule(train: Split, options: LoraOptions) -> list[list[list[int]]]:
    """Each epoch's steps, each step's rows: prompts shuffled per epoch (seeded), packed whole."""
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(train.keys):
        groups.setdefault(key, []).append(index)
    members = list(groups.values())
    epochs: list[list[list[int]]] = []
    for epoch in range(math.ceil(options.epochs)):
        generator = torch.Generator().manual_seed(options.seed * 1000 + epoch)
        batches: list[list[int]] = []
        current: list[int] = []
        width = 0
        for g in torch.randperm(len(members), generator=generator).tolist():
            group = members[g]
            longest = max(width, *(len(train.rows[i]) for i in group))
            if current and (len(current) + len(group)) * longest > options.batch_tokens:
                batches.append(current)
                current, longest = [], max(len(train.rows[i]) for i in group)
            current = current + group
            width = longest
        if current:
            batches.append(current)
        part = min(1.0, options.epochs - epoch)
        epochs.append(batches[: max(1, round(part * len(batches)))])
    return epochs


def pairwise_loss(predicted: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor, weights: torch.Tensor) -> Any:
    """Bradley-Terry loss over every within-prompt pair with different labelled aggregates, or None."""
    score, truth = predicted @ weights, labels @ weights  # [n]
    ordered = (groups[:, None] == groups[None, :]) & (truth[:, None] - truth[None, :] > 1e-6)  # [n, n]: i over j
    if not bool(ordered.any()):
        return None
    return -F.logsigmoid((score[:, None] - score[None, :])[ordered]).mean()


def finetune(
    backbone: Any,
    head: nn.Linear,
    train: Split,
    validation: Split,
    options: LoraOptions,
    *,
    fill_id: int,
    weights: Sequence[float],
    state_dir: Path,
    evaluate: Any,
) -> Finetuned:
    """Train adapters on `backbone` (in place) and `head` from its current weight.

    `evaluate(predictions, labels, keys)` gives the validation metrics logged per epoch.
    Returns where the adapter was saved (inside `state_dir`) and the trained head.
    """
    from peft import LoraConfig, get_peft_model

    total_layers = backbone.config.get_text_config().num_hidden_layers
    first = 0 if options.layers is None else max(0, total_layers - options.layers)
    config = LoraConfig(
        r=options.rank,
        lora_alpha=options.alpha,
        target_modules=list(options.targets),
        layers_to_transform=list(range(first, total_layers)),
        layers_pattern="layers",
        lora_dropout=0.0,
        bias="none",
    )
    # The adapters' A matrices start random: seeded, so that a run is repeatable (and a resumed
    # one ends where an uninterrupted one would), without touching the caller's RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(options.seed)
        model = get_peft_model(backbone, config)
    device = next(backbone.parameters()).device
    dtype = training_precision(options.precision, device)
    adapted = {name: p for name, p in model.named_parameters() if p.requires_grad}
    if not adapted:
        raise ValueError(f"no module named {list(options.targets)} in layers {first}-{total_layers - 1} to adapt")
    head.weight.requires_grad_(True)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(adapted.values()), "lr": options.learning_rate, "base_lr": options.learning_rate},
            {"params": [head.weight], "lr": options.head_learning_rate, "base_lr": options.head_learning_rate},
        ],
        weight_decay=0.0,
    )
    epochs = schedule(train, options)
    steps = [batch for epoch in epochs for batch in epoch]
    epoch_ends = {sum(len(epoch) for epoch in epochs[: e + 1]) for e in range(len(epochs))}
    state_dir.mkdir(parents=True, exist_ok=True)
    parameters = {**{f"adapter.{n}": p for n, p in adapted.items()}, "head": head.weight}
    start, history = _restore(state_dir / STATE_FILE, parameters, optimizer)
    group_ids = {key: i for i, key in enumerate(dict.fromkeys(train.keys))}
    weight_vector = torch.tensor(list(weights), dtype=torch.float32, device=device)
    warmup = max(1, round(options.warmup * len(steps)))
    started, losses = time.monotonic(), []
    if start:
        logger.info("resuming fine-tuning at step %d of %d", start, len(steps))
    with tqdm(total=len(steps), initial=start, desc="fine-tune", unit="step", disable=start >= len(steps)) as bar:
        for step in range(start, len(steps)):
            factor = (step + 1) / warmup if step < warmup else 0.5 * (1 + math.cos(math.pi * step / len(steps)))
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor
            batch = steps[step]
            autocast = torch.autocast(device.type, dtype) if dtype != torch.float32 else nullcontext()
            with autocast:
                hidden = forward.padded_hidden(model, [train.rows[i] for i in batch], fill_id=fill_id, device=device)
                predicted = head(hidden).float()  # [n, L]
            labels = train.labels[batch].to(device)
            loss = F.mse_loss(predicted, labels)
            if options.pairwise_weight:
                groups = torch.tensor([group_ids[train.keys[i]] for i in batch], device=device)
                pairwise = pairwise_loss(predicted, labels, groups, weight_vector)
                if pairwise is not None:
                    loss = loss + options.pairwise_weight * pairwise
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(parameters.values()), options.max_grad_norm)
            optimizer.step()
            losses.append(float(loss.detach()))
            bar.update(1)
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
            done = step + 1
            if done in epoch_ends:
                metrics = predict_and_evaluate(model, head, validation, fill_id, options.batch_tokens, evaluate)
                history.append({"step": done, "train_loss": round(sum(losses) / len(losses), 4), **metrics})
                logger.info("step %d: validation %s", done, json.dumps(metrics))
                losses = []
            if done % options.checkpoint_every == 0 or done == len(steps):
                _save(state_dir / STATE_FILE, parameters, optimizer, done, history)
    adapter = state_dir / "adapter"
    _save_adapter(model, adapter)
    head.weight.requires_grad_(False)
    return Finetuned(
        adapter=adapter,
        history=history,
        steps=len(steps),
        seconds=time.monotonic() - started,
        precision=str(dtype).removeprefix("torch."),
    )


@torch.no_grad()
def predict_and_evaluate(
    model: nn.Module, head: nn.Linear, split: Split, fill_id: int, batch_tokens: int, evaluate: Any
) -> dict[str, Any]:
    device = next(head.parameters()).device
    predictions = torch.empty(len(split.rows), head.out_features)
    for chunk in pack([len(row) for row in split.rows], max_tokens=batch_tokens):
        hidden = forward.padded_hidden(model, [split.rows[i] for i in chunk], fill_id=fill_id, device=device)
        predictions[list(chunk)] = head(hidden).float().cpu()
    report = evaluate(predictions, split.labels, split.keys)
    return {
        "validation_pairwise_accuracy": report["pairwise_accuracy"],
        "validation_pearson": {name: value["pearson"] for name, value in report["attributes"].items()},
    }


def _save(
    path: Path, parameters: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer, step: int, history: list
) -> None:
    tensors = {}
    for name, parameter in parameters.items():
        tensors[f"value.{name}"] = parameter.detach().cpu().contiguous()
        state = optimizer.state.get(parameter, {})
        for moment in ("exp_avg", "exp_avg_sq"):
            if moment in state:
                tensors[f"{moment}.{name}"] = state[moment].cpu().contiguous()
    metadata = {"step": str(step), "history": json.dumps(history)}
    save_file(tensors, f"{path}.partial", metadata=metadata)
    os.replace(f"{path}.partial", path)


def _restore(
    path: Path, parameters: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer
) -> tuple[int, list[dict[str, Any]]]:
    """Load a saved state into `parameters` and `optimizer`: (its step, its history); (0, []) if none."""
    if not path.is_file():
        return 0, []
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
        step = int(metadata.get("step", "0"))
        available = set(handle.keys())
        with torch.no_grad():
            for name, parameter in parameters.items():
                parameter.copy_(handle.get_tensor(f"value.{name}"))
                if f"exp_avg.{name}" in available:
                    optimizer.state[parameter] = {
                        "step": torch.tensor(float(step)),
                        "exp_avg": handle.get_tensor(f"exp_avg.{name}").to(parameter.device),
                        "exp_avg_sq": handle.get_tensor(f"exp_avg_sq.{name}").to(parameter.device),
                    }
    return step, json.loads(metadata.get("history", "[]"))


def _save_adapter(model: Any, folder: Path) -> None:
    """The adapter in peft's format (its two files only), replaced atomically."""
    staging = Path(tempfile.mkdtemp(prefix="adapter.", dir=folder.parent))
    try:
        model.save_pretrained(str(staging / "peft"))
        (staging / "adapter").mkdir()
        for name in ADAPTER_FILES:
            shutil.move(str(staging / "peft" / name), staging / "adapter" / name)
        # peft records the base model's path; keep only its name (this machine's paths stay here).
        config_path = staging / "adapter" / ADAPTER_FILES[0]
        config = json.loads(config_path.read_text())
        config["base_model_name_or_path"] = Path(str(config.get("base_model_name_or_path") or "")).name or None
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        (staging / "adapter").rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


__all__ = ["Finetuned", "Split", "finetune", "schedule"]
