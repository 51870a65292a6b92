"""A worker killed with SIGKILL mid-bracket: the study resumes, no rung lost or repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.schedulers.curves import curve_objective
from tunesmith import SQLStorage, TrialState, Tuner
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import Hyperband

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.schedulers.curves import curve_objective
    from tunesmith import Tuner
    from tunesmith.oracles import {oracle}
    from tunesmith.schedulers import {scheduler}
    tuner = Tuner("accuracy", scheduler={scheduler}({budget}{scheduler_args}), oracle={oracle}(),
                  storage={url!r}, study="s", seed=0, artifacts={artifacts!r})
    tuner.search(lambda t: curve_objective(t, sleep={sleep}), progress=False, **{kwargs})
    """
)


def start_worker(
    url: str,
    artifacts: Path,
    *,
    scheduler: str = "Hyperband",
    scheduler_args: str = "",
    oracle: str = "RandomSearch",
    budget: int = 9,
    sleep: float = 0.05,
    kwargs: str = "{}",
) -> subprocess.Popen[bytes]:
    """A worker process; its stderr goes to ``<artifacts>/worker-<pid>.err``.
    ``scheduler_args`` follows the budget in the scheduler's call (", finish_after=2")."""
    code = SCRIPT.format(
        root=str(ROOT),
        url=url,
        artifacts=str(artifacts),
        scheduler=scheduler,
        scheduler_args=scheduler_args,
        oracle=oracle,
        budget=budget,
        sleep=sleep,
        kwargs=kwargs,
    )
    artifacts.mkdir(parents=True, exist_ok=True)
    with open(artifacts / f"worker-{time.monotonic_ns()}.err", "wb") as err:
        return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=err)


def errors(artifacts: Path) -> str:
    return "\n".join(p.read_text() for p in artifacts.glob("worker-*.err"))


def check_schedule(trials: list, budget: int) -> None:  # type: ignore[type-arg]
    """Each slot of the schedule holds one completed trial; rung sizes are Hyperband's."""
    done = [t for t in trials if t.state is TrialState.COMPLETED]
    assert Counter(t.attrs["slot"] for t in done).most_common(1)[0][1] == 1
    sizes = Counter((t.attrs["bracket"], t.attrs["rung"]) for t in done)
    expected = {
        (b.index, k): n for b in Hyperband(budget).brackets() for k, n in enumerate(b.n_configs)
    }
    assert sizes == expected
    by = {t.number: t for t in trials}
    for t in done:
        if t.parent is not None:
            assert by[t.parent].state is TrialState.COMPLETED
            assert t.reports[0].step == by[t.parent].last_step + 1


@pytest.mark.slow
def test_sigkill_mid_bracket_then_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/study.db"
    Tuner("accuracy", storage=url, study="s", seed=0)  # create the study once
    storage = SQLStorage(url)
    worker = start_worker(url, tmp_path / "artifacts")
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        for t in storage.list_trials("s", (TrialState.RUNNING,)):
            # A promotion that has trained a step and has several steps to go.
            if t.parent is not None and t.reports and t.budget - t.last_step >= 4:
                victim = t
        time.sleep(0.005)
    assert victim is not None, errors(tmp_path / "artifacts")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    before = {t.number: t for t in storage.list_trials("s")}
    assert before[victim.number].state is TrialState.RUNNING  # nobody marked it yet

    tuner = Tuner(
        "accuracy",
        scheduler=Hyperband(9),
        oracle=RandomSearch(),
        storage=url,
        study="s",
        artifacts=tmp_path / "artifacts",
    )
    tuner.search(curve_objective, progress=False)
    trials = tuner.trials
    failed = [t for t in trials if t.state is TrialState.FAILED]
    assert [t.number for t in failed] == [victim.number]
    assert "stopped sending heartbeats" in (failed[0].error or "")
    # Trials finished before the kill are kept as they were, not run again.
    for number, t in before.items():
        if t.state is TrialState.COMPLETED:
            assert tuner.storage.get_trial("s", number).finished_at == t.finished_at
    retry = next(
        t
        for t in trials
        if t.attrs["slot"] == victim.attrs["slot"] and t.state is TrialState.COMPLETED
    )
    assert retry.parent == victim.parent and retry.number > victim.number
    check_schedule(trials, 9)
