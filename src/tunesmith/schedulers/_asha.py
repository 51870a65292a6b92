"""ASHA: asynchronous successive halving (Li et al., 2020); no worker waits for a rung."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tunesmith._validate import check_int_at_least, check_positive
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.schedulers._base import Assignment, Scheduler
from tunesmith.schedulers._history import model_history
from tunesmith.schedulers._hyperband import (
    check_budgets,
    hyperband_brackets,
    n_halvings,
    rung_budget,
)
from tunesmith.schedulers._ladder import ladder_history
from tunesmith.schedulers._slots import SlotBook, promotion_slot, ranked_values
from tunesmith.trial import RETRY_OF_ATTR

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial


class ASHA(Scheduler):
    """Asynchronous successive halving: promote as soon as a trial is in its rung's top.

    Rung ``k`` of ``K`` has budget ``max_budget / factor**(K - k)``, where ``K`` is the
    most halvings that keep rung 0 at ``min_budget`` or above (Hyperband's budgets). When a
    worker asks for work, ASHA looks from the top rung down for a trial among the best
    ``1/factor`` of the finished trials of its rung that was not promoted yet, and promotes
    it (a new trial with that ``parent`` resumes from its checkpoint); if there is none, a
    new configuration starts at rung 0 (with ``brackets``, at a bracket's first rung).
    Nobody waits for a rung to fill, so it suits many workers; a few promotions are made on
    less evidence than synchronous halving would use.

    The oracle learns as under :class:`~tunesmith.schedulers.Hyperband`: from the largest
    budget with ``model_min_trials`` results, and with a Bayesian oracle from every result
    with its budget (:func:`~tunesmith.schedulers.model_history`). With
    :class:`~tunesmith.oracles.BayesianOptimization` it did as well as
    :class:`EagerASHA`'s pair on ``benchmarks/multifidelity`` (behind at 50 epochs, ahead
    from 100 on, within noise over 34 seeds), and led every peer at every checkpoint.

    With ``finish_after``, the rung below the top lets its best result go on to
    ``max_budget`` as soon as it holds ``finish_after`` results, where ASHA waits for
    ``factor`` of them (the rungs below keep ASHA's rule). A search stopped early then holds
    a fully trained model sooner; the configurations at that rung have already won two
    rounds. With :class:`~tunesmith.oracles.BayesianOptimization` on
    ``benchmarks/multifidelity``, ``finish_after=2`` added +0.037 ± 0.007 at 50 epochs and
    was even from 75 epochs on (within ±0.006, 34 seeds paired; +0.019 at 50 on 36
    selection seeds); ``finish_after=1``, or eager promotions at the two top rungs, did
    worse.

    With ``brackets=k`` it is asynchronous Hyperband (Li et al., 2020, section 3): a new
    configuration starts at one of the ``k`` lowest rungs, so some are first judged after
    ``factor`` or more times the smallest budget (or not at all: the bracket at the top
    rung only trains to ``max_budget``), where a slow starter that ends
    well (a deeper network, a smaller learning rate) is no longer beaten by the fast
    starters of rung 0. Each starting rung is a bracket of its own, promoting within
    itself; new configurations go to the bracket furthest behind its share, which is the
    number of configurations Hyperband's bracket with that smallest budget starts (27, 12,
    6 and 4 for ``max_budget`` 27 and factor 3), so each bracket spends about as many
    epochs. ``brackets=1`` is ASHA. With :class:`~tunesmith.oracles.BayesianOptimization`
    on ``benchmarks/multifidelity`` (12 seeds, paired) it was behind ASHA at every
    checkpoint to 1000 epochs: ``brackets=2`` by 0.047 at 50 epochs, 0.018 at 331 and
    0.004 at 1000; a model's proposals are worth the cheap first look.

    The search ends with ``max_trials`` or ``timeout`` (every trial counts, promoted or not).

    Args:
        max_budget: The budget of the top rung.
        min_budget: The budget of rung 0.
        factor: Promote the best ``1/factor`` of a rung, at ``factor`` times its budget.
        finish_after: Results the rung below the top needs before its best goes on to
            ``max_budget`` regardless of ``factor``; None: ASHA's rule there too.
        brackets: How many of the lowest rungs new configurations start at (1 to the
            number of rungs).
        max_attempts: See :class:`~tunesmith.schedulers.Hyperband`.
        model_min_trials: See :class:`~tunesmith.schedulers.Hyperband`.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import ASHA
        >>> def objective(trial):
        ...     x = trial.hp.Float("x", 0.0, 1.0)
        ...     for step in range(trial.resume_step, trial.budget):
        ...         trial.report(x * (1 - 0.5 ** (step + 1)), step=step)
        ...     return x * (1 - 0.5 ** trial.budget)
        >>> tuner = Tuner("score", scheduler=ASHA(9), seed=0)
        >>> best = tuner.search(objective, max_trials=20, progress=False)
        >>> sorted({t.budget for t in tuner.trials})
        [1.0, 3.0, 9.0]
    """

    def __init__(
        self,
        max_budget: float,
        *,
        min_budget: float = 1,
        factor: int = 3,
        finish_after: int | None = None,
        brackets: int = 1,
        max_attempts: int = 2,
        model_min_trials: int = 10,
    ) -> None:
        where = type(self).__name__  # EagerASHA's errors name EagerASHA
        check_budgets(where, max_budget, min_budget, factor)
        if finish_after is not None:
            check_int_at_least(where, "finish_after", finish_after, 1)
        top = n_halvings(max_budget, min_budget, factor)
        check_int_at_least(where, "brackets", brackets, 1)
        if brackets > top + 1:
            raise InvalidArgumentError(
                f"{where}: brackets must be at most the number of rungs, {top + 1} for "
                f"max_budget={max_budget!r}, min_budget={min_budget!r}, factor={factor!r}; "
                f"got brackets={brackets!r}. Pass brackets <= {top + 1}, or a smaller "
                "min_budget for more rungs."
            )
        check_positive(where, "max_attempts", max_attempts, integer=True)
        check_positive(where, "model_min_trials", model_min_trials, integer=True)
        self.max_budget = max_budget
        self.min_budget = min_budget
        self.factor = factor
        self.finish_after = finish_after
        self.brackets = brackets
        self.max_attempts = max_attempts
        self.model_min_trials = model_min_trials
        self.budgets = tuple(
            rung_budget(max_budget, min_budget, factor, top - k) for k in range(top + 1)
        )
        #: Hyperband's starting sizes, the share of new configurations each bracket gets.
        self.shares = tuple(
            b.n_configs[0]
            for b in hyperband_brackets(max_budget, min_budget=min_budget, factor=factor)
        )[:brackets]

    def settings(self) -> dict[str, Any]:
        return {
            "scheduler": "ASHA",
            "max_budget": self.max_budget,
            "min_budget": self.min_budget,
            "factor": self.factor,
            "finish_after": self.finish_after,
            "brackets": self.brackets,
            "max_attempts": self.max_attempts,
            "model_min_trials": self.model_min_trials,
        }

    def _attrs(self, rung: int, start: int = 0) -> dict[str, Any]:
        attrs = {"bracket": "asha", "rung": rung, "max_rung": len(self.budgets) - 1}
        if self.brackets > 1:
            attrs["start_rung"] = start
        return attrs

    def enqueued(self) -> Assignment:
        """A queued configuration joins rung 0, and is promoted as any other."""
        return Assignment(self.budgets[0], attrs=self._attrs(0))

    def promotable(self, n_results: int, rung: int) -> int:
        """How many of the best ``n_results`` results of ``rung`` may go on to the next."""
        n = n_results // self.factor
        finishing = rung == len(self.budgets) - 2
        if finishing and self.finish_after is not None and n_results >= self.finish_after:
            return max(n, 1)
        return n

    def assign(self, trials: Sequence[Trial], *, objective: Objective) -> Assignment:
        book = SlotBook(trials, max_attempts=self.max_attempts)
        mine = [t for t in trials if t.attrs.get("bracket") == "asha"]
        # Each bracket's rungs hold its own trials; the deepest promotion comes first.
        members: dict[tuple[int, int], list[Trial]] = {}
        for t in mine:
            key = (t.attrs.get("start_rung", 0), t.attrs.get("rung"))
            members.setdefault(key, []).append(t)  # type: ignore[arg-type]
        for rung in range(len(self.budgets) - 2, -1, -1):
            for start in range(min(rung, self.brackets - 1) + 1):
                done = ranked_values(members.get((start, rung), []), objective)
                for t in done[: self.promotable(len(done), rung)]:
                    slot = promotion_slot(t.number)
                    if book.is_open(slot):
                        attrs = self._attrs(rung + 1, start)
                        return Assignment(self.budgets[rung + 1], t.number, slot, attrs)
        start = self._next_start(mine)
        return Assignment(self.budgets[start], attrs=self._attrs(start, start))

    def _next_start(self, mine: Sequence[Trial]) -> int:
        """The bracket furthest behind its share of the new configurations (the lowest
        on a tie). Queued configurations count for bracket 0, where they start; one that
        failed counts once (its retry, ``retry_of``, is the same configuration), so a
        failing bracket does not take over."""
        if self.brackets == 1:
            return 0
        started = [0] * self.brackets
        for t in mine:
            start = t.attrs.get("start_rung", 0)
            new = t.parent is None and RETRY_OF_ATTR not in t.attrs
            if new and t.attrs.get("rung") == start and start < self.brackets:
                started[start] += 1
        return min(range(self.brackets), key=lambda b: (started[b] / self.shares[b], b))

    def oracle_history(self, history: Sequence[Trial], *, objective: Objective) -> Sequence[Trial]:
        return model_history(
            history, self.model_min_trials, budgets=(self.budgets[0], self.budgets[-1])
        )


class EagerASHA(ASHA):
    """ASHA whose best configurations go deep early, and whose oracle learns from every rung.

    The recommended multi-fidelity scheduler: give it ``max_budget`` and a model-based
    oracle (:class:`~tunesmith.oracles.BayesianOptimization` did best with it in
    ``benchmarks/multifidelity``, ahead of the default
    :class:`~tunesmith.oracles.CoarseToFine` at every checkpoint). Two changes to
    :class:`ASHA`:

    - Eager promotions: a rung with ``eager_after`` or more results lets its best result go
      on even before the rung holds ``factor`` of them (ASHA promotes the best
      ``floor(n / factor)``, none while ``n < factor``). Good configurations so reach
      ``max_budget`` after a handful of trials, and a search stopped early holds a well
      trained model, not only one-epoch ones. ``eager_after=1`` is Optuna's pruners' rule
      (the very first configuration runs to the end, unchallenged); the default 2 makes
      every promotion beat at least one rival at its rung.
    - The ladder history (:func:`~tunesmith.schedulers.ladder_history`): the oracle sees
      each configuration once, scored by the deepest rung it finished and its rank there,
      so it learns from the results at every budget, in the spirit of BOHB. Each score
      comes with the configuration's results at every budget it finished, which
      :class:`~tunesmith.oracles.BayesianOptimization` models with the budget as an
      input (other oracles read the score). The scores are
      shown once ``explore_first`` configurations have a result (by default as many as
      Hyperband's most exploratory bracket starts: 27 for ``max_budget`` 27 and factor 3);
      until then the oracle is told which configurations were tried, not how they did,
      so a model-based one fills the space (BayesianOptimization continues its Sobol
      design) instead of narrowing it on the ranks of a few one-epoch results.

    Args:
        max_budget: The budget of the top rung.
        min_budget: The budget of rung 0.
        factor: Promote the best ``1/factor`` of a rung, at ``factor`` times its budget.
        eager_after: Results a rung needs before its best may go on regardless of
            ``factor``.
        explore_first: Configurations with a result before the oracle sees any score;
            None: ``factor ** k`` for the ``k`` halvings from ``min_budget`` to
            ``max_budget``; 0: from the first result.
        max_attempts: See :class:`~tunesmith.schedulers.Hyperband`.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import EagerASHA
        >>> def objective(trial):
        ...     x = trial.hp.Float("x", 0.0, 1.0)
        ...     for step in range(trial.resume_step, trial.budget):
        ...         trial.report(x * (1 - 0.5 ** (step + 1)), step=step)
        ...     return x * (1 - 0.5 ** trial.budget)
        >>> tuner = Tuner("score", scheduler=EagerASHA(9), seed=0)
        >>> _ = tuner.search(objective, max_trials=8, progress=False)
        >>> [int(t.budget) for t in tuner.trials]  # 9 at the sixth trial; ASHA: the tenth
        [1, 1, 3, 1, 3, 9, 1, 3]
    """

    def __init__(
        self,
        max_budget: float,
        *,
        min_budget: float = 1,
        factor: int = 3,
        eager_after: int = 2,
        explore_first: int | None = None,
        max_attempts: int = 2,
    ) -> None:
        super().__init__(
            max_budget, min_budget=min_budget, factor=factor, max_attempts=max_attempts
        )
        check_int_at_least("EagerASHA", "eager_after", eager_after, 1)
        if explore_first is not None:
            check_int_at_least("EagerASHA", "explore_first", explore_first, 0)
        self.eager_after = eager_after
        self.explore_first = explore_first

    def settings(self) -> dict[str, Any]:
        return {
            "scheduler": "EagerASHA",
            "max_budget": self.max_budget,
            "min_budget": self.min_budget,
            "factor": self.factor,
            "eager_after": self.eager_after,
            "explore_first": self.explore_first,
            "max_attempts": self.max_attempts,
        }

    def promotable(self, n_results: int, rung: int) -> int:
        eager = 1 if n_results >= self.eager_after else 0
        return max(n_results // self.factor, eager)

    @property
    def n_explore(self) -> int:
        """Configurations with a result before the oracle sees scores (``explore_first``
        resolved)."""
        if self.explore_first is not None:
            return self.explore_first
        return int(self.factor ** (len(self.budgets) - 1))

    def oracle_history(self, history: Sequence[Trial], *, objective: Objective) -> Sequence[Trial]:
        return ladder_history(
            history,
            objective=objective,
            min_configurations=self.n_explore,
            budgets=(self.budgets[0], self.budgets[-1]),
        )
