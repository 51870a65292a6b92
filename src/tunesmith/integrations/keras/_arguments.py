"""keras_tuner's arguments checked where they are given (a tuner or an oracle spec), before
anything touches the project's files."""

from __future__ import annotations

import os
from typing import Any

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.space import HyperParameters
from tunesmith.storage._checks import check_study_name


def check_arguments(
    where: str,
    *,
    max_trials: Any,
    seed: Any,
    hyperparameters: Any,
    flags: dict[str, Any],
    max_model_size: Any = None,
    directory: Any = None,
    project_name: Any = None,
) -> None:
    """keras_tuner's arguments that tunesmith would otherwise meet only after
    ``overwrite`` has deleted the project, or in every trial."""
    for name, value, low in (
        ("max_trials", max_trials, 1),
        ("max_model_size", max_model_size, 1),
        ("seed", seed, 0),
    ):
        if value is not None:
            as_int(where, name, value, low, "Or leave it out (None).")
    if hyperparameters is not None and not isinstance(hyperparameters, HyperParameters):
        raise InvalidArgumentError(
            f"{where}: hyperparameters must be a kt.HyperParameters, got "
            f"hyperparameters={hyperparameters!r}. Build one: hp = kt.HyperParameters(); "
            "hp.Float('learning_rate', 1e-4, 1e-2, sampling='log')."
        )
    if directory is not None and not isinstance(directory, str | os.PathLike):
        raise InvalidArgumentError(
            f"{where}: directory must be a folder (a str or Path), got directory={directory!r}."
        )
    if project_name is not None:
        check_study_name(project_name, where, "project_name")
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidArgumentError(
                f"{where}: {name} must be True or False, got {name}={value!r}."
            )
