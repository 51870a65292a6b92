from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import (
    Data,
    DenseNetwork,
    DenseSpec,
    LRFinderResult,
    OptimizerSpec,
    TaskLoss,
    batches,
    find_learning_rate,
    make_optimizer,
)


@pytest.fixture(scope="module")
def found(digits: Data) -> tuple[LRFinderResult, DenseNetwork, dict[str, torch.Tensor]]:
    torch.manual_seed(0)
    net = DenseNetwork(DenseSpec(64, 10, depth=2, width=64))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    result = find_learning_rate(
        net,
        TaskLoss("classification"),
        digits.x_train,
        digits.y_train,
        optimizer=OptimizerSpec("sgd", momentum=0.9),
        min_lr=1e-4,
        max_lr=100.0,
        n_steps=120,
        generator=torch.Generator().manual_seed(0),
    )
    return result, net, before


def test_the_loss_explodes_and_the_suggestion_comes_before_it(found: tuple) -> None:
    result, _, _ = found
    assert result.diverged_at is not None
    assert result.diverged_at < 100.0  # stopped before the end of the sweep
    best_rate = result.learning_rates[result.losses.index(min(result.losses))]
    assert result.suggestion == pytest.approx(best_rate / 10)
    assert result.suggestion < result.diverged_at / 10
    ratios = [
        b / a for a, b in zip(result.learning_rates, result.learning_rates[1:], strict=False)
    ]
    assert ratios == pytest.approx([ratios[0]] * len(ratios))  # geometric sweep


def test_the_model_is_left_as_it_was(found: tuple) -> None:
    _, net, before = found
    for key, value in net.state_dict().items():
        torch.testing.assert_close(value, before[key])


def test_training_at_the_suggestion_learns(found: tuple, digits: Data) -> None:
    result, net, _ = found
    loss_fn = TaskLoss("classification")
    opt = make_optimizer(
        net.parameters(), OptimizerSpec("sgd", momentum=0.9), learning_rate=result.suggestion
    )
    with torch.no_grad():
        start = float(loss_fn(net(digits.x_train), digits.y_train))
    for _ in range(3):
        for x, y in batches(
            digits.x_train, digits.y_train, 32, generator=torch.Generator().manual_seed(1)
        ):
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
    with torch.no_grad():
        end = float(loss_fn(net(digits.x_train), digits.y_train))
    assert end < 0.5 * start


def test_plot_writes_a_png(found: tuple, tmp_path: Path) -> None:
    result, _, _ = found
    path = result.plot(tmp_path / "lr.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_range() -> None:
    with pytest.raises(InvalidArgumentError, match="min_lr=1.0, max_lr=0.1"):
        find_learning_rate(
            torch.nn.Linear(2, 2),
            TaskLoss("classification"),
            torch.zeros(4, 2),
            torch.zeros(4).long(),
            min_lr=1.0,
            max_lr=0.1,
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"smoothing": 1.0}, r"smoothing must lie in \[0, 1\).*got smoothing=1.0"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, got batch_size=0"),
        ({"n_steps": 2.5}, "n_steps must be an integer >= 2, got n_steps=2.5"),
        ({"max_lr": float("inf")}, "max_lr must be a finite number > 0, got max_lr=inf"),
        ({"y": torch.zeros(3).long()}, r"len\(x\)=4, len\(y\)=3"),
        ({"x": torch.zeros(0, 2), "y": torch.zeros(0).long()}, r"len\(x\)=0"),
    ],
)
def test_bad_settings_are_refused_with_the_value(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"x": torch.zeros(4, 2), "y": torch.zeros(4).long()}
    args.update(kwargs)
    with pytest.raises(InvalidArgumentError, match=match):
        find_learning_rate(torch.nn.Linear(2, 2), TaskLoss("classification"), **args)  # type: ignore[arg-type]
