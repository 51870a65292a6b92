"""The dense network builder, following the sizing rules of the notes.

- constant width for every hidden layer (one number to tune), optionally a larger first
  layer to catch low-level features;
- no bottleneck: no hidden layer narrower than the output it feeds;
- "stretch pants": give the network room, then hold it back with dropout (and the
  optimizer's weight decay);
- each layer's weights drawn by the initializer paired with its activation;
- batch norm, when on, normalizes the pre-activations ``z`` (linear → BN → activation);
- SELU's conditions are enforced: plain sequential dense layers, no batch norm,
  AlphaDropout instead of dropout (standardized inputs are checked when training).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from tunesmith._validate import as_int, as_real
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch._init import initialize
from tunesmith.integrations.torch._layers import (
    Activation,
    check_activation,
    make_activation,
    make_batch_norm,
)


@dataclasses.dataclass(frozen=True)
class DenseSpec:
    """The shape of a dense network.

    Args:
        n_inputs: Input features.
        n_outputs: Output units (classes, 1 for binary or a single regression target).
        depth: Hidden layers.
        width: Units of every hidden layer.
        first_width: Units of the first hidden layer, if larger than ``width``.
        activation: The hidden layers' activation; it picks the initializer.
        batch_norm: Normalize each hidden layer's pre-activations.
        dropout: Dropout rate after each hidden layer (AlphaDropout for SELU).

    Raises:
        InvalidArgumentError: A rule is broken (e.g. width below n_outputs, or SELU with
            batch norm).
    """

    n_inputs: int
    n_outputs: int
    depth: int = 2
    width: int = 64
    first_width: int | None = None
    activation: Activation = "relu"
    batch_norm: bool = False
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("n_inputs", "n_outputs", "depth", "width"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(
                    f"DenseSpec: {name} must be a positive integer, got {name}={value!r}."
                )
        if self.first_width is not None:
            as_int("DenseSpec", "first_width", self.first_width, 1)
        if not isinstance(self.batch_norm, bool | np.bool_):
            raise InvalidArgumentError(
                f"DenseSpec: batch_norm must be True or False, got batch_norm={self.batch_norm!r}."
            )
        as_real("DenseSpec", "dropout", self.dropout, low=0, high=1, high_open=True)
        check_activation(self.activation, "DenseSpec")
        if self.width < self.n_outputs:
            raise InvalidArgumentError(
                f"DenseSpec: a hidden layer must not be narrower than the output it feeds, "
                f"got width={self.width} < n_outputs={self.n_outputs}. "
                f"Use width >= {self.n_outputs}."
            )
        if self.first_width is not None and self.first_width < self.width:
            raise InvalidArgumentError(
                f"DenseSpec: the first layer may be larger than the others, not smaller "
                f"(a bottleneck), got first_width={self.first_width} < width={self.width}. "
                "Use first_width >= width, or None."
            )
        if self.activation == "selu" and self.batch_norm:
            raise InvalidArgumentError(
                "DenseSpec: SELU self-normalizes and must not be combined with batch norm, "
                "got activation='selu', batch_norm=True. Drop batch_norm, or use another "
                "activation."
            )

    @property
    def widths(self) -> list[int]:
        """The hidden layers' widths, first to last."""
        first = self.first_width if self.first_width is not None else self.width
        return [first] + [self.width] * (self.depth - 1)


class DenseBlock(nn.Sequential):
    """One hidden layer: linear → (batch norm) → activation → (dropout)."""


class DenseNetwork(nn.Module):
    """A dense network built from a :class:`DenseSpec`; it outputs logits.

    Example:
        >>> import torch
        >>> from tunesmith.integrations.torch import DenseNetwork, DenseSpec
        >>> net = DenseNetwork(DenseSpec(64, 10, depth=2, width=32, activation="selu"))
        >>> net(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
        >>> net.widths
        [32, 32]
    """

    def __init__(self, spec: DenseSpec, *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.widths = spec.widths
        blocks = []
        fan_in = spec.n_inputs
        for units in self.widths:
            linear = nn.Linear(fan_in, units, bias=not spec.batch_norm)
            initialize(linear, spec.activation, generator=generator)
            layers: list[nn.Module] = [linear]
            if spec.batch_norm:
                layers.append(make_batch_norm(units))
            layers.append(make_activation(spec.activation))
            if spec.dropout > 0:
                kind = nn.AlphaDropout if spec.activation == "selu" else nn.Dropout
                layers.append(kind(spec.dropout))
            blocks.append(DenseBlock(*layers))
            fan_in = units
        self.hidden = nn.Sequential(*blocks)
        self.head = nn.Linear(fan_in, spec.n_outputs)
        initialize(self.head, "sigmoid", generator=generator)  # Glorot for the output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))  # type: ignore[no-any-return]
