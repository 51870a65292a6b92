"""Rules and messages every storage backend shares, written once."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections.abc import Collection, Mapping
from typing import Any

from tunesmith.exceptions import InvalidArgumentError, SlotTakenError, StorageError
from tunesmith.trial import RETRY_OF_ATTR, Report, Trial, TrialState


def check_study_name(name: object, where: str = "create_study", param: str = "name") -> None:
    """A study's name is a non-empty string that stays inside the artifacts folder when used
    as a path under it: not absolute, and no ``..`` part (``exp/v1`` nests, which is fine)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(
            f"{where}: {param} must be a non-empty string, got {param}={name!r}. Name the "
            "study, e.g. 'digits-mlp'."
        )
    parts = name.replace("\\", "/").split("/")
    drive = len(parts[0]) == 2 and parts[0][0].isalpha() and parts[0][1] == ":"  # C:\\
    if name.startswith(("/", "\\")) or any(p in ("", ".", "..") for p in parts) or drive:
        raise InvalidArgumentError(
            f"{where}: {param} also names the study's artifacts folder, which it must not "
            f"leave or share (an absolute path, or an empty, '.' or '..' part), got "
            f"{param}={name!r}. Use e.g. "
            "'digits-mlp-v2'."
        )


def study_not_found(name: str, known: list[str]) -> str:
    hint = (
        f"Studies in this storage: {', '.join(repr(k) for k in known)}."
        if known
        else ("This storage holds no study yet.")
    )
    return f"no study named {name!r}. {hint}"


def duplicated_study(name: str) -> str:
    return f"a study named {name!r} already exists. Load it to resume, or choose another name."


def trial_not_found(study: str, number: int) -> str:
    return (
        f"study {study!r} has no trial number {number}. "
        "List them with: tunesmith trials --storage URL --study NAME"
    )


def check_new_state(state: TrialState) -> None:
    if state not in (TrialState.WAITING, TrialState.RUNNING):
        raise InvalidArgumentError(
            f"create_trial: a new trial is WAITING or RUNNING, got state={state.name}. "
            "Create it, then finish_trial() it."
        )


def check_final_state(state: TrialState, value: float | None) -> None:
    if not state.is_finished:
        raise InvalidArgumentError(
            f"finish_trial: state must be COMPLETED, STOPPED or FAILED, got state={state.name}."
        )
    if state is TrialState.COMPLETED and (value is None or not math.isfinite(value)):
        raise InvalidArgumentError(
            f"finish_trial: a COMPLETED trial needs a finite value, got value={value!r}. "
            "Finish it as FAILED instead."
        )


def with_slot(attrs: Mapping[str, Any], slot: str | None) -> dict[str, Any]:
    return dict(attrs) if slot is None else {**attrs, "slot": slot}


def check_slot_free(study: str, slot: str | None, holders: Collection[Trial]) -> None:
    """Raises SlotTakenError if a trial that did not fail holds ``slot``."""
    for t in holders:
        if slot is not None and t.attrs.get("slot") == slot and t.state is not TrialState.FAILED:
            raise SlotTakenError(
                f"study {study!r}: trial {t.number} already fills slot {slot!r}; "
                "ask the scheduler again for the next trial."
            )


def check_running(study: str, trial: Trial, action: str) -> None:
    if trial.state is not TrialState.RUNNING:
        raise StorageError(
            f"trial {trial.number} of study {study!r} is {trial.state.name}, so it cannot "
            f"{action}; only a RUNNING trial can. (Was its worker declared dead and the "
            "trial failed? Then a retry runs as a new trial.)"
        )


def make_report(step: int, value: float | None, metrics: Mapping[str, float] | None) -> Report:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise InvalidArgumentError(
            f"report: step must be a non-negative integer, got step={step!r}. "
            "Report once per epoch or batch: step=epoch."
        )
    clean = {str(k): float(v) for k, v in (metrics or {}).items()}
    return Report(step, None if value is None else float(value), clean)


def json_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(dict(attrs), allow_nan=True)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(
            f"trial attributes must be JSON-serializable, got {attrs!r} ({e}). "
            "Store numbers, strings, lists and dicts."
        ) from None
    return dict(attrs)


def appended(attrs: Mapping[str, Any], key: str, item: Any) -> dict[str, Any]:
    """``attrs`` with ``item`` (a JSON copy) appended to the list at ``key``."""
    current = attrs.get(key, [])
    if not isinstance(current, list):
        raise InvalidArgumentError(
            f"append_trial_attr: attribute {key!r} must hold a list to append to, got "
            f"{key}={current!r}. Use another key, or set_trial_attrs to replace it."
        )
    try:
        copy = json.loads(json.dumps(item, allow_nan=True))
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(
            f"trial attributes must be JSON-serializable, got {key}={item!r} ({e}). "
            "Store numbers, strings, lists and dicts."
        ) from None
    return {**attrs, key: [*current, copy]}


def is_stale(trial: Trial, stale_before: datetime.datetime, dead_workers: Collection[str]) -> bool:
    if trial.state is not TrialState.RUNNING:
        return False
    if trial.worker is not None and trial.worker in dead_workers:
        return True
    last = trial.heartbeat_at or trial.started_at
    return last is not None and last < stale_before


def stale_error(trial: Trial) -> str:
    return (
        f"worker {trial.worker!r} stopped sending heartbeats (last at "
        f"{(trial.heartbeat_at or trial.started_at)}); the trial was marked failed."
    )


def retry_attrs(trial: Trial, max_retries: int) -> dict[str, Any] | None:
    """The attrs of the retry of a trial whose worker died, or None if it used its retries."""
    done = int(trial.attrs.get("retries", 0))
    if done >= max_retries:
        return None
    return {RETRY_OF_ATTR: trial.number, "retries": done + 1}


def config_hash(values: Mapping[str, Any]) -> str:
    """The identity of a configuration for the uniqueness rule. The empty configuration has
    one too: in a study whose space is still unknown, one unique trial discovers it."""
    items = sorted((k, type(v).__name__, v) for k, v in values.items())
    return hashlib.sha1(json.dumps(items).encode(), usedforsecurity=False).hexdigest()


def limit_reached(study: str, limit: int) -> str:
    return f"study {study!r} already holds {limit} trials, the limit given; no trial created."


def duplicated_trial(study: str, values: Mapping[str, Any]) -> str:
    return (
        f"study {study!r} already has a trial with values {dict(values)!r} that did not fail; "
        "ask the oracle for another configuration."
    )
