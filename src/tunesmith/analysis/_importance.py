"""Hyperparameter importance: which parameters explain the objective's variation.

Two measures over the finished trials in unit space (see :mod:`._encoding`):

- ``"fanova"``: a random forest is fitted to the trials and decomposed exactly
  (functional ANOVA, :mod:`._surrogate`): each parameter's score is the fraction of the
  surrogate's variance its main effect explains, and each pair gets the fraction its
  interaction adds. Needs scikit-learn.
- ``"binned"``: the quick look, numpy only. Each parameter's values are cut into bins (one
  per category or grid value, else equal widths in unit space, plus one for "inactive") and
  the score is the share of the objective's variance between bins, corrected for the share
  that noise alone would give with that many bins (omega squared).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from typing import Literal

import numpy as np

from tunesmith._validate import as_int
from tunesmith.analysis._encoding import Encoded, encode
from tunesmith.analysis._snapshot import Snapshot
from tunesmith.analysis._surrogate import Forest, decompose, fit_forest
from tunesmith.exceptions import InvalidArgumentError

Method = Literal["fanova", "binned"]
_METHODS = ("fanova", "binned")


@dataclasses.dataclass(frozen=True)
class Importance:
    """Importance scores, most important first.

    Attributes:
        method: ``"fanova"`` or ``"binned"``.
        scores: Per parameter, the fraction of the objective's variance it explains alone,
            in descending order.
        spread: Per parameter, the scores' standard deviation over the forest's trees
            (fanova; zeros for binned).
        pairs: Per pair of parameters, the fraction their interaction adds (fanova only),
            in descending order.
        n_trials: How many finished trials the scores rest on.
        n_fitted: How many of them the surrogate was fitted on (fanova: a seeded random
            subset when there are more than ``fit_forest``'s ``max_samples``).
    """

    method: Method
    scores: Mapping[str, float]
    spread: Mapping[str, float]
    pairs: Mapping[tuple[str, str], float]
    n_trials: int
    n_fitted: int | None = None

    @property
    def ranking(self) -> list[str]:
        """Parameter names, most important first."""
        return list(self.scores)

    def rank(self, name: str) -> int:
        """1-based rank of ``name``."""
        return self.ranking.index(name) + 1


def importance(
    snapshot: Snapshot,
    *,
    method: Method = "fanova",
    seed: int = 0,
    forest: Forest | None = None,
) -> Importance:
    """Measures how much each hyperparameter drives the objective.

    Only finished trials with a finite value count (running and failed ones do not).

    Args:
        snapshot: The study and its trials (:func:`~tunesmith.analysis.load_snapshot`).
        method: ``"fanova"`` (surrogate, with pairs) or ``"binned"`` (quick, numpy only).
        seed: Seeds the surrogate (fanova).
        forest: A surrogate already fitted to ``encode(snapshot)`` (fanova), to reuse it.

    Returns:
        The scores, most important first.

    Raises:
        InvalidArgumentError: an unknown method, or fewer than 2 finished trials with a
            value (a study whose value never varied, or that has no parameters, scores
            zeros).
        MissingDependencyError: fanova without scikit-learn.

    Example:
        >>> import numpy as np
        >>> from tunesmith import Float, InMemoryStorage, Objective, SearchSpace, TrialState
        >>> from tunesmith.analysis import load_snapshot
        >>> space = SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log"), Float("x", 0, 1)])
        >>> storage = InMemoryStorage()
        >>> _ = storage.create_study("s", Objective("loss"), space)
        >>> rng = np.random.default_rng(0)
        >>> for _ in range(200):
        ...     values = space.decode(space.sample(rng))
        ...     t = storage.create_trial("s", values=values)
        ...     loss = (np.log10(values["lr"]) + 2.5) ** 2 + 0.01 * values["x"]
        ...     _ = storage.finish_trial("s", t.number, TrialState.COMPLETED, value=loss)
        >>> importance(load_snapshot(storage, "s"), method="binned").ranking
        ['lr', 'x']
    """
    if method not in _METHODS:
        raise InvalidArgumentError(
            f"importance: unknown method, got method={method!r}. "
            f"Use one of {', '.join(repr(m) for m in _METHODS)}."
        )
    as_int("importance", "seed", seed, 0)
    encoded = encode(snapshot)
    names = encoded.names
    if len(encoded) < 2:
        # Nothing varies yet, so nothing can be measured: zeros would read as "nothing
        # matters".
        raise InvalidArgumentError(
            f"importance: needs at least 2 finished trials with a value, got "
            f"{len(encoded)} in study {snapshot.study.name!r}. Run more trials first."
        )
    if not names or np.ptp(encoded.values) == 0:
        zeros = dict.fromkeys(names, 0.0)
        return Importance(method, zeros, dict(zeros), {}, len(encoded))
    if method == "binned":
        scores = binned_scores(encoded)
        return _ranked(method, names, scores, np.zeros_like(scores), {}, len(encoded))
    forest = forest if forest is not None else fit_forest(encoded, seed=seed)
    parts = decompose(forest)
    pairs = {(names[i], names[j]): v for (i, j), v in parts.pairs.items()}
    result = _ranked(method, names, parts.main, parts.main_std, pairs, len(encoded))
    return dataclasses.replace(result, n_fitted=forest.n_fitted)


def _ranked(
    method: Method,
    names: list[str],
    scores: np.ndarray,
    spread: np.ndarray,
    pairs: Mapping[tuple[str, str], float],
    n: int,
) -> Importance:
    order = np.argsort(-scores, kind="stable")
    return Importance(
        method,
        {names[i]: float(scores[i]) for i in order},
        {names[i]: float(spread[i]) for i in order},
        dict(sorted(pairs.items(), key=lambda kv: -kv[1])),
        n,
    )


def bin_index(encoded: Encoded, column: int, n_bins: int) -> tuple[np.ndarray, int]:
    """Bin of each trial along one parameter (the last bin is "inactive"), and the count."""
    param = encoded.params[column]
    u = encoded.unit[:, column]
    grid = param.grid()
    if grid is not None and len(grid) <= max(n_bins, 2) * 2:
        n_bins = len(grid)
    inactive = np.isnan(u)
    idx = np.minimum((np.nan_to_num(u) * n_bins).astype(int), n_bins - 1)
    idx[inactive] = n_bins
    return idx, n_bins + 1


def binned_scores(encoded: Encoded) -> np.ndarray:
    """Omega squared of the objective over each parameter's bins."""
    y = encoded.values
    n = len(y)
    centered = y - y.mean()
    total = float(centered @ centered)
    n_bins = int(np.clip(np.sqrt(n) / 2, 2, 10))
    scores = np.zeros(len(encoded.params))
    for j in range(len(encoded.params)):
        idx, size = bin_index(encoded, j, n_bins)
        counts = np.bincount(idx, minlength=size)
        sums = np.bincount(idx, weights=centered, minlength=size)
        used = counts > 0
        between = float(np.sum(sums[used] ** 2 / counts[used]))
        groups = int(used.sum())
        if groups < 2 or n <= groups:
            continue
        within = (total - between) / (n - groups)
        scores[j] = max((between - (groups - 1) * within) / (total + within), 0.0)
    return scores


def top_pair(result: Importance) -> tuple[str, ...]:
    """The two most important parameters (one if the study has one)."""
    return tuple(itertools.islice(result.ranking, 2))
