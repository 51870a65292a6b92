"""Several worker processes share one SQLite study: every decision comes from storage."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.schedulers.test_crash import check_schedule, errors, start_worker
from tunesmith import SQLStorage, TrialState, Tuner


@pytest.mark.slow
@pytest.mark.parametrize("oracle", ["RandomSearch", "BayesianOptimization"])
def test_three_workers_run_hyperband_exactly(tmp_path: Path, oracle: str) -> None:
    # With BayesianOptimization, the model reads every result with its budget once the
    # first bracket has promoted, and is judged at BOHB's level.
    url = f"sqlite:///{tmp_path}/study.db"
    Tuner("accuracy", storage=url, study="s", seed=0)
    workers = [start_worker(url, tmp_path / "a", oracle=oracle, sleep=0.02) for _ in range(3)]
    for w in workers:
        assert w.wait(timeout=120) == 0, errors(tmp_path / "a")
    trials = SQLStorage(url).list_trials("s")
    assert all(t.state is TrialState.COMPLETED for t in trials)
    assert len({t.worker for t in trials}) == 3
    check_schedule(trials, 9)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scheduler", "args", "oracle"),
    [
        ("ASHA", "", "RandomSearch"),
        ("ASHA", "", "BayesianOptimization"),
        ("ASHA", ", finish_after=2", "BayesianOptimization"),
        ("ASHA", ", brackets=3", "BayesianOptimization"),
        ("EagerASHA", "", "RandomSearch"),
        ("EagerASHA", "", "BayesianOptimization"),
    ],
)
def test_three_workers_run_asha_without_double_promotions(
    tmp_path: Path, scheduler: str, args: str, oracle: str
) -> None:
    # With BayesianOptimization, past the first 9 configurations the model reads every
    # rung's result with its budget, and the trials other workers run at theirs.
    url = f"sqlite:///{tmp_path}/study.db"
    Tuner("accuracy", storage=url, study="s", seed=0)
    workers = [
        start_worker(
            url,
            tmp_path / "a",
            scheduler=scheduler,
            scheduler_args=args,
            oracle=oracle,
            sleep=0.01,
            kwargs="{'max_trials': 45}",
        )
        for _ in range(3)
    ]
    for w in workers:
        assert w.wait(timeout=120) == 0, errors(tmp_path / "a")
    trials = SQLStorage(url).list_trials("s")
    assert all(t.state is TrialState.COMPLETED for t in trials)
    parents = Counter(t.parent for t in trials if t.parent is not None)
    assert parents and max(parents.values()) == 1
    assert max(t.attrs["rung"] for t in trials) == 2
    # The budget stays the trials' field; no configuration starts twice.
    assert all(set(t.values) == {"x"} for t in trials)
    starts = [t.values["x"] for t in trials if t.parent is None]
    assert len(set(starts)) == len(starts)
    if "brackets" in args:  # every bracket started some; promotions stay in theirs
        by = {t.number: t for t in trials}
        assert {t.attrs["start_rung"] for t in trials if t.parent is None} == {0, 1, 2}
        assert all(
            t.attrs["start_rung"] == by[t.parent].attrs["start_rung"]
            for t in trials
            if t.parent is not None
        )
        assert any(t.parent is not None and t.attrs["start_rung"] == 1 for t in trials)
