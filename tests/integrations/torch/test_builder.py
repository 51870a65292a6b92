from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import (
    DenseNetwork,
    DenseSpec,
    SelfNormalizationWarning,
    check_self_normalizing,
    selu_problems,
)


class TestSizingRules:
    def test_constant_width_with_an_optional_larger_first_layer(self) -> None:
        assert DenseSpec(8, 3, depth=3, width=16).widths == [16, 16, 16]
        net = DenseNetwork(DenseSpec(8, 3, depth=3, width=16, first_width=64))
        shapes = [tuple(b[0].weight.shape) for b in net.hidden] + [tuple(net.head.weight.shape)]
        assert shapes == [(64, 8), (16, 64), (16, 16), (3, 16)]

    def test_no_layer_narrower_than_the_output_it_feeds(self) -> None:
        with pytest.raises(
            InvalidArgumentError, match=r"width=8 < n_outputs=10\. Use width >= 10"
        ):
            DenseSpec(64, 10, width=8)

    def test_no_bottleneck_after_the_first_layer(self) -> None:
        with pytest.raises(InvalidArgumentError, match="first_width=16 < width=32"):
            DenseSpec(64, 10, width=32, first_width=16)

    def test_bad_sizes(self) -> None:
        with pytest.raises(InvalidArgumentError, match="depth must be a positive integer"):
            DenseSpec(64, 10, depth=0)
        with pytest.raises(
            InvalidArgumentError,
            match=r"dropout must be a finite number in \[0, 1\), got dropout=1.0",
        ):
            DenseSpec(64, 10, dropout=1.0)

    def test_dropout_regularizes_each_hidden_layer(self) -> None:
        net = DenseNetwork(DenseSpec(8, 3, depth=2, width=16, dropout=0.3))
        assert [type(b[-1]) for b in net.hidden] == [nn.Dropout, nn.Dropout]


class TestSeluConditions:
    def test_batch_norm_is_refused(self) -> None:
        with pytest.raises(InvalidArgumentError, match="SELU self-normalizes"):
            DenseSpec(8, 3, activation="selu", batch_norm=True)

    def test_alpha_dropout_replaces_dropout(self) -> None:
        net = DenseNetwork(DenseSpec(8, 3, width=16, activation="selu", dropout=0.1))
        assert all(type(b[-1]) is nn.AlphaDropout for b in net.hidden)
        assert selu_problems(net, torch.randn(256, 8)) == []

    def test_a_custom_model_breaking_them_is_warned_about(self) -> None:
        model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.SELU(), nn.Dropout(0.2))
        raw = torch.rand(128, 4) * 10  # not standardized
        with pytest.warns(SelfNormalizationWarning) as caught:
            check_self_normalizing(model, raw)
        messages = " | ".join(str(w.message) for w in caught)
        assert "batch norm" in messages
        assert "Dropout" in messages
        assert "4 of 4 input features are not standardized" in messages

    def test_standardized_inputs_pass(self) -> None:
        model = nn.Sequential(nn.Linear(4, 8), nn.SELU())
        x = torch.randn(4096, 4)
        x = (x - x.mean(0)) / x.std(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_self_normalizing(model, x)

    def test_a_model_without_selu_is_not_checked(self) -> None:
        assert selu_problems(nn.Sequential(nn.Linear(4, 8), nn.Dropout()), torch.rand(9, 4)) == []


def test_switches_and_numbers_of_the_spec_have_their_types() -> None:
    from tunesmith.exceptions import InvalidArgumentError
    from tunesmith.integrations.torch import GELU

    with pytest.raises(
        InvalidArgumentError, match="batch_norm must be True or False, got batch_norm='no'"
    ):
        DenseSpec(4, 3, batch_norm="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="dropout must be a finite number in"):
        DenseSpec(4, 3, dropout="0.1")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="first_width must be an integer >= 1"):
        DenseSpec(4, 3, first_width=100.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="fast must be True"):
        GELU(fast="no")  # type: ignore[arg-type]
