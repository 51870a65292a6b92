"""A keras_tuner script killed mid-search resumes when it is run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tunesmith import TrialState
from tunesmith.storage import SQLStorage

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    import keras
    import numpy as np
    from sklearn.datasets import load_digits

    import tunesmith.keras as kt

    marks = Path(sys.argv[2])

    class Marked(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(
                hp.Int("units", 8, 32, step=8), activation="relu"),
                keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer=keras.optimizers.Adam(hp.Float("lr", 1e-3, 1e-1,
                          sampling="log")), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            return model

        def fit(self, hp, model, *args, **kwargs):
            n = len(list(marks.glob("fit-*")))
            (marks / f"fit-{n}").touch()
            if os.environ.get("HANG_AT") == str(n):
                time.sleep(600)  # the test kills the process here
            return model.fit(*args, **kwargs)

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    tuner = kt.RandomSearch(Marked(), objective="val_accuracy", max_trials=4, seed=3,
                            directory=sys.argv[1], project_name="killed")
    tuner.search(x[:300], y[:300], epochs=1, validation_data=(x[300:450], y[300:450]),
                 verbose=0)
    """
)


def _run(script: Path, project: Path, marks: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), str(project), str(marks)],
        env={**os.environ, "KERAS_BACKEND": "torch", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_killed_search_keeps_finished_trials_and_completes(tmp_path: Path) -> None:
    script, marks = tmp_path / "search.py", tmp_path / "marks"
    script.write_text(SCRIPT)
    marks.mkdir()
    first = _run(script, tmp_path, marks, HANG_AT="2")
    deadline = time.monotonic() + 240
    while not (marks / "fit-2").exists():
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "the first run never reached its third trial"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.communicate()

    storage = SQLStorage(f"sqlite:///{tmp_path / 'killed' / 'tunesmith.db'}")
    before = storage.list_trials("killed")
    assert [t.state for t in before] == [
        TrialState.COMPLETED,
        TrialState.COMPLETED,
        TrialState.RUNNING,
    ]

    second = _run(script, tmp_path, marks)
    out = second.communicate(timeout=240)[0]
    assert second.returncode == 0, out
    after = storage.list_trials("killed")
    storage.close()
    # the finished trials are kept as they were; the killed one failed and ran again
    assert after[:2] == before[:2]
    assert after[2].state is TrialState.FAILED
    retry = [t for t in after if t.attrs.get("retry_of") == 2]
    assert len(retry) == 1 and retry[0].values == after[2].values
    assert sum(t.state is TrialState.COMPLETED for t in after) == 4
    assert (tmp_path / "killed" / f"trial-{retry[0].number}" / "best.weights.h5").exists()
