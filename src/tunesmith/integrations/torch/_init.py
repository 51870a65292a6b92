"""Weight initialization paired with the activation, so the signal keeps its variance.

- He (Kaiming) normal, ``Var(w) = 2 / fan_in``: ReLU family, ELU and GELU (leaky ReLU with
  slope ``a`` uses ``2 / ((1 + a²) fan_in)``);
- LeCun normal, ``Var(w) = 1 / fan_in``: SELU, as self-normalization requires;
- Glorot (Xavier) uniform, ``Var(w) = 2 / (fan_in + fan_out)``: tanh and sigmoid.

Biases start at zero.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import torch
from torch import nn

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch._layers import Activation, check_activation

Initializer = Literal["he", "lecun", "glorot"]

_PAIRS: dict[str, Initializer] = {
    "relu": "he",
    "leaky_relu": "he",
    "elu": "he",
    "gelu": "he",
    "gelu_fast": "he",
    "selu": "lecun",
    "tanh": "glorot",
    "sigmoid": "glorot",
}


def initializer_for(activation: Activation) -> Initializer:
    """The initializer that goes with ``activation``.

    Example:
        >>> from tunesmith.integrations.torch import initializer_for
        >>> initializer_for("gelu"), initializer_for("selu"), initializer_for("tanh")
        ('he', 'lecun', 'glorot')
    """
    return _PAIRS[check_activation(activation, "initializer_for")]


def weight_std(
    initializer: Initializer, fan_in: int, fan_out: int, *, negative_slope: float = 0.0
) -> float:
    """The standard deviation the initializer gives weights of a layer with these fans."""
    if initializer not in get_args(Initializer):
        raise InvalidArgumentError(
            f"weight_std: unknown initializer, got initializer={initializer!r}. Use one of "
            f"{list(get_args(Initializer))}."
        )
    as_int("weight_std", "fan_in", fan_in, 1)
    as_int("weight_std", "fan_out", fan_out, 1)
    if initializer == "he":
        return math.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in))
    if initializer == "lecun":
        return math.sqrt(1.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


@torch.no_grad()
def initialize(
    layer: nn.Linear,
    activation: Activation,
    *,
    negative_slope: float = 0.01,
    generator: torch.Generator | None = None,
) -> None:
    """Draws ``layer``'s weights for the activation that follows it; zeroes its bias.

    Args:
        layer: A dense layer (its weight is ``fan_out x fan_in``).
        activation: The activation applied to this layer's output.
        negative_slope: Leaky ReLU's slope, when ``activation`` is ``"leaky_relu"``.
        generator: Random generator; torch's global one if None.
    """
    kind = initializer_for(activation)
    fan_out, fan_in = layer.weight.shape
    slope = negative_slope if activation == "leaky_relu" else 0.0
    std = weight_std(kind, fan_in, fan_out, negative_slope=slope)
    if kind == "glorot":
        limit = math.sqrt(3.0) * std  # uniform on [-l, l] has variance l² / 3
        layer.weight.uniform_(-limit, limit, generator=generator)
    else:
        layer.weight.normal_(0.0, std, generator=generator)
    if layer.bias is not None:
        layer.bias.zero_()
