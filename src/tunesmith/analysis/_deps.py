"""Lazy imports of the analysis extra's heavy libraries, with the install line on failure."""

from __future__ import annotations

import importlib
from types import ModuleType

from tunesmith.exceptions import MissingDependencyError

_PACKAGES = {
    "plotly": "plotly",
    "matplotlib": "matplotlib",
    "sklearn": "scikit-learn",
    "tensorboard": "tensorboard",
}


def require(module: str, what: str) -> ModuleType:
    """Imports ``module`` or raises MissingDependencyError naming the ``analysis`` extra.

    Args:
        module: The module to import, e.g. ``"plotly.graph_objects"``.
        what: What needs it, for the message (``"plot(format='html')"``).

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: the module (or its package) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = _PACKAGES.get(module.split(".")[0], module.split(".")[0])
        raise MissingDependencyError(
            f"{what} needs {package}, which is not installed. "
            "Install it with: pip install 'tunesmith[analysis]'"
        ) from None
