from __future__ import annotations

import re

import pytest

from tunesmith import InvalidArgumentError, Objective, Trial, TrialState, Tuner
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import MedianStopping, PercentileStopping, rungs
from tunesmith.trial import Report


def _trial(number: int, values: list[float], state: TrialState = TrialState.RUNNING) -> Trial:
    reports = tuple(Report(step, v) for step, v in enumerate(values))
    return Trial(number, state, reports=reports)


def test_stops_below_the_median_of_trials_at_the_same_step() -> None:
    rule = MedianStopping(min_trials=3)
    objective = Objective("accuracy")
    others = [
        _trial(i, [0.5, 0.6, v], TrialState.COMPLETED) for i, v in enumerate([0.7, 0.8, 0.9])
    ]
    good = _trial(10, [0.6, 0.85])
    bad = _trial(11, [0.5, 0.55])
    assert rule.should_stop(good, [*others, good], objective=objective) is None
    reason = rule.should_stop(bad, [*others, bad], objective=objective)
    assert reason is not None and "step 1" in reason and "0.55" in reason


def test_respects_min_trials_warmup_and_direction() -> None:
    loss = Objective("val_loss")
    others = [_trial(i, [1.0, v], TrialState.COMPLETED) for i, v in enumerate([0.2, 0.3, 0.4])]
    high = _trial(10, [1.0, 0.9])
    assert MedianStopping(min_trials=3).should_stop(high, [*others, high], objective=loss)
    assert MedianStopping(min_trials=4).should_stop(high, [*others, high], objective=loss) is None
    assert (
        MedianStopping(min_trials=3, warmup_steps=2).should_stop(
            high, [*others, high], objective=loss
        )
        is None
    )
    # Keeping 90% of the trials spares one that is only a little worse.
    mid = _trial(11, [1.0, 0.37])
    assert (
        PercentileStopping(90, min_trials=3).should_stop(mid, [*others, mid], objective=loss)
        is None
    )
    assert PercentileStopping(10, min_trials=3).should_stop(mid, [*others, mid], objective=loss)


@pytest.mark.parametrize("percentile", [0, 101, "50", None, True])
def test_bad_percentile(percentile: object) -> None:
    # The message shows the value as given (a non-number once read as nan).
    match = rf"percentile must lie in \(0, 100\], got percentile={re.escape(repr(percentile))}\."
    with pytest.raises(InvalidArgumentError, match=match):
        PercentileStopping(percentile)  # type: ignore[arg-type]


def test_stopped_trials_are_recorded_with_the_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def objective(trial):  # type: ignore[no-untyped-def]
        x = trial.hp.Float("x", 0.0, 1.0)
        value = 0.0
        for step in range(8):
            value = x * (1 - 0.5 ** (step + 1))
            trial.report(value, step=step)
            if trial.should_stop():
                break
        return value

    tuner = Tuner(
        "score",
        scheduler=MedianStopping(min_trials=4, warmup_steps=1),
        oracle=RandomSearch(),
        storage=f"sqlite:///{tmp_path}/s.db",
        seed=0,
    )
    tuner.search(objective, max_trials=20, progress=False)
    stopped = [t for t in tuner.trials if t.state is TrialState.STOPPED]
    assert stopped and all("MedianStopping at step" in t.attrs["stopped"] for t in stopped)
    assert all(t.last_step < 7 for t in stopped)
    best = tuner.best_trial
    assert best is not None and best.state is TrialState.COMPLETED
    outcomes = {p.outcome.split(":")[0] for p in rungs(tuner.trials)}
    assert any(o.startswith("stopped early at step") for o in outcomes)
