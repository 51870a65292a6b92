"""tunesmith set / fork / babysit, and a babysat run killed with SIGKILL that loses nothing
it had checkpointed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import tunesmith
from tunesmith.cli import main
from tunesmith.storage import SQLStorage
from tunesmith.trial import TrialState

from .conftest import VALUES

SCRIPT = textwrap.dedent(
    """
    import os
    import numpy as np, torch
    from sklearn.datasets import load_digits
    from tunesmith.integrations.torch import Data, DenseHyperModel

    torch.set_num_threads(1)
    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    data = Data.from_arrays(x[:300], y[:300], x[300:400], y[300:400])
    model = DenseHyperModel(64, 10, activations=("relu",), optimizers=("adam",),
                            batch_sizes=(32, 64, 128), max_units=64, max_layers=2)
    objective = model.objective(data, epochs=int(os.environ["EPOCHS"]), patience=None,
                                device="cpu", keep_checkpoints=3)
    """
)


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A study with the script's objective, and one trial queued with known values."""
    (tmp_path / "train_script.py").write_text(SCRIPT)
    monkeypatch.setenv("EPOCHS", "3")
    url = f"sqlite:///{tmp_path / 'b.db'}"
    tunesmith.Tuner("val_accuracy", storage=url, study="b", seed=0).enqueue(VALUES)
    return url


def test_babysit_runs_a_trial_then_fork_and_set_explain(
    study: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common = ["--storage", study, "--study", "b"]
    out = _invoke(
        "babysit", *common, "--run", f"{tmp_path / 'train_script.py'}:objective", "--once"
    )
    assert "trial 0" in out and "completed" in out and "learning_rate" in out
    assert "grad_norm" in out  # the toolkit's diagnostics
    out = _invoke("fork", *common, "--trial", "0", "--step", "2", "learning_rate=0.001")
    assert "trial 1 forks trial 0 at step 2 with learning_rate=0.001" in out
    result = CliRunner().invoke(main, ["set", *common, "--trial", "0", "learning_rate=0.001"])
    assert result.exit_code == 1
    assert "changes apply to a running trial, got state=completed" in result.output
    assert "tunesmith fork --study b --trial 0 --step STEP learning_rate=0.001" in result.output
    result = CliRunner().invoke(main, ["fork", *common, "--trial", "0", "--step", "2", "layers=2"])
    assert result.exit_code == 1 and "got layers=2" in result.output
    monkeypatch.setenv("EPOCHS", "5")
    out = _invoke(
        "babysit", *common, "--run", f"{tmp_path / 'train_script.py'}:objective", "--once"
    )
    assert "lineage  #0 → #1" in out  # the fork ran, from trial 0's checkpoint at step 2
    fork = SQLStorage(study).get_trial("b", 1)
    assert fork.state is TrialState.COMPLETED and [r.step for r in fork.reports] == [3, 4]
    assert [r.metrics["learning_rate"] for r in fork.reports] == pytest.approx([0.001] * 2)


@pytest.mark.slow
def test_sigkill_while_babysitting_loses_nothing_checkpointed(tmp_path: Path) -> None:
    script = tmp_path / "train_script.py"
    script.write_text(SCRIPT)
    url = f"sqlite:///{tmp_path / 'k.db'}"
    tunesmith.Tuner("val_accuracy", storage=url, study="k", seed=0).enqueue(VALUES)
    cmd = [sys.executable, "-m", "tunesmith.cli", "babysit", "--storage", url, "--study", "k"]
    cmd += ["--run", f"{script}:objective", "--interval", "0.2"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "EPOCHS": "400"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    storage = SQLStorage(url)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(storage.get_trial("k", 0).reports) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = storage.get_trial("k", 0)
    assert killed.state is TrialState.RUNNING and len(killed.reports) >= 3
    folder = tmp_path / "k-artifacts" / "k" / "trial-0"
    kept = sorted(int(p.stem.split("-")[1]) for p in folder.glob("step-*.pt"))
    assert kept and kept[-1] >= 2
    # babysit again: the dead trial fails, its retry goes on from the last checkpoint
    env["EPOCHS"] = str(kept[-1] + 3)
    subprocess.run([*cmd, "--once"], env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
    trials = storage.list_trials("k")
    assert trials[0].state is TrialState.FAILED and trials[0].reports == killed.reports
    retry = trials[1]
    assert retry.parent is None and retry.attrs["retry_of"] == 0
    assert retry.state is TrialState.COMPLETED
    assert [r.step for r in retry.reports] == [kept[-1] + 1, kept[-1] + 2]
