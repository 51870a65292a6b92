"""Mid-run changes in the training loop: what can change, and how a change reaches the
optimizer and the model; where a fork or a retry starts from.

The names are those of the default space (:func:`~.training_space`, :func:`~.dense_space`):
a loop that defines its hyperparameters under these names gets mid-run changes for free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from tunesmith.execution._changes import FORK_ATTR
from tunesmith.integrations.torch._checkpoint import Checkpoint
from tunesmith.trial import RETRY_OF_ATTR

if TYPE_CHECKING:
    from tunesmith.execution import RunningTrial
    from tunesmith.integrations.torch._fit import TrainingSpec
    from tunesmith.trial import Trial

#: Hyperparameters :func:`~.train` can change between two epochs, by their default names.
CHANGEABLE = (
    "learning_rate",
    "beta_1",
    "rho",
    "momentum",
    "weight_decay",
    "dropout",
    "batch_size",
)

_OPTIMIZER_FIELDS = ("beta_1", "rho", "momentum", "weight_decay")


def declare_changeable(trial: RunningTrial) -> tuple[str, ...]:
    """Declares, on the trial, the defined hyperparameters the loop knows how to change."""
    names = tuple(n for n in CHANGEABLE if n in trial.hp.values)
    if names:
        trial.changeable(*names)
    return names


def with_values(spec: TrainingSpec, values: Mapping[str, Any]) -> TrainingSpec:
    """``spec`` with the changeable training values of ``values`` put in."""
    optimizer = spec.optimizer
    fields = {k: values[k] for k in _OPTIMIZER_FIELDS if k in values}
    if "learning_rate" in values:
        fields["learning_rate"] = values["learning_rate"]
    if fields:
        optimizer = dataclasses.replace(optimizer, **fields)
    batch = int(values.get("batch_size", spec.batch_size))
    return dataclasses.replace(spec, optimizer=optimizer, batch_size=batch)


def apply_spec(
    spec: TrainingSpec,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
) -> None:
    """Puts ``spec``'s learning rate (keeping the schedule's current factor), β, momentum and
    weight decay into a live optimizer."""
    base = spec.learning_rate
    bases = list(scheduler.base_lrs)
    for i, group in enumerate(optimizer.param_groups):
        factor = group["lr"] / bases[i] if bases[i] else 1.0
        group["lr"] = base * factor
        group["initial_lr"] = base
        group["weight_decay"] = spec.optimizer.weight_decay
        if "betas" in group:
            group["betas"] = (spec.optimizer.beta_1, group["betas"][1])
        if "alpha" in group:
            group["alpha"] = spec.optimizer.rho
        if "momentum" in group and not isinstance(optimizer, torch.optim.RMSprop):
            group["momentum"] = spec.optimizer.momentum
    scheduler.base_lrs = [base] * len(optimizer.param_groups)


def apply_dropout(model: nn.Module, p: float) -> None:
    """Sets the rate of every dropout layer of ``model``."""
    for module in model.modules():
        if isinstance(module, nn.Dropout | nn.AlphaDropout):
            module.p = float(p)


def apply_values(
    values: Mapping[str, Any],
    spec: TrainingSpec,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
) -> TrainingSpec:
    """Applies changed values to the live run; returns the spec now in force."""
    spec = with_values(spec, values)
    apply_spec(spec, optimizer, scheduler)
    if "dropout" in values:
        apply_dropout(model, float(values["dropout"]))
    return spec


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a run starts from: another trial's checkpoint folder, at ``step`` (the latest
    there when None)."""

    directory: Path
    step: int | None
    why: str


def origin(trial: RunningTrial, record: Trial) -> Origin | None:
    """The checkpoint a run starts from, None for a fresh run:

    - a retry of a trial whose worker died (``retry_of``): that trial's latest checkpoint,
      if it saved one (else what that trial itself started from, below);
    - a fork (``fork`` attribute): the forked trial's checkpoint at the fork's step;
    - a scheduler's promotion (a ``parent``, no fork): the parent's latest checkpoint.
    """
    root = trial.directory.parent
    retry = record.attrs.get(RETRY_OF_ATTR)
    if retry is not None:
        folder = root / f"trial-{retry}"
        if Checkpoint(folder).latest() is not None:
            return Origin(folder, None, f"retry of trial {retry}")
    fork = record.attrs.get(FORK_ATTR)
    if fork is not None:
        folder = root / f"trial-{fork['trial']}"
        return Origin(folder, int(fork["step"]), f"fork of trial {fork['trial']}")
    if record.parent is not None:
        folder = root / f"trial-{record.parent}"
        return Origin(folder, None, f"promotion of trial {record.parent}")
    return None


def missing_checkpoint(found: Origin, steps: list[int]) -> FileNotFoundError:
    """The error of a fork whose step was not checkpointed: it fails that trial only."""
    return FileNotFoundError(
        f"train: the {found.why} starts from its checkpoint at step {found.step}, but "
        f"{found.directory} holds checkpoints at steps {steps}, got step={found.step}. Fork "
        "from one of those, or train with keep_checkpoints=N to keep more steps."
    )
