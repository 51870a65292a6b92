"""Learning-rate schedules: linear warmup then decay; scaling the rate with batch size."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import torch

from tunesmith._validate import as_int, as_real
from tunesmith.exceptions import InvalidArgumentError

Decay = Literal["none", "cosine", "inverse_time", "exponential"]
ScaleRule = Literal["none", "linear", "sqrt"]
DECAYS: tuple[Decay, ...] = ("none", "cosine", "inverse_time", "exponential")


@dataclasses.dataclass(frozen=True)
class LRSchedule:
    """The factor applied to the base learning rate at each optimizer step.

    Step ``s`` counts optimizer steps from 0. During warmup (``s < warmup_steps``) the
    factor ramps linearly, ``(s + 1) / warmup_steps``, so the first step is small and step
    ``warmup_steps - 1`` reaches the full rate. After it, with ``t = s - warmup_steps``:

    - ``"none"``: 1;
    - ``"cosine"``: ``m + (1 - m) (1 + cos(π t / T)) / 2`` with ``T = total_steps -
      warmup_steps`` and ``m = min_factor``, then ``m`` past ``T``;
    - ``"inverse_time"``: ``1 / (1 + decay_rate t / decay_steps)`` (the α₀ / (1 + rate ·
      epoch) rule when ``decay_steps`` is an epoch's steps);
    - ``"exponential"``: ``decay_rate ** (t / decay_steps)``.

    Args:
        warmup_steps: Steps of the linear ramp; 0 for none.
        decay: The decay after warmup.
        total_steps: The run's length in steps (needed by cosine).
        decay_rate: Rate of inverse_time (> 0) or base of exponential (in (0, 1]).
        decay_steps: Steps per unit of decay (e.g. an epoch).
        min_factor: Cosine's floor.

    Example:
        >>> from tunesmith.integrations.torch import LRSchedule
        >>> s = LRSchedule(warmup_steps=4)
        >>> [s(i) for i in range(6)]
        [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    warmup_steps: int = 0
    decay: Decay = "none"
    total_steps: int | None = None
    decay_rate: float = 0.5
    decay_steps: int = 1
    min_factor: float = 0.0

    def __post_init__(self) -> None:
        if self.decay not in DECAYS:
            raise InvalidArgumentError(
                f"LRSchedule: unknown decay, got decay={self.decay!r}. Use one of {list(DECAYS)}."
            )
        # Stored as Python numbers: the schedule is saved in checkpoints.
        set_ = object.__setattr__
        set_(self, "warmup_steps", as_int("LRSchedule", "warmup_steps", self.warmup_steps, 0))
        set_(self, "decay_steps", as_int("LRSchedule", "decay_steps", self.decay_steps, 1))
        if self.total_steps is not None:
            set_(self, "total_steps", as_int("LRSchedule", "total_steps", self.total_steps, 1))
        set_(self, "decay_rate", as_real("LRSchedule", "decay_rate", self.decay_rate))
        floor = as_real(
            "LRSchedule",
            "min_factor",
            self.min_factor,
            low=0,
            high=1,
            fix="It is the floor, as a share of the rate: e.g. min_factor=0.01.",
        )
        set_(self, "min_factor", floor)
        if self.decay == "cosine" and (
            self.total_steps is None or self.total_steps <= self.warmup_steps
        ):
            raise InvalidArgumentError(
                f"LRSchedule: cosine decay needs total_steps > warmup_steps, got "
                f"total_steps={self.total_steps}, warmup_steps={self.warmup_steps}. "
                "Give the run's length in optimizer steps."
            )
        if self.decay == "exponential" and not 0 < self.decay_rate <= 1:  # NaN fails too
            raise InvalidArgumentError(
                f"LRSchedule: exponential decay needs decay_rate in (0, 1], "
                f"got decay_rate={self.decay_rate}."
            )
        if self.decay == "inverse_time" and not 0 <= self.decay_rate < math.inf:
            raise InvalidArgumentError(
                f"LRSchedule: inverse_time decay needs a finite decay_rate >= 0, "
                f"got decay_rate={self.decay_rate}."
            )

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        t = step - self.warmup_steps
        if self.decay == "cosine":
            span = self.total_steps - self.warmup_steps  # type: ignore[operator]
            m = self.min_factor
            return m + (1 - m) * 0.5 * (1 + math.cos(math.pi * min(t, span) / span))
        if self.decay == "inverse_time":
            return 1.0 / (1.0 + self.decay_rate * t / self.decay_steps)
        if self.decay == "exponential":
            return float(self.decay_rate ** (t / self.decay_steps))
        return 1.0


def make_scheduler(
    optimizer: torch.optim.Optimizer, schedule: LRSchedule
) -> torch.optim.lr_scheduler.LambdaLR:
    """A torch scheduler following ``schedule``; call its ``step()`` after each optimizer
    step. Its ``state_dict`` holds the schedule, so checkpoints restore it."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def scale_learning_rate(
    learning_rate: float,
    batch_size: int,
    *,
    base_batch_size: int = 32,
    rule: ScaleRule = "linear",
) -> float:
    """The learning rate for ``batch_size``, given the rate tuned for ``base_batch_size``.

    A bigger batch averages away gradient noise, so it can take bigger steps: the linear
    rule multiplies the rate by ``batch_size / base_batch_size`` (pair it with warmup), the
    square-root rule by its square root (which keeps the gradient noise's variance per
    step). Tuning the base rate this way tunes the rate and the batch size together.

    Example:
        >>> from tunesmith.integrations.torch import scale_learning_rate
        >>> scale_learning_rate(0.01, 128, base_batch_size=32, rule="linear")
        0.04
        >>> scale_learning_rate(0.01, 128, base_batch_size=32, rule="sqrt")
        0.02
    """
    as_int("scale_learning_rate", "batch_size", batch_size, 1)
    as_int("scale_learning_rate", "base_batch_size", base_batch_size, 1)
    as_real("scale_learning_rate", "learning_rate", learning_rate, low=0, low_open=True)
    if rule not in ("linear", "sqrt", "none"):
        raise InvalidArgumentError(
            f"scale_learning_rate: unknown rule, got rule={rule!r}. "
            "Use 'linear', 'sqrt' or 'none'."
        )
    ratio = batch_size / base_batch_size
    if rule == "linear":
        return learning_rate * ratio
    if rule == "sqrt":
        return learning_rate * math.sqrt(ratio)
    return learning_rate  # rule "none"
