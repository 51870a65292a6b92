"""The keras_tuner tuners: each picks tunesmith's oracle (and scheduler) for the search."""

from __future__ import annotations

import importlib
from typing import Any

from tunesmith.exceptions import InvalidArgumentError, MissingDependencyError
from tunesmith.integrations.keras._tuner import Tuner
from tunesmith.oracles import GridSearch as GridOracle
from tunesmith.oracles import Oracle
from tunesmith.oracles import RandomSearch as RandomOracle


def engine_piece(module: str, name: str, where: str) -> Any:
    """A class of tunesmith's engine that this build may lack, imported when needed.

    Raises:
        MissingDependencyError: the module or the class is not in this build.
    """
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise MissingDependencyError(
            f"{where} needs {module}.{name}, which this build of tunesmith lacks. Use "
            "kt.RandomSearch or kt.GridSearch meanwhile, or install a tunesmith that has it."
        ) from e


def _no_oracle(where: str, oracle: Oracle | None) -> None:
    if oracle is not None:
        raise InvalidArgumentError(
            f"{where}: chooses its own oracle, got oracle={oracle!r}. Use kt.Tuner(oracle=...) "
            "to pass a tunesmith oracle."
        )


class RandomSearch(Tuner):
    """keras_tuner's RandomSearch on :class:`tunesmith.oracles.RandomSearch`: uniform on each
    parameter's scale, no repeats in a finite space. Takes :class:`Tuner`'s arguments;
    ``max_trials`` defaults to 10."""

    def _engine_parts(self, oracle: Oracle | None) -> tuple[Oracle, Any]:
        _no_oracle("RandomSearch", oracle)
        return RandomOracle(), None


class GridSearch(Tuner):
    """keras_tuner's GridSearch on :class:`tunesmith.oracles.GridSearch`: every
    combination, first parameter outermost, until the grid or ``max_trials`` (default:
    none) runs out. Every parameter must be finite (a Float needs a step)."""

    default_max_trials = None

    def _engine_parts(self, oracle: Oracle | None) -> tuple[Oracle, Any]:
        _no_oracle("GridSearch", oracle)
        return GridOracle(), None


class BayesianOptimization(Tuner):
    """keras_tuner's BayesianOptimization on :class:`tunesmith.oracles.BayesianOptimization`
    (a Gaussian process with expected improvement).

    Args:
        num_initial_points: Trials drawn before the model is used (default: the oracle's,
            from the number of parameters).
        alpha, beta: keras_tuner's GP noise and UCB exploration; tunesmith fits the noise
            and uses expected improvement, so non-default values are refused.
        **kwargs: :class:`Tuner`'s arguments; ``max_trials`` defaults to 10.

    Raises:
        MissingDependencyError: this build of tunesmith has no BayesianOptimization oracle.
    """

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = None,
        max_trials: int | None = None,
        num_initial_points: int | None = None,
        alpha: float = 1e-4,
        beta: float = 2.6,
        **kwargs: Any,
    ) -> None:
        for name, value, default in (("alpha", alpha, 1e-4), ("beta", beta, 2.6)):
            if value != default:
                raise InvalidArgumentError(
                    f"BayesianOptimization: {name} is keras_tuner's Gaussian-process knob, "
                    f"which tunesmith's oracle does not have, got {name}={value!r}. Leave it "
                    "out: tunesmith fits the noise and uses expected improvement."
                )
        self.num_initial_points = num_initial_points
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _engine_parts(self, oracle: Oracle | None) -> tuple[Oracle, Any]:
        _no_oracle("BayesianOptimization", oracle)
        cls = engine_piece("tunesmith.oracles", "BayesianOptimization", "BayesianOptimization")
        return cls(n_initial=self.num_initial_points), None


class Hyperband(Tuner):
    """keras_tuner's Hyperband on :class:`tunesmith.schedulers.Hyperband` with random
    configurations: brackets of successive halving, ``max_epochs`` the largest budget.

    A promoted configuration is a new trial that restores its parent's weights and
    optimizer state and trains from the parent's last epoch (``initial_epoch``) to its own
    budget (``epochs``); search sets both, so leave them out of ``search(...)`` (a given
    ``epochs`` is replaced).

    Args:
        max_epochs: The largest number of epochs a model trains (required).
        factor: Keep ``1/factor`` of each rung; budgets grow by ``factor``.
        hyperband_iterations: How many times the whole set of brackets runs.
        **kwargs: :class:`Tuner`'s arguments (no ``max_trials``: the brackets set it).

    Raises:
        MissingDependencyError: this build of tunesmith has no Hyperband scheduler.
    """

    default_max_trials = None

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = None,
        max_epochs: int = 100,
        factor: int = 3,
        hyperband_iterations: int = 1,
        **kwargs: Any,
    ) -> None:
        if "max_trials" in kwargs:
            raise InvalidArgumentError(
                "Hyperband: max_trials is set by the brackets (max_epochs, factor, "
                "hyperband_iterations); leave it out."
            )
        self.max_epochs = max_epochs
        self.factor = factor
        self.hyperband_iterations = hyperband_iterations
        super().__init__(hypermodel, objective, **kwargs)

    def _engine_parts(self, oracle: Oracle | None) -> tuple[Oracle, Any]:
        _no_oracle("Hyperband", oracle)
        cls = engine_piece("tunesmith.schedulers", "Hyperband", "Hyperband")
        scheduler = cls(
            self.max_epochs, min_budget=1, factor=self.factor, iterations=self.hyperband_iterations
        )
        return RandomOracle(), scheduler
