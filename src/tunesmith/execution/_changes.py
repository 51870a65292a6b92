"""Mid-run changes: a hyperparameter changed while a trial trains, kept as a schedule.

A change is a record in the storage, never a message between processes:

1. Someone (``tunesmith set``, a babysitting view, population-based training) asks for it
   with :func:`request_change`: it is checked against the trial's declared changeable
   parameters and their ranges, then appended to the trial's ``change_requests`` attribute.
2. The training loop calls ``trial.poll_changes(step)`` at each step boundary. New requests
   are checked again, then appended to the ``schedule`` attribute as ``{"step": k,
   "values": {...}}`` (the value holds from step ``k`` on) or, if refused, to
   ``refused_changes`` with the reason; the loop applies what was accepted.

So the run can be replayed (:func:`values_at` gives the values in force at any step) and
plots can mark when each change happened. A fork (:func:`fork_trial`) is a new WAITING trial
whose parent is another, starting from its checkpoint at a step, with some values changed.
"""

from __future__ import annotations

import difflib
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tunesmith._validate import as_int, as_real, check_values
from tunesmith.exceptions import ChangeRefusedError, InvalidSpaceError
from tunesmith.space import SearchSpace, Value
from tunesmith.trial import Trial, TrialState, utcnow

if TYPE_CHECKING:
    from tunesmith.execution._running import RunningTrial
    from tunesmith.storage import Storage

#: Trial attributes this module reads and writes.
CHANGEABLE_ATTR = "changeable"
REQUESTS_ATTR = "change_requests"
SCHEDULE_ATTR = "schedule"
REFUSED_ATTR = "refused_changes"
FORK_ATTR = "fork"


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """``["lr=3e-4", "batch_size=64"]`` → ``{"lr": 0.0003, "batch_size": 64}`` (JSON
    numbers, booleans and strings; anything else is kept as the string given)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ChangeRefusedError(
                f"a change is written name=value, got {pair!r}. Write e.g. learning_rate=3e-4."
            )
        try:
            values[name] = json.loads(text)
        except ValueError:
            values[name] = text
    return values


def check_change(
    trial: Trial,
    space: SearchSpace,
    values: Mapping[str, Any],
    *,
    where: str,
    strict: bool = True,
) -> dict[str, Value]:
    """Checks a change for ``trial``: only parameters its training loop declared changeable,
    each within its declared range. Returns the values in canonical form.

    With ``strict=False``, a trial whose loop has not declared anything yet (it is still
    starting) passes on the names; the loop checks them again when it picks them up.

    Raises:
        ChangeRefusedError: saying which rule failed, the value, and what to do instead.
    """
    if not values:
        raise ChangeRefusedError(f"{where}: give at least one name=value to change.")
    declared = trial.attrs.get(CHANGEABLE_ATTR)
    if declared is None and not strict:  # the loop has not started yet: it checks later
        declared = list(values)
    if not declared:
        raise ChangeRefusedError(
            f"{where}: trial {trial.number}'s training loop declared no parameter it can "
            f"change mid-run, got {_show(values)}. A loop declares them with "
            "trial.changeable(...) (the PyTorch toolkit's train() does); otherwise start a "
            "new trial with these values."
        )
    checked: dict[str, Value] = {}
    for name, value in values.items():
        if name not in declared and name not in space:
            close = difflib.get_close_matches(name, [*declared, *space.names], n=1)
            raise ChangeRefusedError(
                f"{where}: {name} is not a hyperparameter of this study, got {name}={value!r}"
                + (f"; did you mean {close[0]}?" if close else ".")
                + f" Trial {trial.number} can change {', '.join(declared)} while it trains."
            )
        if name not in declared:
            raise ChangeRefusedError(
                f"{where}: only {', '.join(declared)} can change while trial "
                f"{trial.number} trains, got {name}={value!r}. A parameter like {name} "
                "shapes the model itself: start a new trial with it instead."
            )
        if name not in space:
            if not strict and CHANGEABLE_ATTR not in trial.attrs:
                checked[name] = value  # not defined yet: the loop checks it
                continue
            raise ChangeRefusedError(
                f"{where}: {name} is not defined in the study's space, got {name}={value!r}."
            )
        try:
            checked[name] = space[name].validate(value, name)  # type: ignore[call-arg, unused-ignore]
        except InvalidSpaceError as e:
            raise ChangeRefusedError(f"{where}: {e} The trial goes on unchanged.") from None
    return checked


def _show(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def request_change(
    storage: Storage, study: str, number: int, values: Mapping[str, Any], *, source: str = "user"
) -> dict[str, Any]:
    """Asks running trial ``number`` to change some hyperparameters at its next step
    boundary; returns the stored request.

    Args:
        storage: The study's storage.
        study: The study's name.
        number: The trial, which must be running.
        values: The new values, e.g. ``{"learning_rate": 3e-4}``.
        source: Who asks (``"user"``, ``"pbt"``), kept with the change.

    Raises:
        ChangeRefusedError: the trial is not running, a parameter cannot change mid-run, or
            a value is outside its range; nothing is stored and the run goes on untouched.
    """
    number = _trial_number("request_change", number)
    where = f"change of trial {number}"
    check_values(where, values, "{'learning_rate': 3e-4}")
    trial = storage.get_trial(study, number)
    if trial.state is not TrialState.RUNNING:
        raise ChangeRefusedError(
            f"{where}: changes apply to a running trial, got state={trial.state.value}. To "
            f"go on from one of its checkpoints with new values, fork it: tunesmith fork "
            f"--study {study} --trial {number} --step STEP {_assignments(values)}"
        )
    space = storage.load_study(study).space
    checked = check_change(trial, space, values, where=where, strict=False)
    request = {
        "id": secrets.token_hex(6),
        "values": checked,
        "source": source,
        "at": utcnow().isoformat(),
    }
    storage.append_trial_attr(study, number, REQUESTS_ATTR, request)
    return request


def _assignments(values: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in values.items())


def values_at(trial: Trial, step: int) -> dict[str, Value]:
    """The hyperparameter values in force at ``step``: the trial's own values, with every
    scheduled change from a step up to ``step`` applied in order."""
    values = dict(trial.values)
    for change in trial.attrs.get(SCHEDULE_ATTR, []):
        if change["step"] <= step:
            values.update(change["values"])
    return values


class ChangeFeed:
    """A running trial's side of the changes: declares what may change, and at each step
    boundary turns new requests into scheduled (or refused) changes.

    Made by :class:`~tunesmith.execution.RunningTrial`; use its ``changeable``,
    ``poll_changes`` and ``current_values``.
    """

    def __init__(self, running: RunningTrial) -> None:
        self._running = running
        record = running.record()
        self._handled = {c.get("request") for c in record.attrs.get(SCHEDULE_ATTR, [])}
        self._handled |= {c.get("request") for c in record.attrs.get(REFUSED_ATTR, [])}
        # every change scheduled so far (a retry inherits its dead trial's schedule)
        self._applied: dict[str, Value] = {}
        for change in record.attrs.get(SCHEDULE_ATTR, []):
            self._applied.update(change["values"])

    @property
    def current(self) -> dict[str, Value]:
        """The values in force: the trial's, with every accepted change applied."""
        return {**self._running.hp.values, **self._applied}

    def declare(self, names: Iterable[str]) -> None:
        names = sorted(set(names))
        unknown = [n for n in names if n not in self._running.hp.space]
        if unknown:
            raise ChangeRefusedError(
                f"trial.changeable: parameters must be defined before they are declared "
                f"changeable, got {', '.join(unknown)}. Define them with trial.hp first."
            )
        self._running.set_attr(CHANGEABLE_ATTR, names)

    def poll(self, step: int) -> dict[str, Value]:
        """Schedules the changes asked for since the last poll from ``step`` on; returns
        the accepted values (empty when nothing changed)."""
        running = self._running
        record = running.record()
        new = [r for r in record.attrs.get(REQUESTS_ATTR, []) if r["id"] not in self._handled]
        applied: dict[str, Value] = {}
        for request in new:
            self._handled.add(request["id"])
            try:
                checked = check_change(
                    record,
                    running.hp.space,
                    request["values"],
                    where=f"change of trial {running.number}",
                )
            except ChangeRefusedError as e:
                entry = {"request": request["id"], "step": step, "error": str(e)}
                running.storage.append_trial_attr(
                    running.study, running.number, REFUSED_ATTR, entry
                )
                continue
            entry = {
                "step": step,
                "values": checked,
                "request": request["id"],
                "source": request.get("source", "user"),
            }
            running.storage.append_trial_attr(running.study, running.number, SCHEDULE_ATTR, entry)
            applied.update(checked)
        self._applied.update(applied)
        return applied


def fork_trial(
    storage: Storage,
    study: str,
    number: int,
    *,
    step: int,
    values: Mapping[str, Any] | None = None,
    budget: float | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Trial:
    """Queues a new trial that starts from trial ``number``'s checkpoint at ``step``, with
    the values in force there and ``values`` changed; its ``parent`` is ``number``.

    The new trial is WAITING: the next worker of the study (``tunesmith worker``,
    ``tunesmith babysit --run``, a search) runs it, and a training loop that knows forks
    (the PyTorch toolkit's ``train``) restores the parent's checkpoint at ``step`` and goes
    on from ``step + 1``.

    Args:
        storage: The study's storage.
        study: The study's name.
        number: The trial to fork (any state).
        step: A step the parent reported (and checkpointed).
        values: The changes, limited to the parameters the parent could change mid-run.
        budget: The step count to train to (default: the parent's budget).
        attrs: More attributes for the new trial.

    Raises:
        ChangeRefusedError: ``step`` was never reported, or a change is refused.
    """
    number = _trial_number("fork_trial", number)
    where = f"fork of trial {number}"
    step = as_int(where, "step", step, 0)
    if budget is not None:
        budget = as_real(
            where,
            "budget",
            budget,
            low=step + 1,
            fix=f"It counts steps, so it must pass step={step}; leave it out to keep the "
            "parent's.",
        )
    parent = storage.get_trial(study, number)
    steps = [r.step for r in parent.reports]
    if step not in steps:
        shown = f"{steps[0]} … {steps[-1]}" if steps else "none yet"
        raise ChangeRefusedError(
            f"{where}: step must be one the trial reported (steps: {shown}), got step={step!r}. "
            "Fork from one of them (tunesmith babysit shows them)."
        )
    checked: dict[str, Value] = {}
    if values:
        checked = check_change(parent, storage.load_study(study).space, values, where=where)
    new_attrs = {
        **dict(attrs or {}),
        FORK_ATTR: {"trial": number, "step": step, "changed": checked},
        CHANGEABLE_ATTR: list(parent.attrs.get(CHANGEABLE_ATTR, [])),
    }
    return storage.create_trial(  # type: ignore[return-value, unused-ignore]
        study,
        state=TrialState.WAITING,
        values={**values_at(parent, step), **checked},
        parent=number,
        budget=parent.budget if budget is None else budget,
        attrs=new_attrs,
    )


def _trial_number(where: str, number: object) -> int:
    return as_int(where, "number", number, 0, "List the trials with: tunesmith trials.")


def lineage(storage: Storage, study: str, number: int) -> list[Trial]:
    """Trial ``number`` and its ancestors (forks, retries, PBT), the oldest first."""
    number = _trial_number("lineage", number)
    trials = {t.number: t for t in storage.list_trials(study)}
    if number not in trials:
        storage.get_trial(study, number)  # raises the storage's not-found error
    chain: list[Trial] = []
    current: int | None = number
    while current is not None and current in trials and len(chain) <= len(trials):
        chain.append(trials[current])
        current = trials[current].parent
    return chain[::-1]


def start_step(trial: Trial) -> int | None:
    """The step a forked trial restores (its parent's checkpoint), or None."""
    fork = trial.attrs.get(FORK_ATTR)
    return None if fork is None else int(fork["step"])
