"""Checkpoints that resume a run exactly: model, optimizer, LR scheduler, RNG states, step."""

from __future__ import annotations

import dataclasses
import io
import os
import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tunesmith._validate import as_int
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
    try:
        torch.save(dict(obj), tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)  # readers never see a half-written file


def _check_extra(extra: Mapping[str, Any]) -> None:
    """Refuses an ``extra`` that a checkpoint could store but never load back: restore
    reads with ``weights_only=True`` (no arbitrary pickles), which takes tensors, numbers,
    strings, None and lists, tuples and dicts of them."""
    buffer = io.BytesIO()
    try:
        torch.save(dict(extra), buffer)
        buffer.seek(0)
        torch.load(buffer, weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure means it would not load back
        raise InvalidArgumentError(
            f"Checkpoint.save: extra must hold only tensors, Python numbers, strings, None "
            f"and lists or dicts of them (restore loads with weights_only=True), got "
            f"extra={dict(extra)!r}. Convert the rest first, e.g. float(x) for a NumPy "
            "number, str(path) for a Path."
        ) from e


def _check_fits(model: nn.Module, state: Mapping[str, Any], path: Path) -> None:
    """Refuses, before anything is loaded, a checkpoint of another model: PyTorch would
    copy the tensors that fit and only then raise, leaving the model half overwritten."""
    own = model.state_dict()
    saved = state["model"]
    missing = sorted(set(own) - set(saved))
    unexpected = sorted(set(saved) - set(own))
    shapes = [
        f"{k}: saved {tuple(saved[k].shape)}, model {tuple(own[k].shape)}"
        for k in own
        if k in saved and hasattr(saved[k], "shape") and saved[k].shape != own[k].shape
    ]
    if missing or unexpected or shapes:
        problems = [
            *(f"missing {k}" for k in missing[:3]),
            *(f"unexpected {k}" for k in unexpected[:3]),
            *shapes[:3],
        ]
        raise InvalidArgumentError(
            f"Checkpoint.restore: {path} holds another model's state ({'; '.join(problems)}). "
            "Restore it into a model built with the same hyperparameters."
        )


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
        keep = as_int(
            "Checkpoint",
            "keep",
            keep,
            1,
            "Keep 1 (the latest) to resume, more to go back further.",
        )
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep = keep

    @staticmethod
    def holds_one(directory: str | Path) -> bool:
        """Whether ``directory`` exists and holds a step checkpoint (creating nothing)."""
        folder = Path(directory)
        return folder.is_dir() and any(_NAME.match(p.name) for p in folder.iterdir())

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
        step = as_int("Checkpoint.save", "step", step, 0)
        _check_extra(extra or {})
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
            InvalidArgumentError: ``step`` is not an integer >= 0, or the checkpoint holds
                another model's or optimizer's state.
        """
        if step is None:
            step = self.latest()
            if step is None:
                raise FileNotFoundError(
                    f"Checkpoint.restore: no checkpoint in {self.directory}. "
                    "Check latest() first, or save one."
                )
        elif as_int("Checkpoint.restore", "step", step, 0) not in self.steps():
            raise FileNotFoundError(
                f"Checkpoint.restore: no checkpoint at step={step!r} in {self.directory}; "
                f"the saved steps are {self.steps()}. Pass one of them, or None for the latest."
            )
        if map_location is None:
            map_location = next((p.device for p in model.parameters()), torch.device("cpu"))
        path = self.path(step)
        state = torch.load(path, map_location=map_location, weights_only=True)
        _check_fits(model, state, path)
        if optimizer is not None and state["optimizer"] is not None:
            groups = state["optimizer"]["param_groups"]
            sizes = [len(g["params"]) for g in groups]
            if sizes != [len(g["params"]) for g in optimizer.param_groups]:
                raise InvalidArgumentError(
                    f"Checkpoint.restore: {path} holds an optimizer over other parameters "
                    f"(groups of {sizes}, this one "
                    f"{[len(g['params']) for g in optimizer.param_groups]}). Build the "
                    "optimizer over the restored model's parameters, as when it was saved."
                )
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
        if not self.best_path.is_file():
            raise FileNotFoundError(
                f"Checkpoint.load_best: no best model in {self.directory}. "
                "Save one with save_best(model, step=, value=) first."
            )
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        state = torch.load(self.best_path, map_location=device, weights_only=True)
        _check_fits(model, state, self.best_path)
        model.load_state_dict(state["model"])
        return {"step": state["step"], "value": state["value"]}
