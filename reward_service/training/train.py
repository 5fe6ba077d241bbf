"""Fit a reward head on a frozen backbone, evaluate it, and write a checkpoint the server loads.

Head-only training: the backbone's last hidden state at each conversation's read position
(the same position the server reads, through the same Scorer) is cached on disk, then a
linear map without bias onto the attributes is fitted in closed form (ridge regression, its
strength chosen on the validation split).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from tqdm import tqdm
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedConfig, PreTrainedTokenizerBase

from ..engine.plan import BatchPlan, Row, pack
from ..model.formatting import ConversationEncoder
from ..model.scorer import Scorer
from ..model.spec import HELPSTEER2_ATTRIBUTES, NEMOTRON_WEIGHTS, REWARD_CONFIG_FILE, UNCERTAINTY_FILE, Pooling
from .adapter import Adapter
from .finetune import Split, finetune
from .helpsteer import load_rated
from .options import LoraOptions

logger = logging.getLogger(__name__)

HEAD_FILE = "score.safetensors"
REPORT_FILE = "eval_report.json"
RIDGE_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class TrainOptions:
    data: Path  # folder holding train/validation/test .jsonl or .parquet files
    backbone: Path  # safetensors checkpoint of the decoder (causal LM or bare model)
    out: Path
    cache: Path
    name: str = "reward-head"
    pooling: Pooling = "last_non_pad"
    pad_token_id: int | None = None  # the checkpoint's pad id; decides the read position
    max_tokens: int = 2048
    batch_tokens: int = 4096
    threads: int | None = None
    # Keep only the first N decoder layers (None: all). On small backbones a middle layer's
    # state often separates quality better than the last one, and fewer layers score faster.
    num_layers: int | None = None
    lora: LoraOptions | None = None  # fine-tune the backbone with LoRA (None: the head alone)
    ensemble: int = 8  # bootstrap heads shipped for uncertainty (0: none)


def split_files(data: Path) -> dict[str, Path]:
    """train/validation/test files in `data`, by name (.jsonl, .json or .parquet)."""
    found = {}
    for split in SPLITS:
        for suffix in (".jsonl", ".json", ".parquet"):
            if (data / f"{split}{suffix}").is_file():
                found[split] = data / f"{split}{suffix}"
                break
    missing = [split for split in ("train", "validation") if split not in found]
    if missing:
        raise ValueError(f"{data}: no {' or '.join(missing)} file (expected {{train,validation,test}}.jsonl)")
    return found


class FeatureCache:
    """Hidden states per token sequence, saved in chunk files as they are computed, so an
    interrupted extraction resumes where it stopped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, torch.Tensor] = {}
        for chunk in sorted(folder.glob("chunk-*.safetensors")):
            with safe_open(str(chunk), framework="pt") as handle:
                keys = json.loads((handle.metadata() or {}).get("keys", "[]"))
                features = handle.get_tensor("features")
            self.rows.update(zip(keys, features, strict=True))

    @staticmethod
    def key(token_ids: Sequence[int]) -> str:
        return hashlib.sha256(json.dumps(list(token_ids)).encode()).hexdigest()

    def add(self, keys: list[str], features: torch.Tensor) -> None:
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        path = self.folder / f"chunk-{name}.safetensors"
        save_file({"features": features.contiguous()}, str(path) + ".tmp", metadata={"keys": json.dumps(keys)})
        os.replace(str(path) + ".tmp", path)
        self.rows.update(zip(keys, features, strict=True))


def extract(scorer: Scorer, rows: list[Row], cache: FeatureCache, batch_tokens: int, desc: str) -> torch.Tensor:
    """Features for each row, in order, computing only what the cache lacks."""
    keys = [FeatureCache.key(row.ids) for row in rows]
    todo = list({k: r for k, r in zip(keys, rows, strict=True) if k not in cache.rows}.items())
    with tqdm(total=sum(len(r) for _, r in todo), desc=desc, unit="tok", disable=not todo) as bar:
        for chunk in pack([len(row) for _, row in todo], max_tokens=batch_tokens):
            batch = [todo[i] for i in chunk]
            features = scorer.features(BatchPlan.one_pass([row for _, row in batch])).float().cpu()  # [n, H]
            cache.add([key for key, _ in batch], features)
            bar.update(sum(len(row) for _, row in batch))
    return torch.stack([cache.rows[key] for key in keys])


def fit_ridge(features: torch.Tensor, targets: torch.Tensor, alpha: float) -> torch.Tensor:
    """W minimising |XW^T - Y|^2 + alpha*|W|^2 (no bias), in float64; shape [labels, hidden]."""
    x, y = features.double(), targets.double()
    gram = x.T @ x + alpha * len(x) * torch.eye(x.shape[1], dtype=torch.float64)
    return torch.linalg.solve(gram, x.T @ y).T.float()


def pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else 0.0


def evaluate(
    predictions: torch.Tensor, labels: torch.Tensor, prompt_keys: Sequence[str], weights: Sequence[float]
) -> dict[str, object]:
    """Per-attribute Pearson and MAE, and pairwise accuracy of the aggregate within each prompt."""
    per_attribute = {
        name: {
            "pearson": round(pearson(predictions[:, i], labels[:, i]), 4),
            "mae": round(float((predictions[:, i] - labels[:, i]).abs().mean()), 4),
        }
        for i, name in enumerate(HELPSTEER2_ATTRIBUTES)
    }
    w = torch.tensor(weights)
    predicted, true = predictions @ w, labels @ w
    by_prompt: dict[str, list[int]] = {}
    for index, key in enumerate(prompt_keys):
        by_prompt.setdefault(key, []).append(index)
    right = total = 0
    for members in by_prompt.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if abs(float(true[a] - true[b])) < 1e-9:
                    continue  # equally rated: no preference to recover
                total += 1
                right += int((float(predicted[a] - predicted[b]) > 0) == (float(true[a] - true[b]) > 0))
    return {
        "responses": len(labels),
        "attributes": per_attribute,
        "pairwise_accuracy": round(right / total, 4) if total else None,
        "pairs": total,
    }


def train(options: TrainOptions) -> dict[str, object]:
    """Train, evaluate and write a complete checkpoint to `options.out`; returns the report."""
    if options.threads:
        torch.set_num_threads(options.threads)
    files = split_files(options.data)
    data = {split: load_rated(path) for split, path in files.items()}

    tokenizer = AutoTokenizer.from_pretrained(options.backbone)
    config = backbone_config(options)
    backbone = AutoModel.from_pretrained(options.backbone, config=config, dtype=torch.float32).eval()
    pad_token_id = options.pad_token_id if options.pad_token_id is not None else config.pad_token_id
    hidden = config.get_text_config().hidden_size
    head = torch.nn.Linear(hidden, len(HELPSTEER2_ATTRIBUTES), bias=False)
    head.weight.requires_grad_(False)
    scorer = Scorer(backbone, head, pad_token_id=pad_token_id, pooling=options.pooling)
    encoder = ConversationEncoder(tokenizer, scorer.rule)
    splits = {}
    for split, examples in data.items():
        encoded = encoder.encode_many(
            [e.conversation() for e in examples], max_tokens=options.max_tokens, truncation="left"
        )
        splits[split] = Split(
            rows=[e.row for e in encoded],
            labels=torch.tensor([e.labels for e in examples]),
            keys=[e.prompt_key for e in examples],
        )

    weights = [NEMOTRON_WEIGHTS[name] for name in HELPSTEER2_ATTRIBUTES]
    fingerprint = _digest([str(options.backbone.resolve()), options.pooling, pad_token_id, options.num_layers])
    report: dict[str, object] = {
        "backbone": options.backbone.name,
        "pooling": options.pooling,
        "pad_token_id": pad_token_id,
        "num_layers": config.num_hidden_layers,
        "aggregate_weights": dict(NEMOTRON_WEIGHTS),
    }
    adapter: Adapter | None = None
    if options.lora is not None:
        # A probe on the frozen backbone first: the head starts from it, and the report compares.
        frozen = _features(scorer, splits, FeatureCache(options.cache / fingerprint), options.batch_tokens)
        probe, probe_alpha, _ = select_head(frozen, splits)
        report["probe"] = {
            "ridge_alpha": probe_alpha,
            **{split: evaluate(frozen[split] @ probe.T, s.labels, s.keys, weights) for split, s in splits.items()},
        }
        head.weight.copy_(probe)
        run = _digest([fingerprint, asdict(options.lora), [FeatureCache.key(r.ids) for r in splits["train"].rows]])
        tuned = finetune(
            backbone,
            head,
            splits["train"],
            splits["validation"],
            options.lora,
            fill_id=scorer.fill_id,
            weights=weights,
            state_dir=options.cache / f"lora-{run}",
            evaluate=lambda predictions, labels, keys: evaluate(predictions, labels, keys, weights),
        )
        adapter = Adapter.load(tuned.adapter)
        # Score through the merged plain weights, exactly as they will be served.
        backbone = AutoModel.from_pretrained(options.backbone, config=config, dtype=torch.float32).eval()
        backbone.load_state_dict(adapter.merged(backbone.state_dict()))
        scorer = Scorer(backbone, head, pad_token_id=pad_token_id, pooling=options.pooling)
        fingerprint = _digest([fingerprint, adapter.digest])
        report["finetune"] = {
            "lora": asdict(options.lora),
            "precision": tuned.precision,
            "steps": tuned.steps,
            "seconds_this_run": round(tuned.seconds, 1),
            "history": tuned.history,
        }

    features = _features(scorer, splits, FeatureCache(options.cache / fingerprint), options.batch_tokens)
    w, alpha, search = select_head(features, splits)
    report["ridge_alpha"] = alpha
    report["validation_mse_by_alpha"] = {str(a): round(m, 4) for a, m in search.items()}
    for split, s in splits.items():
        report[split] = evaluate(features[split] @ w.T, s.labels, s.keys, weights)
    held_out = "test" if "test" in splits else "validation"
    report["calibration"] = calibration(features[held_out] @ w.T, splits[held_out].labels, held_out)
    ensemble = None
    if options.ensemble:
        ensemble = bootstrap_heads(features["train"], splits["train"], alpha, options.ensemble)
        report["uncertainty"] = spread_against_error(features[held_out], w, ensemble, splits[held_out], held_out)
    write_checkpoint(
        options,
        w,
        pad_token_id,
        report,
        config=backbone_config(options),
        tokenizer=tokenizer,
        adapter=adapter,
        ensemble=ensemble,
    )
    return report


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _features(
    scorer: Scorer, splits: dict[str, Split], cache: FeatureCache, batch_tokens: int
) -> dict[str, torch.Tensor]:
    return {split: extract(scorer, list(s.rows), cache, batch_tokens, split) for split, s in splits.items()}


def select_head(
    features: dict[str, torch.Tensor], splits: dict[str, Split]
) -> tuple[torch.Tensor, float, dict[float, float]]:
    """The ridge head fitted on train with the strength that predicts validation best."""
    search = {}
    for alpha in RIDGE_GRID:
        w = fit_ridge(features["train"], splits["train"].labels, alpha)
        search[alpha] = float(((features["validation"] @ w.T - splits["validation"].labels) ** 2).mean())
    alpha = min(search, key=lambda a: search[a])
    return fit_ridge(features["train"], splits["train"].labels, alpha), alpha, search


def bootstrap_heads(features: torch.Tensor, train: Split, alpha: float, count: int, seed: int = 0) -> torch.Tensor:
    """`count` heads, each fitted on a resample of the training prompts (with replacement, a
    prompt bringing all its responses), [count, labels, hidden]: their spread says how far the
    data pins the head down at a given input."""
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(train.keys):
        groups.setdefault(key, []).append(index)
    members = list(groups.values())
    heads = []
    for k in range(count):
        generator = torch.Generator().manual_seed(seed + k)
        picks = torch.randint(len(members), (len(members),), generator=generator).tolist()
        rows = [i for g in picks for i in members[g]]
        heads.append(fit_ridge(features[rows], train.labels[rows], alpha))
    return torch.stack(heads)


def calibration(predictions: torch.Tensor, labels: torch.Tensor, split: str) -> dict[str, object]:
    """How each attribute's predicted scale compares with its labels' (HelpSteer2's 0-4)."""
    out: dict[str, object] = {"split": split}
    for i, name in enumerate(HELPSTEER2_ATTRIBUTES):
        p, y = predictions[:, i], labels[:, i]
        out[name] = {
            "label_mean": round(float(y.mean()), 3),
            "label_std": round(float(y.std()), 3),
            "predicted_mean": round(float(p.mean()), 3),
            "predicted_std": round(float(p.std()), 3),
            "predicted_min": round(float(p.min()), 3),
            "predicted_max": round(float(p.max()), 3),
            # Within half a point of the 0-4 scale, where a rounded label could lie.
            "share_within_scale": round(float(((p >= -0.5) & (p <= 4.5)).float().mean()), 3),
        }
    return out


def spread_against_error(
    features: torch.Tensor, head: torch.Tensor, ensemble: torch.Tensor, split: Split, name: str
) -> dict[str, object]:
    """Per attribute: the mean absolute error of the responses whose ensemble spread is in the
    top tenth, against those in the bottom tenth (spread as the server reports it)."""
    error = (features @ head.T - split.labels).abs()  # [N, L]
    spread = torch.einsum("nh,klh->nkl", features, ensemble).std(dim=1)  # [N, L]
    tenth = max(1, len(features) // 10)
    out: dict[str, object] = {"split": name, "heads": len(ensemble)}
    for i, attribute in enumerate(HELPSTEER2_ATTRIBUTES):
        order = spread[:, i].argsort()
        low, high = order[:tenth], order[-tenth:]
        out[attribute] = {
            "mean_spread": round(float(spread[:, i].mean()), 4),
            "error_bottom_tenth_spread": round(float(error[low, i].mean()), 4),
            "error_top_tenth_spread": round(float(error[high, i].mean()), 4),
        }
    return out


def backbone_config(options: TrainOptions) -> PreTrainedConfig:
    config = AutoConfig.from_pretrained(options.backbone)
    if options.num_layers is not None:
        if not 0 < options.num_layers <= config.num_hidden_layers:
            raise ValueError(f"--num-layers must be between 1 and {config.num_hidden_layers}")
        config.num_hidden_layers = options.num_layers
        if isinstance(getattr(config, "layer_types", None), list):
            config.layer_types = config.layer_types[: options.num_layers]
    return config


_LAYER_KEY = re.compile(r"(?:^|\.)layers\.(\d+)\.")


def keep_tensor(key: str, num_layers: int) -> bool:
    """Whether a backbone tensor belongs in a reward checkpoint with `num_layers` layers."""
    if key.startswith(("lm_head.", "score.")):
        return False  # another model's output layer; the reward head is written separately
    layer = _LAYER_KEY.search(key)
    return layer is None or int(layer.group(1)) < num_layers


def write_checkpoint(
    options: TrainOptions,
    weight: torch.Tensor,
    pad_token_id: int | None,
    report: dict,
    *,
    config: PreTrainedConfig,
    tokenizer: PreTrainedTokenizerBase,
    adapter: Adapter | None = None,
    ensemble: torch.Tensor | None = None,
) -> None:
    """A sequence-classification checkpoint: backbone weights (linked or copied; merged with the
    adapter when there is one), the head as its own shard, an index joining them, config,
    tokenizer, reward_config, the ensemble, the report, and the adapter itself under `adapter/`."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    architecture = type(config).__name__.removesuffix("Config") + "ForSequenceClassification"
    config.architectures = [architecture]
    config.num_labels = len(HELPSTEER2_ATTRIBUTES)
    config.id2label = dict(enumerate(HELPSTEER2_ATTRIBUTES))
    config.label2id = {name: i for i, name in enumerate(HELPSTEER2_ATTRIBUTES)}
    config.pad_token_id = pad_token_id
    config.problem_type = "regression"
    config.save_pretrained(out)
    tokenizer.save_pretrained(out)

    save_file({"score.weight": weight.contiguous()}, str(out / HEAD_FILE))
    weight_map = {"score.weight": HEAD_FILE}
    for shard in sorted(options.backbone.glob("*.safetensors")):
        target = out / f"backbone-{shard.name}"
        with safe_open(str(shard), framework="pt") as handle:
            keys = list(handle.keys())
            # A causal LM's output layer, and layers past num_layers, are no part of this model.
            kept = [key for key in keys if keep_tensor(key, config.num_hidden_layers)]
            if len(kept) < len(keys) or adapter is not None:
                target.unlink(missing_ok=True)
                tensors = {key: handle.get_tensor(key) for key in kept}
                if adapter is not None:
                    tensors = adapter.merged(tensors, complete=False)
                save_file(tensors, str(target))
        if not target.exists():
            try:
                os.link(shard, target)
            except OSError:
                shutil.copyfile(shard, target)
        weight_map.update(dict.fromkeys(kept, target.name))
    if adapter is not None:
        unplaced = [module for module in adapter.updates if adapter.target(module, weight_map) is None]
        if unplaced:
            raise ValueError(f"the adapter updates modules the backbone does not have: {unplaced[:5]}")
        shutil.rmtree(out / "adapter", ignore_errors=True)
        shutil.copytree(adapter.folder, out / "adapter")
    if ensemble is not None:
        save_file({"heads": ensemble.contiguous()}, str(out / UNCERTAINTY_FILE))
    else:
        (out / UNCERTAINTY_FILE).unlink(missing_ok=True)
    (out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}, indent=1))
    (out / REWARD_CONFIG_FILE).write_text(
        json.dumps({"name": options.name, "weights": dict(NEMOTRON_WEIGHTS), "pooling": options.pooling}, indent=2)
        + "\n"
    )
    (out / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n")


def main_train(options: TrainOptions) -> int:
    report = train(options)
    test = report.get("test") or report.get("validation")
    logger.info("report: %s", json.dumps(test))
    print(json.dumps({"out": str(options.out), "test": test}, indent=2))
    return 0


__all__ = ["TrainOptions", "evaluate", "fit_ridge", "main_train", "train"]
