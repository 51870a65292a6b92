from __future__ import annotations

import pytest

from tunesmith.analysis import Importance, compare_tiers, importance, load_snapshot, role_of


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("learning_rate", ("learning rate", 1)),
        ("lr", ("learning rate", 1)),
        ("learningRate", ("learning rate", 1)),
        ("beta_1", ("momentum", 2)),
        ("beta1", ("momentum", 2)),
        ("momentum", ("momentum", 2)),
        ("units", ("hidden units", 2)),
        ("hidden_size", ("hidden units", 2)),
        ("batch_size", ("mini-batch size", 2)),
        ("n_layers", ("number of layers", 3)),
        ("lr_decay", ("learning-rate decay", 3)),
        ("learning_rate_decay", ("learning-rate decay", 3)),
        ("weight_decay", None),
        ("beta_2", None),
        ("batch_norm", None),
        ("dropout", None),
    ],
)
def test_roles_from_names(name: str, expected: tuple[str, int] | None) -> None:
    assert role_of(name) == expected


def _result(scores: dict[str, float]) -> Importance:
    return Importance("fanova", scores, dict.fromkeys(scores, 0.0), {}, 100)


def test_agreeing_ranking() -> None:
    comparison = compare_tiers(_result({"lr": 0.6, "units": 0.2, "layers": 0.1, "dropout": 0.0}))
    assert comparison.agrees
    assert comparison.findings[0] == "The measured ranking agrees with the notes' tiers."
    assert "lr (learning rate) ranks 1st: as the notes expect." in comparison.findings
    assert [r.tier for r in comparison.rows] == [1, 2, 3, None]


def test_inversion_is_named_and_small_gaps_are_not() -> None:
    comparison = compare_tiers(
        _result({"layers": 0.5, "lr": 0.3, "units": 0.29, "batch_size": 0.3, "l2": 0.0})
    )
    assert not comparison.agrees
    inversions = [f for f in comparison.findings if "explains more than" in f]
    assert inversions[0] == (
        "layers (number of layers, tier 3) explains more than lr (learning rate, tier 1): "
        "50.0% against 30.0%."
    )
    # batch_size (tier 2) equals lr (tier 1): within the margin, so not an inversion.
    assert [f.split(" (")[0] for f in inversions] == ["layers"] * 3
    assert "lr (learning rate) ranks 2nd: the notes put it first." in comparison.findings
    assert comparison.findings[-1] == (
        "Not tuned in this study (by name): learning-rate decay, momentum."
    )


def test_untiered_winner_is_pointed_out() -> None:
    comparison = compare_tiers(_result({"dropout": 0.7, "lr": 0.1}))
    assert "dropout is outside the notes' tiers yet ranks 1st (70.0%)." in comparison.findings


def test_synthetic_study_agrees_with_the_notes(memory_study) -> None:
    result = importance(load_snapshot(memory_study(n_trials=200), "synthetic"))
    comparison = compare_tiers(result)
    assert comparison.agrees
    assert comparison.rows[0].name == "learning_rate" and comparison.rows[0].tier == 1
