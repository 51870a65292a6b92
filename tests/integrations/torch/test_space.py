from __future__ import annotations

import numpy as np
import pytest

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import DenseHyperModel, DenseNetwork, dense_space
from tunesmith.space import HyperParameters


def test_defined_in_the_notes_order_of_priority() -> None:
    hp = HyperParameters()
    dense_space(hp, 64, 10)
    names = [p.name for p in hp.space]
    order = [
        "learning_rate",
        "optimizer",
        "beta_1",
        "rho",
        "momentum",
        "units",
        "batch_size",
        "layers",
        "lr_decay",
    ]
    assert names[: len(order)] == order


def test_scales_and_adam_defaults() -> None:
    hp = HyperParameters()
    net, fit = dense_space(hp, 64, 10)
    space = hp.space
    assert space["learning_rate"].sampling == "log"
    assert {space[n].sampling for n in ("beta_1", "rho", "momentum")} == {"reverse_log"}
    assert space["units"].sampling == space["layers"].sampling == "linear"
    assert (fit.optimizer.beta_1, fit.optimizer.beta_2, fit.optimizer.epsilon) == (
        0.9,
        0.999,
        1e-8,
    )
    assert (net.width, net.depth, fit.batch_size) == (64, 2, 32)


def test_sampled_configurations_build_valid_networks() -> None:
    rng = np.random.default_rng(0)
    model = DenseHyperModel(64, 10)
    seen = set()
    for _ in range(40):
        hp = HyperParameters(sample_new=lambda p: float(rng.random()))
        net = model.build(hp)
        assert isinstance(net, DenseNetwork)
        spec = model.training(hp)
        if net.spec.activation == "selu":
            assert "batch_norm" not in hp.values
            assert not net.spec.batch_norm
        beta = {"adam": "beta_1", "rmsprop": "rho", "sgd": "momentum"}[spec.optimizer.name]
        assert hp.values[beta] == getattr(spec.optimizer, beta)
        assert len([n for n in ("beta_1", "rho", "momentum") if n in hp.values]) == 1
        seen.add(net.spec.activation)
    assert seen == {"relu", "elu", "gelu", "selu"}


def test_width_never_below_the_outputs() -> None:
    hp = HyperParameters()
    net, _ = dense_space(hp, 20, 40)
    assert hp.space["units"].min_value == 64
    assert net.width >= 40
    with pytest.raises(InvalidArgumentError, match="max_units must be >= 64"):
        dense_space(HyperParameters(), 20, 40, max_units=48)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task": "multi"}, r"task must be one of .*got task='multi'"),
        ({"max_unit": 64}, r"unexpected keyword argument 'max_unit'\. Its options"),
        ({"activations": ["swish"]}, "unknown activation, got activation='swish'"),
        ({"activations": "relu"}, r"activations must be a non-empty list.*\['relu'\]"),
        ({"batch_sizes": []}, r"batch_sizes must be a non-empty list, got batch_sizes=\[\]"),
        ({"lr_scaling": "cubic"}, "got rule='cubic'"),
    ],
)
def test_a_dense_hypermodel_checks_its_space_when_made(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        DenseHyperModel(4, 3, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="n_inputs must be a positive integer"):
        DenseHyperModel(0, 3)
