"""SELU's conditions for self-normalization, checked on any model and its inputs."""

from __future__ import annotations

import warnings

import torch
from torch import nn


class SelfNormalizationWarning(UserWarning):
    """A SELU network breaks a condition of self-normalization."""


def selu_problems(model: nn.Module, inputs: torch.Tensor | None = None) -> list[str]:
    """What keeps a SELU model from self-normalizing; empty if nothing (or no SELU).

    Checks: no batch norm, AlphaDropout rather than dropout, and inputs standardized
    (every feature's mean within 0.2 of 0 and standard deviation within 0.2 of 1, or a
    constant feature). Skip connections cannot be seen from the modules: keep to plain
    sequential dense layers.

    Args:
        model: The network.
        inputs: Training inputs, rows are examples; not checked if None.
    """
    modules = list(model.modules())
    if not any(isinstance(m, nn.SELU) for m in modules):
        return []
    problems = []
    if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in modules):
        problems.append("it has batch norm layers (SELU normalizes by itself; remove them)")
    if any(type(m) is nn.Dropout for m in modules):
        problems.append("it uses Dropout (use nn.AlphaDropout, which keeps mean and variance)")
    if inputs is not None and inputs.ndim == 2 and inputs.shape[0] > 1:
        x = inputs.detach().double()
        mean, std = x.mean(0), x.std(0)
        off = ((mean.abs() > 0.2) | ((std - 1).abs() > 0.2)) & (std > 0)
        if bool(off.any()):
            problems.append(
                f"{int(off.sum())} of {x.shape[1]} input features are not standardized "
                "(scale them to mean 0, standard deviation 1, e.g. with StandardScaler)"
            )
    return problems


def check_self_normalizing(model: nn.Module, inputs: torch.Tensor | None = None) -> None:
    """Warns with :class:`SelfNormalizationWarning` for each of :func:`selu_problems`."""
    for problem in selu_problems(model, inputs):
        warnings.warn(
            f"SELU network: {problem}; it will not self-normalize.",
            SelfNormalizationWarning,
            stacklevel=2,
        )
