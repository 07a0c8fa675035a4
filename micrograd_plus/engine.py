r"""The engine: ``Value`` nodes, the topological order and the chain rule.

A ``Value`` holds a float ``data`` and, once ``backward()`` has run, ``grad`` =
dL/d(node).  Each operation creates a new node that remembers its operands
(``parents``) and its op (an :class:`~micrograd_plus.ops.OpSpec` from the table).
Nodes carry no closures and are never part of a reference cycle, so a graph is freed
by reference counting as soon as its root goes away.

Backpropagation (the lecture's BP1-BP4 are this loop applied to a network): visit the
nodes in reverse topological order, so that a node's gradient is complete before it is
passed on, and for each node y = f(x_1, ..., x_k)

    x_i.grad += y.grad * df/dx_i          (chain rule, summed over uses)
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import ContextDecorator
from typing import Any

from . import ops
from .ops import OpSpec

__all__ = ["TraceError", "Value", "apply", "detect_anomaly", "grad", "no_grad", "topological_order"]

# The modes (no_grad, detect_anomaly) are per thread, as in PyTorch: each thread's
# setting lives in _modes (a threading.local). The op fast path must not pay for a
# thread-local lookup, so it first reads _switched, a plain module global (the cheapest
# lookup there is): the number of mode blocks open in any thread. While it is 0, every
# thread has the defaults (recording on, anomaly checks off).
_modes = threading.local()
_switched = 0
_switch_lock = threading.Lock()


def _recording_here() -> bool:
    return _modes.__dict__.get("recording", True)


def _anomaly_here() -> bool:
    return _modes.__dict__.get("anomaly", False)


_DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class TraceError(TypeError):
    """What a tape cannot replay: a branch on a Value's data, or an op with no array form.

    Raised by :func:`micrograd_plus.trace` (and, while a trace is being recorded, by a
    comparison, ``bool()`` or ``float()`` of a ``Value``).
    """


# Per-thread state that only the tracer sets: comparisons and float() check it, the op
# fast path never does.
_trace_state = threading.local()


def _check_not_tracing(what: str) -> None:
    if getattr(_trace_state, "active", False):
        raise TraceError(
            f"{what} of a Value inside a traced function: a tape records the ops, not the "
            "branch its data took, so it cannot replay this on other inputs. Express the "
            "branch with ops (relu, abs, leaky_relu, ...) or run the function eagerly."
        )


_ADD, _SUB, _MUL = ops.ADD, ops.SUB, ops.MUL


def _as_float(data: Any) -> float:
    """``data`` as a float, or a TypeError naming what was given."""
    if isinstance(data, (float, int)):  # bool is an int
        return float(data)
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    # A NumPy (or similar) array holding exactly one real number.
    if getattr(data, "size", None) == 1 and hasattr(data, "item"):
        item = data.item()
        if isinstance(item, (float, int)):
            return float(item)
    shape = getattr(data, "shape", None)
    what = f"{type(data).__name__} with shape {shape}" if shape is not None else type(data).__name__
    hint = " Use the Value itself, or its .data." if isinstance(data, Value) else ""
    raise TypeError(f"Value() expects an int, float or bool, got {what}: {data!r:.60}.{hint}")


def _lift(x: Any) -> Value:
    """An operand as a Value: numbers become constant leaves; others -> NotImplemented."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (float, int)) or isinstance(x, numbers.Real):
        return _Constant(x)
    return NotImplemented


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _domain_error(spec: OpSpec, operands: Sequence[Value], err: Exception) -> Exception:
    """Re-raise a math error with the op's name and the offending value(s)."""
    vals = ", ".join(_fmt(p.data) for p in operands)
    name = spec.label
    if isinstance(err, ZeroDivisionError):
        msg = f"{name}: division by zero at ({vals})"
    elif isinstance(err, OverflowError):
        msg = f"{name}: result out of the float range at ({vals})"
    else:
        msg = spec.domain_message.format(label=name, values=vals)
    return type(err)(f"{msg} [{err}]")


def _node(data: float, spec: OpSpec, a: Value, b: Value | None = None) -> Value:
    """Create the result node of ``spec`` applied to ``a`` (and ``b`` if binary)."""
    out = _new(Value)
    # NOTE: not coerced with float() here (6% of the build time of a graph): a NumPy
    # scalar written into a leaf's .data is a number to every op (it is a float
    # subclass), and fused ops and Value() store floats.
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _switched:  # some thread is inside no_grad or detect_anomaly
        here = _modes.__dict__
        if here.get("recording", True):
            out._spec = spec
            out._a = a
            out._b = b
        else:
            out._spec = out._a = out._b = None
        if here.get("anomaly", False) and not math.isfinite(data):
            _raise_anomaly("forward", spec, (a,) if b is None else (a, b), data, out)
        return out
    out._spec = spec
    out._a = a
    out._b = b
    return out


def _node_n(data: float, spec: OpSpec, parents: tuple[Value, ...]) -> Value:
    """Create the result node of ``spec`` applied to any number of ``parents``."""
    if len(parents) <= 2:
        return _node(data, spec, *parents)
    out = _new(Value)
    out.data = data if type(data) is float else float(data)  # (a NumPy scalar in a leaf)
    out.grad = 0.0
    out.label = ""
    out._a = None
    if _switched:  # some thread is inside no_grad or detect_anomaly
        here = _modes.__dict__
        if here.get("recording", True):
            out._spec = spec
            out._b = parents
        else:
            out._spec = out._b = None
        if here.get("anomaly", False) and not math.isfinite(data):
            _raise_anomaly("forward", spec, parents, data, out)
        return out
    out._spec = spec
    out._b = parents
    return out


def apply(spec: OpSpec, *operands: Any) -> Value:
    """Apply ``spec`` to ``operands`` (``Value``s or numbers) and return the new node."""
    if len(operands) != spec.arity:
        raise TypeError(f"{spec.label} takes {spec.arity} operand(s), got {len(operands)}.")
    parents = tuple(x if isinstance(x, Value) else _Constant(x) for x in operands)
    try:
        data = spec.eager_forward(*[p.data for p in parents])
    except _DOMAIN_ERRORS as err:
        raise _domain_error(spec, parents, err) from None
    return _node_n(float(data), spec, parents)


class Value:
    """A scalar node of a computation graph.

    ``data`` is the number, ``grad`` is dL/d(this node) after ``backward()``;
    ``op`` and ``parents`` say how the node was computed (empty for a leaf).
    """

    # The operands live in two slots, not in a tuple: a tuple per node would be one more
    # object for Python's cyclic garbage collector to track, and on big graphs that
    # collector is most of the build time. One operand: (_a, None); two: (_a, _b);
    # three or more (the fused dot and sum): _a is None and _b is their tuple.
    __slots__ = ("_a", "_b", "_spec", "data", "grad", "label")

    data: float
    grad: float
    label: str

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}.")
        self.label = label
        # (typed Any: the hot loops read them without narrowing; see the slots' comment)
        self._spec: Any = None  # OpSpec | None
        self._a: Any = None  # Value | None
        self._b: Any = None  # Value | tuple[Value, ...] | None

    # ---- introspection ---------------------------------------------------------------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands, in order (``()`` for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return () if b is None else b
        return (a,) if b is None else (a, b)

    @property
    def op(self) -> str:
        """The op's name (``"+"``, ``"tanh"``...), or ``""`` for a leaf."""
        spec = self._spec
        return spec.name if spec is not None else ""

    @property
    def spec(self) -> OpSpec | None:
        """The op-table entry that made this node (``None`` for a leaf)."""
        return self._spec

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ---- copying -----------------------------------------------------------------------

    def __copy__(self) -> Value:
        """A new node with the same data, grad, label, op and operands."""
        twin = _new(type(self))
        twin.data, twin.grad, twin.label = self.data, self.grad, self.label
        twin._spec, twin._a, twin._b = self._spec, self._a, self._b
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph below this node, made without recursion.

        (``copy.deepcopy`` would otherwise recurse once per node and fail on deep graphs.)
        The op-table entries are shared: they are immutable.
        """
        for node in topological_order(self):  # parents before the nodes that use them
            if id(node) in memo:
                continue
            twin = node.__copy__()
            a, b = node._a, node._b
            twin._a = None if a is None else memo[id(a)]
            if isinstance(b, Value):
                twin._b = memo[id(b)]
            elif b is not None:
                twin._b = tuple(memo[id(p)] for p in b)
            memo[id(node)] = twin
        return memo[id(self)]

    def __reduce_ex__(self, protocol: Any) -> Any:
        if self._spec is not None:
            raise TypeError(
                f"Cannot pickle a Value computed by an op ({self._spec.label!r}): its graph holds "
                "the op table's functions. Pickle leaves only (a model's weights are leaves), "
                "or save the weights with model.state_dict() or model.save(path)."
            )
        return super().__reduce_ex__(protocol)

    def __float__(self) -> float:
        if _trace_state.__dict__:
            _check_not_tracing("float()")
        return self.data

    def __bool__(self) -> bool:
        if _trace_state.__dict__:
            _check_not_tracing("bool()")
        return True

    # Comparisons look at ``data`` (they are not recorded). Equality stays identity, so
    # Values can be dict keys and set members, as the graph algorithms need. Anything
    # but a Value or a number gets Python's own TypeError (NotImplemented).
    def __lt__(self, other: Any) -> bool:
        if _trace_state.__dict__:
            _check_not_tracing("a comparison (<)")
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.data < other.data

    def __le__(self, other: Any) -> bool:
        if _trace_state.__dict__:
            _check_not_tracing("a comparison (<=)")
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.data <= other.data

    def __gt__(self, other: Any) -> bool:
        if _trace_state.__dict__:
            _check_not_tracing("a comparison (>)")
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.data > other.data

    def __ge__(self, other: Any) -> bool:
        if _trace_state.__dict__:
            _check_not_tracing("a comparison (>=)")
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.data >= other.data

    __hash__ = object.__hash__

    # ---- building ops ----------------------------------------------------------------

    def _unary(self, spec: OpSpec) -> Value:
        try:
            data = spec.eager_forward(self.data)
        except _DOMAIN_ERRORS as err:
            raise _domain_error(spec, (self,), err) from None
        return _node(data, spec, self)

    def _binary(self, spec: OpSpec, other: Any, reflected: bool = False) -> Value:
        if type(other) is not Value:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        try:
            data = spec.eager_forward(a.data, b.data)
        except _DOMAIN_ERRORS as err:
            raise _domain_error(spec, (a, b), err) from None
        return _node(data, spec, a, b)

    # +, - and * are the bulk of every graph: they skip the generic path (their forward
    # is the float operator itself and cannot raise).
    def __add__(self, other: Any) -> Value:
        if type(other) is not Value:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data + other.data, _ADD, self, other)

    def __radd__(self, other: Any) -> Value:
        return self._binary(ops.ADD, other, reflected=True)

    def __sub__(self, other: Any) -> Value:
        if type(other) is not Value:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data - other.data, _SUB, self, other)

    def __rsub__(self, other: Any) -> Value:
        return self._binary(ops.SUB, other, reflected=True)

    def __mul__(self, other: Any) -> Value:
        if type(other) is not Value:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data * other.data, _MUL, self, other)

    def __rmul__(self, other: Any) -> Value:
        return self._binary(ops.MUL, other, reflected=True)

    def __truediv__(self, other: Any) -> Value:
        return self._binary(ops.DIV, other)

    def __rtruediv__(self, other: Any) -> Value:
        return self._binary(ops.DIV, other, reflected=True)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self._binary(ops.POW, other)
        if isinstance(other, numbers.Real):  # x ** c: no ln(x) needed, x may be negative
            return self._unary(ops.pow_const(float(other)))
        return NotImplemented

    def __rpow__(self, other: Any) -> Value:  # c ** x
        return self._binary(ops.POW, other, reflected=True)

    def __neg__(self) -> Value:
        return self._unary(ops.NEG)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self._unary(ops.ABS)

    def exp(self) -> Value:
        """e^x;  d/dx = e^x."""
        return self._unary(ops.EXP)

    def log(self) -> Value:
        """ln x for x > 0 (``ValueError`` otherwise);  d/dx = 1/x."""
        return self._unary(ops.LOG)

    def sqrt(self) -> Value:
        """sqrt(x) for x >= 0 (``ValueError`` otherwise);  d/dx = 1/(2 sqrt x)."""
        return self._unary(ops.SQRT)

    def abs(self) -> Value:
        """|x|;  d/dx = sign(x), 0 at x = 0 (PyTorch's subgradient)."""
        return self._unary(ops.ABS)

    def sin(self) -> Value:
        """sin x;  d/dx = cos x."""
        return self._unary(ops.SIN)

    def cos(self) -> Value:
        """cos x;  d/dx = -sin x."""
        return self._unary(ops.COS)

    def erf(self) -> Value:
        """erf x;  d/dx = 2/sqrt(pi) e^(-x^2)."""
        return self._unary(ops.ERF)

    def erfc(self) -> Value:
        """erfc x = 1 - erf x, accurate in the tail;  d/dx = -2/sqrt(pi) e^(-x^2)."""
        return self._unary(ops.ERFC)

    # ---- activations -----------------------------------------------------------------

    def relu(self) -> Value:
        """max(x, 0);  d/dx = 1 for x > 0, else 0 (0 at x = 0, as PyTorch)."""
        return self._unary(ops.RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else s x;  d/dx = 1 or s (s at x = 0)."""
        return self._unary(ops.leaky_relu_op(_param("leaky_relu", "negative_slope", negative_slope)))

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, else alpha (e^x - 1);  d/dx = 1 or alpha e^x."""
        return self._unary(ops.elu_op(_param("elu", "alpha", alpha)))

    def celu(self, alpha: float = 1.0) -> Value:
        """max(0, x) + min(0, alpha (e^(x/alpha) - 1));  d/dx = 1 or e^(x/alpha)."""
        return self._unary(ops.celu_op(_param("celu", "alpha", alpha)))

    def gelu(self, approximate: str = "none") -> Value:
        """x Phi(x) (``approximate="none"``) or its tanh approximation (``"tanh"``)."""
        if approximate == "none":
            return self._unary(ops.GELU)
        if approximate == "tanh":
            return self._unary(ops.GELU_TANH)
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}.")

    def silu(self) -> Value:
        """x sigma(x);  d/dx = sigma(x) (1 + x (1 - sigma(x)))."""
        return self._unary(ops.SILU)

    def swish(self, beta: float = 1.0) -> Value:
        """x sigma(beta x);  swish(1) = silu."""
        return self._unary(ops.swish_op(_param("swish", "beta", beta)))

    def sigmoid(self) -> Value:
        """sigma(x) = 1 / (1 + e^-x), stable for any x;  d/dx = sigma (1 - sigma)."""
        return self._unary(ops.SIGMOID)

    def tanh(self) -> Value:
        """tanh x;  d/dx = 1 - tanh^2 x."""
        return self._unary(ops.TANH)

    def softplus(self) -> Value:
        """ln(1 + e^x) (x itself above 20, as PyTorch);  d/dx = sigma(x)."""
        return self._unary(ops.SOFTPLUS)

    def prelu(self, weight: Any) -> Value:
        """x for x > 0, else w x; a ``Value`` weight w receives dL/dw too."""
        return self._binary(ops.PRELU, _param_value("prelu", weight))

    # ---- backpropagation ---------------------------------------------------------------

    def backward(self, gradient: float = 1.0, retain_graph: Any = None) -> None:
        r"""Add ``gradient * d(self)/d(node)`` to ``.grad`` of every node of the graph.

        The root is included. Nothing is reset: two calls give twice the gradient,
        and a node used on several paths receives the sum over the paths. A ``.grad``
        set to ``None`` counts as 0. ``retain_graph`` is accepted for PyTorch's habit
        and ignored: the graph is never freed by a backward pass, so a second call works.
        """
        seed = gradient if type(gradient) is float else _backward_seed(gradient)
        _chain_rule(self, seed, accumulate=True)

    def item(self) -> float:
        """The number, as PyTorch's ``tensor.item()``: ``self.data``."""
        return self.data


class _Constant(Value):
    """A number an operation lifted into the graph (the 2 of ``x * 2``): a leaf like any
    other, except that ``detect_anomaly`` does not check its gradient (PyTorch never
    computes the gradient of a constant, so ``(0.0 ** x).backward()`` is no anomaly)."""

    __slots__ = ()


def _param(op: str, name: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(x).__name__}.")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be a finite number, got {value}.")
    return value


def _param_value(op: str, x: Any) -> Value:
    if isinstance(x, Value):
        return x
    return Value(_param(op, "weight", x))


_new = object.__new__


def dot(ws: Sequence[Any], xs: Sequence[Any], bias: Any = None) -> Value:
    """w·x (+ b) as ONE node (op ``"dot"``) instead of 2n nodes of ``*`` and ``+``.

    ``ws`` and ``xs`` are equally long sequences of ``Value``s or numbers. The result is
    the same as ``sum(w * x for w, x in zip(ws, xs)) + bias`` up to rounding, and so are
    its gradients: dy/dw_i = x_i, dy/dx_i = w_i, dy/db = 1.
    """
    n = len(ws)
    if len(xs) != n:
        raise ValueError(f"dot: got {n} weights but {len(xs)} inputs; they must match.")
    if n == 0:
        raise ValueError("dot: needs at least one (w, x) pair.")
    parents = (*ws, *xs) if bias is None else (*ws, *xs, bias)
    if set(map(type, parents)) != {Value}:  # (a check in C: usually all are Values)
        parents = tuple(v if type(v) is Value else _lift_or_raise(v, "dot") for v in parents)
    spec = ops.dot_op(n, bias is not None)
    return _node_n(spec.eager_forward(*[p.data for p in parents]), spec, parents)


def sum_values(values: Iterable[Any]) -> Value:
    """x_1 + ... + x_n as ONE node (op ``"sum"``); numbers are wrapped as constants."""
    parents = tuple(values)
    if set(map(type, parents)) != {Value}:  # (a check in C: usually all are Values)
        parents = tuple(v if type(v) is Value else _lift_or_raise(v, "sum_values") for v in parents)
    if not parents:
        raise ValueError("sum_values: needs at least one value.")
    spec = ops.sum_op(len(parents))
    return _node_n(spec.eager_forward(*[p.data for p in parents]), spec, parents)


def _make_node(spec: OpSpec, parents: tuple[Value, ...], data: Any) -> Value:
    """The node of ``spec`` over ``parents`` with ``data`` already computed (the math
    namespace's IEEE ``power``/``divide`` on Values: no domain error is raised)."""
    return _node_n(float(data), spec, parents)


ops._install_engine(Value, apply, _make_node)


def _lift_or_raise(x: Any, where: str) -> Value:
    v = _lift(x)
    if v is NotImplemented:
        raise TypeError(f"{where}: expected Values or numbers, got {type(x).__name__}.")
    return v


# --------------------------------------------------------------------------------------
# Graph traversal and the chain rule
# --------------------------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search with an explicit stack: no recursion, so the depth of
    the graph is limited only by memory. ``reversed()`` of the result is the order in
    which backprop visits the nodes (``root`` first).
    """
    if not isinstance(root, Value):
        raise TypeError(f"Expected a Value, got {type(root).__name__}.")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]  # nodes to expand; a node under a None: to emit
    chain: list[Value] = []  # this walk's nodes that wait for nothing but their first operand
    push, pop, emit, visit = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is None:  # the marker above a node whose parents are all emitted
            emit(pop())  # type: ignore[arg-type]  # (below a None marker is always a node)
            continue
        # Walk down first operands. A node whose other operand is done (or is a leaf,
        # emitted at once) joins the chain, emitted deepest first when the walk ends.
        # A node with operands still to expand waits on the stack under a None marker,
        # below those operands, and so does the chain above it.
        while node not in visited:  # (a node pushed by two consumers is expanded once)
            visit(node)
            a, b = node._a, node._b
            if b is None:
                if a is None:  # a leaf
                    emit(node)
                    break
            elif a is None or b not in visited:
                if a is not None and b._a is None and b._b is None:
                    visit(b)
                    emit(b)
                else:
                    if chain:
                        for waiting in chain:
                            push(waiting)
                            push(None)
                        chain.clear()
                    push(node)
                    push(None)
                    if a is None:  # three or more operands, in the tuple b
                        for parent in b:
                            if parent not in visited:
                                push(parent)
                        break
                    push(b)
                    node = a
                    continue
            chain.append(node)
            node = a
        if chain:
            order += reversed(chain)
            chain.clear()
    return order


_pass_lock = threading.RLock()
"""Held by every backward pass: passes run one at a time (they use the .grad slots)."""

Hook = Callable[[Value, Any, tuple[Any, ...], tuple[Any, ...]], None]


def _chain_rule(
    root: Value,
    seed: Any,
    *,
    accumulate: bool,
    create_graph: bool = False,
    hook: Hook | None = None,
    inputs: Sequence[Value] = (),
    general: bool = False,
) -> list[Any]:
    r"""THE chain rule: the one loop behind ``backward()``, ``grad()``, ``detect_anomaly``
    and ``viz``'s step-through.

    Visits the nodes of ``root``'s graph in reverse topological order with dL/d(root) =
    ``seed``; at each node y = f(x_1, ..., x_k) it adds ``dL/dy * df/dx_i`` to dL/dx_i.
    Each node's ``.grad`` slot collects its dL/d(node) during the pass (the graph's own
    storage: no dict); what the slots held before is set aside and, at the end, added
    back (``accumulate=True``: ``backward()``) or put back (``False``: ``grad()``, which
    returns the values of its ``inputs`` first). A pass that raises leaves every
    ``.grad`` as it was, and passes run one at a time (``_pass_lock``), so threads that
    back-propagate through shared nodes get the result of some serial order.

    ``create_graph=True``: ``local_grads`` gets the ``Value`` nodes themselves and the
    gradients are ``Value``s, a graph that can be differentiated again. ``hook(node,
    upstream, local, contributions)`` is called at every node, leaves included (with
    empty tuples), after its gradient is passed on. Under ``detect_anomaly`` each
    contribution is checked. Those three take the general step; plain ``backward()``
    the fast one, with + and * applied without a call (most nodes of most graphs).
    """
    check = bool(_switched) and _anomaly_here()
    general = general or create_graph or check or hook is not None
    with _pass_lock:
        order = topological_order(root)
        # NOTE: inputs outside the graph must read 0, not what their slots held.
        held = [x.grad for x in inputs]
        for x in inputs:
            x.grad = 0.0
        saved = [node.grad for node in order]
        earlier = any(saved)
        if earlier:
            for node in order:
                node.grad = 0.0
        if create_graph:
            for node in order:
                node.grad = None  # type: ignore[assignment]  # "no gradient yet": stored as is
        root.grad = seed
        node = root
        try:
            if general:
                for node in reversed(order):
                    _general_step(node, create_graph, check, hook)
            else:
                for node in reversed(order):
                    a, b = node._a, node._b
                    if b is None:
                        if a is not None:  # one operand (else a leaf: nothing to pass on)
                            (da,) = node._spec.local_grads(a.data, node.data)
                            a.grad += node.grad * da
                    elif a is not None:  # two operands
                        upstream = node.grad
                        spec = node._spec
                        # NOTE: + and * are most nodes of most graphs, so their local
                        # derivatives (ops.ADD: 1, 1; ops.MUL: b, a) are applied without a call.
                        if spec is _ADD:
                            a.grad += upstream
                            b.grad += upstream
                        elif spec is _MUL:
                            a.grad += upstream * b.data
                            b.grad += upstream * a.data
                        else:
                            da, db = spec.local_grads(a.data, b.data, node.data)
                            a.grad += upstream * da
                            b.grad += upstream * db
                    else:  # three or more operands: b is their tuple
                        upstream = node.grad
                        local = node._spec.local_grads(*[p.data for p in b], node.data)
                        if len(local) != len(b):
                            raise _count_error(node._spec, len(local))
                        for parent, d in zip(b, local):
                            parent.grad += upstream * d
            results = [x.grad for x in inputs]
        except BaseException as err:
            # NOTE: a local derivative raised (e.g. a user op): undo this pass, so a
            # failed backward() leaves every .grad as it was.
            for n, g in zip(order, saved):
                n.grad = g
            for x, g in zip(inputs, held):
                x.grad = g
            if isinstance(err, TypeError) and not general and None in saved:
                # NOTE: a .grad set to None (PyTorch's habit) counts as 0: the general
                # step reads None as "no gradient yet". (Checked only here: free otherwise.)
                return _chain_rule(root, seed, accumulate=accumulate, inputs=inputs, general=True)
            if isinstance(err, (TypeError, ValueError)) and "unpack" in str(err) and node._spec is not None:
                raise _count_error(node._spec, None) from err
            raise
        if not accumulate:  # grad() and the step-through: put every slot back
            for n, g in zip(order, saved):
                n.grad = g
        elif earlier:
            for n, g in zip(order, saved):
                n.grad += g or 0.0  # (None: counts as 0)
        for x, g in zip(inputs, held):
            x.grad = g
        return results


def _general_step(node: Value, create_graph: bool, check: bool, hook: Hook | None) -> None:
    """The chain rule at one node, for every mode (Values, anomaly checks, a hook)."""
    parents = node.parents
    upstream = node.grad
    if not parents:
        if hook is not None:
            hook(node, upstream, (), ())
        return
    spec: OpSpec = node._spec
    if upstream is None:  # create_graph: nothing reached this node (a zero path)
        upstream = 0.0
    if create_graph:
        local = spec.local_grads(*parents, node)
    else:
        local = spec.local_grads(*[p.data for p in parents], node.data)
    if not isinstance(local, (tuple, list)) or len(local) != len(parents):
        raise _count_error(spec, len(local) if isinstance(local, (tuple, list)) else None)
    contributions = []
    for parent, d in zip(parents, local):
        c = upstream * d
        if check and type(parent) is not _Constant:
            _check_backward(spec, node, parents, c)
        g = parent.grad
        parent.grad = c if g is None else g + c
        contributions.append(c)
    if hook is not None:
        hook(node, upstream, tuple(local), tuple(contributions))


def _count_error(spec: OpSpec, got: int | None) -> ValueError:
    what = "a different number of" if got is None else str(got)
    return ValueError(
        f"op {spec.label!r}: local_grads returned {what} derivatives for {spec.arity} operand(s); "
        "it must return one per operand, in order."
    )


def _backward_seed(gradient: Any) -> float:
    if isinstance(gradient, Value):
        return gradient.data
    if isinstance(gradient, bool) or not isinstance(gradient, numbers.Real):
        got = f"{type(gradient).__name__}: {gradient!r:.40}"
        raise TypeError(f"backward(gradient=...): expected a number, got {got}.")
    return float(gradient)


def grad(output: Value, inputs: Sequence[Value] | Value, create_graph: bool = False) -> list[Value]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    With ``create_graph=True`` the results are nodes of a graph built from the local
    derivative rules themselves, so they can be differentiated again (Hessians,
    Hessian-vector products, Newton steps). An input that ``output`` does not depend on
    gets ``Value(0.0)``.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}.")
    if isinstance(inputs, Value):
        inputs = [inputs]
    if inputs is None or isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(f"grad: inputs must be a Value or a list of Values, got {type(inputs).__name__}.")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}.")
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be True or False, got {create_graph!r}.")
    if create_graph:
        with _recording_on():  # (in this thread only, also inside no_grad)
            results = _chain_rule(output, Value(1.0), accumulate=False, create_graph=True, inputs=inputs)
        return [Value(0.0) if g is None or not isinstance(g, Value) else g for g in results]
    results = _chain_rule(output, 1.0, accumulate=False, inputs=inputs)
    return [Value(g) for g in results]


# --------------------------------------------------------------------------------------
# Modes: no_grad and detect_anomaly
# --------------------------------------------------------------------------------------


class _Switch(ContextDecorator):
    """Set one of this thread's modes inside a ``with`` block or a decorated call.

    Works as ``with switch():``, as ``@switch()`` and as a bare ``@switch``; nested and
    re-entrant uses restore the previous setting on the way out, exceptions included.
    The setting is per thread (other threads keep theirs), and so is the stack of
    saved settings, so one decorated function may run in several threads at once.
    """

    _flag: str
    _value: bool
    _default: bool

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if func is None else self(func)  # bare ``@no_grad``

    def __enter__(self) -> _Switch:
        global _switched
        here = _modes.__dict__
        here.setdefault("saved_" + self._flag, []).append(here.get(self._flag, self._default))
        here[self._flag] = self._value
        with _switch_lock:
            _switched += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _switched
        here = _modes.__dict__
        here[self._flag] = here["saved_" + self._flag].pop()
        with _switch_lock:
            _switched -= 1


class _recording_on(_Switch):
    """Recording on in this thread (``grad(create_graph=True)`` inside ``no_grad``)."""

    _flag, _value, _default = "recording", True, True


class no_grad(_Switch):
    """Inside it, operations record no graph: their results are leaves.

    Use as ``with no_grad(): ...`` or as a decorator (``@no_grad()`` or ``@no_grad``).
    """

    _flag, _value, _default = "recording", False, True


class detect_anomaly(_Switch):
    """Inside it, a NaN or ±inf produced by an op (forward or backward) raises.

    The ``FloatingPointError`` names the op, its operands' values and the node's label.
    Outside it, NaN propagates silently, as in PyTorch.
    """

    _flag, _value, _default = "anomaly", True, False


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` is active in this thread."""
    return bool(_switched) and _anomaly_here()


def _describe(spec: OpSpec, parents: Iterable[Value], node: Value) -> str:
    operands = ", ".join(f"{p.label}={_fmt(p.data)}" if p.label else _fmt(p.data) for p in parents)
    label = node.label or "<no label>"
    return f"op {spec.label!r} with operands ({operands}), node label {label!r}"


def _raise_anomaly(phase: str, spec: OpSpec, parents: Iterable[Value], bad: float, node: Value) -> None:
    raise FloatingPointError(
        f"detect_anomaly: the {phase} pass of {_describe(spec, parents, node)} produced {bad}."
    )


def _check_backward(spec: OpSpec, node: Value, parents: Iterable[Value], contribution: Any) -> None:
    if not math.isfinite(ops.value_of(contribution)):
        _raise_anomaly("backward", spec, parents, ops.value_of(contribution), node)
