"""tunesmith: hyperparameter tuning the way practitioners do it.

Example:
    >>> import tunesmith
    >>> tuner = tunesmith.Tuner("val_loss", seed=0)
    >>> best = tuner.search(lambda t: (t.hp.Float("lr", 1e-4, 1e-1, sampling="log") - 0.01) ** 2,
    ...                     max_trials=20, progress=False)
    >>> best.state.name
    'COMPLETED'
"""

from tunesmith._version import __version__
from tunesmith.exceptions import (
    InvalidArgumentError,
    InvalidSpaceError,
    SearchSpaceExhausted,
    StorageError,
    TooManyFailedTrials,
    TunesmithError,
)
from tunesmith.execution import RunningTrial
from tunesmith.oracles import CoarseToFine, GridSearch, Oracle, RandomSearch
from tunesmith.space import (
    Boolean,
    Choice,
    Condition,
    Fixed,
    Float,
    HyperParameters,
    Int,
    SearchSpace,
)
from tunesmith.storage import InMemoryStorage, SQLStorage, Storage, get_storage
from tunesmith.study import Study
from tunesmith.trial import Objective, Trial, TrialState
from tunesmith.tuner import Tuner

__all__ = [
    "BayesianOptimization",
    "Boolean",
    "Choice",
    "CoarseToFine",
    "Condition",
    "Fixed",
    "Float",
    "GridSearch",
    "HyperParameters",
    "InMemoryStorage",
    "Int",
    "InvalidArgumentError",
    "InvalidSpaceError",
    "Objective",
    "Oracle",
    "RandomSearch",
    "RunningTrial",
    "SQLStorage",
    "SearchSpace",
    "SearchSpaceExhausted",
    "Storage",
    "StorageError",
    "Study",
    "TooManyFailedTrials",
    "Trial",
    "TrialState",
    "Tuner",
    "TunesmithError",
    "__version__",
    "get_storage",
]


def __getattr__(name: str) -> object:
    # Imported on first use (it needs scipy.stats): keeps `import tunesmith` fast.
    if name == "BayesianOptimization":
        from tunesmith.oracles import BayesianOptimization

        return BayesianOptimization
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
