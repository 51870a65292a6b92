"""Layers: activations by name (GELU exact and its fast sigmoid form), batch norm, heads."""

from __future__ import annotations

import math
from typing import Literal, get_args

import numpy as np
import torch
from torch import nn

from tunesmith._validate import as_int, as_real
from tunesmith.exceptions import InvalidArgumentError

Activation = Literal["relu", "leaky_relu", "elu", "selu", "gelu", "gelu_fast", "tanh", "sigmoid"]
Task = Literal["classification", "binary", "regression"]

ACTIVATIONS: tuple[str, ...] = get_args(Activation)


class GELU(nn.Module):
    """Gaussian error linear unit, ``z * Φ(z)`` with Φ the standard normal CDF.

    Args:
        fast: Use the sigmoid approximation ``z * σ(1.702 z)`` (cheaper, within 0.02 of
            the exact form everywhere).

    Example:
        >>> import torch
        >>> from tunesmith.integrations.torch import GELU
        >>> round(float(GELU()(torch.tensor(1.0))), 4)  # 1 * Φ(1)
        0.8413
        >>> round(float(GELU(fast=True)(torch.tensor(1.0))), 4)  # σ(1.702)
        0.8458
    """

    def __init__(self, *, fast: bool = False) -> None:
        super().__init__()
        if not isinstance(fast, bool | np.bool_):
            raise InvalidArgumentError(
                f"GELU: fast must be True (z·σ(1.702z)) or False (exact), got fast={fast!r}."
            )
        self.fast = fast

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.fast:
            return z * torch.sigmoid(1.702 * z)
        return z * 0.5 * (1.0 + torch.erf(z / math.sqrt(2.0)))

    def extra_repr(self) -> str:
        return "fast=True" if self.fast else ""


def check_activation(name: object, where: str = "activation") -> Activation:
    """Returns ``name`` if it is a known activation, else raises with the list."""
    if name not in ACTIVATIONS:
        raise InvalidArgumentError(
            f"{where}: unknown activation, got activation={name!r}. "
            f"Use one of {list(ACTIVATIONS)}."
        )
    return name  # type: ignore[return-value]


def make_activation(name: Activation, *, negative_slope: float = 0.01) -> nn.Module:
    """The activation module called ``name``.

    Args:
        name: One of :data:`ACTIVATIONS`; ``"gelu"`` is exact, ``"gelu_fast"`` the
            ``z * σ(1.702 z)`` form.
        negative_slope: Slope of leaky ReLU for ``z < 0``.

    Returns:
        A fresh module.

    Raises:
        InvalidArgumentError: ``name`` is not a known activation.
    """
    name = check_activation(name)
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if name == "elu":
        return nn.ELU()
    if name == "selu":
        return nn.SELU()
    if name in ("gelu", "gelu_fast"):
        return GELU(fast=name == "gelu_fast")
    if name == "tanh":
        return nn.Tanh()
    return nn.Sigmoid()


def make_batch_norm(n_units: int, *, eps: float = 1e-5, momentum: float | None = 0.1) -> nn.Module:
    """Batch normalization of a dense layer's pre-activations ``z``.

    In training, each unit's ``z`` is normalized with the mean ``μ`` and the (biased)
    variance ``σ²`` of the mini-batch, ``(z - μ) / sqrt(σ² + eps)``, then scaled and
    shifted by the learned ``γ`` and ``β``; at evaluation the running averages replace the
    batch's statistics. The dense builder puts it between the linear map and the
    activation, and drops the linear bias there (``β`` takes its place).
    """
    as_int("make_batch_norm", "n_units", n_units, 1)
    as_real("make_batch_norm", "eps", eps, low=0, low_open=True)
    if momentum is not None:  # None: PyTorch's cumulative average
        as_real(
            "make_batch_norm",
            "momentum",
            momentum,
            low=0,
            high=1,
            low_open=True,
            fix="It weighs each batch in the running averages; the default is 0.1.",
        )
    return nn.BatchNorm1d(n_units, eps=eps, momentum=momentum)


def output_probabilities(logits: torch.Tensor, task: Task) -> torch.Tensor:
    """The output activation: softmax over classes, sigmoid for binary, identity for
    regression. Networks emit logits; the losses apply these inside, stably."""
    if task == "classification":
        return torch.softmax(logits, dim=-1)
    if task == "binary":
        return torch.sigmoid(logits)
    return logits


class TaskLoss(nn.Module):
    """The training loss of a task, on logits: cross-entropy (softmax) for classification,
    binary cross-entropy (sigmoid) for binary, mean squared error for regression.

    Binary and regression networks may emit one column; targets are matched to it.

    Raises:
        InvalidArgumentError: ``task`` is not one of the three.
    """

    def __init__(self, task: Task) -> None:
        super().__init__()
        if task not in get_args(Task):
            raise InvalidArgumentError(
                f"TaskLoss: unknown task, got task={task!r}. Use one of {list(get_args(Task))}."
            )
        self.task = task
        self.loss: nn.Module = {
            "classification": nn.CrossEntropyLoss,
            "binary": nn.BCEWithLogitsLoss,
            "regression": nn.MSELoss,
        }[task]()

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.task != "classification" and logits.ndim == target.ndim + 1:
            logits = logits.squeeze(-1)
        return self.loss(logits, target)  # type: ignore[no-any-return]
