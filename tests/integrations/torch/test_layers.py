from __future__ import annotations

import tempfile

import pytest
import torch
from scipy.stats import norm

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import (
    ACTIVATIONS,
    GELU,
    DenseNetwork,
    DenseSpec,
    TaskLoss,
    make_activation,
    output_probabilities,
)

Z = torch.linspace(-6, 6, 1201, dtype=torch.float64)


class TestBatchNorm:
    def test_output_matches_the_formula_on_a_mini_batch(self) -> None:
        net = DenseNetwork(DenseSpec(5, 3, depth=1, width=4, batch_norm=True))
        linear, bn, _ = net.hidden[0]
        with torch.no_grad():
            bn.weight.copy_(torch.tensor([0.5, 1.0, 2.0, -1.0]))  # γ
            bn.bias.copy_(torch.tensor([0.0, 0.1, -0.3, 2.0]))  # β
        x = torch.randn(16, 5) * 3 + 1
        net.train()
        z = linear(x)  # the pre-activations
        mu = z.mean(dim=0)
        var = ((z - mu) ** 2).mean(dim=0)  # the mini-batch's (biased) variance
        gamma = torch.tensor([0.5, 1.0, 2.0, -1.0])
        beta = torch.tensor([0.0, 0.1, -0.3, 2.0])
        expected = torch.relu(gamma * (z - mu) / torch.sqrt(var + 1e-5) + beta)  # eps 1e-5
        # The whole block (linear → batch norm → ReLU), as the network runs it.
        torch.testing.assert_close(net.hidden[0](x), expected)

    def test_sits_on_the_pre_activations_and_replaces_the_bias(self) -> None:
        block = DenseNetwork(DenseSpec(5, 3, depth=1, width=4, batch_norm=True)).hidden[0]
        kinds = [type(m).__name__ for m in block]
        assert kinds == ["Linear", "BatchNorm1d", "ReLU"]
        assert block[0].bias is None


class TestActivations:
    def test_gelu_is_z_times_the_normal_cdf(self) -> None:
        expected = Z * torch.from_numpy(norm.cdf(Z.numpy()))
        torch.testing.assert_close(GELU()(Z), expected, rtol=1e-12, atol=1e-12)

    def test_fast_gelu_is_z_times_sigmoid_of_1_702_z(self) -> None:
        torch.testing.assert_close(GELU(fast=True)(Z), Z * torch.sigmoid(1.702 * Z))
        assert float((GELU(fast=True)(Z) - GELU()(Z)).abs().max()) < 0.021

    def test_gelu_dips_below_zero(self) -> None:
        assert float(GELU()(torch.tensor(-0.75))) < 0

    def test_every_name_makes_a_module(self) -> None:
        x = torch.linspace(-2, 2, 9)
        for name in ACTIVATIONS:
            assert make_activation(name)(x).shape == x.shape
        assert make_activation("gelu_fast").fast is True

    def test_unknown_name_lists_the_known_ones(self) -> None:
        with pytest.raises(InvalidArgumentError, match=r"got activation='swish'.*'relu'"):
            make_activation("swish")  # type: ignore[arg-type]


class TestOutputs:
    def test_softmax_and_sigmoid_heads(self) -> None:
        logits = torch.randn(4, 3)
        torch.testing.assert_close(
            output_probabilities(logits, "classification").sum(1), torch.ones(4)
        )
        torch.testing.assert_close(output_probabilities(logits, "binary"), torch.sigmoid(logits))

    def test_binary_loss_takes_one_column_of_logits(self) -> None:
        logits, y = torch.tensor([[2.0], [-1.0]]), torch.tensor([1.0, 0.0])
        expected = (
            -(
                torch.log(torch.sigmoid(torch.tensor(2.0)))
                + torch.log(torch.sigmoid(torch.tensor(1.0)))
            )
            / 2
        )
        torch.testing.assert_close(TaskLoss("binary")(logits, y), expected)

    def test_unknown_task(self) -> None:
        with pytest.raises(InvalidArgumentError, match="got task='ranking'"):
            TaskLoss("ranking")  # type: ignore[arg-type]


def test_layer_helpers_refuse_bad_sizes_and_rates() -> None:
    from tunesmith.exceptions import InvalidArgumentError
    from tunesmith.integrations.torch import batches
    from tunesmith.integrations.torch._init import weight_std
    from tunesmith.integrations.torch._layers import make_batch_norm

    with pytest.raises(
        InvalidArgumentError, match="n_units must be an integer >= 1, got n_units=0"
    ):
        make_batch_norm(0)
    with pytest.raises(
        InvalidArgumentError, match=r"momentum must be a finite number in \(0, 1\], got momentum=5"
    ):
        make_batch_norm(4, momentum=5)
    with pytest.raises(InvalidArgumentError, match="eps must be a finite number > 0, got eps=-1"):
        make_batch_norm(4, eps=-1)
    with pytest.raises(InvalidArgumentError, match="unknown initializer, got initializer='bogus'"):
        weight_std("bogus", 10, 10)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="fan_in must be an integer >= 1, got fan_in=0"):
        weight_std("he", 0, 10)
    with pytest.raises(InvalidArgumentError, match="batch_size must be an integer >= 1"):
        next(batches(torch.zeros(4, 2), torch.zeros(4), -1))


def test_numpy_numbers_are_as_good_as_python_ones() -> None:
    """The checks take what a training script computes: NumPy integers and floats, 0-d
    tensors; only strings, booleans and non-finite values are refused."""
    import numpy as np

    from tunesmith.integrations.torch import (
        Checkpoint,
        DenseSpec,
        LRSchedule,
        OptimizerSpec,
        TrainingSpec,
        batches,
        scale_learning_rate,
    )
    from tunesmith.integrations.torch._init import weight_std
    from tunesmith.integrations.torch._layers import make_batch_norm

    spec = OptimizerSpec(learning_rate=np.float32(1e-3))
    assert OptimizerSpec(learning_rate=torch.tensor(1e-3)).name == "adam"
    TrainingSpec(spec, batch_size=np.int64(64), warmup_epochs=np.float64(0.5))
    LRSchedule(warmup_steps=np.int64(10))
    assert scale_learning_rate(0.01, np.int64(64), base_batch_size=32) == pytest.approx(0.02)
    assert make_batch_norm(np.int64(8), momentum=None).momentum is None
    assert weight_std("he", np.int64(2), 4) == pytest.approx(1.0)
    DenseSpec(4, 3, width=64, first_width=np.int64(128), batch_norm=np.True_)
    assert len(list(batches(torch.zeros(4, 2), torch.zeros(4), np.int64(2)))) == 2
    assert Checkpoint(tempfile.mkdtemp(), keep=np.int64(2)).keep == 2


def test_numpy_settings_reach_a_checkpoint_and_a_trial_as_python_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """NumPy settings are stored as Python numbers: the trial's attrs are JSON and the
    checkpoint loads with weights_only=True."""
    import numpy as np

    import tunesmith
    from tunesmith.integrations.torch import (
        Checkpoint,
        Data,
        DenseNetwork,
        DenseSpec,
        OptimizerSpec,
        TrainingSpec,
        train,
    )

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4))
    data = Data.from_arrays(x, rng.integers(0, 3, 32), x[:8], rng.integers(0, 3, 8))
    spec = TrainingSpec(
        OptimizerSpec(learning_rate=np.float32(1e-2)),
        batch_size=np.int64(8),
        decay="exponential",
        decay_rate=np.float32(0.5),
        warmup_epochs=torch.tensor(0.5),
    )
    assert type(spec.optimizer.learning_rate) is float and type(spec.batch_size) is int
    trial = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path).ask()
    result = train(
        DenseNetwork(DenseSpec(4, 3, width=8)), data, trial, spec, epochs=np.int64(2), device="cpu"
    )
    assert result.epochs_run == 2
    restored = Checkpoint(trial.directory).restore(model=DenseNetwork(DenseSpec(4, 3, width=8)))
    assert restored.step == 1
