"""Population-based training: babysitting automated over a population.

A population of ``population`` members trains in segments of ``interval`` steps. Each
segment is a trial, and each segment after the first is a fork of a segment before it
(:func:`~tunesmith.execution._changes.fork_trial`), so the whole history is in the storage
as lineage (``parent``) and attributes (``pbt``). After every generation the members are
ranked by the objective at their last step:

- the bottom ``quantile`` **exploit**: the member's next segment forks a member of the top
  ``quantile`` (its weights, optimizer and random state, through the checkpoint) …
- … and **explores**: each hyperparameter the training loop can change mid-run is perturbed
  (multiplied by one of ``perturb``, ``1 - β`` for a reverse_log β, then kept in its range;
  an ordered choice moves to a neighbour) or, with
  probability ``resample_probability``, drawn anew from its range;
- the others go on from their own checkpoint, unchanged.

Generations are synchronous: generation ``g + 1`` is planned once all of generation ``g`` has
finished, by the process that called :meth:`PopulationBasedTraining.search`; the segments
run on the tuner's workers (``workers=N``). Every decision is derived from the stored
trials with a generator seeded by (seed, generation), so a search that was stopped resumes
where it was, with the same decisions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith._validate import as_int, as_list, as_real
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.execution._changes import CHANGEABLE_ATTR, fork_trial, values_at
from tunesmith.space import Choice, SearchSpace, Value
from tunesmith.trial import RETRY_OF_ATTR, Objective, Trial, TrialState

if TYPE_CHECKING:
    from tunesmith.execution import ObjectiveFn
    from tunesmith.tuner import Tuner

#: The trial attribute holding a segment's place: member, generation, and whom it exploited.
PBT_ATTR = "pbt"


@dataclasses.dataclass(frozen=True)
class Segment:
    """One member's segment in a generation: the trial that ran it and its score."""

    member: int
    generation: int
    trial: Trial
    score: float | None


class PopulationBasedTraining:
    """Population-based training (Jaderberg et al., 2017) over a Tuner's study.

    Args:
        population: Members trained side by side.
        interval: Steps (epochs) per segment: members are compared and exploited after each.
        generations: Segments per member; each member trains ``interval * generations``
            steps in all.
        quantile: The fraction of members at the bottom that exploit the top fraction.
        perturb: Factors a numeric hyperparameter is multiplied by when explored.
        resample_probability: Chance that an explored hyperparameter is drawn anew.
        hyperparameters: The names to explore; default: every parameter the training loop
            declared changeable (``trial.changeable``; the PyTorch toolkit's ``train`` does).
        seed: Seeds the initial draws and every decision.

    Example:
        >>> import tunesmith
        >>> from tunesmith.panda import PopulationBasedTraining
        >>> def objective(trial):  # a toy "training": the score climbs by lr each step
        ...     trial.hp.Float("lr", 0.01, 1.0, sampling="log")
        ...     trial.changeable("lr")
        ...     record = trial.record()
        ...     parent = record.parent is not None and trial.storage.get_trial(
        ...         trial.study, record.parent)
        ...     score = parent.reports[-1].value if parent else 0.0
        ...     for step in range(parent.last_step + 1 if parent else 0, int(record.budget)):
        ...         score += trial.current_values["lr"]
        ...         trial.report(score, step=step)
        ...     return score
        >>> pbt = PopulationBasedTraining(population=4, interval=2, generations=3, seed=0)
        >>> best = pbt.search(tunesmith.Tuner("score", seed=0), objective)
        >>> best.attrs["pbt"]["generation"]
        2
    """

    def __init__(
        self,
        *,
        population: int = 8,
        interval: int = 2,
        generations: int = 5,
        quantile: float = 0.25,
        perturb: Sequence[float] = (0.8, 1.25),
        resample_probability: float = 0.25,
        hyperparameters: Sequence[str] | None = None,
        seed: int = 0,
    ) -> None:
        for name, value in (
            ("population", population),
            ("interval", interval),
            ("generations", generations),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(
                    f"PopulationBasedTraining: {name} must be an integer >= 1, "
                    f"got {name}={value!r}."
                )
        if population < 2:
            raise InvalidArgumentError(
                f"PopulationBasedTraining: a population needs at least 2 members to exploit "
                f"one another, got population={population}."
            )
        where = "PopulationBasedTraining"
        quantile = as_real(
            where,
            "quantile",
            quantile,
            low=0,
            high=0.5,
            low_open=True,
            fix="The bottom and top fractions must not overlap.",
        )
        resample_probability = as_real(
            where, "resample_probability", resample_probability, low=0, high=1
        )
        factors = as_list(where, "perturb", perturb, "The default is (0.8, 1.25).")
        perturb = [
            as_real(
                where, f"perturb[{i}]", f, low=0, low_open=True, fix="The default is (0.8, 1.25)."
            )
            for i, f in enumerate(factors)
        ]
        if hyperparameters is not None:
            hyperparameters = as_list(
                where,
                "hyperparameters",
                hyperparameters,
                "Write e.g. ['learning_rate'], or None for every one the loop can change.",
            )
            for name in hyperparameters:
                if not isinstance(name, str):
                    raise InvalidArgumentError(
                        f"{where}: hyperparameters must be names, got {name!r} among "
                        f"hyperparameters={hyperparameters!r}."
                    )
        seed = as_int(where, "seed", seed, 0)
        self.population = population
        self.interval = interval
        self.generations = generations
        self.quantile = quantile
        self.perturb = tuple(float(f) for f in perturb)
        self.resample_probability = resample_probability
        self.hyperparameters = None if hyperparameters is None else list(hyperparameters)
        self.seed = seed

    @property
    def n_trials(self) -> int:
        """The trials a full run holds: one per member and generation (retries aside)."""
        return self.population * self.generations

    # -- the run --------------------------------------------------------------------------
    def search(
        self,
        tuner: Tuner,
        fn: ObjectiveFn,
        *,
        workers: int | None = None,
        **options: Any,
    ) -> Trial | None:
        """Runs the population to its last generation (or resumes it) in ``tuner``'s study.

        Args:
            tuner: The study, storage and workers' settings.
            fn: The objective; it must continue a forked trial from its parent's checkpoint
                (the PyTorch toolkit's ``HyperModel.objective`` does) and stop at the
                trial's ``budget`` (the step count to reach).
            workers: Segments run at once (see ``Tuner.search``).
            **options: More arguments of ``Tuner.search`` (``devices``, ``executor``).

        Returns:
            The best segment (its lineage is its history), or None.
        """
        storage, study = tuner.storage, tuner.study_name
        for generation in range(self.generations):
            self.plan(tuner, generation)
            n = storage.count_trials(study) - sum(
                1 for t in storage.list_trials(study) if RETRY_OF_ATTR in t.attrs
            )
            tuner.search(fn, max_trials=n, workers=workers, progress=False, **options)
        return tuner.best_trial

    def plan(self, tuner: Tuner, generation: int) -> list[Trial]:
        """Queues the members' segments of ``generation`` that are not queued yet; returns
        them. Generation 0 draws at random; later ones exploit and explore."""
        storage, study = tuner.storage, tuner.study_name
        record = storage.load_study(study)
        trials = storage.list_trials(study)
        planned = {s.member for s in self.segments(trials, generation)}
        rng = np.random.default_rng([self.seed, generation])
        queued: list[Trial] = []
        if generation == 0:
            for member in range(self.population):
                values = _draw(record.space, rng)
                if member in planned:
                    continue
                queued.append(
                    storage.create_trial(  # type: ignore[arg-type, unused-ignore]
                        study,
                        state=TrialState.WAITING,
                        values=values,
                        budget=self.interval,
                        attrs={PBT_ATTR: {"member": member, "generation": 0}},
                    )
                )
            return queued
        previous = {s.member: s for s in self.segments(trials, generation - 1)}
        decisions = self.decide(list(previous.values()), record.objective, record.space, rng)
        for member, (source, values) in sorted(decisions.items()):
            if member in planned:
                continue
            donor = previous[source].trial
            info: dict[str, Any] = {"member": member, "generation": generation}
            if source != member:
                info["exploited"] = donor.number
            queued.append(
                fork_trial(
                    storage,
                    study,
                    donor.number,
                    step=donor.last_step,  # type: ignore[arg-type]
                    values=values,
                    budget=self.interval * (generation + 1),
                    attrs={PBT_ATTR: info},
                )
            )
        return queued

    def segments(self, trials: Sequence[Trial], generation: int) -> list[Segment]:
        """Each member's live segment of ``generation`` (a retry replaces the trial its
        worker lost); its score is the objective at its last step."""
        found: dict[int, Segment] = {}
        for t in trials:
            info = t.attrs.get(PBT_ATTR)
            if not info or info["generation"] != generation:
                continue
            if t.state is TrialState.FAILED and info["member"] in found:
                continue
            last = t.reports[-1].value if t.reports else None
            ok = t.state is not TrialState.FAILED and last is not None and math.isfinite(last)
            found[info["member"]] = Segment(info["member"], generation, t, last if ok else None)
        return [found[m] for m in sorted(found)]

    def decide(
        self,
        segments: Sequence[Segment],
        objective: Objective,
        space: SearchSpace,
        rng: np.random.Generator,
    ) -> dict[int, tuple[int, dict[str, Value]]]:
        """Each member's next segment: (the member whose checkpoint it starts from, the
        values it changes). Pure: the segments in, the decisions out."""
        scored = sorted(
            (s for s in segments if s.score is not None),
            key=lambda s: (objective.sort_key(s.score), s.member),  # type: ignore[arg-type]
        )
        n = max(1, int(len(segments) * self.quantile))
        top = scored[:n]
        # the worst fraction, and every member whose segment failed or diverged
        bottom = {s.member for s in scored[-n:]} | {s.member for s in segments if s.score is None}
        decisions: dict[int, tuple[int, dict[str, Value]]] = {}
        for s in segments:
            if s.member in bottom and top and s.member not in {t.member for t in top}:
                donor = top[int(rng.integers(len(top)))]
                at = values_at(donor.trial, donor.trial.last_step or 0)
                decisions[s.member] = (donor.member, self.explore(donor.trial, at, space, rng))
            else:
                decisions[s.member] = (s.member, {})
        return decisions

    def explore(
        self,
        donor: Trial,
        values: dict[str, Value],
        space: SearchSpace,
        rng: np.random.Generator,
    ) -> dict[str, Value]:
        """New values for the explored hyperparameters, starting from ``values``."""
        names = self.hyperparameters or donor.attrs.get(CHANGEABLE_ATTR, [])
        allowed = set(donor.attrs.get(CHANGEABLE_ATTR, []))
        if self.hyperparameters is not None:  # named by the user: a typo is an error
            unknown = [n for n in self.hyperparameters if n not in space or n not in allowed]
            if unknown:
                raise InvalidArgumentError(
                    f"PopulationBasedTraining: hyperparameters must be ones the training loop "
                    f"can change, got {unknown!r} among hyperparameters="
                    f"{self.hyperparameters!r}; it can change {sorted(allowed)}. Name some of "
                    "those, or pass None for all of them."
                )
        out: dict[str, Value] = {}
        for name in names:
            if name not in space or name not in values or name not in allowed:
                continue
            out[name] = self._move(space, name, values[name], rng)
        return out

    def _move(
        self, space: SearchSpace, name: str, value: Value, rng: np.random.Generator
    ) -> Value:
        param = space[name]
        if rng.random() < self.resample_probability:
            return param.from_unit(float(rng.random()))
        if isinstance(param, Choice):
            options = list(param.values)
            if not param.ordered:
                return options[int(rng.integers(len(options)))]
            i = options.index(value) + int(rng.choice([-1, 1]))
            return options[min(max(i, 0), len(options) - 1)]
        factor = self.perturb[int(rng.integers(len(self.perturb)))]
        v = float(value)
        # β-like parameters (reverse_log) scale their averaging window: 1 - β is multiplied
        moved = 1.0 - (1.0 - v) * factor if param.sampling == "reverse_log" else v * factor  # type: ignore[attr-defined]
        lo, hi = param.min_value, param.max_value  # type: ignore[attr-defined]
        moved = min(max(moved, lo), hi)
        return param.from_unit(param.to_unit_unchecked(moved))  # type: ignore[attr-defined]


def _draw(space: SearchSpace, rng: np.random.Generator) -> dict[str, Value]:
    """A uniform draw over the known space (empty when nothing is defined yet: define-by-run
    code then draws each value as it meets its name)."""
    if not len(space):
        return {}
    return space.decode(space.sample(rng))
