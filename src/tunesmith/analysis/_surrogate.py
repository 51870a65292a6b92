"""A random-forest surrogate of the objective over the unit cube, read as boxes.

Each fitted regression tree cuts the unit cube into axis-aligned boxes (its leaves), with
one predicted value per box. Under the uniform measure of the unit cube (the measure the
oracles sample from) the functional-ANOVA pieces of such a piecewise-constant function have
closed forms, computed here without sampling:

- the mean is ``sum_l vol_l v_l``, the variance ``sum_l vol_l v_l**2 - mean**2``;
- the marginal of a set ``S`` of parameters is ``f_S(x_S) = sum_l v_l vol_l / vol_l(S) *
  [x_S in box_l(S)]``, where ``vol_l(S)`` is the leaf's extent along ``S``;
- so ``integral f_S**2 = sum_{l,m} c_l c_m prod_{k in S} overlap_k(l, m)`` with
  ``c_l = v_l vol_l / vol_l(S)`` and ``overlap_k`` the length the two leaves share on axis
  ``k``: one ``L x L`` matrix per axis, and every main effect and pair follows.

Inactive (conditional) values are filled with uniform noise before fitting, so a tree finds
nothing to split on where a parameter did not act.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from tunesmith.analysis._deps import require
from tunesmith.analysis._encoding import Encoded


@dataclasses.dataclass(frozen=True)
class Leaves:
    """One tree's leaves: boxes ``[lo, hi)`` in the unit cube and their values."""

    lo: np.ndarray
    hi: np.ndarray
    value: np.ndarray

    @property
    def widths(self) -> np.ndarray:
        return np.asarray(self.hi - self.lo)

    @property
    def volume(self) -> np.ndarray:
        return np.prod(self.widths, axis=1)  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class Forest:
    """The fitted surrogate: its trees as leaves, and how many trials it was fitted on."""

    trees: tuple[Leaves, ...]
    n_dims: int
    n_fitted: int


def fit_forest(
    encoded: Encoded,
    *,
    n_trees: int = 32,
    max_leaves: int = 128,
    max_samples: int = 4000,
    seed: int = 0,
) -> Forest:
    """Fits a random forest to the finished trials in unit space.

    Args:
        encoded: The finished trials (see :func:`~tunesmith.analysis.encode`).
        n_trees: Trees in the forest.
        max_leaves: Leaves per tree at most; bounds the cost of the decomposition.
        max_samples: Trials used at most (a seeded random subset beyond it).
        seed: Seeds the subset, the noise filling inactive values, and the forest.

    Returns:
        The forest, read as boxes.

    Raises:
        MissingDependencyError: scikit-learn is not installed.
    """
    ensemble = require("sklearn.ensemble", "importance(method='fanova')")
    rng = np.random.default_rng(seed)
    x, y = encoded.unit, encoded.values
    if len(y) > max_samples:
        keep = np.sort(rng.choice(len(y), size=max_samples, replace=False))
        x, y = x[keep], y[keep]
    x = np.where(np.isnan(x), rng.random(x.shape), x)
    model = ensemble.RandomForestRegressor(
        n_estimators=n_trees,
        max_leaf_nodes=max_leaves,
        min_samples_leaf=2,
        random_state=int(rng.integers(2**31)),
        n_jobs=1,
    ).fit(x, y)
    d = x.shape[1]
    trees = tuple(_leaves(est.tree_, d) for est in model.estimators_)
    return Forest(trees, d, len(y))


def _leaves(tree: object, d: int) -> Leaves:
    left = tree.children_left  # type: ignore[attr-defined]
    right = tree.children_right  # type: ignore[attr-defined]
    feature = tree.feature  # type: ignore[attr-defined]
    threshold = tree.threshold  # type: ignore[attr-defined]
    node_value = tree.value[:, 0, 0]  # type: ignore[attr-defined]
    los, his, vals = [], [], []
    stack = [(0, np.zeros(d), np.ones(d))]
    while stack:
        node, lo, hi = stack.pop()
        if left[node] == -1:
            los.append(lo)
            his.append(hi)
            vals.append(node_value[node])
            continue
        k = feature[node]
        cut = min(max(float(threshold[node]), lo[k]), hi[k])
        hi_left, lo_right = hi.copy(), lo.copy()
        hi_left[k] = lo_right[k] = cut
        stack.append((left[node], lo, hi_left))
        stack.append((right[node], lo_right, hi))
    leaves = Leaves(np.array(los), np.array(his), np.array(vals, dtype=float))
    keep = leaves.volume > 0
    return Leaves(leaves.lo[keep], leaves.hi[keep], leaves.value[keep])


def _overlap(leaves: Leaves, k: int) -> np.ndarray:
    lo, hi = leaves.lo[:, k], leaves.hi[:, k]
    shared = np.minimum.outer(hi, hi) - np.maximum.outer(lo, lo)
    return np.clip(shared, 0.0, None)  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class Decomposition:
    """Fractions of the surrogate's variance, averaged over trees.

    Attributes:
        main: Per parameter, the fraction its main effect explains (``(d,)``).
        main_std: Their standard deviation over trees.
        pairs: Per pair ``(i, j)`` with ``i < j``, the fraction their interaction adds.
    """

    main: np.ndarray
    main_std: np.ndarray
    pairs: dict[tuple[int, int], float]


def decompose(forest: Forest, *, pair_dims: int = 8) -> Decomposition:
    """The functional-ANOVA decomposition of the forest: main effects and pairs.

    Args:
        forest: The fitted surrogate.
        pair_dims: Pairs are computed among this many parameters with the largest main
            effects (all pairs if there are fewer parameters).

    Returns:
        The fractions of variance, each tree's fractions averaged (trees that predict a
        constant are left out).
    """
    d = forest.n_dims
    mains: list[np.ndarray] = []
    tree_data = []
    for leaves in forest.trees:
        vol, v = leaves.volume, leaves.value
        mean = float(vol @ v)
        total = float(vol @ (v * v)) - mean**2
        if not total > 1e-12 * max(1.0, mean**2):
            continue
        widths = leaves.widths
        overlaps = [_overlap(leaves, k) for k in range(d)]
        main = np.empty(d)
        for k in range(d):
            a = v * vol / widths[:, k]
            main[k] = max(float(a @ overlaps[k] @ a) - mean**2, 0.0) / total
        mains.append(main)
        tree_data.append((leaves, overlaps, mean, total, main))
    if not mains:
        zeros = np.zeros(d)
        return Decomposition(zeros, zeros.copy(), {})
    stacked = np.array(mains)
    main_mean = stacked.mean(axis=0)
    top = sorted(np.argsort(-main_mean, kind="stable")[:pair_dims].tolist())
    pairs: dict[tuple[int, int], float] = {}
    for i, j in itertools.combinations(top, 2):
        fractions = []
        for leaves, overlaps, mean, total, main in tree_data:
            widths, vol, v = leaves.widths, leaves.volume, leaves.value
            b = v * vol / (widths[:, i] * widths[:, j])
            joint = (float(b @ (overlaps[i] * overlaps[j]) @ b) - mean**2) / total
            fractions.append(max(joint - main[i] - main[j], 0.0))
        pairs[(i, j)] = float(np.mean(fractions))
    return Decomposition(main_mean, stacked.std(axis=0), pairs)


def _indicator(leaves: Leaves, k: int, grid: np.ndarray) -> np.ndarray:
    lo, hi = leaves.lo[:, k : k + 1], leaves.hi[:, k : k + 1]
    inside = (lo <= grid[None, :]) & (grid[None, :] < hi)
    # The top edge belongs to the last box.
    inside |= (hi >= 1.0) & (grid[None, :] >= 1.0)
    return inside.astype(float)


def marginal(forest: Forest, dims: tuple[int, ...], grids: tuple[np.ndarray, ...]) -> np.ndarray:
    """The forest's prediction averaged over all other parameters, on a grid.

    Args:
        forest: The fitted surrogate.
        dims: One or two parameter indices.
        grids: Unit coordinates for each of ``dims``.

    Returns:
        ``(len(grids[0]),)`` or ``(len(grids[0]), len(grids[1]))`` mean predictions.
    """
    shape = tuple(len(g) for g in grids)
    total = np.zeros(shape)
    for leaves in forest.trees:
        widths = leaves.widths
        c = leaves.value * leaves.volume / np.prod(widths[:, list(dims)], axis=1)
        first = _indicator(leaves, dims[0], grids[0]) * c[:, None]
        if len(dims) == 1:
            total += first.sum(axis=0)
        else:
            total += first.T @ _indicator(leaves, dims[1], grids[1])
    return total / max(len(forest.trees), 1)
