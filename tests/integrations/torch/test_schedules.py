from __future__ import annotations

import math

import pytest
import torch

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import (
    LRSchedule,
    OptimizerSpec,
    make_optimizer,
    make_scheduler,
    scale_learning_rate,
)


class TestWarmup:
    def test_linear_ramp_reaches_the_full_rate_at_the_last_warmup_step(self) -> None:
        s = LRSchedule(warmup_steps=5)
        assert [s(i) for i in range(7)] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0])

    def test_the_optimizer_sees_the_ramp(self) -> None:
        opt = make_optimizer(torch.nn.Linear(2, 1).parameters(), OptimizerSpec(learning_rate=0.1))
        scheduler = make_scheduler(opt, LRSchedule(warmup_steps=4))
        seen = []
        for _ in range(6):
            seen.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
        assert seen == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1])


class TestDecay:
    def test_cosine_after_warmup(self) -> None:
        s = LRSchedule(warmup_steps=2, decay="cosine", total_steps=12, min_factor=0.1)
        assert s(2) == pytest.approx(1.0)
        assert s(7) == pytest.approx(0.1 + 0.9 * 0.5)  # half-way
        assert s(12) == pytest.approx(0.1)
        assert s(50) == pytest.approx(0.1)

    def test_inverse_time_and_exponential(self) -> None:
        inv = LRSchedule(decay="inverse_time", decay_rate=1.0, decay_steps=10)
        assert [inv(0), inv(10), inv(30)] == pytest.approx([1.0, 1 / 2, 1 / 4])
        exp = LRSchedule(decay="exponential", decay_rate=0.5, decay_steps=10)
        assert [exp(0), exp(10), exp(25)] == pytest.approx([1.0, 0.5, 0.5**2.5])

    def test_cosine_needs_the_run_length(self) -> None:
        with pytest.raises(InvalidArgumentError, match="cosine decay needs total_steps"):
            LRSchedule(decay="cosine")

    def test_scheduler_state_round_trips(self) -> None:
        opt = make_optimizer(torch.nn.Linear(2, 1).parameters(), OptimizerSpec())
        sched = make_scheduler(opt, LRSchedule(warmup_steps=3, decay="cosine", total_steps=9))
        for _ in range(4):
            opt.step()
            sched.step()
        other = make_scheduler(opt, LRSchedule())
        other.load_state_dict(sched.state_dict())
        assert other.lr_lambdas[0](5) == sched.lr_lambdas[0](5) != 1.0


class TestBatchSizeScaling:
    def test_linear_rule(self) -> None:
        assert scale_learning_rate(0.01, 256, base_batch_size=32) == pytest.approx(0.08)
        assert scale_learning_rate(0.01, 16, base_batch_size=32) == pytest.approx(0.005)

    def test_square_root_rule(self) -> None:
        assert scale_learning_rate(0.01, 512, base_batch_size=32, rule="sqrt") == pytest.approx(
            0.01 * math.sqrt(16)
        )

    def test_none_and_bad_rule(self) -> None:
        assert scale_learning_rate(0.01, 512, rule="none") == 0.01
        with pytest.raises(InvalidArgumentError, match="got rule='cubic'"):
            scale_learning_rate(0.01, 64, rule="cubic")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="got learning_rate='x'"):
            scale_learning_rate("x", 64, rule="none")  # type: ignore[arg-type]
        with pytest.raises(
            InvalidArgumentError,
            match="learning_rate must be a finite number > 0, got learning_rate=-1.0",
        ):
            scale_learning_rate(-1.0, 64)
        with pytest.raises(InvalidArgumentError, match="batch_size must be an integer >= 1"):
            scale_learning_rate(0.01, 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"warmup_steps": 2.5}, "warmup_steps must be an integer >= 0, got warmup_steps=2.5"),
        (
            {"decay": "cosine", "total_steps": 10, "min_factor": -1.0},
            r"min_factor must be a finite number in \[0, 1\], got min_factor=-1.0",
        ),
        (
            {"decay": "inverse_time", "decay_rate": float("nan")},
            "decay_rate must be a finite number, got decay_rate=nan",
        ),
    ],
)
def test_schedules_that_would_distort_the_rate_are_refused(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        LRSchedule(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"decay": "linear"}, "unknown decay, got decay='linear'"),
        ({"lr_scaling": "cubic"}, "got rule='cubic'"),
        ({"base_batch_size": 0}, "base_batch_size must be an integer >= 1"),
        ({"optimizer": "adam"}, "optimizer must be an OptimizerSpec, got optimizer='adam'"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1, got batch_size=2.5"),
        ({"warmup_epochs": float("nan")}, "warmup_epochs must be a finite number >= 0"),
        ({"decay": "exponential", "decay_rate": -3}, r"decay_rate in \(0, 1\]"),
    ],
)
def test_a_training_spec_is_checked_when_made(kwargs: dict[str, object], match: str) -> None:
    from tunesmith.integrations.torch import TrainingSpec

    base: dict[str, object] = {"optimizer": OptimizerSpec()}
    with pytest.raises(InvalidArgumentError, match=match):
        TrainingSpec(**{**base, **kwargs})  # type: ignore[arg-type]
