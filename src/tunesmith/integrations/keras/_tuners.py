"""The keras_tuner tuners: each runs the search with one of :mod:`.oracles`' engines."""

from __future__ import annotations

from typing import Any

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.keras._tuner import Tuner
from tunesmith.integrations.keras.oracles import (
    BayesianOptimizationOracle,
    GridSearchOracle,
    HyperbandOracle,
    OracleSpec,
    RandomSearchOracle,
)
from tunesmith.oracles import Oracle


class _FixedEngine(Tuner):
    """A tuner whose engine is fixed by its class: ``oracle=`` is refused."""

    def _spec(self) -> OracleSpec:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _engine_parts(self, oracle: Oracle | OracleSpec | None) -> tuple[Oracle, Any]:
        if oracle is not None:
            raise InvalidArgumentError(
                f"{type(self).__name__}: chooses its own oracle, got oracle={oracle!r}. Use "
                "kt.Tuner(oracle=...) to pass one."
            )
        return self._spec().engine_parts()


class RandomSearch(_FixedEngine):
    """keras_tuner's RandomSearch on :class:`tunesmith.oracles.RandomSearch`: uniform on each
    parameter's scale, no repeats in a finite space. Takes :class:`Tuner`'s arguments;
    ``max_trials`` defaults to 10."""

    def _spec(self) -> OracleSpec:
        return RandomSearchOracle()


class GridSearch(_FixedEngine):
    """keras_tuner's GridSearch on :class:`tunesmith.oracles.GridSearch`: every
    combination, first parameter outermost, until the grid or ``max_trials`` (default:
    none) runs out. Every parameter must be finite (a Float needs a step)."""

    default_max_trials = None

    def _spec(self) -> OracleSpec:
        return GridSearchOracle()


class BayesianOptimization(_FixedEngine):
    """keras_tuner's BayesianOptimization on ``tunesmith.oracles.BayesianOptimization``
    (a Gaussian process with expected improvement).

    Args:
        num_initial_points: Trials drawn before the model is used (default: the oracle's,
            from the number of parameters).
        alpha, beta: keras_tuner's GP noise and UCB exploration; tunesmith fits the noise
            and uses expected improvement, so non-default values are refused.
        **kwargs: :class:`Tuner`'s arguments; ``max_trials`` defaults to 10.

    Raises:
        InvalidArgumentError: ``alpha`` or ``beta`` differs from keras_tuner's default.
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
        self._oracle_spec = BayesianOptimizationOracle(
            num_initial_points=num_initial_points, alpha=alpha, beta=beta
        )
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _spec(self) -> OracleSpec:
        return self._oracle_spec


class Hyperband(_FixedEngine):
    """keras_tuner's Hyperband on ``tunesmith.schedulers.Hyperband`` with random
    configurations: brackets of successive halving, ``max_epochs`` the largest budget.

    A promoted configuration is a new trial that restores its parent's weights and
    optimizer state and trains from the parent's last epoch (``initial_epoch``) to its own
    budget (``epochs``); search sets both, so leave them out of ``search(...)`` (a given
    ``epochs`` is replaced).

    Args:
        max_epochs: The largest number of epochs a model trains.
        factor: Keep ``1/factor`` of each rung; budgets grow by ``factor``.
        hyperband_iterations: How many times the whole set of brackets runs.
        **kwargs: :class:`Tuner`'s arguments (no ``max_trials``: the brackets set it).

    Raises:
        InvalidArgumentError: ``max_trials`` is given.
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
        refused = {k: kwargs.pop(k) for k in ("max_trials",) if k in kwargs}
        self._oracle_spec = HyperbandOracle(  # refuses max_trials, which the brackets set
            max_epochs=max_epochs,
            factor=factor,
            hyperband_iterations=hyperband_iterations,
            **refused,
        )
        super().__init__(hypermodel, objective, **kwargs)

    def _spec(self) -> OracleSpec:
        return self._oracle_spec
