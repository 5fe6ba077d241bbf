"""Optional int8 weights for CPU scoring: dynamic quantization of the backbone's linear layers.

Dynamic int8 stores each `nn.Linear` weight as int8 with one scale per output channel and
quantizes the activations on the fly; the matmuls then run in the CPU's int8 kernels (fbgemm /
oneDNN). Only the backbone's linear layers change. The embedding (a lookup, no matmul) and the
reward head (a few thousand weights whose outputs *are* the scores) stay float32, so int8
error enters through the backbone's hidden state only.

What it costs: the activation scale is one number per linear layer and forward pass (over every
row and position of the batch), so a token with outlying activations (decoders put large ones
on the first token) coarsens every other token's, and a row's scores depend on which rows
share its batch. How far scores move depends on the model; for the default model it is far
(scores move by about one point on the 0-4 scale, pairwise accuracy falls from 69% to 55%;
`python -m bench.precision`), so it is off by default and meant for models measured to bear it.

These kernels exist for the CPU only, and they quantize from float32 weights, so `int8` is
refused on any other device or dtype.
"""

from __future__ import annotations

import logging
import warnings

import torch
from torch import nn
from transformers import PreTrainedModel

from ..config import Quantize, quantize_problem

logger = logging.getLogger(__name__)


def check_quantize(mode: Quantize, device: torch.device, dtype: torch.dtype) -> None:
    """Raise ValueError, saying why and what to change, when `mode` cannot run on `device` in `dtype`."""
    problem = quantize_problem(mode, str(device), str(dtype).removeprefix("torch."))
    if problem is not None:
        raise ValueError(problem)


def quantize_model(model: PreTrainedModel, mode: Quantize) -> None:
    """Quantize, in place, the linear layers of `model`'s backbone (`model.base_model`) to `mode`.

    `none` leaves the model as it is. The head of a `*ForSequenceClassification` sits outside
    the backbone and the embedding is not a linear layer, so both stay float32.
    """
    parameter = next(model.parameters())
    check_quantize(mode, parameter.device, parameter.dtype)
    if mode == "none":
        return
    backbone = model.base_model
    if backbone is model:
        raise ValueError(f"{type(model).__name__} is a bare backbone: its head would be quantized with it")
    # Imported here: torch marks torch.ao.quantization as deprecated, and a float model should
    # never depend on it.
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        # Both warnings announce a future removal and point to torchao, but torchao 0.18's int8
        # path without torch.compile was no faster than float32 at the server's batch sizes on a
        # 2-core AVX-512 CPU, where these kernels are 2.3-2.6x faster. They work in torch 2.13;
        # the import inside this function keeps a later removal away from float32 loads.
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings(
            "ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel", category=UserWarning
        )
        quantize_dynamic(backbone, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
    logger.warning(
        "int8: scores differ from float32 and depend on which rows share a batch; "
        "measure the model's accuracy with `python -m bench.precision --model DIR` before relying on them"
    )
