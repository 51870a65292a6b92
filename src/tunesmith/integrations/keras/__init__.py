"""keras_tuner's API on tunesmith's engine, for Keras 3: change one import line.

``import tunesmith.keras as kt`` (or this module) offers what keras_tuner scripts use:
:class:`HyperParameters`, :class:`HyperModel`, :class:`Objective`, and the tuners
:class:`RandomSearch`, :class:`GridSearch`, :class:`BayesianOptimization` and
:class:`Hyperband` with ``search``, ``search_space_summary``, ``results_summary``,
``get_best_hyperparameters``, ``get_best_models`` and ``oracle.get_best_trials``.
docs/keras-compatibility.md lists every keras_tuner class and argument.

Needs Keras 3: ``pip install 'tunesmith[keras]'``. When no backend is chosen
(``KERAS_BACKEND`` unset) the PyTorch backend is used, so TensorFlow is not needed.
"""

import os

from tunesmith.exceptions import MissingDependencyError

os.environ.setdefault("KERAS_BACKEND", "torch")
try:
    import keras as _keras
except ImportError as e:  # pragma: no cover - exercised in a core-only install
    raise MissingDependencyError(
        "tunesmith.keras needs Keras 3 (with PyTorch as its backend), which is not "
        "installed. Install it: pip install 'tunesmith[keras]'"
    ) from e
if not _keras.__version__.startswith("3."):  # pragma: no cover - depends on the install
    raise MissingDependencyError(
        f"tunesmith.keras needs Keras 3, found keras {_keras.__version__}. "
        "Install it: pip install 'tunesmith[keras]'"
    )

from tunesmith.integrations.keras import oracles
from tunesmith.integrations.keras._compat import KerasTunerDifferenceWarning
from tunesmith.integrations.keras._hypermodel import HyperModel
from tunesmith.integrations.keras._results import OracleView, Trial, TrialMetrics
from tunesmith.integrations.keras._tuner import RunningView, Tuner
from tunesmith.integrations.keras._tuners import (
    BayesianOptimization,
    GridSearch,
    Hyperband,
    RandomSearch,
)
from tunesmith.space import HyperParameters
from tunesmith.trial import Objective

__all__ = [
    "BayesianOptimization",
    "GridSearch",
    "HyperModel",
    "HyperParameters",
    "Hyperband",
    "KerasTunerDifferenceWarning",
    "Objective",
    "OracleView",
    "RandomSearch",
    "RunningView",
    "Trial",
    "TrialMetrics",
    "Tuner",
    "oracles",
]
