"""The CLI prints what the public API returns, and names bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import tunesmith
from tunesmith import Tuner
from tunesmith.cli import main


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"

    def f(trial):  # type: ignore[no-untyped-def]
        lr = trial.hp.Float("lr", 1e-4, 1e-1, sampling="log")
        if trial.number == 2:
            raise ValueError("exploded")
        trial.report(step=0, val_accuracy=0.5, val_loss=1.0)
        return {"val_accuracy": 1 - abs(lr - 0.01)}

    Tuner("val_accuracy", storage=url, study="cli", seed=0).search(f, max_trials=5, progress=False)
    return url


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tunesmith.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == f"tunesmith, version {tunesmith.__version__}"


def test_trials_csv(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["trials", "--storage", url, "--study", "cli"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["number"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert rows[2]["state"] == "failed" and rows[2]["error"] == "ValueError: exploded"
    assert rows[0]["metric_val_loss"] == "1.0" and float(rows[0]["hp_lr"]) > 0
    path = tmp_path / "out.csv"
    result = CliRunner().invoke(
        main, ["trials", "--storage", url, "--study", "cli", "--csv", str(path)]
    )
    assert "wrote 5 trials" in result.output and path.read_text().startswith("number,")


def test_failed_shows_tracebacks(url: str) -> None:
    result = CliRunner().invoke(main, ["trials", "--storage", url, "--study", "cli", "--failed"])
    assert "trial 2: ValueError: exploded" in result.output and "Traceback" in result.output


def test_best_and_summary(url: str) -> None:
    best = tunesmith.get_storage(url).best_trial("cli")
    result = CliRunner().invoke(main, ["best", "--storage", url, "--study", "cli", "--json"])
    assert json.loads(result.output) == {
        "number": best.number,
        "val_accuracy": best.value,
        "values": dict(best.values),
    }
    result = CliRunner().invoke(main, ["summary", "--storage", url, "--study", "cli"])
    assert result.exit_code == 0 and "4 completed, 1 failed" in result.output
    result = CliRunner().invoke(main, ["studies", "--storage", url])
    assert "cli\tval_accuracy (max)\t5 trials" in result.output


def test_unknown_study_is_a_clear_error(url: str) -> None:
    result = CliRunner().invoke(main, ["best", "--storage", url, "--study", "nope"])
    assert result.exit_code == 1
    assert "no study named 'nope'. Studies in this storage: 'cli'." in result.output


def test_a_worker_follows_the_studys_own_scheduler(tmp_path: Path) -> None:
    from tunesmith.oracles import RandomSearch
    from tunesmith.schedulers import SuccessiveHalving

    url = f"sqlite:///{tmp_path}/sh.db"
    Tuner("score", storage=url, study="sh", scheduler=SuccessiveHalving(3), oracle=RandomSearch())
    (tmp_path / "obj.py").write_text(
        "def objective(trial):\n"
        "    x = trial.hp.Float('x', 0.0, 1.0)\n"
        "    for step in range(trial.resume_step, trial.budget):\n"
        "        trial.report(x * (step + 1), step=step)\n"
        "    return x * trial.budget\n"
    )
    result = CliRunner().invoke(
        main, ["worker", "--storage", url, "--study", "sh", f"{tmp_path / 'obj.py'}:objective"]
    )
    assert result.exit_code == 0, result.output
    trials = tunesmith.get_storage(url).list_trials("sh")
    # SuccessiveHalving(3): three configurations at budget 1, the best continued to 3.
    assert [t.budget for t in trials] == [1.0, 1.0, 1.0, 3.0]


def test_a_mistyped_sqlite_path_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(main, ["studies", "--storage", f"sqlite:///{missing}"])
    assert result.exit_code == 1
    assert f"no SQLite database at '{missing}'" in result.output
    assert not missing.exists()  # a read never creates a database


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nofile.py:objective"], "OBJECTIVE: no file 'nofile.py'"),
        (["no_such_module:objective"], "OBJECTIVE: no module 'no_such_module'"),
        (["--max-trials", "-5", "x:f"], "-5 is not in the range x>=1"),
        (["--timeout", "0", "x:f"], "0.0 is not in the range x>0"),
        (["--oracle", "math:pi", "x:f"], "--oracle: 'math:pi' must name an Oracle"),
    ],
)
def test_worker_arguments_are_checked(url: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["worker", "--storage", url, "--study", "cli", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_summary_wants_a_positive_count(url: str) -> None:
    result = CliRunner().invoke(main, ["summary", "--storage", url, "--study", "cli", "-n", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output


def test_babysit_names_an_unknown_trial_and_a_bad_interval(url: str) -> None:
    common = ["babysit", "--storage", url, "--study", "cli", "--once"]
    result = CliRunner().invoke(main, [*common, "--trial", "99"])
    assert result.exit_code == 1 and "study 'cli' has no trial number 99" in result.output
    result = CliRunner().invoke(main, [*common, "--interval", "-1"])
    assert result.exit_code == 2 and "-1.0 is not in the range x>0" in result.output


def test_a_worker_refuses_another_scheduler_than_the_studys(tmp_path: Path) -> None:
    from tunesmith.schedulers import SuccessiveHalving

    url = f"sqlite:///{tmp_path}/sh.db"
    Tuner("score", storage=url, study="sh", scheduler=SuccessiveHalving(3))
    (tmp_path / "obj.py").write_text("def objective(trial):\n    return 1.0\n")
    (tmp_path / "sched.py").write_text(
        "from tunesmith.schedulers import SuccessiveHalving\n"
        "def nine():\n"
        "    return SuccessiveHalving(9)\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "worker",
            "--storage",
            url,
            "--study",
            "sh",
            "--scheduler",
            f"{tmp_path / 'sched.py'}:nine",
            f"{tmp_path / 'obj.py'}:objective",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "study 'sh' was created with the scheduler SuccessiveHalving(" in result.output
    assert tunesmith.get_storage(url).list_trials("sh") == []  # nothing ran


def test_a_worker_writes_where_the_study_was_created_to(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    (tmp_path / "obj.py").write_text(
        "def objective(trial):\n"
        "    trial.set_attr('dir', str(trial.directory))\n"
        "    return trial.hp.Float('x', 0.0, 1.0)\n"
    )
    import importlib.util

    spec = importlib.util.spec_from_file_location("obj_a", tmp_path / "obj.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Created with a relative artifacts folder: stored absolute, for any worker's cwd.
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        Tuner("score", storage=url, study="a", seed=0, artifacts="art").search(
            module.objective, max_trials=1, progress=False
        )
    worker = ["worker", "--storage", url, "--study", "a", f"{tmp_path / 'obj.py'}:objective"]
    assert CliRunner().invoke(main, [*worker, "--max-trials", "2"]).exit_code == 0
    other = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, [*worker, "--max-trials", "3", "--artifacts", str(other)])
    assert result.exit_code == 0, result.output
    dirs = [t.attrs["dir"] for t in tunesmith.get_storage(url).list_trials("a")]
    art = tmp_path / "art" / "a"
    assert dirs == [str(art / "trial-0"), str(art / "trial-1"), str(other / "a" / "trial-2")]
    # A Tuner that resumes the study without artifacts= finds the same folder.
    assert Tuner("score", storage=url, study="a").ask().directory == art / "trial-3"
