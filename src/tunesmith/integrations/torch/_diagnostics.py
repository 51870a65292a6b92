"""Per-layer diagnostics: dead ReLU units, activation statistics, gradient norms.

A *layer* is a weight layer (``nn.Linear`` or a convolution) together with the
activation modules that follow it in the model's module order, numbered from 1. For a
:class:`~.DenseNetwork`, layer ``i`` is the ``i``-th hidden layer and the last is the head.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch
from torch import nn

from tunesmith.integrations.torch._layers import GELU

_WEIGHT_LAYERS = (nn.Linear, nn.modules.conv._ConvNd)
_ACTIVATIONS = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.SELU,
    nn.GELU,
    GELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.SiLU,
)


@dataclasses.dataclass(frozen=True)
class LayerDiagnostics:
    """One layer's numbers on an evaluation batch.

    Attributes:
        index: The layer's number, from 1.
        name: The weight module's name in the model.
        grad_norm: L2 norm of the loss's gradient with respect to the layer's weights
            (tiny values in early layers show vanishing gradients).
        dead_fraction: Fraction of units that output exactly 0 for every example of the
            batch (dead ReLUs); None for a layer without activation.
        activation_mean: Mean of the activation's outputs (None without activation).
        activation_std: Their standard deviation (near 1 in a self-normalizing network).
    """

    index: int
    name: str
    grad_norm: float
    dead_fraction: float | None = None
    activation_mean: float | None = None
    activation_std: float | None = None


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """Every layer's :class:`LayerDiagnostics`, first to last."""

    layers: list[LayerDiagnostics]

    def to_metrics(self) -> dict[str, float]:
        """Flat metrics for ``trial.report``: ``grad_norm_<i>``, ``dead_fraction_<i>``,
        ``act_mean_<i>``, ``act_std_<i>``."""
        metrics: dict[str, float] = {}
        for layer in self.layers:
            metrics[f"grad_norm_{layer.index}"] = layer.grad_norm
            if layer.dead_fraction is not None:
                metrics[f"dead_fraction_{layer.index}"] = layer.dead_fraction
                metrics[f"act_mean_{layer.index}"] = layer.activation_mean  # type: ignore[assignment]
                metrics[f"act_std_{layer.index}"] = layer.activation_std  # type: ignore[assignment]
        return metrics

    def to_json(self) -> list[dict[str, object]]:
        """The layers as JSON-ready dicts (for ``trial.set_attr``)."""
        return [dataclasses.asdict(layer) for layer in self.layers]


def _layer_map(model: nn.Module) -> tuple[list[tuple[str, nn.Module]], dict[nn.Module, int]]:
    weights: list[tuple[str, nn.Module]] = []
    owner: dict[nn.Module, int] = {}
    for name, module in model.named_modules():
        if isinstance(module, _WEIGHT_LAYERS):
            weights.append((name, module))
        elif isinstance(module, _ACTIVATIONS) and weights and module not in owner:
            owner[module] = len(weights)
    return weights, owner


def measure(
    model: nn.Module, loss_fn: Callable[..., torch.Tensor], x: torch.Tensor, y: torch.Tensor
) -> Diagnostics:
    """Measures every layer on one batch, in evaluation mode, without changing the model.

    One forward and backward pass: the activations' outputs are caught by hooks, the
    weights' gradients read, then cleared. The model's training mode is restored.

    Args:
        model: The network.
        loss_fn: The training loss, ``loss_fn(model(x), y)``.
        x: A batch of inputs (e.g. the first few hundred validation examples).
        y: Its targets.

    Returns:
        The per-layer numbers.
    """
    weights, owner = _layer_map(model)
    outputs: dict[int, list[torch.Tensor]] = {}

    def hook(module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        outputs.setdefault(owner[module], []).append(output.detach())

    handles = [m.register_forward_hook(hook) for m in owner]
    was_training = model.training
    model.eval()
    try:
        model.zero_grad(set_to_none=True)
        with torch.enable_grad():
            loss = loss_fn(model(x), y)
            loss.backward()  # type: ignore[no-untyped-call]
        layers = []
        for index, (name, module) in enumerate(weights, start=1):
            weight: torch.Tensor = module.weight  # type: ignore[assignment]
            grad = weight.grad
            norm = float(grad.norm()) if grad is not None else 0.0
            out = outputs.get(index)
            if not out:
                layers.append(LayerDiagnostics(index, name, norm))
                continue
            a = out[-1].reshape(out[-1].shape[0], -1)
            dead = float((a == 0).all(dim=0).float().mean())
            layers.append(
                LayerDiagnostics(index, name, norm, dead, float(a.mean()), float(a.std()))
            )
    finally:
        for handle in handles:
            handle.remove()
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    return Diagnostics(layers)
