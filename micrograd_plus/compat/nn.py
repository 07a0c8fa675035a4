r"""micrograd's ``Module``, ``Neuron``, ``Layer`` and ``MLP`` (0.1.0), on this engine.

Spelled and initialised as in micrograd, so ``random.seed(1337)`` gives micrograd's
weights: each weight is drawn from U(-1, 1) with the global ``random`` module, neuron
after neuron, layer after layer, and each bias starts at 0.

- ``Neuron(nin, nonlin=True)``: ReLU(w·x + b), or w·x + b with ``nonlin=False``.
- ``Layer(nin, nout, **kwargs)``: returns a list of ``nout`` Values, or the Value
  itself when ``nout == 1``.
- ``MLP(nin, nouts)``: ReLU hidden layers and a linear last layer.
- ``parameters()`` lists the weights then the bias of each neuron, in order;
  ``zero_grad()`` sets every parameter's gradient to 0.

The one difference is inside: a neuron's w·x + b is ONE graph node (the engine's fused
``dot`` op, ``_op == 'dot'``) instead of micrograd's chain of n ``*`` and n ``+`` nodes.
Its value is the same sum, b + w_1 x_1 + ... + w_n x_n left to right (on Python 3.12+
``sum`` rounds that sum more accurately, so the last bits may differ), and its gradients
are the same products: dw_i = x_i δ, dx_i = w_i δ, db = δ.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from .. import engine as _engine
from .. import ops
from .engine import Value, _lift, _ours

__all__ = ["MLP", "Layer", "Module", "Neuron"]


class Module:
    """micrograd's base class: ``parameters()`` (empty here) and ``zero_grad()``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """ReLU(w·x + b) (``nonlin=True``) or w·x + b; w_i ~ U(-1, 1) from the global ``random``."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Iterable[Any]) -> Value:
        xs = x if type(x) is list and set(map(type, x)) == {Value} else [_as_value(v) for v in x]
        n = len(self.w)
        if len(xs) != n:  # as micrograd's zip(self.w, x): the shorter of the two decides
            n = min(n, len(xs))
            xs = xs[:n]
        if n == 0:
            act = self.b
        else:  # b + w_1 x_1 + ... + w_n x_n as one fused node
            # NOTE: the engine's own node constructor, as engine.dot uses it: every operand
            # is known to be a Value here, so no per-operand check is needed.
            spec = ops.dot_op(n, True)
            parents = (*self.w[:n], *xs, self.b)
            act = _ours(_engine._node_n(spec.forward(*[p.data for p in parents]), spec, parents))
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same inputs; one output is returned as the Value itself."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Iterable[Any]) -> Value | list[Value]:
        x = [v if type(v) is Value else _as_value(v) for v in x]  # one Value per number, shared
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts``: ReLU on every layer but the last."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _as_value(x: Any) -> Any:
    v = _lift(x)
    if v is NotImplemented:
        raise TypeError(f"expected a number or a Value as input, got {type(x).__name__}.")
    return v
