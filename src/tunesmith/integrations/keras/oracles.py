"""keras_tuner's oracles (``kt.oracles.RandomSearchOracle`` ...), for ``kt.Tuner(oracle=)``.

Each holds keras_tuner's oracle arguments and names the tunesmith oracle (and scheduler)
that runs the search; the tuners of :mod:`tunesmith.keras` use them too.

Example:
    >>> import tunesmith.keras as kt
    >>> spec = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=5)
    >>> spec.engine_parts()
    (RandomSearch(), None)
"""

from __future__ import annotations

from typing import Any

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.keras._arguments import check_arguments
from tunesmith.oracles import BayesianOptimization, GridSearch, Oracle, RandomSearch
from tunesmith.schedulers import Hyperband
from tunesmith.space import HyperParameters

__all__ = [
    "BayesianOptimizationOracle",
    "GridSearchOracle",
    "HyperbandOracle",
    "OracleSpec",
    "RandomSearchOracle",
]


class OracleSpec:
    """keras_tuner's oracle arguments (see :class:`tunesmith.keras.Tuner` for each)."""

    default_max_trials: int | None = 10

    def __init__(
        self,
        objective: Any = None,
        max_trials: int | None = None,
        hyperparameters: HyperParameters | None = None,
        allow_new_entries: bool = True,
        tune_new_entries: bool = True,
        seed: int | None = None,
        max_retries_per_trial: int = 0,
        max_consecutive_failed_trials: int = 3,
    ) -> None:
        check_arguments(
            type(self).__name__,
            max_trials=max_trials,
            seed=seed,
            hyperparameters=hyperparameters,
            flags={"allow_new_entries": allow_new_entries, "tune_new_entries": tune_new_entries},
        )
        self.objective = objective
        self.max_trials = max_trials if max_trials is not None else self.default_max_trials
        self.hyperparameters = hyperparameters
        self.allow_new_entries = allow_new_entries
        self.tune_new_entries = tune_new_entries
        self.seed = seed
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials

    def tuner_arguments(self) -> dict[str, Any]:
        """The arguments the tuner takes from its oracle."""
        return {
            "objective": self.objective,
            "max_trials": self.max_trials,
            "hyperparameters": self.hyperparameters,
            "allow_new_entries": self.allow_new_entries,
            "tune_new_entries": self.tune_new_entries,
            "seed": self.seed,
            "max_retries_per_trial": self.max_retries_per_trial,
            "max_consecutive_failed_trials": self.max_consecutive_failed_trials,
        }

    def engine_parts(self) -> tuple[Oracle, Any]:
        """tunesmith's oracle, and its scheduler (None: every trial runs as fit decides)."""
        raise InvalidArgumentError(
            f"{type(self).__name__}: use one of RandomSearchOracle, GridSearchOracle, "
            "BayesianOptimizationOracle or HyperbandOracle."
        )


class RandomSearchOracle(OracleSpec):
    """Random configurations: :class:`tunesmith.oracles.RandomSearch`."""

    def engine_parts(self) -> tuple[Oracle, Any]:
        return RandomSearch(), None


class GridSearchOracle(OracleSpec):
    """Every combination: :class:`tunesmith.oracles.GridSearch` (``max_trials``: none)."""

    default_max_trials = None

    def engine_parts(self) -> tuple[Oracle, Any]:
        return GridSearch(), None


class BayesianOptimizationOracle(OracleSpec):
    """A Gaussian process with expected improvement:
    ``tunesmith.oracles.BayesianOptimization``.

    Args:
        num_initial_points: Trials drawn before the model is used.
        alpha, beta: keras_tuner's GP noise and UCB knobs; only their defaults are
            accepted (tunesmith fits the noise and uses expected improvement).
        **kwargs: :class:`OracleSpec`'s arguments.

    Raises:
        InvalidArgumentError: alpha or beta differ from keras_tuner's defaults.
    """

    def __init__(
        self,
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
        super().__init__(objective, max_trials, **kwargs)
        self.num_initial_points = num_initial_points

    def engine_parts(self) -> tuple[Oracle, Any]:
        return BayesianOptimization(n_initial=self.num_initial_points), None


class HyperbandOracle(OracleSpec):
    """Hyperband's brackets: ``tunesmith.schedulers.Hyperband`` over random configurations.

    Args:
        max_epochs: The largest number of epochs a model trains.
        factor: Keep ``1/factor`` of each rung; budgets grow by ``factor``.
        hyperband_iterations: How many times the whole set of brackets runs.
        **kwargs: :class:`OracleSpec`'s arguments, without ``max_trials``.
    """

    default_max_trials = None

    def __init__(
        self,
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
        super().__init__(objective, **kwargs)
        max_epochs = as_int("Hyperband", "max_epochs", max_epochs, 1)
        factor = as_int("Hyperband", "factor", factor, 2)
        hyperband_iterations = as_int("Hyperband", "hyperband_iterations", hyperband_iterations, 1)
        self.max_epochs = max_epochs
        self.factor = factor
        self.hyperband_iterations = hyperband_iterations

    def engine_parts(self) -> tuple[Oracle, Any]:
        scheduler = Hyperband(
            self.max_epochs, min_budget=1, factor=self.factor, iterations=self.hyperband_iterations
        )
        return RandomSearch(), scheduler
