"""The default training loop: train, evaluate, report each epoch, stop early, checkpoint."""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from tunesmith._validate import as_int, as_real
from tunesmith.exceptions import InvalidArgumentError, MissingDependencyError
from tunesmith.integrations.torch._changes import (
    apply_values,
    declare_changeable,
    missing_checkpoint,
    origin,
)
from tunesmith.integrations.torch._checkpoint import Checkpoint
from tunesmith.integrations.torch._data import Data, batches
from tunesmith.integrations.torch._diagnostics import Diagnostics, measure
from tunesmith.integrations.torch._layers import Task, TaskLoss
from tunesmith.integrations.torch._lr_finder import find_learning_rate
from tunesmith.integrations.torch._optim import OptimizerSpec, make_optimizer
from tunesmith.integrations.torch._schedules import (
    DECAYS,
    Decay,
    LRSchedule,
    ScaleRule,
    make_scheduler,
    scale_learning_rate,
)
from tunesmith.integrations.torch._selu import check_self_normalizing

if TYPE_CHECKING:
    from tunesmith.execution import RunningTrial

_EVAL_CHUNK = 2048


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device``, or ``"cuda"`` when a GPU is available and ``"cpu"`` otherwise."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def check_warmup(where: str, warmup_epochs: float, epochs: int) -> None:
    """Refuses a warmup longer than the run: the rate would never reach the one being
    tuned. (A scheduler's smaller budget may still stop a run inside its warmup: the
    promoted trial continues it.)"""
    if warmup_epochs > epochs:
        raise InvalidArgumentError(
            f"{where}: the warmup is longer than the run, got warmup_epochs={warmup_epochs!r} "
            f"with epochs={epochs!r}; the learning rate would never reach its tuned value. "
            "Pass epochs >= warmup_epochs, or a shorter warmup."
        )


def metric_names(task: Task) -> tuple[str, ...]:
    """The metrics :func:`train` reports for ``task`` (a study's objective must be one)."""
    if task == "regression":
        return ("loss", "val_loss")
    return ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclasses.dataclass(frozen=True)
class TrainingSpec:
    """How to train: the optimizer, the batch size and the learning-rate schedule.

    Args:
        optimizer: The optimizer and its settings.
        batch_size: Examples per step.
        decay: Learning-rate decay after warmup (see :class:`~.LRSchedule`); its unit is
            the epoch.
        decay_rate: The decay's rate (inverse_time) or base (exponential).
        warmup_epochs: Epochs of linear learning-rate warmup (fractions allowed).
        lr_scaling: Scale the learning rate with the batch size (``"linear"`` or
            ``"sqrt"``): ``optimizer.learning_rate`` is then the rate for
            ``base_batch_size``, so tuning both tunes them together.
        base_batch_size: The batch size the tuned learning rate refers to.
    """

    optimizer: OptimizerSpec = dataclasses.field(default_factory=OptimizerSpec)
    batch_size: int = 32
    decay: Decay = "none"
    decay_rate: float = 0.5
    warmup_epochs: float = 0.0
    lr_scaling: ScaleRule = "none"
    base_batch_size: int = 32

    def __post_init__(self) -> None:
        if not isinstance(self.optimizer, OptimizerSpec):
            raise InvalidArgumentError(
                f"TrainingSpec: optimizer must be an OptimizerSpec, got "
                f"optimizer={self.optimizer!r}. Write OptimizerSpec('adam', learning_rate=1e-3)."
            )
        # Stored as Python numbers: they reach the JSON attrs and the checkpoints.
        set_ = object.__setattr__
        set_(self, "batch_size", as_int("TrainingSpec", "batch_size", self.batch_size, 1))
        set_(
            self,
            "base_batch_size",
            as_int("TrainingSpec", "base_batch_size", self.base_batch_size, 1),
        )
        set_(
            self,
            "warmup_epochs",
            as_real("TrainingSpec", "warmup_epochs", self.warmup_epochs, low=0),
        )
        set_(self, "decay_rate", as_real("TrainingSpec", "decay_rate", self.decay_rate))
        if self.decay not in DECAYS:
            raise InvalidArgumentError(
                f"TrainingSpec: unknown decay, got decay={self.decay!r}. "
                f"Use one of {list(DECAYS)}."
            )
        # The rest is checked where it is used, now rather than inside a trial.
        scale_learning_rate(
            1.0, self.batch_size, base_batch_size=self.base_batch_size, rule=self.lr_scaling
        )
        if self.decay != "none":
            LRSchedule(decay=self.decay, total_steps=2, decay_rate=self.decay_rate)

    @property
    def learning_rate(self) -> float:
        """The base learning rate after batch-size scaling."""
        return scale_learning_rate(
            self.optimizer.learning_rate,
            self.batch_size,
            base_batch_size=self.base_batch_size,
            rule=self.lr_scaling,
        )


@dataclasses.dataclass(frozen=True)
class FitResult:
    """How a training run ended.

    Attributes:
        value: The objective's best value (the model holds that epoch's weights).
        best_epoch: The epoch of that value.
        epochs_run: The last epoch trained, plus one.
        stop_reason: ``"completed"``, ``"early_stopping"``, ``"scheduler"`` or
            ``"diverged"`` (a non-finite objective).
        checkpoint: The best model's weights (``best.pt`` in the trial's folder).
        learning_rate: The base learning rate used (after scaling or the LR finder).
        diagnostics: The per-layer diagnostics at the best epoch (None if off).
        history: Each epoch's metrics.
    """

    value: float
    best_epoch: int
    epochs_run: int
    stop_reason: str
    checkpoint: Path
    learning_rate: float
    diagnostics: Diagnostics | None
    history: list[dict[str, float]]


def _train_epoch(
    model: nn.Module,
    loss_fn: TaskLoss,
    data: Data,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    batch_size: int,
    generator: torch.Generator,
) -> dict[str, float]:
    model.train()
    total, correct, seen = 0.0, 0.0, 0
    for x, y in batches(data.x_train, data.y_train, batch_size, generator=generator):
        optimizer.zero_grad(set_to_none=True)
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += float(loss.detach()) * len(x)
        correct += _n_correct(logits.detach(), y, loss_fn.task)
        seen += len(x)
    metrics = {"loss": total / seen}
    if loss_fn.task != "regression":
        metrics["accuracy"] = correct / seen
    return metrics


def _n_correct(logits: torch.Tensor, y: torch.Tensor, task: Task) -> float:
    if task == "classification":
        return float((logits.argmax(dim=-1) == y).sum())
    if task == "binary":
        return float(((logits.reshape(y.shape) > 0).float() == y).sum())
    return 0.0


@torch.no_grad()
def evaluate(
    model: nn.Module, loss_fn: TaskLoss, x: torch.Tensor, y: torch.Tensor
) -> dict[str, float]:
    """Validation loss (and accuracy for classification tasks), in evaluation mode."""
    was_training = model.training
    model.eval()
    total, correct = 0.0, 0.0
    for start in range(0, len(x), _EVAL_CHUNK):
        xb, yb = x[start : start + _EVAL_CHUNK], y[start : start + _EVAL_CHUNK]
        logits = model(xb)
        total += float(loss_fn(logits, yb)) * len(xb)
        correct += _n_correct(logits, yb, loss_fn.task)
    model.train(was_training)
    metrics = {"val_loss": total / len(x)}
    if loss_fn.task != "regression":
        metrics["val_accuracy"] = correct / len(x)
    return metrics


def train(
    model: nn.Module,
    data: Data,
    trial: RunningTrial,
    spec: TrainingSpec,
    *,
    task: Task = "classification",
    epochs: int = 20,
    patience: int | None = 5,
    min_delta: float = 0.0,
    device: str | torch.device | None = None,
    diagnostics: bool = True,
    diagnostics_examples: int = 512,
    find_lr: bool = False,
    resume: bool = False,
    resume_from: str | Path | None = None,
    keep_checkpoints: int = 1,
) -> FitResult:
    """Trains ``model`` for a trial, reporting the objective after every epoch.

    Each epoch: train on shuffled mini-batches (stepping the LR schedule per batch),
    evaluate on the validation data, measure per-layer diagnostics on up to
    ``diagnostics_examples`` validation examples, save a checkpoint (and ``best.pt`` when
    the objective improved), then ``trial.report(step=epoch, **metrics)``. Stops when the
    scheduler says so (``trial.should_stop()``), or after ``patience`` epochs without
    improvement. Ends with the best epoch's weights loaded, and records the trial
    attributes ``checkpoint``, ``best_epoch``, ``learning_rate`` and ``diagnostics``.

    Args:
        model: The network to train (moved to ``device``).
        data: Training and validation data.
        trial: The running trial: its objective must be one of :func:`metric_names`.
        spec: Optimizer, batch size and learning-rate schedule.
        task: What the network predicts; picks the loss and metrics.
        epochs: The most epochs to train.
        patience: Epochs without improvement before stopping; None never stops early.
        min_delta: Smallest change that counts as an improvement.
        device: Where to train. When None: the trial's device (a search with
            ``devices=[...]`` ties each worker to one), else ``"cuda"`` if available, else
            ``"cpu"``.
        diagnostics: Measure and report per-layer diagnostics each epoch.
        diagnostics_examples: Validation examples the diagnostics look at.
        find_lr: Run the learning-rate finder first and train at its suggestion instead
            of the spec's rate (recorded as the ``lr_finder`` attribute, with the curve
            drawn to ``lr_finder.png`` in the trial's folder when matplotlib is installed).
        resume: Continue from the latest checkpoint in ``trial.directory`` if there is one
            (for a scheduler that runs a trial again with a larger budget). The LR schedule
            comes back from the checkpoint: a cosine decay keeps the length it started with.
        resume_from: A folder of another run's checkpoints to continue from; its latest
            checkpoint is loaded. By default a trial that a scheduler promoted to a larger
            budget (Hyperband, ASHA) continues from its parent's latest checkpoint.
        keep_checkpoints: Step checkpoints kept in the trial's folder (keep more to fork
            from earlier steps: ``tunesmith fork``).

    Mid-run changes: the defined hyperparameters among ``learning_rate``, ``beta_1``,
    ``rho``, ``momentum``, ``weight_decay``, ``dropout`` and ``batch_size`` are declared
    changeable; changes asked for while it trains (``tunesmith set``, population-based
    training) are applied at the start of the next epoch and kept in the trial's
    ``schedule``. A forked trial (``tunesmith fork``) starts from its parent's checkpoint at
    the fork's step, and a retry of a trial whose worker died from its latest checkpoint.
    A trial's ``budget`` (epochs) caps ``epochs``.

    Returns:
        The best value, where its weights are, and the run's history.

    Raises:
        InvalidArgumentError: The study's objective is not a metric this loop computes,
            or ``spec.warmup_epochs`` is longer than ``epochs`` (a trial's smaller budget
            may stop inside the warmup: the promoted trial continues it).
    """
    if not isinstance(data, Data):
        raise InvalidArgumentError(
            f"train: data must be a tunesmith.integrations.torch.Data, got "
            f"data={type(data).__name__}. Build it with Data.from_arrays(x_train, y_train, "
            "x_val, y_val), or override HyperModel.fit to take your own."
        )
    names = metric_names(task)
    objective = trial.objective
    if objective.name not in names:
        raise InvalidArgumentError(
            f"train: the study's objective must be a metric the default training loop "
            f"reports, got objective={objective.name!r}. Use one of {list(names)}, or "
            "override HyperModel.fit to report it."
        )
    epochs = as_int("train", "epochs", epochs, 1)
    check_warmup("train", spec.warmup_epochs, epochs)
    if patience is not None:
        patience = as_int("train", "patience", patience, 1)
    diagnostics_examples = as_int("train", "diagnostics_examples", diagnostics_examples, 1)
    keep_checkpoints = as_int("train", "keep_checkpoints", keep_checkpoints, 1)
    if resume_from is not None and not Checkpoint.holds_one(resume_from):
        raise InvalidArgumentError(
            f"train: resume_from must be a folder of checkpoints, got "
            f"resume_from={str(resume_from)!r}, which holds none. Check the path (a trial's "
            "folder: trial.directory), or leave resume_from out to start afresh."
        )
    # A worker tied to a device (search(devices=...)) trains there unless told otherwise.
    where = resolve_device(device if device is not None else trial.device)
    model.to(where)
    data = data.to(where)
    loss_fn = TaskLoss(task)
    check_self_normalizing(model, data.x_train)
    generator = torch.Generator().manual_seed(trial.seed)

    lr = spec.learning_rate
    if find_lr:
        found = find_learning_rate(
            model,
            loss_fn,
            data.x_train,
            data.y_train,
            optimizer=spec.optimizer,
            batch_size=spec.batch_size,
            generator=generator,
        )
        lr = found.suggestion
        try:
            plot: str | None = str(found.plot(trial.directory / "lr_finder.png"))
        except MissingDependencyError:
            plot = None  # the curve is optional: it needs the plot extra
        trial.set_attr(
            "lr_finder", {"suggestion": lr, "diverged_at": found.diverged_at, "plot": plot}
        )
    optimizer = make_optimizer(model.parameters(), spec.optimizer, learning_rate=lr)
    steps = math.ceil(len(data.x_train) / spec.batch_size)
    warmup = round(spec.warmup_epochs * steps)
    scheduler = make_scheduler(
        optimizer,
        LRSchedule(
            warmup_steps=warmup,
            decay=spec.decay,
            total_steps=max(epochs * steps, warmup + 1),
            decay_rate=spec.decay_rate,
            decay_steps=steps,
        ),
    )

    ckpt = Checkpoint(trial.directory, keep=keep_checkpoints)
    state: dict[str, Any] = {"best": None, "best_epoch": -1, "wait": 0}
    start = 0
    record = trial.record()
    if record.budget is not None:  # a scheduler's (or a population's) budget, in epochs
        epochs = min(epochs, int(record.budget))
    trial.set_attr("epochs", epochs)
    changeable = declare_changeable(trial)
    source = Checkpoint(resume_from) if resume_from is not None else ckpt
    at: int | None = None
    start_from = origin(trial, record) if resume_from is None else None
    if start_from is not None:  # a fork or a retry: go on from the parent's checkpoint
        source, at, resume = Checkpoint(start_from.directory), start_from.step, True
        if at is not None and at not in source.steps():
            raise missing_checkpoint(start_from, source.steps())
        if source.latest() is None:  # (the restore below then finds nothing either)
            warnings.warn(
                f"train: the {start_from.why} goes on from {start_from.directory}, which "
                "holds no checkpoint, so it trains from the start. A worker whose artifacts "
                "folder is not the one the earlier trial ran in does this: give every worker "
                "the study's (Tuner(artifacts=...), tunesmith worker --artifacts).",
                RuntimeWarning,
                stacklevel=2,
            )
    if (resume or resume_from is not None) and source.latest() is not None:
        restored = source.restore(model=model, optimizer=optimizer, scheduler=scheduler, step=at)
        generator.set_state(restored.extra["generator"].cpu())  # map_location moved it
        state = {k: restored.extra[k] for k in state}
        start = restored.step + 1
        if at is not None:  # a fork: its best is its own (the parent's may lie past `at`)
            state = {"best": None, "best_epoch": -1, "wait": 0}
        elif source is not ckpt and source.best_path.exists():
            # carry the source's best weights over, so best.pt matches state["best"]
            ckpt.best_path.write_bytes(source.best_path.read_bytes())

    if changeable:  # the values in force (a fork's, a retry's schedule) over the restored
        spec = apply_values(trial.current_values, spec, model, optimizer, scheduler)
    history: list[dict[str, float]] = []
    diag: Diagnostics | None = None
    best_diag: Diagnostics | None = None
    reason = "completed"
    epochs_run = start
    n_diag = min(diagnostics_examples, len(data.x_val))
    for epoch in range(start, epochs):
        if changeable:  # changes asked for mid-run take effect from this epoch on
            changed = trial.poll_changes(epoch)
            if changed:
                spec = apply_values(changed, spec, model, optimizer, scheduler)
        metrics = _train_epoch(
            model, loss_fn, data, optimizer, scheduler, spec.batch_size, generator
        )
        metrics.update(evaluate(model, loss_fn, data.x_val, data.y_val))
        metrics["learning_rate"] = optimizer.param_groups[0]["lr"]
        value = metrics[objective.name]
        if diagnostics:
            diag = measure(model, loss_fn, data.x_val[:n_diag], data.y_val[:n_diag])
            metrics.update(diag.to_metrics())
        history.append(metrics)
        epochs_run = epoch + 1
        best = state["best"]
        if math.isfinite(value) and (
            best is None or (objective.is_better(value, best) and abs(value - best) > min_delta)
        ):
            state.update(best=value, best_epoch=epoch, wait=0)
            best_diag = diag
            ckpt.save_best(model, step=epoch, value=value)
        else:
            state["wait"] += 1
        ckpt.save(
            epoch,
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            extra={**state, "generator": generator.get_state()},
        )
        trial.report(step=epoch, **metrics)
        if not math.isfinite(value):
            reason = "diverged"
            break
        if trial.should_stop():
            reason = "scheduler"
            break
        if patience is not None and state["wait"] >= patience:
            reason = "early_stopping"
            break

    if state["best"] is None:
        return FitResult(math.nan, -1, epochs_run, reason, ckpt.best_path, lr, None, history)
    ckpt.load_best(model)
    trial.set_attr("checkpoint", str(ckpt.best_path))
    trial.set_attr("best_epoch", state["best_epoch"])
    trial.set_attr("learning_rate", lr)
    if best_diag is not None:
        trial.set_attr("diagnostics", best_diag.to_json())
    return FitResult(
        float(state["best"]),
        int(state["best_epoch"]),
        epochs_run,
        reason,
        ckpt.best_path,
        lr,
        best_diag,
        history,
    )
