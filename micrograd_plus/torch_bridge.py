r"""Move a model into PyTorch and back (needs the optional ``torch`` extra).

- :func:`to_torch` turns an ``nn.MLP`` (or ``nn.Layer``/``nn.Neuron``, or a
  ``micrograd_plus.compat.nn`` model) into a ``torch.nn.Sequential`` of ``Linear`` and
  activation modules holding the same numbers: layer ℓ's ``Linear.weight[j, k]`` is
  neuron j's w_k, ``Linear.bias[j]`` its b, and a prelu layer's ``PReLU`` has one slope
  per neuron. Its output equals the model's (float64: to rounding, 1e-12).
- :func:`from_torch` copies such a Sequential's weights back into the model, after
  checking every shape: a mismatch raises ``ValueError`` naming the layer and both
  shapes, and leaves the model unchanged.
- ``Tape.to_torch()`` (:func:`tape_to_torch`) turns a traced graph into a
  :class:`TapeModule`: the graph on batched tensors, on any device, differentiated by
  torch's autograd, with the tape's parameters as one ``torch.nn.Parameter``.

Which torch module stands for which activation comes from the activation registry
(``ops.ACTIVATIONS[name].torch``, ``.torch_kwargs``, ``.params``), the one place that
lists activations; swish, which torch has no module for (SiLU is swish with beta = 1),
becomes this module's :class:`Swish`.

Nothing else in ``micrograd_plus`` imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

__all__ = [
    "TORCH_OPS",
    "Swish",
    "TapeModule",
    "from_torch",
    "tape_to_torch",
    "to_torch",
    "torch_activation",
    "torch_op",
]


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
    return [(g[0], g[1], g[2]) for g in groups]


# --------------------------------------------------------------------------------------
# A traced graph (Tape) as a torch module
# --------------------------------------------------------------------------------------


def _dot(spec: ops.OpSpec) -> Callable[..., torch.Tensor]:
    n = dict(spec.params)["n"]
    bias = spec.arity == 2 * n + 1

    def dot(*v: torch.Tensor) -> torch.Tensor:  # w_1 x_1 + ... + w_n x_n (+ b)
        y = v[0] * v[n]
        for i in range(1, n):
            y = y + v[i] * v[n + i]
        return y + v[2 * n] if bias else y

    return dot


def _sum(spec: ops.OpSpec) -> Callable[..., torch.Tensor]:
    def total(*v: torch.Tensor) -> torch.Tensor:
        y = v[0]
        for x in v[1:]:
            y = y + x
        return y

    return total


def _pow(spec: ops.OpSpec) -> Callable[..., torch.Tensor]:
    if spec.arity == 2:
        return torch.pow
    exponent = dict(spec.params)["exponent"]  # x ** c
    return lambda x: torch.pow(x, exponent)


def _prelu(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    # NOTE: not F.prelu, whose weight must be a 1-D parameter: here w may be any tensor
    # (a batch of slopes too). Both branches are finite, so the gradients are exact.
    return torch.where(x > 0, x, w * x)


def _elementwise(f: Callable[..., torch.Tensor]) -> Callable[[ops.OpSpec], Callable[..., torch.Tensor]]:
    return lambda spec: f


TORCH_OPS: dict[str, Callable[[ops.OpSpec], Callable[..., torch.Tensor]]] = {
    "+": _elementwise(torch.add),
    "-": _elementwise(torch.sub),
    "*": _elementwise(torch.mul),
    "/": _elementwise(torch.div),
    "neg": _elementwise(torch.neg),
    "**": _pow,
    "exp": _elementwise(torch.exp),
    "log": _elementwise(torch.log),
    "sqrt": _elementwise(torch.sqrt),
    "abs": _elementwise(torch.abs),
    "sin": _elementwise(torch.sin),
    "cos": _elementwise(torch.cos),
    "erf": _elementwise(torch.special.erf),
    "erfc": _elementwise(torch.special.erfc),
    "prelu": _elementwise(_prelu),
    "dot": _dot,
    "sum": _sum,
}
"""Op name -> ``factory(spec) -> f(*tensors)``, the torch form of every op that is not a
one-operand activation (those come from the activation registry, see :func:`torch_op`).
Add an entry to give a user-registered op a torch form.

(The op table's own rules cannot run on tensors: ``ops``' math namespace dispatches to
``math``, NumPy and ``Value``, not to torch. So the torch forms live here, by op name, and
torch's autograd supplies their derivatives; the tests check both against the table.)
"""


def torch_op(spec: ops.OpSpec) -> Callable[..., torch.Tensor]:
    """The torch function of one op-table entry, applied to tensors elementwise.

    One-operand activations are the registry's torch modules with the op's own
    parameters (``leaky_relu(0.2)`` -> ``LeakyReLU(negative_slope=0.2)``); everything
    else is looked up by name in :data:`TORCH_OPS`. An op with neither raises
    ``TypeError`` naming it.
    """
    factory = TORCH_OPS.get(spec.name)
    if factory is not None:
        return factory(spec)
    if spec.name in ops.ACTIVATIONS and spec.arity == 1:
        module = torch_activation(spec.name, **dict(spec.params))
        if module is not None:
            return module
    raise TypeError(
        f"Tape.to_torch: op {spec.label!r} has no torch form. Add one to "
        "micrograd_plus.torch_bridge.TORCH_OPS (name -> factory(spec) -> function of tensors)."
    )


class TapeModule(torch.nn.Module):
    """A traced graph (:class:`micrograd_plus.Tape`) as a torch module, made by ``tape.to_torch()``.

    ``module(X)`` evaluates the graph on every row of the tensor ``X`` of shape
    ``(B, n_inputs)``: shape ``(B,)`` for one output, ``(B, n_outputs)`` otherwise (as
    ``tape(X)``). Each scalar op of the graph becomes one elementwise torch op over the
    batch, so the module runs on any device and dtype (``module.to("cuda")``) and torch's
    autograd differentiates it. ``theta`` is a ``torch.nn.Parameter`` holding the tape's
    parameters in ``tape.parameters`` order (their ``.data`` when the module was made);
    the tape's constants are the buffer ``constants``. :meth:`write_back` copies
    ``theta`` into the parameters' ``.data``.
    """

    theta: torch.nn.Parameter
    constants: torch.Tensor

    def __init__(self, tape: Any, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.theta = torch.nn.Parameter(torch.tensor([p.data for p in tape.parameters], dtype=dtype))
        self.register_buffer("constants", torch.tensor(list(tape.constants), dtype=dtype))
        self.n_inputs, self.n_outputs = tape.n_inputs, tape.n_outputs
        self._parameters_of_tape = list(tape.parameters)
        first = tape.n_inputs + len(tape.parameters) + len(tape.constants)
        program: list[tuple[Callable[..., torch.Tensor], tuple[int, ...]]] = []
        for k, (spec, args, out) in enumerate(tape.ops):
            if out != first + k:  # (the slot layout Tape documents)
                raise ValueError(f"Tape.to_torch: op {k} writes slot {out}, expected {first + k}.")
            program.append((torch_op(spec), args))
        self._program: list[tuple[Callable[..., torch.Tensor], tuple[int, ...]]] = program
        self._outputs: list[int] = list(tape.output_slots)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"TapeModule: X must have shape (B, {self.n_inputs}), got {tuple(X.shape)}.")
        slots: list[torch.Tensor] = [*X.unbind(1), *self.theta.unbind(0), *self.constants.unbind(0)]
        for f, args in self._program:
            slots.append(f(*[slots[a] for a in args]))
        batch = X.shape[0]
        outs = [v.expand(batch) if v.ndim == 0 else v for v in (slots[s] for s in self._outputs)]
        return outs[0] if len(outs) == 1 else torch.stack(outs, dim=1)

    def write_back(self) -> None:
        """Copy ``theta`` into the ``.data`` of the tape's parameters (e.g. after training)."""
        for p, v in zip(self._parameters_of_tape, self.theta.detach().to("cpu", torch.float64).tolist()):
            p.data = float(v)

    def extra_repr(self) -> str:
        return (
            f"{self.n_inputs} inputs, {self.theta.numel()} parameters, {self.n_outputs} output(s), "
            f"{len(self._program)} ops"
        )


def tape_to_torch(tape: Any, dtype: torch.dtype = torch.float64) -> TapeModule:
    """``tape`` as a :class:`TapeModule` (what ``Tape.to_torch()`` returns)."""
    return TapeModule(tape, dtype)
