"""Checkpoints that resume a run exactly: model, optimizer, LR scheduler, RNG states, step."""

from __future__ import annotations

import dataclasses
import os
import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tunesmith.exceptions import InvalidArgumentError

_NAME = re.compile(r"^step-(\d+)\.pt$")


def _rng_state() -> dict[str, Any]:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), pos, has_gauss, gauss],
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping[str, Any]) -> None:
    torch.set_rng_state(state["torch"].cpu())  # map_location may have moved them
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.cpu().numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _write(obj: Mapping[str, Any], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(dict(obj), tmp)
    os.replace(tmp, path)  # readers never see a half-written file


@dataclasses.dataclass(frozen=True)
class Restored:
    """What :meth:`Checkpoint.restore` brought back.

    Attributes:
        step: The step the checkpoint was saved at (resume from ``step + 1``).
        extra: The ``extra`` mapping given to :meth:`Checkpoint.save`.
    """

    step: int
    extra: dict[str, Any]


class Checkpoint:
    """A folder of checkpoints, one file per saved step, plus the best model's weights.

    A checkpoint holds everything needed to continue a run as if it had not stopped: the
    model's and optimizer's state, the LR scheduler's, the random generators of torch
    (and CUDA), NumPy and Python, the step, and any ``extra`` state of the loop (e.g. early
    stopping's counters or a shuffling generator's state). Files are written atomically.

    Args:
        directory: The folder, e.g. ``trial.directory``; created if missing.
        keep: How many step checkpoints to keep (the oldest are deleted).

    Example:
        >>> import tempfile, torch
        >>> from tunesmith.integrations.torch import Checkpoint
        >>> model = torch.nn.Linear(2, 1)
        >>> ckpt = Checkpoint(tempfile.mkdtemp())
        >>> _ = ckpt.save(3, model=model, extra={"best": 0.5})
        >>> ckpt.latest()
        3
        >>> ckpt.restore(model=model)
        Restored(step=3, extra={'best': 0.5})
    """

    def __init__(self, directory: str | Path, *, keep: int = 1) -> None:
        if keep < 1:
            raise InvalidArgumentError(f"Checkpoint: keep must be >= 1, got keep={keep!r}.")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep = keep

    def path(self, step: int) -> Path:
        """The file of the checkpoint at ``step``."""
        return self.directory / f"step-{step:06d}.pt"

    @property
    def best_path(self) -> Path:
        """The file of the best model's weights (see :meth:`save_best`)."""
        return self.directory / "best.pt"

    def steps(self) -> list[int]:
        """The saved steps, oldest first."""
        found = (_NAME.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def latest(self) -> int | None:
        """The newest saved step, or None if there is no checkpoint."""
        steps = self.steps()
        return steps[-1] if steps else None

    def save(
        self,
        step: int,
        *,
        model: nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Saves the run's state at ``step``; returns the file."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise InvalidArgumentError(
                f"Checkpoint.save: step must be an integer >= 0, got step={step!r}."
            )
        path = self.path(step)
        _write(
            {
                "step": step,
                "model": model.state_dict(),
                "optimizer": None if optimizer is None else optimizer.state_dict(),
                "scheduler": None if scheduler is None else scheduler.state_dict(),
                "rng": _rng_state(),
                "extra": dict(extra or {}),
            },
            path,
        )
        for old in self.steps()[: -self.keep]:
            self.path(old).unlink(missing_ok=True)
        return path

    def restore(
        self,
        *,
        model: nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        step: int | None = None,
        map_location: str | torch.device | None = None,
        rng: bool = True,
    ) -> Restored:
        """Loads the checkpoint at ``step`` (the latest if None) into the given objects.

        Args:
            model: Receives the model's state.
            optimizer: Receives the optimizer's state, if given.
            scheduler: Receives the LR scheduler's state, if given.
            step: Which checkpoint; the latest if None.
            map_location: Device to load tensors to (default: the model's device).
            rng: Also restore the random generators' states.

        Raises:
            FileNotFoundError: There is no such checkpoint.
        """
        if step is None:
            step = self.latest()
            if step is None:
                raise FileNotFoundError(
                    f"Checkpoint.restore: no checkpoint in {self.directory}. "
                    "Check latest() first, or save one."
                )
        if map_location is None:
            map_location = next((p.device for p in model.parameters()), torch.device("cpu"))
        state = torch.load(self.path(step), map_location=map_location, weights_only=True)
        model.load_state_dict(state["model"])
        if optimizer is not None and state["optimizer"] is not None:
            optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state["scheduler"] is not None:
            scheduler.load_state_dict(state["scheduler"])
        if rng:
            _set_rng_state(state["rng"])
        return Restored(int(state["step"]), state["extra"])

    def save_best(self, model: nn.Module, *, step: int, value: float) -> Path:
        """Saves the model's weights as the best so far (``best.pt``)."""
        _write({"step": step, "value": value, "model": model.state_dict()}, self.best_path)
        return self.best_path

    def load_best(self, model: nn.Module) -> dict[str, Any]:
        """Loads ``best.pt`` into ``model``; returns its ``step`` and ``value``."""
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        state = torch.load(self.best_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        return {"step": state["step"], "value": state["value"]}
