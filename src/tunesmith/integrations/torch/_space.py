"""The ready search space of a dense network, defined in the notes' order of priority.

=====  ====================  =================================  ===========  =========
tier   name                  range                              scale        default
=====  ====================  =================================  ===========  =========
1      ``learning_rate``     1e-4 … 1e-1                        log          1e-3
2      ``optimizer``         the ``optimizers`` given           choice       first
2      ``beta_1`` (adam),    0.8 … 0.999 (β; ``1 - β`` is       reverse_log  0.9
       ``rho`` (rmsprop),    log-uniform, so the averaging
       ``momentum`` (sgd)    window ``1 / (1 - β)`` is)
2      ``units``             32 … 256, step 32 (≥ outputs)      linear       64
2      ``batch_size``        16, 32, 64, 128                    ordered      32
3      ``layers``            1 … ``max_layers``                 linear       2
3      ``lr_decay``          none, cosine, inverse_time         choice       none
-      ``activation``        the ``activations`` given          choice       first
-      ``batch_norm``        off/on (not with SELU)             boolean      off
-      ``wide_first_layer``  first layer 2 × units              boolean      off
-      ``dropout``           0 … 0.5 (AlphaDropout for SELU)    linear       0
-      ``weight_decay``      1e-6 … 1e-2                        log          1e-4
=====  ====================  =================================  ===========  =========

Adam's β2 = 0.999 and ε = 1e-8 stay fixed. The initializer is not a hyperparameter: it
follows the activation (He, LeCun normal for SELU, Glorot). The number of epochs is a
budget, not a hyperparameter: it is an argument of the training loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tunesmith._validate import as_list
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch._builder import DenseSpec
from tunesmith.integrations.torch._fit import TrainingSpec
from tunesmith.integrations.torch._layers import Activation, check_activation
from tunesmith.integrations.torch._optim import OPTIMIZERS, OptimizerName, OptimizerSpec
from tunesmith.integrations.torch._schedules import ScaleRule

#: The hyperparameter holding each optimizer's momentum-like β.
_BETA_NAME = {"adam": "beta_1", "rmsprop": "rho", "sgd": "momentum"}


def _check_list(where: str, name: str, values: Any) -> None:
    """Option lists are non-empty lists (a string would read as its letters)."""
    fix = f"Write {name}=[{values!r}]." if isinstance(values, str) else "Give one or more."
    as_list(where, name, values, fix)


def _choice_or_fixed(hp: Any, name: str, values: Sequence[Any]) -> Any:
    if len(values) == 1:
        return hp.Fixed(name, values[0])
    return hp.Choice(name, list(values))


def _optimizer(hp: Any, optimizers: Sequence[OptimizerName]) -> dict[str, Any]:
    _check_list("dense_space", "optimizers", optimizers)
    for name in optimizers:
        if name not in OPTIMIZERS:
            raise InvalidArgumentError(
                f"dense_space: unknown optimizer, got optimizers={list(optimizers)!r}. "
                f"Use names from {list(OPTIMIZERS)}."
            )
    chosen = _choice_or_fixed(hp, "optimizer", optimizers)
    settings: dict[str, Any] = {"name": chosen}
    for name in optimizers:
        with hp.conditional_scope("optimizer", [name]):
            beta = hp.Float(_BETA_NAME[name], 0.8, 0.999, sampling="reverse_log", default=0.9)
        if name == chosen:
            settings[_BETA_NAME[name]] = beta
    return settings


def _batch_size(hp: Any, batch_sizes: Sequence[int]) -> int:
    _check_list("dense_space", "batch_sizes", batch_sizes)
    default = 32 if 32 in batch_sizes else batch_sizes[0]
    return int(hp.Choice("batch_size", list(batch_sizes), ordered=True, default=default))


def _decay(hp: Any) -> Any:
    return hp.Choice("lr_decay", ["none", "cosine", "inverse_time"], default="none")


def _training_spec(
    hp: Any,
    lr: float,
    settings: dict[str, Any],
    batch_size: int,
    decay: Any,
    warmup_epochs: float,
    lr_scaling: ScaleRule,
) -> TrainingSpec:
    weight_decay = hp.Float("weight_decay", 1e-6, 1e-2, sampling="log", default=1e-4)
    return TrainingSpec(
        OptimizerSpec(learning_rate=lr, weight_decay=weight_decay, **settings),
        batch_size=batch_size,
        decay=decay,
        warmup_epochs=warmup_epochs,
        lr_scaling=lr_scaling,
    )


def training_space(
    hp: Any,
    *,
    optimizers: Sequence[OptimizerName] = ("adam", "rmsprop", "sgd"),
    batch_sizes: Sequence[int] = (16, 32, 64, 128),
    warmup_epochs: float = 0.0,
    lr_scaling: ScaleRule = "none",
) -> TrainingSpec:
    """Defines the training hyperparameters (the table's learning rate, optimizer and β,
    batch size, decay and weight decay) and returns the trial's :class:`~.TrainingSpec`.

    For a :class:`~.HyperModel` whose ``build`` defines its own architecture.

    Example:
        >>> from tunesmith.space import HyperParameters
        >>> from tunesmith.integrations.torch import training_space
        >>> spec = training_space(HyperParameters(), optimizers=["adam"])
        >>> spec.optimizer.name, spec.optimizer.learning_rate, spec.batch_size
        ('adam', 0.001, 32)
    """
    lr = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log", default=1e-3)
    settings = _optimizer(hp, optimizers)
    batch_size = _batch_size(hp, batch_sizes)
    return _training_spec(hp, lr, settings, batch_size, _decay(hp), warmup_epochs, lr_scaling)


def dense_space(
    hp: Any,
    n_inputs: int,
    n_outputs: int,
    *,
    activations: Sequence[Activation] = ("relu", "elu", "gelu", "selu"),
    optimizers: Sequence[OptimizerName] = ("adam", "rmsprop", "sgd"),
    batch_sizes: Sequence[int] = (16, 32, 64, 128),
    max_units: int = 256,
    max_layers: int = 4,
    warmup_epochs: float = 0.0,
    lr_scaling: ScaleRule = "none",
) -> tuple[DenseSpec, TrainingSpec]:
    """Defines the default dense-network space (the module's table), in priority order.

    Calling it again with the same ``hp`` returns the same specs (definitions are found,
    not repeated), so ``build`` and ``fit`` can both call it.

    Args:
        hp: The trial's hyperparameters.
        n_inputs: Input features.
        n_outputs: Output units.
        activations: Activations to choose from; batch norm is offered only with the
            non-SELU ones.
        optimizers: Optimizers to choose from (one: fixed).
        batch_sizes: Batch sizes to choose from.
        max_units: The widest hidden layer width (first-layer widening aside).
        max_layers: The deepest network.
        warmup_epochs: Learning-rate warmup, in epochs (not tuned).
        lr_scaling: Scale the learning rate with the batch size: ``"none"``, ``"linear"``
            or ``"sqrt"`` (not tuned).

    Returns:
        The network's shape and the training settings.

    Example:
        >>> from tunesmith.space import HyperParameters
        >>> from tunesmith.integrations.torch import dense_space
        >>> hp = HyperParameters()
        >>> net, fit = dense_space(hp, 64, 10)
        >>> net.depth, net.width, net.activation, fit.optimizer.name
        (2, 64, 'relu', 'adam')
        >>> list(hp.values)[:5]
        ['learning_rate', 'optimizer', 'beta_1', 'units', 'batch_size']
    """
    _check_list("dense_space", "activations", activations)
    for name in activations:
        check_activation(name, "dense_space")
    min_units = 32 * math.ceil(n_outputs / 32)  # no layer narrower than the output
    if max_units < min_units:
        raise InvalidArgumentError(
            f"dense_space: max_units must be >= {min_units} (no layer narrower than the "
            f"output), got max_units={max_units}."
        )
    lr = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log", default=1e-3)
    settings = _optimizer(hp, optimizers)
    default_units = min(max(64, min_units), max_units - (max_units - min_units) % 32)
    units = hp.Int("units", min_units, max_units, step=32, default=default_units)
    batch_size = _batch_size(hp, batch_sizes)
    layers = hp.Int("layers", 1, max_layers, default=min(2, max_layers))
    decay = _decay(hp)
    activation = _choice_or_fixed(hp, "activation", activations)
    normalizable = [a for a in activations if a != "selu"]
    batch_norm = False
    if normalizable:
        with hp.conditional_scope("activation", normalizable):
            batch_norm = bool(hp.Boolean("batch_norm", default=False))
    wide_first = hp.Boolean("wide_first_layer", default=False)
    dropout = hp.Float("dropout", 0.0, 0.5, default=0.0)
    net = DenseSpec(
        n_inputs,
        n_outputs,
        depth=layers,
        width=units,
        first_width=2 * units if wide_first else None,
        activation=activation,
        batch_norm=batch_norm and activation != "selu",
        dropout=dropout,
    )
    return net, _training_spec(hp, lr, settings, batch_size, decay, warmup_epochs, lr_scaling)
