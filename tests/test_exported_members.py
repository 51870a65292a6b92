"""The public surface is pinned: one source of truth, sorted, all importable."""

from __future__ import annotations

import importlib

import pytest

import tunesmith


@pytest.mark.parametrize(
    "module",
    [
        "tunesmith",
        "tunesmith.space",
        "tunesmith.oracles",
        "tunesmith.storage",
        "tunesmith.execution",
        "tunesmith.analysis",
        "tunesmith.panda",
        "tunesmith.testing",
    ],
)
def test_all_is_sorted_and_importable(module: str) -> None:
    mod = importlib.import_module(module)
    assert list(mod.__all__) == sorted(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def test_top_level_surface() -> None:
    assert "Tuner" in tunesmith.__all__ and "RandomSearch" in tunesmith.__all__
    assert len(tunesmith.__all__) < 40


def test_core_import_pulls_no_heavy_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tunesmith; heavy = [m for m in ('torch', 'pandas', 'keras', "
        "'matplotlib', 'plotly', 'dask') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
