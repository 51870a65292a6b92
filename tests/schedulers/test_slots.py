from __future__ import annotations

from collections.abc import Iterator

import pytest

from tunesmith import InMemoryStorage, Objective, SQLStorage, Storage, TrialState
from tunesmith.exceptions import SlotTakenError


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Iterator[Storage]:  # type: ignore[no-untyped-def]
    s: Storage = (
        InMemoryStorage()
        if request.param == "memory"
        else SQLStorage(f"sqlite:///{tmp_path}/s.db")
    )
    s.create_study("s", Objective("accuracy"))
    yield s
    s.close()


def test_a_live_slot_is_refused(storage: Storage) -> None:
    first = storage.create_trial("s", slot="promote:0", budget=3.0, attrs={"rung": 1})
    assert first.attrs == {"rung": 1, "slot": "promote:0"}
    with pytest.raises(SlotTakenError, match="trial 0 already fills slot 'promote:0'"):
        storage.create_trial("s", slot="promote:0")
    assert storage.count_trials("s") == 1
    # Other slots, and trials without one, are not affected.
    storage.create_trial("s", slot="promote:01")
    storage.create_trial("s")
    storage.finish_trial("s", first.number, TrialState.COMPLETED, value=0.5)
    with pytest.raises(SlotTakenError):
        storage.create_trial("s", slot="promote:0")


def test_a_failed_trial_frees_its_slot(storage: Storage) -> None:
    first = storage.create_trial("s", slot="hb0-s2-r0-3")
    storage.finish_trial("s", first.number, TrialState.FAILED, error="worker died")
    retry = storage.create_trial("s", slot="hb0-s2-r0-3")
    assert retry.number == 1 and retry.attrs["slot"] == "hb0-s2-r0-3"
