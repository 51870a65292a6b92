from __future__ import annotations

import pytest
import torch

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import OptimizerSpec, make_optimizer


def params() -> list[torch.nn.Parameter]:
    return list(torch.nn.Linear(3, 2).parameters())


def test_adam_defaults_are_the_notes_values() -> None:
    opt = make_optimizer(params(), OptimizerSpec())
    assert isinstance(opt, torch.optim.Adam | torch.optim.AdamW)
    assert opt.defaults["betas"] == (0.9, 0.999)
    assert opt.defaults["eps"] == 1e-8
    assert opt.defaults["lr"] == 1e-3
    assert opt.defaults["weight_decay"] == 0.0


def test_tuned_values_and_overrides_reach_torch() -> None:
    spec = OptimizerSpec(learning_rate=0.02, beta_1=0.95, weight_decay=1e-3)
    opt = make_optimizer(params(), spec, learning_rate=0.05)
    assert opt.defaults["betas"] == (0.95, 0.999)
    assert opt.defaults["lr"] == 0.05
    assert opt.defaults["weight_decay"] == 1e-3


def test_rmsprop_and_sgd_with_momentum() -> None:
    rms = make_optimizer(params(), OptimizerSpec("rmsprop", rho=0.95))
    assert isinstance(rms, torch.optim.RMSprop)
    assert (rms.defaults["alpha"], rms.defaults["eps"]) == (0.95, 1e-8)
    sgd = make_optimizer(params(), OptimizerSpec("sgd", momentum=0.99, learning_rate=0.1))
    assert isinstance(sgd, torch.optim.SGD)
    assert (sgd.defaults["momentum"], sgd.defaults["lr"]) == (0.99, 0.1)


def test_one_adam_step_follows_the_update_rule() -> None:
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = make_optimizer([w], OptimizerSpec(learning_rate=0.1))
    (3 * w).sum().backward()  # gradient 3
    opt.step()
    # first step: m̂ = g, v̂ = g², so w -= lr * g / (|g| + ε)
    assert float(w.detach()) == pytest.approx(1.0 - 0.1 * 3 / (3 + 1e-8))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "adagrad"}, r"got name='adagrad'"),
        (
            {"learning_rate": 0.0},
            "learning_rate must be a finite number > 0, got learning_rate=0.0",
        ),
        ({"learning_rate": float("inf")}, "learning_rate must be a finite number > 0"),
        (
            {"learning_rate": "0.01"},
            "learning_rate must be a finite number > 0, got learning_rate='0.01'",
        ),
        ({"epsilon": float("nan")}, "epsilon must be a finite number > 0, got epsilon=nan"),
        ({"weight_decay": float("nan")}, "weight_decay must be a finite number >= 0"),
        ({"momentum": 1.0}, r"momentum must be a finite number in \[0, 1\), got momentum=1.0"),
    ],
)
def test_bad_specs(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        OptimizerSpec(**kwargs)  # type: ignore[arg-type]
