"""The report and single plots: data, files, the CLI, and rendering in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tunesmith.analysis import (
    PLOT_KINDS,
    load_snapshot,
    make_figure,
    report_data,
    write_plot,
    write_report,
)
from tunesmith.analysis._deps import require
from tunesmith.cli import main
from tunesmith.exceptions import InvalidArgumentError, MissingDependencyError
from tunesmith.storage import InMemoryStorage, SQLStorage
from tunesmith.trial import Objective

from . import _chromium

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_data_of_a_running_study(sqlite_study: str) -> None:
    storage = SQLStorage(sqlite_study)
    data = report_data(load_snapshot(storage, "synthetic"))
    assert data.counts == {"running": 2, "completed": 43, "stopped": 11, "failed": 4}
    assert data.best is not None and data.best.number == storage.best_trial("synthetic").number
    assert data.importance is not None and data.importance.ranking[0] == "learning_rate"
    assert data.tiers is not None and data.tiers.rows[0].tier == 1
    assert data.contour is not None
    assert [s.axis.name for s in data.contour.slices] == data.importance.ranking[:2]
    assert {c.state for c in data.curves.curves} == {"running", "completed", "stopped", "failed"}
    storage.close()


def test_report_is_read_only(sqlite_study: str, tmp_path: Path) -> None:
    storage = SQLStorage(sqlite_study)
    before = storage.list_trials("synthetic")
    write_report(storage, "synthetic", tmp_path / "r.html")
    assert storage.list_trials("synthetic") == before
    storage.close()


def test_report_of_a_study_without_finished_trials(tmp_path: Path) -> None:
    storage = InMemoryStorage()
    storage.create_study("empty", Objective("val_loss"))
    storage.create_trial("empty")
    page = write_report(storage, "empty", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No trial has finished with a value yet." in page
    assert "Importance needs at least two finished trials" in page


class TestCli:
    def test_report_command(self, sqlite_study: str, tmp_path: Path) -> None:
        out = tmp_path / "report.html"
        result = CliRunner().invoke(
            main, ["report", "--storage", sqlite_study, "--study", "synthetic", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert result.output == f"wrote {out}\n"
        page = out.read_text(encoding="utf-8")
        assert "<script src=" not in page and '<script type="text/javascript" src=' not in page
        assert "plotly.js v" in page[:20_000]  # inlined, so the page works offline
        for kind in ("importance", "parallel", "history", "curves", "contour"):
            assert f'id="plot-{kind}"' in page
        assert "id='best-config'" in page and "id='tier-findings'" in page

    @pytest.mark.parametrize("kind", PLOT_KINDS)
    @pytest.mark.parametrize("fmt", ["html", "png"])
    def test_plot_command(self, sqlite_study: str, tmp_path: Path, kind: str, fmt: str) -> None:
        out = tmp_path / f"{kind}.{fmt}"
        result = CliRunner().invoke(
            main,
            ["plot", kind, "--storage", sqlite_study, "--study", "synthetic"]
            + ["--out", str(out), "--format", fmt],
        )
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        if fmt == "png":
            assert data.startswith(PNG_MAGIC) and len(data) > 5_000
        else:
            assert b"<html>" in data[:200] and len(data) > 1_000_000  # plotly.js inlined

    def test_plot_errors_reach_the_user(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'e.db'}"
        storage = SQLStorage(url)
        storage.create_study("empty", Objective("loss"))
        storage.close()
        result = CliRunner().invoke(
            main, ["plot", "contour", "--storage", url, "--study", "empty", "--out", "x.html"]
        )
        assert result.exit_code == 1
        assert "needs at least 2 finished trials with a value, got 0" in result.output

    def test_tensorboard_command(self, sqlite_study: str, tmp_path: Path) -> None:
        result = CliRunner().invoke(
            main,
            ["tensorboard", "--storage", sqlite_study, "--study", "synthetic"]
            + ["--logdir", str(tmp_path / "tb")],
        )
        assert result.exit_code == 0, result.output
        assert result.output == f"wrote 60 trials to {tmp_path / 'tb'}\n"
        assert len(list((tmp_path / "tb").glob("trial-*"))) == 60


def test_unknown_kind_and_format(memory_study) -> None:
    storage = memory_study(n_trials=5)
    with pytest.raises(InvalidArgumentError, match=r"unknown kind, got kind='pie'"):
        write_plot(storage, "synthetic", "pie")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"unknown format, got format='svg'"):
        make_figure(load_snapshot(storage, "synthetic"), "history", format="svg")  # type: ignore[arg-type]


def test_missing_library_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match=r"pip install 'tunesmith\[analysis\]'"):
        require("plotly_that_is_not_installed.io", "plot(format='html')")


@pytest.mark.slow
@pytest.mark.skipif(_chromium.chromium() is None, reason="chromium is not installed")
def test_report_renders_in_chromium_without_script_errors(
    sqlite_study: str, tmp_path: Path
) -> None:
    page = write_report(SQLStorage(sqlite_study), "synthetic", tmp_path / "report.html")
    result = _chromium.render(page)
    assert result["errors"] == [], result["console"]
    plots = {p["id"]: p for p in result["plots"]}
    assert set(plots) == {
        f"plot-{k}" for k in ("importance", "parallel", "history", "curves", "contour")
    }
    for plot in plots.values():
        assert plot["svgs"] >= 1 and plot["traces"] >= 1 and plot["text"] == "", plot
    assert plots["plot-parallel"]["gl"] >= 1  # parcoords drew with WebGL
    assert not [line for line in result["console"] if "Uncaught" in line]
