"""The budget as one more input of the model: a ladder's results at every budget.

A multi-fidelity scheduler (EagerASHA) can hand the oracle, with each configuration's
ladder score, its results at every budget it finished (``attrs[BUDGET_RESULTS_ATTR]``).
The Gaussian process then sees one row per result, the configuration's coordinates plus
the budget on a log scale between the schedule's smallest and largest budget, and new
configurations are judged at the largest budget. So a one-epoch result informs the model
by how far it predicts the full budget, which the model learns from the configurations
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
        max_budget: Where new configurations are judged (the top of ``name``'s range).
    """

    space: SearchSpace
    name: str
    min_budget: float
    max_budget: float


def budget_input(space: SearchSpace, history: Sequence[Trial]) -> BudgetInput | None:
    """The space with the budget, or None when no finished trial carries budget results."""
    infos = [t.attrs.get(BUDGET_RESULTS_ATTR) for t in history]
    found = [i for i in infos if isinstance(i, BudgetResults)]
    if not found:
        return None
    low = min(i.min_budget for i in found)
    high = max(i.max_budget for i in found)
    if not 0 < low < high:
        return None
    names = {p.name for p in space}
    name = "budget"
    while name in names:
        name = "_" + name
    augmented = SearchSpace([*space, Float(name, low, high, sampling="log")])
    return BudgetInput(augmented, name, low, high)


def expand(
    bi: BudgetInput, history: Sequence[Trial], pending: Sequence[Trial]
) -> tuple[list[Trial], list[Trial]]:
    """One trial per result at each budget (numbered as the trial that produced it), and
    the running trials at the budget they run to; a trial without budget results (a failed
    one) counts at its own budget."""

    def at(t: Trial, budget: float | None, **changes: object) -> Trial:
        b = min(max(float(budget or bi.max_budget), bi.min_budget), bi.max_budget)
        return dataclasses.replace(t, values={**t.values, bi.name: b}, **changes)  # type: ignore[arg-type]

    out = []
    for t in history:
        info = t.attrs.get(BUDGET_RESULTS_ATTR)
        if not isinstance(info, BudgetResults):
            out.append(at(t, t.budget))
            continue
        out += [at(t, budget, number=n, value=v) for n, budget, v in info.results]
    return out, [at(t, t.budget) for t in pending]
