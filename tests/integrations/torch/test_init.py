from __future__ import annotations

import pytest
import torch
from torch import nn

from tunesmith.integrations.torch import (
    DenseNetwork,
    DenseSpec,
    initialize,
    initializer_for,
)

FAN_IN, FAN_OUT = 600, 400  # 240,000 weights: the sample variance is within ~1%


@pytest.mark.parametrize(
    ("activation", "variance"),
    [
        ("relu", 2 / FAN_IN),
        ("elu", 2 / FAN_IN),
        ("gelu", 2 / FAN_IN),
        ("leaky_relu", 2 / ((1 + 0.01**2) * FAN_IN)),
        ("selu", 1 / FAN_IN),
        ("tanh", 2 / (FAN_IN + FAN_OUT)),
        ("sigmoid", 2 / (FAN_IN + FAN_OUT)),
    ],
)
def test_weight_variance_follows_the_fan_in_formula(activation: str, variance: float) -> None:
    layer = nn.Linear(FAN_IN, FAN_OUT)
    initialize(layer, activation, generator=torch.Generator().manual_seed(1))  # type: ignore[arg-type]
    w = layer.weight.detach().double()
    assert abs(float(w.mean())) < 0.05 * variance**0.5
    assert float(w.var()) == pytest.approx(variance, rel=0.02)
    assert float(layer.bias.detach().abs().max()) == 0.0


def test_glorot_is_uniform_he_and_lecun_are_normal() -> None:
    tanh, relu = nn.Linear(FAN_IN, FAN_OUT), nn.Linear(FAN_IN, FAN_OUT)
    initialize(tanh, "tanh")
    initialize(relu, "relu")
    limit = (6 / (FAN_IN + FAN_OUT)) ** 0.5
    assert float(tanh.weight.detach().abs().max()) <= limit
    assert float(relu.weight.detach().abs().max()) > 4 * (2 / FAN_IN) ** 0.5  # normal tails


def test_pairing_table() -> None:
    assert [initializer_for(a) for a in ("relu", "leaky_relu", "elu", "gelu", "gelu_fast")] == [
        "he"
    ] * 5
    assert initializer_for("selu") == "lecun"
    assert initializer_for("tanh") == initializer_for("sigmoid") == "glorot"


def test_the_builder_pairs_each_layer_with_its_activation() -> None:
    net = DenseNetwork(DenseSpec(500, 10, depth=2, width=500, activation="selu"))
    second = net.hidden[1][0].weight.detach().double()
    assert float(second.var()) == pytest.approx(1 / 500, rel=0.03)
