"""Data for the default training loop: train and validation tensors, and mini-batches."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, get_args

import numpy as np
import torch

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch._layers import Task


def as_tensor(values: Any, *, task: Task | None = None) -> torch.Tensor:
    """A tensor from an array: float32 inputs; targets as int64 class labels for
    classification, float32 otherwise."""
    t = torch.as_tensor(np.asarray(values) if not isinstance(values, torch.Tensor) else values)
    if task is not None and task not in get_args(Task):
        raise InvalidArgumentError(
            f"Data: task must be one of {list(get_args(Task))}, got task={task!r}."
        )
    if task == "binary" and len(t) and not bool(((t >= 0) & (t <= 1)).all()):
        raise InvalidArgumentError(
            f"Data: binary targets must lie in [0, 1] (labels, or soft labels), got values "
            f"from {t.min().item()} to {t.max().item()}. Pass task='classification' for "
            "more classes, task='regression' for other values."
        )
    if task == "classification" and len(t):
        labels = t.double()
        if not torch.equal(labels, labels.round()) or bool((labels < 0).any()):
            bad = labels[(labels != labels.round()) | (labels < 0)][:3].tolist()
            raise InvalidArgumentError(
                f"Data: {task} targets must be class labels 0, 1, 2, ..., got values such "
                f"as {bad}. Pass task='regression' for real-valued targets, or encode the "
                "classes as integers."
            )

    if task == "classification":
        return t.long()
    return t.float()


@dataclasses.dataclass(frozen=True)
class Data:
    """Training and validation data held in memory (small and medium data sets).

    Args:
        x_train: Training inputs, one row per example.
        y_train: Training targets (class labels for classification).
        x_val: Validation inputs.
        y_val: Validation targets.

    Use :meth:`from_arrays` to build one from NumPy arrays with the task's dtypes.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor

    def __post_init__(self) -> None:
        for x, y, part in ((self.x_train, self.y_train, "train"), (self.x_val, self.y_val, "val")):
            if len(x) != len(y) or len(x) == 0:
                raise InvalidArgumentError(
                    f"Data: x_{part} and y_{part} must hold the same, non-zero number of "
                    f"examples, got len(x_{part})={len(x)}, len(y_{part})={len(y)}."
                )
        if self.x_train.shape[1:] != self.x_val.shape[1:]:
            raise InvalidArgumentError(
                f"Data: x_val's examples must have x_train's shape, got "
                f"{tuple(self.x_val.shape[1:])} and {tuple(self.x_train.shape[1:])}. Split "
                "both from the same array."
            )

    @classmethod
    def from_arrays(
        cls, x_train: Any, y_train: Any, x_val: Any, y_val: Any, *, task: Task = "classification"
    ) -> Data:
        """Builds the data from arrays (NumPy, lists or tensors).

        Example:
            >>> import numpy as np
            >>> from tunesmith.integrations.torch import Data
            >>> d = Data.from_arrays(np.zeros((8, 3)), [0, 1] * 4, np.zeros((2, 3)), [0, 1])
            >>> d.x_train.dtype, d.y_train.dtype, d.n_features
            (torch.float32, torch.int64, 3)
        """
        return cls(
            as_tensor(x_train),
            as_tensor(y_train, task=task),
            as_tensor(x_val),
            as_tensor(y_val, task=task),
        )

    @property
    def n_features(self) -> int:
        """Input features per example."""
        return int(self.x_train[0].numel())

    def to(self, device: str | torch.device) -> Data:
        """The same data on ``device``."""
        return Data(*(t.to(device) for t in dataclasses.astuple(self)))


def batches(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches of ``(x, y)``, shuffled by ``generator``; the last may be smaller."""
    as_int("batches", "batch_size", batch_size, 1)
    n = len(x)
    order = (
        torch.randperm(n, generator=generator).to(x.device)
        if shuffle
        else torch.arange(n, device=x.device)
    )
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        yield x[index], y[index]
