"""Fixtures of the torch toolkit's tests: one thread, fixed seeds, a small digits set."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from tunesmith.integrations.torch import Data


@pytest.fixture(autouse=True)
def _one_thread_and_seeded() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def digits() -> Data:
    """600 digits for training and 300 for validation, standardized on the training part."""
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))[:900]
    x, y = x[order], y[order]
    scaler = StandardScaler().fit(x[:600])
    return Data.from_arrays(scaler.transform(x[:600]), y[:600], scaler.transform(x[600:]), y[600:])
