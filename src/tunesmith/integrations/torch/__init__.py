"""The PyTorch toolkit: hypermodels, layers, initializers, optimizers, the LR finder,
schedules, diagnostics, checkpoints, a ready search space and the training loop.

Needs PyTorch: ``pip install 'tunesmith[torch]'``. The usual path::

    from tunesmith.integrations.torch import Data, DenseHyperModel
    data = Data.from_arrays(x_train, y_train, x_val, y_val)
    model = DenseHyperModel(n_inputs=64, n_outputs=10)
    tuner.search(model.objective(data, epochs=20), max_trials=40)
"""

from tunesmith.exceptions import MissingDependencyError

try:
    import torch as _torch  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised in a core-only install
    raise MissingDependencyError(
        "tunesmith.integrations.torch needs PyTorch, which is not installed. "
        "Install it: pip install 'tunesmith[torch]'"
    ) from e

from tunesmith.integrations.torch._builder import DenseBlock, DenseNetwork, DenseSpec
from tunesmith.integrations.torch._checkpoint import Checkpoint, Restored
from tunesmith.integrations.torch._data import Data, batches
from tunesmith.integrations.torch._diagnostics import Diagnostics, LayerDiagnostics, measure
from tunesmith.integrations.torch._fit import (
    FitResult,
    TrainingSpec,
    evaluate,
    metric_names,
    resolve_device,
    train,
)
from tunesmith.integrations.torch._hypermodel import DenseHyperModel, HyperModel
from tunesmith.integrations.torch._init import initialize, initializer_for, weight_std
from tunesmith.integrations.torch._layers import (
    ACTIVATIONS,
    GELU,
    TaskLoss,
    make_activation,
    make_batch_norm,
    output_probabilities,
)
from tunesmith.integrations.torch._lr_finder import LRFinderResult, find_learning_rate
from tunesmith.integrations.torch._optim import OptimizerSpec, make_optimizer
from tunesmith.integrations.torch._schedules import (
    LRSchedule,
    make_scheduler,
    scale_learning_rate,
)
from tunesmith.integrations.torch._selu import (
    SelfNormalizationWarning,
    check_self_normalizing,
    selu_problems,
)
from tunesmith.integrations.torch._space import dense_space, training_space

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "Checkpoint",
    "Data",
    "DenseBlock",
    "DenseHyperModel",
    "DenseNetwork",
    "DenseSpec",
    "Diagnostics",
    "FitResult",
    "HyperModel",
    "LRFinderResult",
    "LRSchedule",
    "LayerDiagnostics",
    "OptimizerSpec",
    "Restored",
    "SelfNormalizationWarning",
    "TaskLoss",
    "TrainingSpec",
    "batches",
    "check_self_normalizing",
    "dense_space",
    "evaluate",
    "find_learning_rate",
    "initialize",
    "initializer_for",
    "make_activation",
    "make_batch_norm",
    "make_optimizer",
    "make_scheduler",
    "measure",
    "metric_names",
    "output_probabilities",
    "resolve_device",
    "scale_learning_rate",
    "selu_problems",
    "train",
    "training_space",
    "weight_std",
]
