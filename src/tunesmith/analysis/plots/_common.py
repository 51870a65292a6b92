"""What both backends share: state colours, the best-first drawing order, curve joining."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunesmith.analysis._curves import Curve
from tunesmith.trial import Objective

STATE_COLORS = {
    "completed": "#1f77b4",
    "stopped": "#ff7f0e",
    "running": "#2ca02c",
    "failed": "#d62728",
    "waiting": "#7f7f7f",
}
BEST_COLOR = "#000000"
TIER_COLORS = {1: "#d62728", 2: "#ff7f0e", 3: "#2ca02c", None: "#7f7f7f"}


def best_last(values: np.ndarray, objective: Objective) -> np.ndarray:
    """Indices that draw the best values last (on top)."""
    key = values if objective.direction == "max" else -values
    return np.argsort(key, kind="stable")


def joined(curves: Sequence[Curve]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Curves as one polyline with NaN gaps between trials: x, y and the trial per point."""
    if not curves:
        empty = np.empty(0)
        return empty, empty, empty
    lengths = np.array([len(c.steps) + 1 for c in curves])
    x = np.full(lengths.sum(), np.nan)
    y = np.full(lengths.sum(), np.nan)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for c, s in zip(curves, starts, strict=True):
        x[s : s + len(c.steps)] = c.steps
        y[s : s + len(c.steps)] = c.values
    numbers = np.repeat([c.number for c in curves], lengths).astype(float)
    return x, y, numbers


def colorscale_reversed(objective: Objective) -> bool:
    """Plotly's Viridis is bright at the top: reverse it when smaller is better."""
    return objective.direction == "min"
