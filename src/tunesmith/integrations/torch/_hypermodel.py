"""HyperModel: ``build(hp)`` makes the network, ``fit(hp, model, data, trial)`` trains it."""

from __future__ import annotations

import abc
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, get_args

import torch
from torch import nn

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch._builder import DenseNetwork
from tunesmith.integrations.torch._fit import TrainingSpec, check_warmup, train
from tunesmith.integrations.torch._layers import Activation, Task
from tunesmith.integrations.torch._optim import OptimizerName
from tunesmith.integrations.torch._space import dense_space, training_space
from tunesmith.space import HyperParameters

if TYPE_CHECKING:
    from tunesmith.execution import RunningTrial


class HyperModel(abc.ABC):
    """A tunable model: subclass it, write ``build``, and override ``fit`` to tune anything
    about training (batch size, preprocessing, any argument of the loop).

    The default ``fit`` takes its training hyperparameters from :meth:`training` (the
    default space's learning rate, optimizer, β, batch size, decay and weight decay) and
    runs :func:`~tunesmith.integrations.torch.train`: it reports the objective after every
    epoch, stops early, and keeps checkpoints in ``trial.directory``.

    Use :meth:`objective` to turn it into the function ``Tuner.search`` runs.

    Args:
        task: ``"classification"`` (integer labels, softmax), ``"binary"`` (0/1 labels,
            sigmoid) or ``"regression"``.

    Example:
        >>> import numpy as np, torch, tunesmith
        >>> from tunesmith.integrations.torch import Data, HyperModel, training_space
        >>> class Linear(HyperModel):
        ...     def build(self, hp):
        ...         return torch.nn.Linear(4, 2)
        ...     def training(self, hp):
        ...         return training_space(hp, optimizers=["adam"])
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(64, 4)).astype("float32"); y = (x[:, 0] > 0).astype(int)
        >>> data = Data.from_arrays(x[:48], y[:48], x[48:], y[48:])
        >>> tuner = tunesmith.Tuner("val_accuracy", seed=0)
        >>> best = tuner.search(Linear().objective(data, epochs=3, device="cpu"),
        ...                     max_trials=2, progress=False)
        >>> sorted(best.attrs)
        ['best_epoch', 'changeable', 'checkpoint', 'diagnostics', 'epochs', 'learning_rate']
    """

    def __init__(self, *, task: Task = "classification") -> None:
        if task not in get_args(Task):
            raise InvalidArgumentError(
                f"{type(self).__name__}: task must be one of {list(get_args(Task))}, got "
                f"task={task!r}."
            )
        self.task = task

    @abc.abstractmethod
    def build(self, hp: HyperParameters) -> nn.Module:
        """Returns a new network; read its hyperparameters from ``hp``."""

    def training(self, hp: HyperParameters) -> TrainingSpec:
        """The trial's training settings; by default :func:`~.training_space`."""
        return training_space(hp)

    def fit(
        self, hp: HyperParameters, model: nn.Module, data: Any, trial: RunningTrial, **options: Any
    ) -> float:
        """Trains ``model`` and returns the objective's best value.

        Args:
            hp: The trial's hyperparameters (define more here to tune training).
            model: What :meth:`build` returned.
            data: The ``data`` given to :meth:`objective` (a :class:`~.Data` for this
                default).
            trial: The running trial: report to it, check ``should_stop()``.
            **options: Arguments of :func:`~tunesmith.integrations.torch.train`
                (``epochs``, ``patience``, ``device``, ``find_lr`` ...).
        """
        return train(model, data, trial, self.training(hp), task=self.task, **options).value

    def objective(self, data: Any, **options: Any) -> Callable[[RunningTrial], float]:
        """The objective function for ``Tuner.search``: seeds torch from ``trial.seed``,
        builds the model, and fits it.

        Args:
            data: Handed to :meth:`fit` (a :class:`~.Data` for the default ``fit``).
            **options: Handed to :meth:`fit` (e.g. ``epochs=20, device="cuda"``).

        Returns:
            ``fn(trial) -> float``, for ``tuner.search(fn, max_trials=...)``.
        """

        return _Objective(self, data, options)


class _Objective:
    """``HyperModel.objective``'s function; a class so that worker processes can pickle it."""

    def __init__(self, hypermodel: HyperModel, data: Any, options: dict[str, Any]) -> None:
        self.hypermodel = hypermodel
        self.data = data
        self.options = options

    def __call__(self, trial: RunningTrial) -> float:
        torch.manual_seed(trial.seed)
        model = self.hypermodel.build(trial.hp)
        return self.hypermodel.fit(trial.hp, model, self.data, trial, **self.options)


class DenseHyperModel(HyperModel):
    """A dense network over the default search space (see :func:`~.dense_space`).

    Args:
        n_inputs: Input features.
        n_outputs: Classes (classification), or 1 (binary, regression).
        task: What the network predicts.
        **space: Options of :func:`~.dense_space` (``activations``, ``optimizers``,
            ``batch_sizes``, ``max_units``, ``max_layers``, ``warmup_epochs``,
            ``lr_scaling``).
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        *,
        task: Task = "classification",
        activations: Sequence[Activation] = ("relu", "elu", "gelu", "selu"),
        optimizers: Sequence[OptimizerName] = ("adam", "rmsprop", "sgd"),
        **space: Any,
    ) -> None:
        super().__init__(task=task)
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.space = {"activations": activations, "optimizers": optimizers, **space}
        # A dry run of the space: a typo or a bad option is refused here, not in every trial.
        try:
            dense_space(HyperParameters(), n_inputs, n_outputs, **self.space)
        except TypeError as e:
            if "unexpected keyword argument" not in str(e):
                raise
            raise InvalidArgumentError(
                f"DenseHyperModel: {str(e).replace('dense_space() got an ', '')}. Its "
                "options are dense_space's: activations, optimizers, batch_sizes, "
                "max_units, max_layers, warmup_epochs, lr_scaling."
            ) from None

    def objective(self, data: Any, **options: Any) -> Callable[[RunningTrial], float]:
        """:meth:`HyperModel.objective`, refusing at once a warmup longer than the run
        (``train`` would refuse it in every trial)."""
        warmup = self.space.get("warmup_epochs", 0.0)
        epochs = options.get("epochs", inspect.signature(train).parameters["epochs"].default)
        if isinstance(warmup, int | float) and isinstance(epochs, int):
            check_warmup("DenseHyperModel.objective", warmup, epochs)
        return super().objective(data, **options)

    def build(self, hp: HyperParameters) -> DenseNetwork:
        spec, _ = dense_space(hp, self.n_inputs, self.n_outputs, **self.space)
        return DenseNetwork(spec)

    def training(self, hp: HyperParameters) -> TrainingSpec:
        _, spec = dense_space(hp, self.n_inputs, self.n_outputs, **self.space)
        return spec
