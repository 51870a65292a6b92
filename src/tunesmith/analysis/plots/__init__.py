"""Rendering: each plot's data (from :mod:`tunesmith.analysis`) drawn with plotly (HTML) or
matplotlib (PNG). Both backends draw the same data, and neither computes anything new."""

from tunesmith.analysis.plots import _matplotlib as matplotlib_backend
from tunesmith.analysis.plots import _plotly as plotly_backend

__all__ = ["matplotlib_backend", "plotly_backend"]
