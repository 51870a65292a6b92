"""Benchmark problems: synthetic functions with known optima, and scikit-learn tuning tasks.

Each problem is a list of parameter specs and a loss to minimize. Nothing here imports a
tuner, so every method reads the same definitions.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "float" | "int" | "cat"
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    choices: tuple[Any, ...] = ()


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    params: tuple[Param, ...]
    loss: Callable[[Mapping[str, Any]], float]
    optimum: float = 0.0  # the best loss (0 for real tasks: regret is then the loss)


# -- synthetic ------------------------------------------------------------------------------
def _branin(x: float, y: float) -> float:
    return (
        (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x)
        + 10
    )


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann6(x: np.ndarray) -> float:
    return float(-(_H6_ALPHA * np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(1))).sum())


def _ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(
        -20 * math.exp(-0.2 * math.sqrt((x**2).sum() / d))
        - math.exp(np.cos(2 * math.pi * x).sum() / d)
        + 20
        + math.e
    )


def _rosenbrock(x: np.ndarray) -> float:
    return float((100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum())


def _vec(v: Mapping[str, Any], prefix: str, d: int) -> np.ndarray:
    return np.array([float(v[f"{prefix}{i}"]) for i in range(d)])


SYNTHETIC = [
    Problem(
        "branin",
        (Param("x", "float", -5, 10), Param("y", "float", 0, 15)),
        lambda v: _branin(v["x"], v["y"]),
        0.397887,
    ),
    Problem(
        "hartmann6",
        tuple(Param(f"x{i}", "float", 0, 1) for i in range(6)),
        lambda v: _hartmann6(_vec(v, "x", 6)),
        -3.32237,
    ),
    Problem(
        "ackley5",
        tuple(Param(f"x{i}", "float", -5, 10) for i in range(5)),
        lambda v: _ackley(_vec(v, "x", 5)),
        0.0,
    ),
    Problem(
        "rosenbrock4",
        tuple(Param(f"x{i}", "float", -2, 2) for i in range(4)),
        lambda v: _rosenbrock(_vec(v, "x", 4)),
        0.0,
    ),
    Problem(
        # Hartmann-6 on an integer grid: each coordinate is k / 20 for k in 0..20.
        "hartmann6_int",
        tuple(Param(f"k{i}", "int", 0, 20) for i in range(6)),
        lambda v: _hartmann6(_vec(v, "k", 6) / 20.0),
        # The grid optimum (computed once by brute force over the 21^6 grid is costly;
        # the continuous optimum is a lower bound, so regret here is conservative).
        -3.32237,
    ),
    Problem(
        # Branin plus a categorical that shifts and penalizes: only "a" reaches the optimum.
        "branin_cat",
        (
            Param("x", "float", -5, 10),
            Param("y", "float", 0, 15),
            Param("c", "cat", choices=("a", "b", "c", "d")),
        ),
        lambda v: (
            _branin(v["x"] + {"a": 0, "b": 1.5, "c": -1.0, "d": 3.0}[v["c"]], v["y"])
            + {"a": 0.0, "b": 2.0, "c": 1.0, "d": 4.0}[v["c"]]
        ),
        0.397887,
    ),
]


# -- scikit-learn tasks -----------------------------------------------------------------------
def _cv(model: Any, data: tuple[np.ndarray, np.ndarray], scoring: str) -> float:
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    X, y = data
    split = (
        StratifiedKFold(3, shuffle=True, random_state=0)
        if scoring == "accuracy"
        else KFold(3, shuffle=True, random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cross_val_score(model, X, y, cv=split, scoring=scoring).mean())


def _svm_breast_cancer(v: Mapping[str, Any]) -> float:
    from sklearn.datasets import load_breast_cancer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model = make_pipeline(StandardScaler(), SVC(C=v["C"], gamma=v["gamma"], kernel=v["kernel"]))
    return 1.0 - _cv(model, load_breast_cancer(return_X_y=True), "accuracy")


def _forest_wine(v: Mapping[str, Any]) -> float:
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(
        n_estimators=v["n_estimators"],
        max_depth=v["max_depth"],
        max_features=v["max_features"],
        min_samples_leaf=v["min_samples_leaf"],
        criterion=v["criterion"],
        random_state=0,
        n_jobs=1,
    )
    return 1.0 - _cv(model, load_wine(return_X_y=True), "accuracy")


def _boosting_diabetes(v: Mapping[str, Any]) -> float:
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(
        learning_rate=v["learning_rate"],
        max_iter=v["max_iter"],
        max_leaf_nodes=v["max_leaf_nodes"],
        min_samples_leaf=v["min_samples_leaf"],
        l2_regularization=v["l2"],
        random_state=0,
    )
    # Mean squared error in units of 1000 (lower is better).
    return -_cv(model, load_diabetes(return_X_y=True), "neg_mean_squared_error") / 1000.0


def _mlp_digits(v: Mapping[str, Any]) -> float:
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(v["units"],) * v["layers"],
            alpha=v["alpha"],
            learning_rate_init=v["lr"],
            activation=v["activation"],
            batch_size=v["batch"],
            max_iter=15,
            random_state=0,
        ),
    )
    X, y = load_digits(return_X_y=True)
    return 1.0 - _cv(model, (X[::3], y[::3]), "accuracy")


REAL = [
    Problem(
        "svm_breast_cancer",
        (
            Param("C", "float", 1e-3, 1e3, log=True),
            Param("gamma", "float", 1e-5, 1e1, log=True),
            Param("kernel", "cat", choices=("rbf", "sigmoid")),
        ),
        _svm_breast_cancer,
    ),
    Problem(
        "forest_wine",
        (
            Param("n_estimators", "int", 5, 100, log=True),
            Param("max_depth", "int", 1, 12),
            Param("max_features", "float", 0.05, 1.0),
            Param("min_samples_leaf", "int", 1, 20, log=True),
            Param("criterion", "cat", choices=("gini", "entropy")),
        ),
        _forest_wine,
    ),
    Problem(
        "boosting_diabetes",
        (
            Param("learning_rate", "float", 1e-3, 1.0, log=True),
            Param("max_iter", "int", 10, 200, log=True),
            Param("max_leaf_nodes", "int", 2, 64, log=True),
            Param("min_samples_leaf", "int", 1, 100, log=True),
            Param("l2", "float", 1e-6, 10.0, log=True),
        ),
        _boosting_diabetes,
    ),
    Problem(
        "mlp_digits",
        (
            Param("units", "int", 8, 128, log=True),
            Param("layers", "int", 1, 3),
            Param("alpha", "float", 1e-6, 1e-1, log=True),
            Param("lr", "float", 1e-4, 1e-1, log=True),
            Param("activation", "cat", choices=("relu", "tanh", "logistic")),
            Param("batch", "cat", choices=(16, 32, 64, 128)),
        ),
        _mlp_digits,
    ),
]

PROBLEMS = {p.name: p for p in SYNTHETIC + REAL}
