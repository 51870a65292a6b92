from __future__ import annotations

import pytest
import torch
from torch import nn

from tunesmith.integrations.torch import (
    DenseNetwork,
    DenseSpec,
    TaskLoss,
    measure,
)


def constructed() -> DenseNetwork:
    """2 inputs → 4 ReLU units, two of them dead by construction → 4 ReLU → 3 outputs."""
    net = DenseNetwork(DenseSpec(2, 3, depth=2, width=4))
    first = net.hidden[0][0]
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.1, 0.1], [-0.1, 0.2]]))
        first.bias.copy_(torch.tensor([0.0, 0.0, -100.0, -100.0]))  # z < 0 for every input
    return net


def test_dead_fraction_per_layer() -> None:
    net = constructed()
    x = torch.randn(64, 2)
    report = measure(net, TaskLoss("classification"), x, torch.randint(0, 3, (64,)))
    first, second, head = report.layers
    assert first.dead_fraction == 0.5
    assert head.dead_fraction is None  # the head has no activation
    # units of layer 2 die only if z ≤ 0 for all 64 examples: compute it directly
    with torch.no_grad():
        a2 = net.hidden[1](net.hidden[0](x))
    assert second.dead_fraction == float((a2 == 0).all(0).float().mean())


def test_activation_statistics_and_gradient_norms_match_direct_computation() -> None:
    net = DenseNetwork(DenseSpec(5, 3, depth=2, width=8, activation="selu"))
    x, y = torch.randn(32, 5), torch.randint(0, 3, (32,))
    loss_fn = TaskLoss("classification")
    report = measure(net, loss_fn, x, y)
    with torch.no_grad():
        a1 = net.hidden[0](x)
        a2 = net.hidden[1](a1)
    assert report.layers[0].activation_mean == pytest.approx(float(a1.mean()))
    assert report.layers[1].activation_std == pytest.approx(float(a2.std()))
    loss_fn(net(x), y).backward()
    norms = [
        float(net.hidden[0][0].weight.grad.norm()),
        float(net.hidden[1][0].weight.grad.norm()),
        float(net.head.weight.grad.norm()),
    ]
    assert [layer.grad_norm for layer in report.layers] == pytest.approx(norms)
    assert [layer.name for layer in report.layers] == ["hidden.0.0", "hidden.1.0", "head"]


def test_the_model_is_left_untouched() -> None:
    net = DenseNetwork(DenseSpec(5, 3, depth=1, width=8, batch_norm=True, dropout=0.5))
    net.train()
    running = net.hidden[0][1].running_mean.clone()
    measure(net, TaskLoss("classification"), torch.randn(16, 5) + 3, torch.zeros(16).long())
    assert net.training
    assert all(p.grad is None for p in net.parameters())
    torch.testing.assert_close(net.hidden[0][1].running_mean, running)  # evaluation mode


def test_metrics_and_json() -> None:
    report = measure(
        constructed(), TaskLoss("classification"), torch.randn(8, 2), torch.zeros(8).long()
    )
    metrics = report.to_metrics()
    assert metrics["dead_fraction_1"] == 0.5
    assert {"grad_norm_3", "act_mean_2", "act_std_2"} <= set(metrics)
    assert "dead_fraction_3" not in metrics
    assert report.to_json()[0]["dead_fraction"] == 0.5


def test_any_model_with_standard_modules() -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    report = measure(model, TaskLoss("classification"), torch.randn(10, 4), torch.zeros(10).long())
    assert [layer.name for layer in report.layers] == ["0", "2"]
    assert report.layers[0].dead_fraction == 0.0
