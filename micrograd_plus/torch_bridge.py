r"""Move a model into PyTorch and back (needs the optional ``torch`` extra).

- :func:`to_torch` turns an ``nn.MLP`` (or ``nn.Layer``/``nn.Neuron``, or a
  ``micrograd_plus.compat.nn`` model) into a ``torch.nn.Sequential`` of ``Linear`` and
  activation modules holding the same numbers: layer ℓ's ``Linear.weight[j, k]`` is
  neuron j's w_k, ``Linear.bias[j]`` its b, and a prelu layer's ``PReLU`` has one slope
  per neuron. Its output equals the model's (float64: to rounding, 1e-12).
- :func:`from_torch` copies such a Sequential's weights back into the model, after
  checking every shape: a mismatch raises ``ValueError`` naming the layer and both
  shapes, and leaves the model unchanged.

Which torch module stands for which activation comes from the activation registry
(``ops.ACTIVATIONS[name].torch``, ``.torch_kwargs``, ``.params``), the one place that
lists activations; swish, which torch has no module for (SiLU is swish with beta = 1),
becomes this module's :class:`Swish`.

Nothing else in ``micrograd_plus`` imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    import torch
except ImportError as err:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "micrograd_plus.torch_bridge needs PyTorch: pip install 'micrograd-plus[torch]' "
        "(the README says how to get the small CPU-only wheel)."
    ) from err

from . import nn, ops
from .compat import nn as compat_nn

__all__ = ["Swish", "from_torch", "to_torch", "torch_activation"]


class Swish(torch.nn.Module):
    """x σ(β x): swish with any β (torch's ``SiLU`` is β = 1)."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


# --------------------------------------------------------------------------------------
# Activations: read from the registry
# --------------------------------------------------------------------------------------


def torch_activation(name: str, nout: int = 1, **params: Any) -> torch.nn.Module | None:
    """The torch module for activation ``name`` on ``nout`` features (None for linear).

    Everything comes from ``ops.ACTIVATIONS[name]``: the module class (``.torch``), the
    parameters (``.params``, overridden by ``params``) and the keyword each is passed
    as (``.torch_kwargs``). A learnable activation (prelu) gets one parameter per
    feature, ``PReLU(num_parameters=nout)``. Where torch has no module (``.torch`` is
    ``""``, or a parameter it cannot take differs from its default), swish becomes
    :class:`Swish` and any other activation raises ``ValueError``.
    """
    registry = ops.ACTIVATIONS
    if name not in registry:
        raise ValueError(f"to_torch: unknown activation {name!r}; known: {', '.join(registry)}.")
    act = registry[name]
    values = dict(act.params)
    unknown = set(params) - set(values)
    if unknown:
        raise TypeError(f"to_torch: {name} has no parameter(s) {sorted(unknown)}; it has {sorted(values)}.")
    values.update(params)
    if name == "linear":
        return None
    kwargs = {torch_name: values[ours] for ours, torch_name in act.torch_kwargs}
    if act.learnable:  # prelu: one slope per neuron (the caller copies the model's in)
        return getattr(torch.nn, act.torch)(num_parameters=nout, **kwargs)
    defaults = dict(act.params)
    unmapped = {k: v for k, v in values.items() if k not in dict(act.torch_kwargs) and v != defaults[k]}
    if act.torch and not unmapped:
        return getattr(torch.nn, act.torch)(**kwargs)
    if name == "swish":
        return Swish(values["beta"])
    raise ValueError(
        f"to_torch: activation {name!r} with {values} has no torch module "
        f"(registry torch name {act.torch!r})."
    )


# --------------------------------------------------------------------------------------
# The model as layers
# --------------------------------------------------------------------------------------


@dataclass
class _LayerView:
    """One layer of a model: where it is, its neurons and its activation."""

    name: str
    neurons: Sequence[Any]
    activation: str

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def bias(self) -> bool:
        return self.neurons[0].b is not None


def _layers(model: Any) -> list[_LayerView]:
    """The layers of an nn (or compat.nn) MLP, Layer or Neuron, first to last."""
    if isinstance(model, nn.MLP):
        return [
            _LayerView(f"layers.{i}", layer.neurons, layer.activation) for i, layer in enumerate(model.layers)
        ]
    if isinstance(model, nn.Layer):
        return [_LayerView("", model.neurons, model.activation)]
    if isinstance(model, nn.Neuron):
        return [_LayerView("", [model], model.activation)]
    if isinstance(model, compat_nn.MLP):
        return [
            _LayerView(f"layers.{i}", layer.neurons, _compat_activation(layer.neurons[0]))
            for i, layer in enumerate(model.layers)
        ]
    if isinstance(model, compat_nn.Layer):
        return [_LayerView("", model.neurons, _compat_activation(model.neurons[0]))]
    if isinstance(model, compat_nn.Neuron):
        return [_LayerView("", [model], _compat_activation(model))]
    raise TypeError(
        "to_torch/from_torch take an nn.MLP, nn.Layer or nn.Neuron (or their compat.nn "
        f"counterparts), got {type(model).__name__}."
    )


def _compat_activation(neuron: compat_nn.Neuron) -> str:
    return "relu" if neuron.nonlin else "linear"


def _describe(i: int, layer: _LayerView) -> str:
    where = f" ({layer.name})" if layer.name else ""
    return f"layer {i}{where}"


# --------------------------------------------------------------------------------------
# to_torch / from_torch
# --------------------------------------------------------------------------------------


def to_torch(model: Any, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    """``model`` as a ``torch.nn.Sequential`` of ``Linear`` and activation modules.

    For each layer ℓ: ``Linear(nin, nout)`` with ``weight[j, k] = w_{j,k}`` and
    ``bias[j] = b_j`` (no bias if the model has none), followed by the activation's
    torch module (nothing for a linear layer; ``PReLU(num_parameters=nout)`` holding
    each neuron's slope for prelu). The input is a batch of shape ``(B, nin)``; the
    output has shape ``(B, nout)`` of the last layer (also for one output, where the
    model returns a single Value). All parameters are created in ``dtype``.
    """
    modules: list[torch.nn.Module] = []
    with torch.no_grad():
        for layer in _layers(model):
            linear = torch.nn.Linear(layer.nin, layer.nout, bias=layer.bias, dtype=dtype)
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=dtype))
            if layer.bias:
                linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=dtype))
            modules.append(linear)
            act = torch_activation(layer.activation, layer.nout)
            if act is None:
                continue
            if isinstance(act, torch.nn.PReLU):
                act = act.to(dtype)
                act.weight.copy_(torch.tensor([n.slope.data for n in layer.neurons], dtype=dtype))
            modules.append(act)
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Module, model: Any) -> Any:
    """Copy the weights of ``module`` (a Sequential like :func:`to_torch`'s) into ``model``.

    ``module`` may also be wrapped (``DistributedDataParallel``, ``DataParallel``: its
    ``.module`` is used). Its ``Linear`` layers are matched with the model's layers in
    order, and the ``PReLU`` after a Linear with a prelu layer; modules without
    parameters (activations, dropout) are not checked. Every shape is checked before
    anything is written: a different number of layers, a weight, bias or slope of
    another shape, a bias or PReLU where the model has none (or the other way round), or
    a module with parameters of another kind raises ``ValueError`` naming the layer and
    both shapes, and the model is left unchanged. Returns ``model``.
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: module must be a torch.nn.Module, got {type(module).__name__}.")
    inner = getattr(module, "module", None)
    while isinstance(inner, torch.nn.Module):  # DistributedDataParallel / DataParallel
        module, inner = inner, getattr(inner, "module", None)
    layers = _layers(model)
    groups = _torch_layers(module)
    if len(groups) != len(layers):
        raise ValueError(
            f"from_torch: the module has {len(groups)} Linear layer(s), the model {len(layers)} layer(s) "
            f"({', '.join(f'{lay.nin}→{lay.nout}' for lay in layers)})."
        )
    writes: list[tuple[list[Any], list[float]]] = []  # (parameters, their new values)
    for i, (layer, (name, linear, prelu)) in enumerate(zip(layers, groups)):
        where = f"{_describe(i, layer)} (torch module {name!r})"
        _check_shape(where, "weight", _shape(linear.weight), (layer.nout, layer.nin))
        writes.append(([w for n in layer.neurons for w in n.w], _floats(linear.weight)))
        _check_shape(where, "bias", _shape(linear.bias), (layer.nout,) if layer.bias else None)
        if layer.bias:
            writes.append(([n.b for n in layer.neurons], _floats(linear.bias)))
        slopes = (layer.nout,) if getattr(layer.neurons[0], "slope", None) is not None else None
        _check_shape(where, "PReLU slope", _shape(prelu and prelu.weight), slopes)
        if prelu is not None:
            writes.append(([n.slope for n in layer.neurons], _floats(prelu.weight)))
    for params, values in writes:  # everything is checked: now write
        for p, v in zip(params, values):
            p.data = v
    return model


def _shape(tensor: torch.Tensor | None) -> tuple[int, ...] | None:
    return None if tensor is None else tuple(tensor.shape)


def _floats(tensor: torch.Tensor) -> list[float]:
    return [float(v) for v in tensor.detach().to("cpu", torch.float64).reshape(-1).tolist()]


def _check_shape(
    where: str, what: str, got: tuple[int, ...] | None, expected: tuple[int, ...] | None
) -> None:
    if got != expected:
        show = lambda shape: "none" if shape is None else str(shape)
        raise ValueError(
            f"from_torch: {where}: {what} shape {show(got)} in the module, {show(expected)} in the model."
        )


def _torch_layers(module: torch.nn.Module) -> list[tuple[str, Any, Any]]:
    """(name, Linear, PReLU after it or None) for each Linear of ``module``, in order."""
    groups: list[list[Any]] = []
    children = list(module.named_children()) if len(list(module.children())) else [("", module)]
    for name, child in children:
        if isinstance(child, torch.nn.Linear):
            groups.append([name, child, None])
        elif isinstance(child, torch.nn.PReLU):
            if not groups or groups[-1][2] is not None:
                raise ValueError(f"from_torch: PReLU module {name!r} does not follow a Linear module.")
            groups[-1][2] = child
        elif any(True for _ in child.parameters()):
            shapes = [tuple(p.shape) for p in child.parameters()]
            raise ValueError(
                f"from_torch: module {name!r} ({type(child).__name__}, parameter shapes {shapes}) is neither "
                "Linear nor PReLU; the model has no layer to take its parameters."
            )
    return [tuple(g) for g in groups]  # type: ignore[misc]
