"""Fixtures of the panda tests: one torch thread, fixed seeds, a small digits set, and a
fixed small configuration of the default dense space."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from tunesmith.integrations.torch import Data, DenseHyperModel

#: One configuration of the dense space below, so a test knows what trains.
VALUES: dict[str, Any] = {
    "learning_rate": 0.01,
    "optimizer": "adam",
    "beta_1": 0.9,
    "units": 32,
    "batch_size": 64,
    "layers": 1,
    "lr_decay": "none",
    "activation": "relu",
    "batch_norm": False,
    "wide_first_layer": False,
    "dropout": 0.0,
    "weight_decay": 1e-4,
}


def dense_model() -> DenseHyperModel:
    return DenseHyperModel(
        64,
        10,
        activations=("relu",),
        optimizers=("adam",),
        batch_sizes=(32, 64, 128),
        max_units=64,
        max_layers=2,
    )


@pytest.fixture(autouse=True)
def _one_thread_and_seeded() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def digits() -> Data:
    """400 digits for training and 200 for validation, standardized on the training part."""
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))[:600]
    x, y = x[order], y[order]
    scaler = StandardScaler().fit(x[:400])
    return Data.from_arrays(scaler.transform(x[:400]), y[:400], scaler.transform(x[400:]), y[400:])
