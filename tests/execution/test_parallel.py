"""Caviar: many trials at once, in local processes, on any executor, with nothing lost."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tunesmith import Tuner
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.oracles import GridSearch, RandomSearch
from tunesmith.space import Float
from tunesmith.storage import SQLStorage
from tunesmith.testing import DeviceEcho, Grid, Sleep
from tunesmith.trial import TrialState


def _pid(worker: str) -> int:
    return int(worker.rsplit(":", 2)[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/study.db"
    return request.getfixturevalue("postgres").create_database()  # type: ignore[no-any-return]


def test_workers_share_one_study(shared_url: str) -> None:
    tuner = Tuner("loss", storage=shared_url, study="p", seed=0)
    tuner.search(Sleep(0.3), max_trials=8, workers=2, progress=False)
    trials = tuner.trials
    assert [t.number for t in trials] == list(range(8))
    assert all(t.state is TrialState.COMPLETED for t in trials)
    workers = {t.worker for t in trials}
    assert len(workers) == 2 and all(_pid(w) != os.getpid() for w in workers)
    # The two ran at the same time: some trial started before another one ended.
    spans = sorted((t.started_at, t.finished_at) for t in trials)
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.slow
def test_stress_four_workers_two_hundred_trials(shared_url: str) -> None:
    tuner = Tuner("loss", oracle=GridSearch(), storage=shared_url, study="stress", seed=1)
    tuner.search(Grid(), max_trials=200, workers=4, progress=False)
    trials = tuner.trials
    assert sorted(t.number for t in trials) == list(range(200))
    assert all(t.state is TrialState.COMPLETED for t in trials)
    seen: dict[tuple, list[int]] = {}  # type: ignore[type-arg]
    for t in trials:
        seen.setdefault(tuple(sorted(t.values.items())), []).append(t.number)
    repeats = {k: v for k, v in seen.items() if len(v) > 1}
    assert not repeats, repeats  # the whole grid, no configuration twice
    # Several workers contended for the grid. Not necessarily all four: on a loaded 2-core
    # machine the last process can still be importing when the others finish the 200.
    assert len({t.worker for t in trials}) >= 2


def test_random_search_workers_never_repeat_a_discrete_configuration(tmp_path: Path) -> None:
    tuner = Tuner(
        "loss", oracle=RandomSearch(), storage=f"sqlite:///{tmp_path}/s.db", study="r", seed=2
    )
    tuner.search(Grid(0.01), max_trials=60, workers=3, progress=False)
    configs = [tuple(sorted(t.values.items())) for t in tuner.trials]
    assert len(configs) == 60 and len(set(configs)) == 60


def test_workers_never_start_one_continuous_configuration_twice(tmp_path: Path) -> None:
    """A model-based oracle can be deterministic: given the same trials, two workers
    propose the same point (BayesianOptimization's refined incumbent does not depend on
    the generator). Three workers race here, in a fixed order: C takes the number that
    A and B planned for; B, redrawing, reads the trials before A's new one is created, so
    both pick 0.25. The database refuses B's copy and B asks again."""
    from tunesmith.oracles import Oracle

    url = f"sqlite:///{tmp_path}/study.db"
    space = [Float("x", 0.0, 1.0)]

    class Deterministic(Oracle):
        """The first of 0.5, 0.25, 0.75 that no trial has; call ``k`` first runs
        ``before[k]`` (another worker's ask)."""

        def __init__(self, before: dict[int, Tuner] | None = None) -> None:
            self.before = before or {}
            self.calls = 0

        def suggest(self, space, history, pending, *, objective, rng):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.calls in self.before:
                self.before[self.calls].ask()
            taken = {t.values.get("x") for t in [*history, *pending]}
            return {"x": next(x for x in (0.5, 0.25, 0.75) if x not in taken)}

    def tuner(oracle: Oracle) -> Tuner:
        return Tuner("loss", storage=url, study="s", space=space, oracle=oracle, seed=0)

    c, a = tuner(Deterministic()), tuner(Deterministic())
    b = tuner(Deterministic({1: c, 2: a}))
    b.ask()
    values = sorted(t.values["x"] for t in SQLStorage(url).list_trials("s"))
    assert values == [0.25, 0.5, 0.75]


def test_workers_tied_to_devices(tmp_path: Path) -> None:
    # The space is declared, so no worker waits for another's first trial to discover it.
    tuner = Tuner(
        "loss",
        storage=f"sqlite:///{tmp_path}/s.db",
        study="d",
        seed=0,
        space=[Float("x", 0.0, 1.0)],
    )
    tuner.search(
        DeviceEcho(barrier=3), max_trials=9, devices=["cuda:0", "cuda:1", "cuda:0"], progress=False
    )
    by_worker: dict[str, set[str]] = {}
    for t in tuner.trials:
        assert t.attrs["seen_device"] == t.attrs["device"]
        by_worker.setdefault(t.worker, set()).add(t.attrs["device"])
    assert len(by_worker) == 3 and all(len(d) == 1 for d in by_worker.values())
    assert sorted(d.pop() for d in by_worker.values()) == ["cuda:0", "cuda:0", "cuda:1"]


def test_a_concurrent_futures_executor(tmp_path: Path) -> None:
    tuner = Tuner("loss", storage=f"sqlite:///{tmp_path}/s.db", study="cf", seed=0)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        tuner.search(Sleep(0.2), max_trials=6, executor=pool, progress=False)
    trials = tuner.trials
    assert len(trials) == 6
    assert all(t.state is TrialState.COMPLETED for t in trials)
    # Both of the pool's workers ran trials, at the same time.
    assert len({t.worker for t in trials}) == 2
    spans = sorted((t.started_at, t.finished_at) for t in trials)
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.slow
def test_a_dask_cluster(tmp_path: Path) -> None:
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        tuner = Tuner("loss", storage=f"sqlite:///{tmp_path}/s.db", study="dask", seed=0)
        tuner.search(Sleep(0.1), max_trials=8, executor=client, progress=False)
    trials = tuner.trials
    assert len(trials) == 8 and all(t.state is TrialState.COMPLETED for t in trials)
    assert len({t.worker for t in trials}) == 2


def test_in_memory_storage_cannot_be_shared() -> None:
    with pytest.raises(InvalidArgumentError, match="Use a storage URL"):
        Tuner("loss").search(Sleep(), max_trials=2, workers=2, progress=False)


SCRIPT = textwrap.dedent(
    """
    import sys
    from tunesmith import Tuner
    from tunesmith.testing import Sleep

    if __name__ == "__main__":
        Tuner("loss", storage=sys.argv[1], study="f", seed=4, stale_after=30).search(
            Sleep(float(sys.argv[2])), max_trials=int(sys.argv[3]), workers=2, progress=False)
    """
)


def _launch(tmp_path: Path, url: str, sleep: float, n: int) -> subprocess.Popen[bytes]:
    script = tmp_path / "tune.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, str(script), url, str(sleep), str(n)], env=env, start_new_session=True
    )


def _wait_for(url: str, predicate, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    storage = None
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            storage = storage or SQLStorage(url)
            trials = storage.list_trials("f")
        except Exception:  # noqa: BLE001 - the study may not exist yet
            continue
        if predicate(trials):
            return trials
    raise AssertionError("timed out waiting for the study")


@pytest.mark.slow
def test_sigkill_one_worker_its_trial_is_retried(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/f.db"
    proc = _launch(tmp_path, url, 0.8, 10)
    trials = _wait_for(
        url,
        lambda ts: (
            sum(t.state is TrialState.COMPLETED for t in ts) >= 2
            and any(t.state is TrialState.RUNNING for t in ts)
        ),
    )
    victim = next(t for t in trials if t.state is TrialState.RUNNING)
    os.kill(_pid(victim.worker), signal.SIGKILL)
    assert proc.wait(timeout=120) == 0
    after = SQLStorage(url).list_trials("f")
    dead = after[victim.number]
    assert dead.state is TrialState.FAILED and "stopped sending heartbeats" in dead.error
    retry = [t for t in after if t.attrs.get("retry_of") == victim.number]
    assert len(retry) == 1 and retry[0].values == dead.values
    assert retry[0].state is TrialState.COMPLETED
    others = [t for t in after if t.number != victim.number]
    assert len(others) == 10 and all(t.state is TrialState.COMPLETED for t in others)


@pytest.mark.slow
def test_sigkill_everything_then_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/f.db"
    proc = _launch(tmp_path, url, 0.6, 12)
    trials = _wait_for(url, lambda ts: sum(t.state is TrialState.COMPLETED for t in ts) >= 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {t.number: t for t in SQLStorage(url).list_trials("f")}
    for t in trials:  # what had finished before the kill is stored as it was
        if t.state is TrialState.COMPLETED:
            assert before[t.number] == t
    proc = _launch(tmp_path, url, 0.05, 12)
    assert proc.wait(timeout=120) == 0
    after = {t.number: t for t in SQLStorage(url).list_trials("f")}
    for number, t in before.items():
        if t.state is TrialState.COMPLETED:
            assert after[number] == t  # nothing finished is lost or changed
    assert all(t.state is not TrialState.RUNNING for t in after.values())
    counted = [t for t in after.values() if "retry_of" not in t.attrs]
    assert len(counted) == 12


WORKER_OBJECTIVE = textwrap.dedent(
    """
    import time

    def objective(trial):
        x = trial.hp.Float("x", -1.0, 1.0)
        time.sleep(0.3)
        return x * x
    """
)


def test_tunesmith_worker_processes_join_a_postgres_study(
    postgres,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    url = postgres.create_database()
    Tuner("loss", oracle=RandomSearch(), storage=url, study="w", seed=3)
    (tmp_path / "obj.py").write_text(WORKER_OBJECTIVE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [
        sys.executable,
        "-m",
        "tunesmith.cli",
        "worker",
        "--storage",
        url,
        "--study",
        "w",
        "--max-trials",
        "10",
        f"{tmp_path / 'obj.py'}:objective",
    ]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    trials = SQLStorage(url).list_trials("w")
    assert [t.number for t in trials] == list(range(10))
    assert all(t.state is TrialState.COMPLETED for t in trials)
    assert len({t.worker for t in trials}) == 2
    assert sum(int(o.split(": ")[1].split()[0]) for o in outs) == 10
