"""The learning-rate finder: raise the rate exponentially, watch the loss, stop at the
explosion, and suggest a rate a little before it."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from tunesmith._validate import as_int, as_real
from tunesmith.exceptions import InvalidArgumentError, MissingDependencyError
from tunesmith.integrations.torch._data import batches
from tunesmith.integrations.torch._optim import OptimizerSpec, make_optimizer


@dataclasses.dataclass(frozen=True)
class LRFinderResult:
    """What a learning-rate finder run saw.

    Attributes:
        learning_rates: The rate of each step, increasing geometrically.
        losses: The smoothed (bias-corrected moving average) training loss at each step.
        suggestion: A rate a little before the explosion: the rate of the lowest smoothed
            loss divided by ``backoff``.
        diverged_at: The rate at which the loss exploded (the run stopped there), or None
            if it never did up to ``max_lr``.
    """

    learning_rates: list[float]
    losses: list[float]
    suggestion: float
    diverged_at: float | None

    def plot(self, path: str | Path) -> Path:
        """Draws loss against learning rate (log axis) with the suggestion, as a PNG.

        Raises:
            MissingDependencyError: matplotlib is not installed.
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as e:
            raise MissingDependencyError(
                "LRFinderResult.plot needs matplotlib, which is not installed. "
                "Install it: pip install 'tunesmith[plot]'"
            ) from e
        fig = Figure(figsize=(6, 4))
        ax = fig.subplots()
        ax.plot(self.learning_rates, self.losses)
        ax.set_xscale("log")
        ax.axvline(self.suggestion, color="tab:green", linestyle="--", label="suggestion")
        if self.diverged_at is not None:
            ax.axvline(self.diverged_at, color="tab:red", linestyle=":", label="explosion")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("smoothed training loss")
        ax.legend()
        path = Path(path)
        fig.savefig(path, format="png", dpi=100)
        return path


def find_learning_rate(
    model: nn.Module,
    loss_fn: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: OptimizerSpec | None = None,
    batch_size: int = 32,
    min_lr: float = 1e-6,
    max_lr: float = 1.0,
    n_steps: int = 100,
    smoothing: float = 0.9,
    diverge_factor: float = 4.0,
    backoff: float = 10.0,
    generator: torch.Generator | None = None,
) -> LRFinderResult:
    """Runs the learning-rate finder; the model and its data are left as they were.

    Step ``i`` of ``n_steps`` trains one mini-batch at ``min_lr * (max_lr / min_lr) **
    (i / (n_steps - 1))``. The run stops when the smoothed loss exceeds ``diverge_factor``
    times its lowest value (or is not finite). The model's weights are restored afterwards.

    Args:
        model: The network (on the device of ``x``).
        loss_fn: Its training loss, e.g. :class:`~.TaskLoss`.
        x: Training inputs.
        y: Training targets.
        optimizer: The optimizer to probe with (its learning rate is ignored); Adam with the
            defaults if None.
        batch_size: Examples per step.
        min_lr: The first rate.
        max_lr: The last rate.
        n_steps: Steps from ``min_lr`` to ``max_lr``.
        smoothing: Weight of the past in the loss's moving average.
        diverge_factor: Stop when the smoothed loss passes this multiple of its minimum.
        backoff: The suggestion is the rate of the lowest loss divided by this.
        generator: Shuffles the batches.

    Returns:
        The rates, smoothed losses, the suggestion and where the loss exploded.
    """
    where = "find_learning_rate"
    as_real(where, "min_lr", min_lr, low=0, low_open=True)
    as_real(where, "max_lr", max_lr, low=0, low_open=True)
    as_int(where, "n_steps", n_steps, 2)
    as_int(where, "batch_size", batch_size, 1)
    if not 0.0 <= smoothing < 1.0:
        raise InvalidArgumentError(
            f"{where}: smoothing must lie in [0, 1) (the past's weight in the moving "
            f"average), got smoothing={smoothing!r}. The default is 0.9."
        )
    if len(x) == 0 or len(x) != len(y):
        raise InvalidArgumentError(
            f"{where}: x and y must hold the same, non-zero number of examples, got "
            f"len(x)={len(x)}, len(y)={len(y)}."
        )
    if not 0 < min_lr < max_lr or n_steps < 2 or backoff < 1 or diverge_factor <= 1:
        raise InvalidArgumentError(
            f"find_learning_rate: needs 0 < min_lr < max_lr, n_steps >= 2, backoff >= 1 and "
            f"diverge_factor > 1, got min_lr={min_lr}, max_lr={max_lr}, n_steps={n_steps}, "
            f"backoff={backoff}, diverge_factor={diverge_factor}."
        )
    spec = optimizer or OptimizerSpec()
    saved = copy.deepcopy(model.state_dict())
    was_training = model.training
    model.train()
    opt = make_optimizer(model.parameters(), spec, learning_rate=min_lr)
    ratio = (max_lr / min_lr) ** (1.0 / (n_steps - 1))
    rates: list[float] = []
    losses: list[float] = []
    average, best, diverged_at = 0.0, math.inf, None
    stream: Iterator[tuple[torch.Tensor, torch.Tensor]] = iter(())
    try:
        for i in range(n_steps):
            lr = min_lr * ratio**i
            for group in opt.param_groups:
                group["lr"] = lr
            batch = next(stream, None)
            if batch is None:
                stream = batches(x, y, batch_size, generator=generator)
                batch = next(stream)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch[0]), batch[1])
            value = float(loss.detach())
            if not math.isfinite(value):
                diverged_at = lr
                break
            loss.backward()
            opt.step()
            average = smoothing * average + (1 - smoothing) * value
            smoothed = average / (1 - smoothing ** (i + 1))
            rates.append(lr)
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > diverge_factor * best:
                diverged_at = lr
                break
    finally:
        model.load_state_dict(saved)
        model.train(was_training)
    if not losses:
        return LRFinderResult([], [], min_lr, diverged_at)
    at_min = rates[losses.index(min(losses))]
    return LRFinderResult(rates, losses, max(min_lr, at_min / backoff), diverged_at)
