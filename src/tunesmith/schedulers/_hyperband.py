"""Synchronous successive halving and Hyperband (Li et al., 2018): brackets of rungs."""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tunesmith._validate import check_positive
from tunesmith.exceptions import InvalidArgumentError, SearchSpaceExhausted
from tunesmith.schedulers._base import Assignment, Scheduler
from tunesmith.schedulers._history import model_history
from tunesmith.schedulers._slots import SlotBook, promotion_slot, ranked_values

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial


@dataclasses.dataclass(frozen=True)
class Bracket:
    """One run of successive halving: ``n_configs[k]`` configurations at ``budgets[k]``.

    Attributes:
        index: Hyperband's ``s``: the bracket has ``s + 1`` rungs.
        n_configs: How many configurations reach each rung.
        budgets: The budget of each rung, increasing.
    """

    index: int
    n_configs: tuple[int, ...]
    budgets: tuple[float, ...]

    @property
    def n_rungs(self) -> int:
        return len(self.budgets)


def n_halvings(max_budget: float, min_budget: float, factor: int) -> int:
    """The largest ``s`` with ``min_budget * factor**s <= max_budget`` (exact, no logs)."""
    s = 0
    while min_budget * factor ** (s + 1) <= max_budget * (1 + 1e-12):
        s += 1
    return s


def rung_budget(max_budget: float, min_budget: float, factor: int, halvings_left: int) -> float:
    """``max_budget / factor**halvings_left``, an integer when both bounds are integers."""
    budget = float(max_budget) / float(factor) ** halvings_left
    if isinstance(max_budget, int) and isinstance(min_budget, int):
        return float(max(min_budget, round(budget)))
    return max(float(min_budget), budget)


def hyperband_brackets(
    max_budget: float, *, min_budget: float = 1, factor: int = 3
) -> list[Bracket]:
    """Li et al.'s brackets, most exploratory first.

    With ``R = max_budget / min_budget`` and ``s_max = floor(log_factor R)``, bracket ``s``
    starts ``n = ceil((s_max + 1) / (s + 1) * factor**s)`` configurations at budget
    ``max_budget / factor**s`` and keeps the best ``floor(n / factor**k)`` at rung ``k``.

    Example:
        >>> [b.n_configs for b in hyperband_brackets(81, factor=3)]
        [(81, 27, 9, 3, 1), (34, 11, 3, 1), (15, 5, 1), (8, 2), (5,)]
        >>> hyperband_brackets(81, factor=3)[1].budgets
        (3.0, 9.0, 27.0, 81.0)
    """
    s_max = n_halvings(max_budget, min_budget, factor)
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) * factor**s / (s + 1) - 1e-9)
        configs = tuple(n // factor**k for k in range(s + 1))
        budgets = tuple(rung_budget(max_budget, min_budget, factor, s - k) for k in range(s + 1))
        out.append(Bracket(s, configs, budgets))
    return out


def check_budgets(where: str, max_budget: float, min_budget: float, factor: int) -> None:
    check_positive(where, "max_budget", max_budget)
    check_positive(where, "min_budget", min_budget)
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
        raise InvalidArgumentError(
            f"{where}: factor must be an integer >= 2, got factor={factor!r}. "
            "Each rung keeps 1/factor of the configurations; factor=3 is the usual choice."
        )
    if min_budget > max_budget:
        raise InvalidArgumentError(
            f"{where}: min_budget must be <= max_budget, got min_budget={min_budget!r}, "
            f"max_budget={max_budget!r}."
        )


class _Brackets(Scheduler):
    """Runs a list of brackets ``iterations`` times, each rung synchronously.

    Work is handed out in order: the earliest bracket with an open slot gives it. A rung's
    promotions are decided when every trial of the rung has finished; while a rung waits on
    running trials, idle workers start the next bracket instead of waiting, and wait only
    when every bracket is busy.
    """

    ends_by_itself = True

    def __init__(
        self,
        max_budget: float,
        *,
        min_budget: float = 1,
        factor: int = 3,
        iterations: int = 1,
        max_attempts: int = 2,
        model_min_trials: int = 10,
    ) -> None:
        where = type(self).__name__
        check_budgets(where, max_budget, min_budget, factor)
        check_positive(where, "iterations", iterations, integer=True)
        check_positive(where, "max_attempts", max_attempts, integer=True)
        check_positive(where, "model_min_trials", model_min_trials, integer=True)
        self.max_budget = max_budget
        self.min_budget = min_budget
        self.factor = factor
        self.iterations = iterations
        self.max_attempts = max_attempts
        self.model_min_trials = model_min_trials

    @abc.abstractmethod
    def brackets(self) -> list[Bracket]:
        """The brackets of one iteration, in the order they run."""

    def settings(self) -> dict[str, Any]:
        return {
            "scheduler": type(self).__name__,
            "max_budget": self.max_budget,
            "min_budget": self.min_budget,
            "factor": self.factor,
            "iterations": self.iterations,
            "max_attempts": self.max_attempts,
            "model_min_trials": self.model_min_trials,
        }

    def assign(self, trials: Sequence[Trial], *, objective: Objective) -> Assignment | None:
        book = SlotBook(trials, max_attempts=self.max_attempts)
        busy = False
        for iteration in range(self.iterations):
            for bracket in self.brackets():
                assignment, waiting = self._next(book, iteration, bracket, objective)
                if assignment is not None:
                    return assignment
                busy = busy or waiting
        if busy:
            return None
        raise SearchSpaceExhausted(
            f"{type(self).__name__}: every rung of its {len(self.brackets())} bracket(s) "
            f"x {self.iterations} iteration(s) has run."
        )

    def _next(
        self, book: SlotBook, iteration: int, bracket: Bracket, objective: Objective
    ) -> tuple[Assignment | None, bool]:
        """The bracket's next open slot, or (None, whether it waits on running trials)."""
        prefix = f"hb{iteration}-s{bracket.index}"
        slots = [f"{prefix}-r0-{j}" for j in range(bracket.n_configs[0])]
        parents: dict[str, int] = {}
        for rung, budget in enumerate(bracket.budgets):
            attrs = {
                "iteration": iteration,
                "bracket": bracket.index,
                "rung": rung,
                "max_rung": bracket.n_rungs - 1,
            }
            for slot in slots:
                if book.is_open(slot):
                    return Assignment(budget, parents.get(slot), slot, attrs), False
            if not all(book.is_done(slot) for slot in slots):
                return None, True
            if rung + 1 == bracket.n_rungs:
                break
            held = [t for t in (book.live(s) for s in slots) if t is not None]
            best = ranked_values(held, objective)[: bracket.n_configs[rung + 1]]
            slots = [promotion_slot(t.number) for t in best]
            parents = {promotion_slot(t.number): t.number for t in best}
        return None, False

    def enqueued(self) -> Assignment:
        """A queued configuration runs at ``max_budget``, beside the brackets (their slots
        are the oracle's); the oracle then learns from it with the top rung's results."""
        return Assignment(rung_budget(self.max_budget, self.min_budget, self.factor, 0))

    def oracle_history(self, history: Sequence[Trial], *, objective: Objective) -> Sequence[Trial]:
        budgets = [b for bracket in self.brackets() for b in bracket.budgets]
        return model_history(history, self.model_min_trials, budgets=(min(budgets), max(budgets)))


class Hyperband(_Brackets):
    """Hyperband: successive halving over brackets that trade many short runs for few long.

    Bracket ``s`` (from ``s_max`` down to 0) starts configurations at budget
    ``max_budget / factor**s`` and promotes the best ``1/factor`` of each rung to the next,
    ``factor`` times the budget, until ``max_budget``; see :func:`hyperband_brackets` for the
    sizes. A promoted configuration is a new trial whose ``parent`` is the trial it
    continues; it resumes from that trial's checkpoint (``trial.parent_directory``,
    ``trial.resume_step``) and trains up to ``trial.budget``.

    New configurations come from the tuner's oracle: with :class:`~tunesmith.oracles.
    RandomSearch` this is Li et al.'s Hyperband; with a model-based oracle
    (:class:`~tunesmith.oracles.CoarseToFine`, a Bayesian one) each bracket starts from what
    the search learned so far, as in BOHB. The oracle learns from the trials at the largest
    budget that holds at least ``model_min_trials`` results (BOHB's rule); each
    configuration also carries its results at every budget it finished, which
    :class:`~tunesmith.oracles.BayesianOptimization` models with the budget as an input,
    judging new configurations at that budget (see
    :func:`~tunesmith.schedulers.model_history`).

    Works with several workers: rungs wait only for their own trials, other brackets start
    meanwhile, and every decision is re-derived from the stored trials, so a resumed study
    neither loses nor repeats a rung.

    Args:
        max_budget: The largest budget (epochs, by default) a configuration gets.
        min_budget: The smallest budget of a rung.
        factor: Keep ``1/factor`` of each rung, and multiply budgets by ``factor``.
        iterations: How many times to run the whole set of brackets.
        max_attempts: Failed attempts (a worker died) after which a slot counts as done
            without a value; the default 2 runs a failed slot once more.
        model_min_trials: Fewest results at one budget before the oracle learns from them.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import Hyperband
        >>> def objective(trial):
        ...     lr = trial.hp.Float("lr", 1e-4, 1.0, sampling="log")
        ...     for epoch in range(trial.resume_step, trial.budget):
        ...         trial.report(1 - abs(lr - 0.1) - 1 / (epoch + 1), step=epoch)
        ...     return 1 - abs(lr - 0.1) - 1 / trial.budget
        >>> tuner = Tuner("accuracy", scheduler=Hyperband(9), seed=0)
        >>> best = tuner.search(objective, progress=False)
        >>> len(tuner.trials), best.budget
        (22, 9.0)
    """

    def brackets(self) -> list[Bracket]:
        return hyperband_brackets(self.max_budget, min_budget=self.min_budget, factor=self.factor)


class SuccessiveHalving(_Brackets):
    """Synchronous successive halving: one bracket from ``min_budget`` to ``max_budget``.

    ``n_configs`` start at ``min_budget``; each rung keeps the best ``1/factor`` and gives
    them ``factor`` times the budget. Promotions resume from checkpoints, as in
    :class:`Hyperband`, which runs several such brackets.

    Args:
        max_budget: The budget of the last rung.
        min_budget: The budget of the first rung.
        factor: Keep ``1/factor`` of each rung.
        n_configs: Configurations in the first rung; by default ``factor**s`` for ``s``
            halvings, so that one reaches ``max_budget``.
        iterations: How many brackets to run, one after the other.
        max_attempts: See :class:`Hyperband`.
        model_min_trials: See :class:`Hyperband`.

    Example:
        >>> from tunesmith.schedulers import SuccessiveHalving
        >>> SuccessiveHalving(27, min_budget=3).brackets()[0].n_configs
        (9, 3, 1)
    """

    def __init__(
        self,
        max_budget: float,
        *,
        min_budget: float = 1,
        factor: int = 3,
        n_configs: int | None = None,
        iterations: int = 1,
        max_attempts: int = 2,
        model_min_trials: int = 10,
    ) -> None:
        super().__init__(
            max_budget,
            min_budget=min_budget,
            factor=factor,
            iterations=iterations,
            max_attempts=max_attempts,
            model_min_trials=model_min_trials,
        )
        if n_configs is not None:
            check_positive("SuccessiveHalving", "n_configs", n_configs, integer=True)
        self.n_configs = n_configs

    def brackets(self) -> list[Bracket]:
        s = n_halvings(self.max_budget, self.min_budget, self.factor)
        n = self.n_configs if self.n_configs is not None else self.factor**s
        configs = tuple(max(1, n // self.factor**k) for k in range(s + 1))
        budgets = tuple(
            rung_budget(self.max_budget, self.min_budget, self.factor, s - k) for k in range(s + 1)
        )
        return [Bracket(s, configs, budgets)]

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "n_configs": self.n_configs}
