"""Fixtures of the Keras front's tests: the torch backend, one thread, a small digits set."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before anything imports keras

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits() -> Arrays:
    """400 digits for training and 200 for validation, as 8x8 images scaled to [0, 1]."""
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))[:600]
    x = (x[order] / 16.0).astype("float32").reshape(-1, 8, 8)
    y = y[order]
    return x[:400], y[:400], x[400:], y[400:]
