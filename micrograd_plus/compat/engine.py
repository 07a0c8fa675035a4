r"""micrograd's ``Value``, spelled as in micrograd 0.1.0, running on this engine.

``Value`` here is a subclass of :class:`micrograd_plus.engine.Value`: the same slots, the
same op table, the same backward loop. What it adds is micrograd's spelling:

- ``Value(data, _children=(), _op='', label='')`` (the lecture's ``label`` too). Built
  this way with a known op name (``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``,
  ``'exp'``...), the node gets that op's rule from the table, so it back-propagates;
  with an unknown name it passes on nothing until you assign it a ``_backward``.
- ``_prev`` (the set of operands), ``_op`` (micrograd's op names: ``'+'``, ``'*'``,
  ``'**2'``, ``'ReLU'``; ops micrograd does not have keep our names, ``'tanh'``, ``'exp'``).
- ``_backward()``: applies this node's local rule once, x_i.grad += out.grad * df/dx_i.
  It is a method that reads the rule from the op table, not a closure stored per node.
  Assigning a function to ``out._backward`` (micrograd's way of defining an op) makes
  that function the node's rule, as in micrograd.
- ``-a`` is ``a * -1``, ``a - b`` is ``a + (-b)`` and ``a / b`` is ``a * b**-1``, as in
  micrograd, so graphs have micrograd's nodes and divisions round as in micrograd.
- ``backward()`` sets the root's gradient to 1 and accumulates into every other node,
  as micrograd does.

Differences, all deliberate: ``data`` and ``grad`` are floats (micrograd keeps an
``int`` as given, so ``repr(Value(2))`` is ``Value(data=2.0, grad=0.0)`` here); the
topological order is iterative, so deep graphs never hit ``RecursionError``; and every
method of this engine's ``Value`` (``tanh``, ``exp``, ``sigmoid``, ``log``, comparisons...)
is available too.
"""

from __future__ import annotations

import numbers
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .. import engine as _engine
from .. import ops
from ..engine import topological_order

__all__ = ["Value"]

_EV = _engine.Value

# Our op name -> micrograd's, where they differ (x ** c is named by its symbol, '**2').
_MICROGRAD_NAMES = {"relu": "ReLU"}
_OUR_NAMES = {v: k for k, v in _MICROGRAD_NAMES.items()}


def _no_forward(*args: Any) -> float:
    raise TypeError("this op was defined by a micrograd-style _backward and has no forward function.")


def _no_local_grads(*args: Any) -> tuple[float, ...]:
    raise TypeError(
        "this node's derivative is a micrograd-style _backward function, which only "
        "micrograd_plus.compat's Value.backward() runs (not grad() or a tape)."
    )


@dataclass(frozen=True, eq=False)
class MicrogradRule(ops.OpSpec):
    """The op of a node whose derivative is not in the table.

    Made by ``Value(data, children, op)`` with an op name the table does not know
    (``closure`` None: the node passes on nothing, like micrograd's default
    ``_backward``), or by assigning a function to ``node._backward`` (``closure``).
    ``text`` is the node's ``_op`` as given.
    """

    closure: Callable[[], Any] | None = None
    text: str = ""


_rules_made = False  # whether any MicrogradRule exists yet (if not, no graph has one)


def _rule(**fields: Any) -> MicrogradRule:
    global _rules_made
    _rules_made = True
    return MicrogradRule(forward=_no_forward, local_grads=_no_local_grads, **fields)


@lru_cache(maxsize=256, typed=True)
def _pow_spec(exponent: int | float) -> ops.OpSpec:
    """x ** c, named as micrograd names it (``f'**{c}'``: ``'**2'``, ``'**-1'``, ``'**2.0'``)."""
    spec = ops.pow_const(float(exponent))
    symbol = f"**{exponent}"
    return spec if spec.symbol == symbol else replace(spec, symbol=symbol)


@lru_cache(maxsize=256)
def _spec_named(op: str, arity: int) -> ops.OpSpec:
    """The table's op for a micrograd op name and operand count, else a MicrogradRule."""
    name = _OUR_NAMES.get(op, op)
    exponent = _number(op[2:]) if arity == 1 and op.startswith("**") else None
    if exponent is not None:  # '**2', '**-1', '**0.5': x ** c
        return _pow_spec(exponent)
    spec = ops.OPS.get(name)
    if spec is not None and spec.arity == arity:
        return spec
    return _rule(name=op or "?", arity=arity, text=op)


def _number(text: str) -> int | float | None:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return None


def _set_operands(node: _EV, parents: tuple[_EV, ...]) -> None:
    # The engine's layout: one operand (_a, None), two (_a, _b), more (None, tuple).
    if len(parents) == 1:
        node._a, node._b = parents[0], None
    elif len(parents) == 2:
        node._a, node._b = parents
    else:
        node._a, node._b = None, parents


def _lift(x: Any) -> Any:
    """An operand as a Value (numbers become micrograd-style constant Values)."""
    if isinstance(x, _EV):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    return NotImplemented


def _ours(out: Any) -> Any:
    """Make a node built by the engine one of ours (same layout: only the class changes)."""
    if out is not NotImplemented:
        out.__class__ = Value
    return out


def _apply_rule(node: _EV) -> None:
    """One node's step of backprop: x_i.grad += node.grad * df/dx_i for each operand."""
    spec = node._spec
    if spec is None:  # a leaf: nothing to pass on
        return
    if type(spec) is MicrogradRule:
        if spec.closure is not None:
            spec.closure()
        return
    _engine._general_step(node, False, _engine.is_anomaly_enabled(), None)  # the engine's own step


class Value(_EV):
    """micrograd's ``Value``: a scalar, its gradient and how it was computed.

    ``Value(data, _children=(), _op='', label='')``; see the module docstring.
    """

    __slots__ = ()  # the engine's slots: nodes made by the engine can become ours

    def __init__(self, data: Any, _children: Iterable[_EV] = (), _op: str = "", label: str = "") -> None:
        super().__init__(data, label)
        parents = tuple(_children)
        if parents:
            for i, p in enumerate(parents):
                if not isinstance(p, _EV):
                    raise TypeError(f"Value: _children[{i}] must be a Value, got {type(p).__name__}.")
            if not isinstance(_op, str):
                raise TypeError(f"Value: _op must be a str, got {type(_op).__name__}.")
            self._spec = _spec_named(_op, len(parents))
            _set_operands(self, parents)

    # ---- micrograd's introspection -------------------------------------------------------

    @property
    def _prev(self) -> set[_EV]:
        """The operands, as a set (micrograd's ``_prev``)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op that made this node, by micrograd's name (``''`` for a leaf)."""
        spec = self._spec
        if spec is None:
            return ""
        if type(spec) is MicrogradRule:
            return spec.text
        if spec.name == "**" and spec.arity == 1:
            return spec.symbol
        return _MICROGRAD_NAMES.get(spec.name, spec.name)

    @property
    def _backward(self) -> Callable[[], Any]:
        """Apply this node's local rule once (micrograd's per-node ``_backward()``)."""
        spec = self._spec
        if type(spec) is MicrogradRule and spec.closure is not None:
            return spec.closure
        return types.MethodType(_apply_rule, self)

    @_backward.setter
    def _backward(self, fn: Callable[[], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"_backward must be a function of no arguments, got {type(fn).__name__}.")
        parents = self.parents
        old = self._spec
        if old is None:  # a leaf has no operands to pass a gradient to (micrograd: a no-op)
            return
        self._spec = _rule(name=old.name, arity=len(parents), symbol=old.symbol, closure=fn, text=self._op)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ---- backprop ------------------------------------------------------------------------

    def backward(self, gradient: float = 1.0, retain_graph: Any = None) -> None:
        """micrograd's backward: ``self.grad = 1``, then every node's ``_backward()``.

        Nodes are visited in reverse topological order; every node but the root
        accumulates. When every node's rule is in the op table and no inner node holds
        a gradient yet (the usual case: a fresh graph), this is exactly the engine's
        backward, and it runs the engine's loop. (``gradient`` seeds the root instead
        of 1; ``retain_graph`` is ignored, as by the engine.)
        """
        order = topological_order(self)
        self.grad = 0.0  # micrograd sets the root's gradient, it does not add to it
        fresh = not any([node.grad for node in order]) or not any(
            [node.grad for node in order if node._spec is not None]
        )
        if fresh and (not _rules_made or not any([type(node._spec) is MicrogradRule for node in order])):
            _EV.backward(self, gradient)
            return
        # micrograd's own loop, for graphs with _backward functions or that were
        # back-propagated before (an inner node's old gradient is passed on again).
        self.grad = float(gradient)
        for node in reversed(order):
            _apply_rule(node)  # = node._backward()

    # ---- ops, composed as micrograd composes them ------------------------------------------

    def __add__(self, other: Any) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _ours(_EV.__add__(self, other))

    def __mul__(self, other: Any) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _ours(_EV.__mul__(self, other))

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, _EV):  # (micrograd only has constant exponents)
            return _ours(_EV.__pow__(self, other))
        if isinstance(other, numbers.Real):
            return _ours(_engine.apply(_pow_spec(other if isinstance(other, int) else float(other)), self))
        return NotImplemented

    def __rpow__(self, other: Any) -> Value:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else other**self

    def relu(self) -> Value:
        """max(x, 0), op ``'ReLU'``."""
        return _ours(_EV.relu(self))

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __radd__(self, other: Any) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Any) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: Any) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: Any) -> Value:  # other * self
        return self * other

    def __truediv__(self, other: Any) -> Value:  # self / other
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Value:  # other / self
        return other * self**-1

    def prelu(self, weight: Any) -> Value:
        """x for x > 0, else w x (a ``Value`` weight receives a gradient too)."""
        weight = _lift(weight)
        if weight is NotImplemented:
            raise TypeError("prelu: weight must be a number or a Value.")
        return _ours(_EV.prelu(self, weight))


def _ours_method(name: str) -> Callable[..., Value]:
    base = getattr(_EV, name)

    def method(self: Value, *args: Any, **kwargs: Any) -> Value:
        return _ours(base(self, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = base.__doc__
    return method


# The engine's other op methods (every op of the table that micrograd's Value above does
# not compose its own way), unchanged but for the class of their result.
for _name in sorted(
    {spec.method for spec in ops.OPS.values()}
    | {factory().method for factory in ops.PARAMETRIZED.values() if factory is not ops.pow_const}
    | {act.method for act in ops.ACTIVATIONS.values()}
    | {"__abs__"}
):
    if _name and _name not in Value.__dict__:
        setattr(Value, _name, _ours_method(_name))
del _name
