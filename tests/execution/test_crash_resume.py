"""A tuner process killed with SIGKILL mid-study loses nothing it had finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tunesmith import Tuner
from tunesmith.storage import SQLStorage
from tunesmith.trial import TrialState

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from tunesmith import Tuner

    def objective(trial):
        x = trial.hp.Float("x", -2.0, 2.0)
        trial.report(x * x, step=0)
        time.sleep(float(sys.argv[2]))
        return x * x

    Tuner("loss", storage=sys.argv[1], study="crash", seed=11).search(
        objective, max_trials=int(sys.argv[3]), progress=False)
    """
)


def _run(script: Path, url: str, sleep: float, n: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, str(script), url, str(sleep), str(n)], env=env)


@pytest.mark.slow
def test_sigkill_mid_trial_then_resume(tmp_path: Path) -> None:
    script = tmp_path / "tune.py"
    script.write_text(SCRIPT)
    url = f"sqlite:///{tmp_path}/crash.db"
    proc = _run(script, url, 0.3, 50)
    storage = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if storage is None and (tmp_path / "crash.db").exists():
            try:
                storage = SQLStorage(url)
                storage.load_study("crash")
            except Exception:  # noqa: BLE001 - the study may not exist yet
                storage = None
                continue
        if storage is not None:
            trials = storage.list_trials("crash")
            done = [t for t in trials if t.state is TrialState.COMPLETED]
            if len(done) >= 4 and trials[-1].state is TrialState.RUNNING:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert storage is not None
    before = storage.list_trials("crash")
    finished = {t.number: t for t in before if t.state is TrialState.COMPLETED}
    running = [t for t in before if t.state is TrialState.RUNNING]
    assert len(finished) >= 4 and len(running) == 1
    # The killed trial had reported a step: that is kept too.
    assert running[0].reports

    # Resume in this process: the dead worker's trial is failed at once (its process is
    # gone), nothing finished is lost, and the study reaches its target.
    resumed = Tuner("loss", storage=url, study="crash")
    resumed.search(
        lambda t: t.hp.Float("x", -2.0, 2.0) ** 2, max_trials=len(before) + 3, progress=False
    )
    after = {t.number: t for t in resumed.trials}
    for number, trial in finished.items():
        assert after[number] == trial
    dead = after[running[0].number]
    assert dead.state is TrialState.FAILED and "stopped sending heartbeats" in dead.error
    assert dead.reports == running[0].reports
    # It was run again as a new trial with the same values; the retry is not counted
    # against max_trials.
    retry = [t for t in after.values() if t.attrs.get("retry_of") == dead.number]
    assert len(retry) == 1 and retry[0].values == dead.values
    assert retry[0].attrs["retry_of"] == dead.number and retry[0].state is TrialState.COMPLETED
    assert len(after) == len(before) + 3 + 1
    assert all(t.state is not TrialState.RUNNING for t in after.values())


def test_stale_heartbeat_fails_a_trial_of_another_host(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    tuner = Tuner("loss", storage=url, study="s", seed=0, stale_after=1.5, heartbeat_interval=0.05)
    ghost = tuner.storage.create_trial("s", worker="other-host:123:abc", values={})
    live = tuner.ask()  # beats every 0.05 s
    time.sleep(2.0)
    tuner.search(lambda t: 1.0, max_trials=2, progress=False)
    assert tuner.storage.get_trial("s", ghost.number).state is TrialState.FAILED
    assert tuner.storage.get_trial("s", live.number).state is TrialState.RUNNING
    tuner.tell(live, 0.5)
