"""What Hyperband and ASHA hand the oracle: BOHB's level, and every result with its budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.schedulers.curves import accuracy, curve_objective
from tunesmith import Objective, Trial, TrialState, Tuner
from tunesmith.oracles import BayesianOptimization
from tunesmith.oracles._gp._budget import budget_input, expand
from tunesmith.schedulers import ASHA, Hyperband, SuccessiveHalving, model_history
from tunesmith.schedulers._history import budget_chain
from tunesmith.space import Float, SearchSpace
from tunesmith.trial import BUDGET_RESULTS_ATTR, BudgetResults


def _trial(n: int, budget: float, value: float | None, parent: int | None = None) -> Trial:
    state = TrialState.COMPLETED if value is not None else TrialState.FAILED
    x = {0: 0.1, 1: 0.2, 2: 0.3, 3: 0.2, 4: 0.4, 5: 0.3, 6: 0.2, 7: 0.5}[n]
    return Trial(n, state, {"x": x}, value=value, budget=budget, parent=parent)


# Configuration 0.2 climbs 1 -> 3 -> 9 (trials 1, 3, 6); 0.3 climbs 1 -> 3 (2, 5);
# 0.1 and 0.4 stay at 1; trial 7 failed.
HISTORY = [
    _trial(0, 1, 0.50),
    _trial(1, 1, 0.70),
    _trial(2, 1, 0.60),
    _trial(3, 3, 0.80, parent=1),
    _trial(4, 1, 0.55),
    _trial(5, 3, 0.65, parent=2),
    _trial(6, 9, 0.90, parent=3),
    _trial(7, 1, None),
]


def _results(trials: list[Trial]) -> dict[int, BudgetResults | None]:
    return {t.number: t.attrs.get(BUDGET_RESULTS_ATTR) for t in trials}


def test_bohb_level_keeps_its_values_and_every_configuration_its_results() -> None:
    plain = model_history(HISTORY, 2)
    assert [(t.number, t.value) for t in plain] == [(3, 0.80), (5, 0.65)]
    shown = model_history(HISTORY, 2, budgets=(1.0, 9.0))
    # The level's trials, as before; then the configurations it does not hold, without a
    # value; then the failed trial.
    assert [(t.number, t.value) for t in shown] == [
        (3, 0.80),
        (5, 0.65),
        (0, None),
        (4, None),
        (7, None),
    ]
    assert [t.values for t in shown[:2]] == [t.values for t in plain]
    assert all(t.reports == () for t in shown[2:4])
    results = _results(shown)
    # The level's trial of a configuration that climbed past it carries the whole path;
    # new configurations are to be judged at the level's budget.
    assert results[3] == BudgetResults(
        ((1, 1.0, 0.7), (3, 3.0, 0.8), (6, 9.0, 0.9)), 1.0, 9.0, target=3.0
    )
    assert results[5] == BudgetResults(((2, 1.0, 0.6), (5, 3.0, 0.65)), 1.0, 9.0, target=3.0)
    assert results[0] == BudgetResults(((0, 1.0, 0.5),), 1.0, 9.0, target=3.0)
    assert results[7] is None
    # Every finished trial's result reaches the oracle once.
    flat = sorted(r for i in results.values() if i is not None for r in i.results)
    assert flat == sorted((t.number, t.budget, t.value) for t in HISTORY if t.has_value)


def test_before_a_level_fills_every_trial_is_shown_and_each_result_modelled_once() -> None:
    shown = model_history(HISTORY, 5, budgets=(1.0, 9.0))
    assert [t.number for t in shown] == [t.number for t in HISTORY]
    assert [t.value for t in shown] == [t.value for t in HISTORY]
    results = _results(shown)
    # The path sits on each configuration's deepest trial; the trials it continues carry
    # none, and the model does not count them a second time.
    assert {n for n, i in results.items() if i is not None} == {0, 4, 5, 6}
    # Judged where most results are: four at one epoch.
    assert {i.target for i in results.values() if i is not None} == {1.0}
    space = SearchSpace([Float("x", 0.0, 1.0)])
    bi = budget_input(space, shown)
    assert bi is not None
    rows, _ = expand(bi, shown, [])
    assert sorted((t.number, t.values["budget"], t.value) for t in rows) == [
        (0, 1.0, 0.5),
        (1, 1.0, 0.7),
        (2, 1.0, 0.6),
        (3, 3.0, 0.8),
        (4, 1.0, 0.55),
        (5, 3.0, 0.65),
        (6, 9.0, 0.9),
        (7, 1.0, None),
    ]


def test_a_chain_ends_even_on_a_parent_cycle_without_values() -> None:
    # Trials 0 and 1 (failed, no value) name each other as parent: corrupt links must not
    # hang the oracle's history. The walk stops after as many steps as there are trials.
    broken = [_trial(0, 1, None, parent=1), _trial(1, 1, None, parent=0)]
    top = _trial(2, 3, 0.8, parent=0)
    by_number = {t.number: t for t in [*broken, top]}
    assert budget_chain(top, by_number) == ((2, 3.0, 0.8),)


def test_the_budget_becomes_an_input_once_results_span_two_budgets() -> None:
    space = SearchSpace([Float("x", 0.0, 1.0)])
    first = [t for t in HISTORY if t.budget == 1]
    # Only one-epoch results: nothing tells the model how they carry to the top budget.
    assert budget_input(space, model_history(first, 2, budgets=(1.0, 9.0))) is None
    bi = budget_input(space, model_history(HISTORY[:4], 2, budgets=(1.0, 9.0)))
    assert bi is not None and (bi.min_budget, bi.max_budget) == (1.0, 9.0)


@pytest.mark.parametrize(
    ("scheduler", "budgets"),
    [
        (Hyperband(27), (1.0, 27.0)),
        (Hyperband(27, min_budget=2), (3.0, 27.0)),  # rungs at 3, 9 and 27
        (SuccessiveHalving(27, min_budget=3), (3.0, 27.0)),
        (ASHA(9), (1.0, 9.0)),
    ],
)
def test_schedulers_hand_over_their_smallest_and_largest_budget(
    scheduler: Hyperband | ASHA, budgets: tuple[float, float]
) -> None:
    history = [
        Trial(0, TrialState.COMPLETED, {"x": 0.5}, value=0.5, budget=budgets[0]),
        Trial(1, TrialState.COMPLETED, {"x": 0.6}, value=0.6, budget=budgets[0]),
    ]
    shown = scheduler.oracle_history(history, objective=Objective("accuracy"))
    assert {t.attrs[BUDGET_RESULTS_ATTR].min_budget for t in shown} == {budgets[0]}
    assert {t.attrs[BUDGET_RESULTS_ATTR].max_budget for t in shown} == {budgets[1]}


def test_the_bayesian_oracle_follows_the_budget_bohbs_rule_models(tmp_path: Path) -> None:
    """On the synthetic curves the best x is 0.81 at budget 3 and 0.70 at budget 9 (fast
    learners lead early). Hyperband + BayesianOptimization, every result modelled with its
    budget: each new configuration sits at the optimum of the budget it is judged at,
    BOHB's level when it was proposed."""
    scheduler = Hyperband(9, iterations=3)
    tuner = Tuner(
        "accuracy", scheduler=scheduler, oracle=BayesianOptimization(), seed=0, artifacts=tmp_path
    )
    tuner.search(curve_objective, max_trials=45, progress=False)
    trials = tuner.trials
    assert all(t.state is TrialState.COMPLETED for t in trials)
    assert all(set(t.values) == {"x"} for t in trials)
    starts = [t for t in trials if t.parent is None]
    assert len({t.values["x"] for t in starts}) == len(starts)
    grid = np.linspace(0.0, 1.0, 1001)
    best = {b: grid[np.argmax([accuracy(x, b - 1) for x in grid])] for b in (3, 9)}
    assert best == {3: pytest.approx(0.81, abs=0.01), 9: pytest.approx(0.70, abs=0.01)}
    judged = []
    for t in starts[-8:]:
        before = [u for u in trials if u.number < t.number]
        shown = scheduler.oracle_history(before, objective=Objective("accuracy"))
        (target,) = {u.attrs[BUDGET_RESULTS_ATTR].target for u in shown}
        judged.append((int(target), t.values["x"]))
    assert {b for b, _ in judged} == {3, 9}
    for budget, x in judged[1:]:  # the first is the model's first guess at budget 3
        assert x == pytest.approx(best[budget], abs=0.05)
