"""Trials as a DataFrame and CSV."""

from __future__ import annotations

from tunesmith import Tuner
from tunesmith.analysis import trials_dataframe, write_csv


def test_dataframe_has_a_row_per_trial_and_a_column_per_parameter() -> None:
    tuner = Tuner("loss", seed=0, study="t")

    def f(trial):  # type: ignore[no-untyped-def]
        x = trial.hp.Float("x", 0.0, 1.0)
        if trial.hp.Boolean("deep"):
            trial.hp.Int("layers", 2, 4)
        trial.report(x, step=0, acc=1 - x)
        return x

    tuner.search(f, max_trials=6, progress=False)
    df = trials_dataframe(tuner.storage, "t")
    assert len(df) == 6
    assert {"number", "state", "value", "hp_x", "hp_deep", "hp_layers", "metric_acc"} <= set(
        df.columns
    )
    assert df["value"].tolist() == [t.value for t in tuner.trials]
    text = write_csv(tuner.storage, "t")
    assert text.count("\n") == 7
