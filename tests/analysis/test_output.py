"""Where analyses write, and what they refuse to draw: checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tunesmith import Tuner
from tunesmith.analysis import contour_data, load_snapshot, write_csv, write_plot, write_report
from tunesmith.cli import main
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.storage import SQLStorage


@pytest.fixture
def study_db(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    Tuner("loss", storage=f"sqlite:///{db}", study="s", seed=0).search(
        lambda t: (t.hp.Float("x", 0.0, 1.0) - 0.3) ** 2, max_trials=4, progress=False
    )
    return db


def test_no_output_may_replace_the_storages_own_database(study_db: Path) -> None:
    storage = SQLStorage(f"sqlite:///{study_db}")
    for write in (
        lambda: write_plot(storage, "s", "history", study_db),
        lambda: write_report(storage, "s", study_db),
        lambda: write_csv(storage, "s", study_db),
        lambda: write_plot(storage, "s", "history", Path(f"{study_db}-wal")),
    ):
        with pytest.raises(InvalidArgumentError, match="is the storage's own database"):
            write()
    # the studies are intact
    assert len(SQLStorage(f"sqlite:///{study_db}").list_trials("s")) == 4
    url = f"sqlite:///{study_db}"
    result = CliRunner().invoke(
        main, ["plot", "history", "--storage", url, "--study", "s", "--out", str(study_db)]
    )
    assert result.exit_code == 1 and "would destroy every study in it" in result.output
    assert len(SQLStorage(url).list_trials("s")) == 4


def test_a_missing_folder_and_a_mismatched_extension_are_clear(
    study_db: Path, tmp_path: Path
) -> None:
    storage = SQLStorage(f"sqlite:///{study_db}")
    with pytest.raises(InvalidArgumentError, match="the output's folder does not exist"):
        write_report(storage, "s", tmp_path / "nodir" / "r.html")
    with pytest.raises(InvalidArgumentError, match=r"says png but format='html'"):
        write_plot(storage, "s", "history", tmp_path / "h.png", format="html")
    # the command line takes the format from the extension when none is given
    out = tmp_path / "h.png"
    url = f"sqlite:///{study_db}"
    result = CliRunner().invoke(
        main, ["plot", "history", "--storage", url, "--study", "s", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_of_too_few_trials_are_refused_not_drawn_blank(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/few.db"
    failing = Tuner("loss", storage=url, study="failed", seed=0)

    def boom(trial):  # type: ignore[no-untyped-def]
        trial.hp.Float("x", 0.0, 1.0)
        raise ValueError("diverged")

    failing.search(
        boom,
        max_trials=3,
        progress=False,
    )
    Tuner("loss", storage=url, study="one", seed=0).search(
        lambda t: t.hp.Float("x", 0.0, 1.0), max_trials=1, progress=False
    )
    Tuner("loss", storage=url, study="bare", seed=0).search(
        lambda t: 1.0, max_trials=3, progress=False
    )
    storage = SQLStorage(url)
    for study, kind, message in [
        (
            "failed",
            "history",
            r"needs 1 finished trial with a value; .* 3 trials, 0 with a value, 3 failed",
        ),
        ("failed", "parallel", "needs 1 finished trial with a value"),
        ("one", "importance", "needs 2 finished trials with a value and a parameter"),
        ("bare", "importance", "and a parameter"),
        ("one", "curves", r"needs a trial that reported a value \(trial.report\)"),
    ]:
        with pytest.raises(InvalidArgumentError, match=message):
            write_plot(storage, study, kind, tmp_path / f"{study}-{kind}.html")  # type: ignore[arg-type]
        assert not (tmp_path / f"{study}-{kind}.html").exists()
    with pytest.raises(InvalidArgumentError, match="has no parameters to plot"):
        contour_data(load_snapshot(storage, "bare"))


def test_contour_params_are_one_or_two_distinct_names(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    Tuner("loss", storage=url, study="c", seed=0).search(
        lambda t: t.hp.Float("x", 0.0, 1.0) + t.hp.Float("lr", 1e-4, 1e-1, sampling="log"),
        max_trials=6,
        progress=False,
    )
    snapshot = load_snapshot(SQLStorage(url), "c")
    for bad in (("x", "x"), ("x", "lr", "x"), (), "lr"):
        with pytest.raises(InvalidArgumentError, match="params must be one or two distinct"):
            contour_data(snapshot, params=bad)  # type: ignore[arg-type]
    assert len(contour_data(snapshot, params=("x", "lr")).slices) == 2
