"""The budget as one more input of the model: a schedule's results at every budget.

A multi-fidelity scheduler (EagerASHA, ASHA, Hyperband) hands the oracle each
configuration's results at every budget it finished (``attrs[BUDGET_RESULTS_ATTR]``). The
Gaussian process then sees one row per result, the configuration's coordinates plus
the budget on a log scale between the schedule's smallest and largest budget, and new
configurations are judged at the scheduler's target budget (EagerASHA: the largest;
Hyperband and ASHA: the one BOHB's rule models). So a one-epoch result informs the
model by how far it predicts the target, which the model learns from the configurations
that climbed, instead of by a rank.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tunesmith.space import Float, SearchSpace
from tunesmith.trial import BUDGET_RESULTS_ATTR, BudgetResults

if TYPE_CHECKING:
    from tunesmith.trial import Trial


@dataclasses.dataclass(frozen=True)
class BudgetInput:
    """The space with the budget as its last parameter.

    Attributes:
        space: The search space plus ``name``, a log-scaled Float over the budgets.
        name: The budget's parameter name (``"budget"``, or underscores before it when the
            space already has one).
        min_budget: The bottom of ``name``'s range (the schedule's smallest budget).
        max_budget: The top of ``name``'s range.
        target: Where new configurations are judged (in ``[min_budget, max_budget]``).
    """

    space: SearchSpace
    name: str
    min_budget: float
    max_budget: float
    target: float

    @property
    def target_unit(self) -> float:
        """``target`` on the budget's log scale, in [0, 1] (as the model sees it)."""
        return self.space[self.name].to_unit(self.target)


def budget_input(space: SearchSpace, history: Sequence[Trial]) -> BudgetInput | None:
    """The space with the budget, or None while the results hold fewer than two budgets.

    Results at one budget say nothing of how a configuration does at another: the model
    would carry them to the target budget by a length scale it cannot fit, so it models
    the values at that one budget as they are (BOHB's rule already shows them, alone).
    The target is the records' (None: the largest budget), held inside the range.
    """
    infos = [t.attrs.get(BUDGET_RESULTS_ATTR) for t in history]
    found = [i for i in infos if isinstance(i, BudgetResults)]
    if len({b for i in found for _, b, _ in i.results}) < 2:
        return None
    low = min(i.min_budget for i in found)
    high = max(i.max_budget for i in found)
    if not 0 < low < high:
        return None
    targets = [high if i.target is None else i.target for i in found]
    target = min(max(min(targets), low), high)
    names = {p.name for p in space}
    name = "budget"
    while name in names:
        name = "_" + name
    augmented = SearchSpace([*space, Float(name, low, high, sampling="log")])
    return BudgetInput(augmented, name, low, high, target)


def expand(
    bi: BudgetInput, history: Sequence[Trial], pending: Sequence[Trial]
) -> tuple[list[Trial], list[Trial]]:
    """One trial per result at each budget (numbered as the trial that produced it), and
    the running trials at the budget they run to. A trial without budget results (a failed
    one, or one shown beside its configuration's record) counts at its own budget, unless
    a record already holds its result."""

    def at(t: Trial, budget: float | None, **changes: object) -> Trial:
        b = min(max(float(budget or bi.max_budget), bi.min_budget), bi.max_budget)
        return dataclasses.replace(t, values={**t.values, bi.name: b}, **changes)  # type: ignore[arg-type]

    infos = [t.attrs.get(BUDGET_RESULTS_ATTR) for t in history]
    recorded = {n for i in infos if isinstance(i, BudgetResults) for n, _, _ in i.results}
    out = []
    for t, info in zip(history, infos, strict=True):
        if isinstance(info, BudgetResults):
            out += [at(t, budget, number=n, value=v) for n, budget, v in info.results]
        elif t.number not in recorded:
            out.append(at(t, t.budget))
    return out, [at(t, t.budget) for t in pending]
