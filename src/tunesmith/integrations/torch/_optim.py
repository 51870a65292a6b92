"""Optimizers: Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8 unless tuned), RMSProp, SGD with momentum."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Literal

import torch

from tunesmith._validate import as_real
from tunesmith.exceptions import InvalidArgumentError

OptimizerName = Literal["adam", "rmsprop", "sgd"]
OPTIMIZERS: tuple[OptimizerName, ...] = ("adam", "rmsprop", "sgd")


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer and its settings. The defaults are the notes' Adam defaults.

    Args:
        name: ``"adam"``, ``"rmsprop"`` or ``"sgd"``.
        learning_rate: The step size α (for a batch of ``base_batch_size`` when the
            learning rate is scaled with batch size, see :class:`~.TrainingSpec`).
        beta_1: Adam's momentum (average of gradients).
        beta_2: Adam's average of squared gradients (the RMSProp part).
        epsilon: The stability constant of Adam and RMSProp.
        momentum: SGD's momentum β.
        rho: RMSProp's decay of the squared-gradient average.
        weight_decay: L2 penalty; decoupled (AdamW) for Adam.

    Example:
        >>> from tunesmith.integrations.torch import OptimizerSpec
        >>> spec = OptimizerSpec(learning_rate=3e-3)
        >>> spec.beta_1, spec.beta_2, spec.epsilon
        (0.9, 0.999, 1e-08)
    """

    name: OptimizerName = "adam"
    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    momentum: float = 0.9
    rho: float = 0.9
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise InvalidArgumentError(
                f"OptimizerSpec: unknown optimizer, got name={self.name!r}. "
                f"Use one of {list(OPTIMIZERS)}."
            )
        where = "OptimizerSpec"
        # Stored as Python floats: they reach the optimizer, its checkpoints and the attrs.
        set_ = object.__setattr__
        set_(
            self,
            "learning_rate",
            as_real(where, "learning_rate", self.learning_rate, low=0, low_open=True),
        )
        set_(self, "epsilon", as_real(where, "epsilon", self.epsilon, low=0, low_open=True))
        for name in ("beta_1", "beta_2", "momentum", "rho"):
            set_(
                self,
                name,
                as_real(where, name, getattr(self, name), low=0, high=1, high_open=True),
            )
        set_(
            self,
            "weight_decay",
            as_real(where, "weight_decay", self.weight_decay, low=0, fix="Use 0 for none."),
        )


def make_optimizer(
    params: Iterable[torch.nn.Parameter],
    spec: OptimizerSpec,
    *,
    learning_rate: float | None = None,
) -> torch.optim.Optimizer:
    """The torch optimizer ``spec`` describes, over ``params``.

    Args:
        params: The model's parameters.
        spec: Which optimizer and its settings.
        learning_rate: Overrides ``spec.learning_rate`` (e.g. after batch-size scaling).

    Returns:
        ``torch.optim.AdamW`` for Adam (plain Adam when ``weight_decay`` is 0),
        ``torch.optim.RMSprop`` or ``torch.optim.SGD``.
    """
    lr = spec.learning_rate if learning_rate is None else learning_rate
    if spec.name == "adam":
        return torch.optim.AdamW(
            params,
            lr=lr,
            betas=(spec.beta_1, spec.beta_2),
            eps=spec.epsilon,
            weight_decay=spec.weight_decay,
        )
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(
            params, lr=lr, alpha=spec.rho, eps=spec.epsilon, weight_decay=spec.weight_decay
        )
    return torch.optim.SGD(params, lr=lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
