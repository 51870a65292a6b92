"""The ladder: one score per configuration from its results at every budget of a schedule."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tunesmith.schedulers._history import budget_chain
from tunesmith.trial import BUDGET_RESULTS_ATTR, SCORE_ONLY_ATTR, BudgetResults

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial


def ladder_history(
    history: Sequence[Trial],
    *,
    objective: Objective,
    min_configurations: int = 0,
    budgets: tuple[float, float] | None = None,
) -> list[Trial]:
    """Each configuration once, scored by how far it climbed and how well it did there.

    A trial at rung ``r`` (its ``attrs["rung"]``) scores ``r + q``, where ``q`` in
    ``[0, 1)`` is the fraction of the rung's results it beats. A promoted trial is replaced
    by its continuation (its ``parent`` link), so a configuration counts once, at the
    deepest rung it finished. A configuration that climbed higher always ranks above one
    that stopped lower, which it beat at the lower rung to be promoted. The oracle so
    learns from every budget at once instead of from one budget's trials (BOHB's rule),
    without comparing a 1-epoch accuracy with a 27-epoch one.

    While fewer than ``min_configurations`` configurations have a result at rung 0, the
    scores are withheld: the copies carry no value and no reports, so the oracle knows
    which configurations were tried (and goes on filling the space around them) but not
    how they did. Ranks among a handful of configurations, most of them stopped after the
    smallest budget, are mostly noise, and a model fitted to them narrows the search
    before the ladder means anything.

    With ``budgets``, each scored copy also carries the configuration's own results at
    every budget it finished (``attrs[BUDGET_RESULTS_ATTR]``, a
    :class:`~tunesmith.trial.BudgetResults`). An oracle that can model the budget as an
    input (:class:`~tunesmith.oracles.BayesianOptimization`) learns from those values;
    any other oracle reads the score.

    Args:
        history: Finished trials.
        objective: The study's objective (which way is better).
        min_configurations: Configurations with a rung-0 result before any score is shown.
        budgets: The schedule's smallest and largest budget; None: no budget results.

    Returns:
        Copies of the deepest trial of each configuration with ``value`` replaced by the
        score (negated for a minimized objective, so the objective's order still holds)
        and ``attrs[SCORE_ONLY_ATTR]`` set; trials without a value or a rung are passed
        through unchanged. While the scores are withheld, every copy has ``value`` None.

    Example:
        >>> from tunesmith import Objective, Trial, TrialState
        >>> def t(n, rung, value, parent=None):
        ...     return Trial(n, TrialState.COMPLETED, {"x": n}, value=value, parent=parent,
        ...                  attrs={"rung": rung})
        >>> trials = [t(0, 0, 0.5), t(1, 0, 0.7), t(2, 0, 0.6), t(3, 1, 0.65, parent=1)]
        >>> [(u.number, round(u.value, 3)) for u in ladder_history(trials,
        ...     objective=Objective("accuracy"))]
        [(0, 0.0), (2, 0.333), (3, 1.0)]
    """
    promoted = {t.parent for t in history if t.parent is not None and t.has_value}
    if sum(1 for t in history if t.attrs.get("rung") == 0 and t.has_value) < min_configurations:
        return [
            dataclasses.replace(
                t, value=None, reports=(), attrs={**t.attrs, SCORE_ONLY_ATTR: True}
            )
            for t in history
            if t.number not in promoted
        ]
    by_rung: dict[int, list[float]] = {}
    for t in history:
        rung = t.attrs.get("rung")
        if isinstance(rung, int) and t.has_value:
            by_rung.setdefault(rung, []).append(objective.sort_key(t.value))  # type: ignore[arg-type]
    for keys in by_rung.values():
        keys.sort()
    sign = 1.0 if objective.direction == "max" else -1.0
    by_number = {t.number: t for t in history}
    out = []
    for t in history:
        rung = t.attrs.get("rung")
        if not isinstance(rung, int) or not t.has_value:
            out.append(t)
            continue
        if t.number in promoted:
            continue
        keys = by_rung[rung]
        # sort_key: smaller is better; q counts the results strictly worse.
        worse = len(keys) - bisect.bisect_right(keys, objective.sort_key(t.value))  # type: ignore[arg-type]
        score = sign * (rung + worse / len(keys))
        attrs = {**t.attrs, SCORE_ONLY_ATTR: True}
        if budgets is not None:
            attrs[BUDGET_RESULTS_ATTR] = BudgetResults(budget_chain(t, by_number), *budgets)
        out.append(dataclasses.replace(t, value=score, attrs=attrs))
    return out
