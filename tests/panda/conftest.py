"""Fixtures of the panda tests (the toolkit tests' own) and a fixed small configuration of
the default dense space."""

from __future__ import annotations

from typing import Any

from tests.integrations.torch.conftest import _one_thread_and_seeded, digits  # noqa: F401
from tunesmith.integrations.torch import DenseHyperModel

# The fixtures above are the toolkit tests' own: one torch thread and fixed seeds, and 600
# digits for training and 300 for validation.

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
