"""Keras model state in a trial's folder: the best weights, and the last full state.

``best.weights.h5`` holds the trial's best epoch (what ``get_best_models`` loads);
``last.weights.h5`` the last finished epoch (what a promoted trial resumes from). Keras
writes the optimizer's variables (its step count and moments) beside the weights, and
they are loaded back once the optimizer is built. Each file is
written to a temporary name and renamed, so a killed process leaves the previous file
whole. ``build.json`` keeps the model's build config, so a model that builds on its first
batch (a Sequential without an Input) can be built before its weights are loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tunesmith.exceptions import InvalidArgumentError

BEST = "best.weights.h5"
LAST = "last.weights.h5"
BUILD = "build.json"


def _replace(write: Any, path: Path, suffix: str) -> None:
    tmp = path.with_name(path.name[: -len(suffix)] + ".tmp" + suffix)
    write(tmp)
    os.replace(tmp, path)


def _save_build_config(model: Any, folder: Path) -> None:
    path = folder / BUILD
    if path.exists():
        return
    config = model.get_build_config() if hasattr(model, "get_build_config") else None
    if config is not None:
        shape = config.get("input_shape")
        if isinstance(shape, list | tuple) and shape and isinstance(shape[0], int | None):
            config = {**config, "input_shape": [None, *shape[1:]]}  # any batch size
        _replace(lambda p: p.write_text(json.dumps(config)), path, ".json")


def ensure_built(model: Any, folder: Path) -> None:
    """Builds ``model`` (from the build config saved in ``folder``) and its optimizer, so
    that loading a state file fills every variable."""
    path = folder / BUILD
    if not getattr(model, "built", True) and path.exists():
        model.build_from_config(json.loads(path.read_text()))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)


def save_best(model: Any, folder: Path) -> None:
    """Writes the model's weights as the trial's best."""
    _save_build_config(model, folder)
    _replace(model.save_weights, folder / BEST, ".weights.h5")


def save_last(model: Any, folder: Path) -> None:
    """Writes the model's weights and optimizer state after an epoch (resumable)."""
    _save_build_config(model, folder)
    _replace(model.save_weights, folder / LAST, ".weights.h5")


def has_best(folder: Path) -> bool:
    return (folder / BEST).exists()


def load_best(model: Any, folder: Path) -> None:
    """Loads a trial's best weights into a freshly built model."""
    ensure_built(model, folder)
    model.load_weights(folder / BEST)


def restore_last(model: Any, folder: Path) -> None:
    """Loads the weights and optimizer state ``save_last`` wrote into a fresh, compiled
    model built from the same hyperparameters.

    Raises:
        InvalidArgumentError: the folder holds no state.
    """
    if not (folder / LAST).exists():
        raise InvalidArgumentError(
            f"restore: {folder} holds no {LAST}; the trial to continue saved no state. "
            "Pass the tuner's callbacks on to model.fit in HyperModel.fit "
            "(model.fit(*args, **kwargs))."
        )
    ensure_built(model, folder)
    model.load_weights(folder / LAST)
