r"""The table of primitive operations: the one place where each op's math lives.

Every differentiable primitive is one :class:`OpSpec`.  It holds the forward
function y = f(x_1, ..., x_k), the *local* derivatives df/dx_i, the symbol used in
graph pictures, the formula used in the docs, and the domain where property tests
sample it.  The engine reads nothing else: :meth:`Value.backward` applies the chain
rule

    x_i.grad += y.grad * df/dx_i          (summed over every use of x_i)

with the local derivatives returned by ``spec.local_grads(*inputs, out)``.

Rules written once, for every backend
-------------------------------------
``forward`` and ``local_grads`` are written with the operands' own arithmetic
(``+ - * / **``, comparisons) and with this module's small math namespace:
:func:`exp`, :func:`log`, :func:`log1p`, :func:`expm1`, :func:`sqrt`, :func:`sin`,
:func:`cos`, :func:`tanh`, :func:`erf`, :func:`erfc`, :func:`sigmoid`,
:func:`absolute` (also ``ops.abs``), :func:`sign`, :func:`where`, :func:`minimum`,
:func:`maximum`, :func:`power`, :func:`divide`, :func:`eq`, :func:`isinf`,
:func:`isfinite`, :func:`isnan`.  Each of them dispatches on its operands:

- a Python (or NumPy scalar) real number -> :mod:`math` (a ``float`` comes back);
- a NumPy ``ndarray`` -> the NumPy function (NumPy is never imported by this module:
  an array can only exist once the user imported NumPy);
- a ``Value`` -> the graph-building ``Value`` op, so the derivative is itself a graph.

So one rule serves three uses: ``backward()`` calls it with floats,
``grad(..., create_graph=True)`` with the ``Value`` nodes (higher derivatives), and the
compiled batch path (:func:`micrograd_plus.trace`) with float64 arrays, one entry per
sample.  The style that makes this work:

- **no Python ``if``/``and``/``or``/``max`` on data**: a branch is
  ``where(cond, a, b)``, conditions are comparisons combined with ``&``/``|``;
- **both sides of a ``where`` are evaluated**, so keep the side not taken harmless:
  ``where(x > 0, x, expm1(minimum(x, 0.0)))``, not ``expm1(x)`` (which overflows for a
  large ``x`` it does not even use);
- **no ``math.*`` calls** (``math.inf`` and other constants are fine); ``==`` on a
  possible ``Value`` is identity, so test equality with :func:`eq`;
- :func:`power` and :func:`divide` follow IEEE 754 on every backend (``1/0 = inf``,
  overflow gives ``±inf``) where Python's ``/`` and ``**`` raise: use them in
  derivative rules at poles (``sqrt'(0) = divide(0.5, 0.0) = inf``).

At a kink, the higher derivatives follow the same branch as the first-order
subgradient (the ``where`` that picks it), e.g. relu'(0) = 0 and relu''(0) = 0.

On arrays NumPy warns where :mod:`math` raises (``exp(1000)``, ``log(-1)``): callers
that vectorize rules run them under ``numpy.errstate``.

Extending: declare an ``OpSpec`` in the same style and call it on ``Value``s (or
numbers)::

    from micrograd_plus import ops
    cube = ops.register(ops.OpSpec(
        name="cube", arity=1,
        forward=lambda x: x * x * x,
        local_grads=lambda x, out: (3 * x * x,),
    ))
    y = cube(Value(2.0))        # Value(data=8.0, ...); y.backward() gives 12.0

    softsign = ops.OpSpec(
        name="softsign", arity=1,
        forward=lambda x: x / (1 + ops.abs(x)),
        local_grads=lambda x, out: (1 / ((1 + ops.abs(x)) * (1 + ops.abs(x))),),
    )

Such an op back-propagates, shows in graphs, works with ``grad(create_graph=True)``
and compiles.  An op written with plain floats (``math.exp``, ``if x > 0``) still
works eagerly; only the compiled path rejects it, with an error naming the op.

This module imports nothing from the rest of the package (the engine installs its
``Value`` type and node constructor here when it is imported).
"""

from __future__ import annotations

import builtins
import functools
import math
import numbers
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "ACTIVATIONS",
    "OPS",
    "PRELU_INIT",
    "Activation",
    "Interval",
    "OpSpec",
    "absolute",
    "cos",
    "divide",
    "eq",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log1p",
    "maximum",
    "minimum",
    "normal_cdf",
    "power",
    "register",
    "register_activation",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "tanh",
    "value_of",
    "where",
]

_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_GELU_KAPPA = 0.044715
_INF, _NAN = math.inf, math.nan
_Real = numbers.Real


# --------------------------------------------------------------------------------------
# What the engine installs at import (this module imports nothing from the package)
# --------------------------------------------------------------------------------------


class _NoValue:
    """Stands for the ``Value`` type until the engine is imported."""


_Value: Any = _NoValue


def _no_engine(*args: Any) -> Any:
    raise RuntimeError("micrograd_plus.engine is not imported: import micrograd_plus first.")


_apply: Callable[..., Any] = _no_engine  # engine.apply(spec, *operands) -> Value
_make_node: Callable[..., Any] = _no_engine  # (spec, parents, data) -> Value, data given


def _install_engine(value_type: type, apply: Callable[..., Any], make_node: Callable[..., Any]) -> None:
    """Called once by :mod:`micrograd_plus.engine`: the ``Value`` backend of the namespace."""
    global _Value, _apply, _make_node
    _Value, _apply, _make_node = value_type, apply, make_node


# --------------------------------------------------------------------------------------
# The math namespace: one function, three backends (number -> math, array -> numpy,
# Value -> graph-building op)
# --------------------------------------------------------------------------------------


def _numpy_of(*xs: Any) -> Any:
    """The numpy module if any of ``xs`` is a NumPy array, else None (never imports it)."""
    np = sys.modules.get("numpy")
    if np is not None:
        nd = np.ndarray
        for x in xs:
            if isinstance(x, nd):
                return np
    return None


def _is_value(x: Any) -> bool:
    return isinstance(x, _Value)


def value_of(x: Any) -> Any:
    """The number inside ``x``: ``x.data`` for a ``Value``, ``x`` itself otherwise
    (a number or an array)."""
    return x.data if isinstance(x, _Value) else x


def _unsupported(name: str, x: Any) -> TypeError:
    return TypeError(f"ops.{name}: expected a number, a NumPy array or a Value, got {type(x).__name__}.")


_EAGER: dict[Callable[..., Any], Callable[..., Any]] = {}
"""Namespace function -> the function it runs on a float (see ``OpSpec.eager_forward``)."""


def _namespace_unary(
    name: str,
    on_number: Callable[[Any], Any],
    on_array: Callable[[Any, Any], Any],
    on_value: Callable[[Any], Any],
    doc: str,
) -> Callable[[Any], Any]:
    """A unary function of the math namespace: ``on_number`` for a number (a float
    back), ``on_array(numpy, a)`` for an array, ``on_value`` for a ``Value``."""

    def function(x: Any) -> Any:
        if type(x) is float:  # (first: the eager engine's case)
            return on_number(x)
        if isinstance(x, _Value):
            return on_value(x)
        if isinstance(x, _Real):  # int, bool, numpy.float64, ...
            return on_number(x)
        np = _numpy_of(x)
        if np is not None:
            return on_array(np, x)
        raise _unsupported(name, x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    _EAGER[function] = on_number
    return function


def _vectorized(f: Callable[[float], float]) -> Callable[[Any, Any], Any]:
    """``f`` applied to every entry of an array (NumPy has no erf): the float results."""
    return lambda np, a: np.frompyfunc(f, 1, 1)(a).astype(np.float64)


def _sigmoid(x: float) -> float:
    # NOTE: only ever exponentiate -|x|, so no input can overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(np: Any, a: Any) -> Any:
    e = np.exp(-np.abs(a))  # the same two forms as _sigmoid, both never overflow
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


exp = _namespace_unary(
    "exp",
    math.exp,
    lambda np, a: np.exp(a),
    lambda v: v.exp(),
    "e^x (floats: OverflowError past the float range).",
)
log = _namespace_unary(
    "log", math.log, lambda np, a: np.log(a), lambda v: v.log(), "ln x (floats: ValueError for x <= 0)."
)
log1p = _namespace_unary(
    "log1p",
    math.log1p,
    lambda np, a: np.log1p(a),
    lambda v: (1.0 + v).log(),
    "ln(1 + x), accurate for small x.",
)
expm1 = _namespace_unary(
    "expm1", math.expm1, lambda np, a: np.expm1(a), lambda v: v.exp() - 1.0, "e^x - 1, accurate for small x."
)
sqrt = _namespace_unary(
    "sqrt", math.sqrt, lambda np, a: np.sqrt(a), lambda v: v.sqrt(), "sqrt(x) (floats: ValueError for x < 0)."
)
sin = _namespace_unary("sin", math.sin, lambda np, a: np.sin(a), lambda v: v.sin(), "sin x.")
cos = _namespace_unary("cos", math.cos, lambda np, a: np.cos(a), lambda v: v.cos(), "cos x.")
tanh = _namespace_unary(
    "tanh",
    math.tanh,
    lambda np, a: np.tanh(a),
    lambda v: v.tanh(),
    "tanh x (NumPy's may differ in the last bit).",
)
erf = _namespace_unary("erf", math.erf, _vectorized(math.erf), lambda v: v.erf(), "The error function.")
erfc = _namespace_unary(
    "erfc", math.erfc, _vectorized(math.erfc), lambda v: v.erfc(), "1 - erf(x), precise in the right tail."
)
sigmoid = _namespace_unary(
    "sigmoid",
    lambda n: _sigmoid(float(n)),
    _sigmoid_array,
    lambda v: v.sigmoid(),
    "σ(x) = 1 / (1 + e^-x), computed so that no input overflows.",
)
absolute = _namespace_unary(
    "abs",
    lambda n: float(builtins.abs(n)),
    lambda np, a: np.abs(a),
    lambda v: v.abs(),
    "|x| (also ``ops.abs``).",
)
_EAGER[sigmoid], _EAGER[absolute] = _sigmoid, builtins.abs  # (on a float: one call less)


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)  # NaN -> 0, as PyTorch's abs'


def sign(x: Any) -> Any:
    """1.0, -1.0 or 0.0 (for 0 and NaN, as PyTorch's derivative of abs). Piecewise
    constant: on a ``Value`` it is a plain float (its derivative is 0)."""
    if type(x) is float:
        return _sign(x)
    np = _numpy_of(x)
    if np is not None:
        return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))
    return _sign(float(value_of(x)))


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b`` (elementwise on arrays). Both are already
    evaluated: keep the one not taken finite (see the module docstring)."""
    if cond is True:
        return a
    if cond is False:
        return b
    np = _numpy_of(cond, a, b)
    if np is not None:
        return np.where(cond, a, b)
    return a if cond else b


def minimum(a: Any, b: Any) -> Any:
    """The smaller of ``a`` and ``b``; NaN if either is NaN (as ``numpy.minimum``)."""
    if type(a) is float and type(b) is float:
        return a if (a <= b or a != a) else b
    np = _numpy_of(a, b)
    if np is not None:
        return np.minimum(a, b)
    av, bv = value_of(a), value_of(b)
    return a if (av <= bv or av != av) else b


def maximum(a: Any, b: Any) -> Any:
    """The larger of ``a`` and ``b``; NaN if either is NaN (as ``numpy.maximum``)."""
    if type(a) is float and type(b) is float:
        return a if (a >= b or a != a) else b
    np = _numpy_of(a, b)
    if np is not None:
        return np.maximum(a, b)
    av, bv = value_of(a), value_of(b)
    return a if (av >= bv or av != av) else b


def eq(a: Any, b: Any) -> Any:
    """``a == b`` on the numbers (elementwise on arrays; a ``Value``'s data, since ``==``
    on a ``Value`` is identity)."""
    if type(a) is float and type(b) is float:
        return a == b
    return value_of(a) == value_of(b)


def isinf(x: Any) -> Any:
    """Whether x is ±inf (elementwise on arrays; a ``Value``'s data)."""
    if type(x) is float:
        return math.isinf(x)
    np = _numpy_of(x)
    return np.isinf(x) if np is not None else math.isinf(value_of(x))


def isfinite(x: Any) -> Any:
    """Whether x is neither ±inf nor NaN."""
    if type(x) is float:
        return math.isfinite(x)
    np = _numpy_of(x)
    return np.isfinite(x) if np is not None else math.isfinite(value_of(x))


def isnan(x: Any) -> Any:
    """Whether x is NaN."""
    if type(x) is float:
        return x != x
    np = _numpy_of(x)
    return np.isnan(x) if np is not None else math.isnan(value_of(x))


def _odd_integer(y: float) -> bool:
    return y.is_integer() and y % 2.0 == 1.0


def _ieee_pow(x: float, y: float) -> float:
    """C's pow: ±inf on overflow and at 0 ** negative, NaN for a negative base and a
    non-integer exponent, where Python's ``**``/``math.pow`` raise."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return -_INF if (x < 0.0 and _odd_integer(y)) else _INF
    except ValueError:
        if x == 0.0:  # 0 ** negative: the sign of the zero survives an odd exponent
            return math.copysign(_INF, x) if _odd_integer(y) else _INF
        return _NAN


def _ieee_div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _lift(x: Any) -> Any:
    return x if isinstance(x, _Value) else _Value(x)


def power(x: Any, y: Any) -> Any:
    """x ** y with IEEE 754's results on every backend: ``power(0.0, -1.0) = inf``,
    overflow gives ±inf, a negative base with a non-integer exponent gives NaN.

    On a ``Value`` it records the ``**`` op (``x ** c`` for a number ``c``)."""
    if type(x) is float and type(y) is float:
        return _ieee_pow(x, y)
    if isinstance(x, _Value) or isinstance(y, _Value):
        if isinstance(y, _Value):
            x = _lift(x)
            return _make_node(POW, (x, y), _ieee_pow(x.data, y.data))
        c = float(y)
        return _make_node(pow_const(c), (x,), _ieee_pow(x.data, c))
    np = _numpy_of(x, y)
    if np is not None:
        # NOTE: a scalar exponent is passed as an array: NumPy computes x ** 2, x ** -1
        # and x ** 0.5 by fast paths (x*x, 1/x, sqrt) that differ from libm's pow in the
        # last bit, and the float backend is libm's pow.
        if not isinstance(y, np.ndarray):
            y = np.full(np.shape(x), y, dtype=np.float64)
        elif not isinstance(x, np.ndarray):
            x = np.full(np.shape(y), x, dtype=np.float64)
        return np.power(x, y)
    return _ieee_pow(float(x), float(y))


def divide(a: Any, b: Any) -> Any:
    """a / b with IEEE 754's results on every backend: ``divide(1.0, 0.0) = inf``,
    ``divide(1.0, -0.0) = -inf``, ``divide(0.0, 0.0) = nan`` (Python's ``/`` raises).

    On a ``Value`` it records the ``/`` op."""
    if type(a) is float and type(b) is float:
        return _ieee_div(a, b)
    if isinstance(a, _Value) or isinstance(b, _Value):
        a, b = _lift(a), _lift(b)
        return _make_node(DIV, (a, b), _ieee_div(a.data, b.data))
    np = _numpy_of(a, b)
    if np is not None:
        return np.divide(a, b)
    return _ieee_div(float(a), float(b))


abs = absolute  # the namespace's name (this module itself uses builtins.abs)


def normal_cdf(x: Any) -> Any:
    """Φ(x), the standard normal CDF: 0.5 erfc(-x/√2), one formula for every backend,
    accurate in the far left tail (where 0.5 (1 + erf) cancels to 0)."""
    return 0.5 * erfc(-x / _SQRT2)


def _safe_mul(a: Any, b: Any) -> Any:
    """a*b, but 0 where one factor is exactly 0 and the other ±inf (not NaN).

    A zero times a finite number is still multiplied: on ``Value``s the product keeps
    its graph, so its derivative (e.g. d/dx of x phi(x) at x = 0) is not lost.
    """
    zero_times_inf = (eq(a, 0.0) & isinf(b)) | (isinf(a) & eq(b, 0.0))
    return where(zero_times_inf, 0.0, a * b)


# --------------------------------------------------------------------------------------
# The spec of one op
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] of one operand, with points tests stay away from.

    ``avoid`` lists poles and kinks; property tests sample at least ``margin`` away
    from them (exactly at a kink, a separate test pins the subgradient).
    """

    lo: float
    hi: float
    avoid: tuple[float, ...] = ()
    margin: float = 1e-3

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi


_DEFAULT_DOMAIN = Interval(-5.0, 5.0)


@dataclass(frozen=True, eq=False)
class OpSpec:
    r"""Everything the package knows about one primitive y = f(x_1, ..., x_k).

    Attributes:
        name: the op's name, shown as ``Value.op`` (``"+"``, ``"tanh"``...).
        arity: number of operands k.
        forward: f, ``forward(x_1, ..., x_k) -> y``: called with floats by the engine
            (it may raise ``ValueError``/``ZeroDivisionError``/``OverflowError`` like
            :mod:`math`) and with float64 arrays by the compiled path.
        local_grads: ``local_grads(x_1, ..., x_k, out) -> (df/dx_1, ..., df/dx_k)``.
            Called with floats by ``backward()``, with ``Value``s by
            ``grad(create_graph=True)`` and with arrays by the compiled path; write
            both with arithmetic and this module's math namespace (module docstring).
        symbol: label of the op node in graph pictures (defaults to ``name``).
        formula: the math, as plain text, for docs.
        domain: one :class:`Interval` per operand, where property tests sample.
        kinks: points of the first operand where f is not differentiable; the value
            of ``local_grads`` there is the subgradient PyTorch uses.
        method: how users reach the op on a ``Value`` (``"__add__"``, ``"tanh"``...).
        params: the op's fixed parameters (``negative_slope``...), for labels and docs.
        operands: the operands' names where their order matters (``("a", "b")`` for
            a - b, ``("x", "w")`` for prelu), shown on graph edges; ``()`` otherwise.
        domain_message: what a domain error says, a format string with ``{label}``
            (the op's label) and ``{values}`` (the operands), e.g.
            ``"log is defined for x > 0, got x={values}"``.
        torch: the PyTorch equivalent, a Python expression over ``torch``, ``F``
            (``torch.nn.functional``), the operands (``v``: all of them; ``x`` the
            first; ``a``, ``b`` the first two; and ``operands``' names) and the
            ``params`` by name, e.g. ``"F.leaky_relu(x, negative_slope)"``; ``""``
            if there is none. The cross-check tests evaluate it.
    """

    name: str
    arity: int
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[Any, ...]]
    symbol: str = ""
    formula: str = ""
    domain: tuple[Interval, ...] = ()
    kinks: tuple[float, ...] = ()
    method: str = ""
    params: tuple[tuple[str, Any], ...] = field(default=())
    operands: tuple[str, ...] = ()
    domain_message: str = "{label} is not defined at ({values})"
    torch: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"OpSpec needs a non-empty name, got {self.name!r}.")
        if not isinstance(self.arity, int) or self.arity < 1:
            raise ValueError(f"OpSpec {self.name!r}: arity must be an int >= 1, got {self.arity!r}.")
        if not callable(self.forward) or not callable(self.local_grads):
            raise TypeError(f"OpSpec {self.name!r}: forward and local_grads must be callables.")
        if not self.symbol:
            object.__setattr__(self, "symbol", self.name)
        if not self.domain:
            object.__setattr__(self, "domain", (_DEFAULT_DOMAIN,) * self.arity)
        if len(self.domain) != self.arity:
            raise ValueError(
                f"OpSpec {self.name!r}: domain needs one Interval per operand "
                f"({self.arity}), got {len(self.domain)}."
            )
        # NOTE: the engine calls eager_forward on floats: for a forward that is one of the
        # namespace's functions, its math function itself (a C call instead of a Python
        # function that dispatches); tests check the two agree on every op.
        try:
            eager = _EAGER.get(self.forward, self.forward)
        except TypeError:  # an unhashable callable
            eager = self.forward
        object.__setattr__(self, "eager_forward", eager)
        if self.operands and len(self.operands) != self.arity:
            raise ValueError(
                f"OpSpec {self.name!r}: operands needs one name per operand ({self.arity}), "
                f"got {len(self.operands)}."
            )

    eager_forward: Callable[..., Any] = field(init=False, repr=False, compare=False)
    """``forward`` for float operands (what the engine calls): the same function, or its
    float specialization (``math.exp`` for :func:`exp`...)."""

    @property
    def label(self) -> str:
        """The symbol with its parameters, e.g. ``leaky_relu(0.01)``.

        A spec with its own ``symbol`` (``**2``, ``Σ w·x + b``) is shown as just that.
        """
        if not self.params or self.symbol != self.name:
            return self.symbol
        return f"{self.symbol}({', '.join(f'{v:g}' if isinstance(v, float) else str(v) for _, v in self.params)})"

    def __call__(self, *operands: Any) -> Any:
        """Apply the op to ``Value``s (numbers are wrapped as constants)."""
        return _apply(self, *operands)

    def __repr__(self) -> str:
        return f"OpSpec({self.label!r}, arity={self.arity})"


OPS: dict[str, OpSpec] = {}
"""Every registered op by name (for parametrized ops, the default instance)."""


def register(spec: OpSpec) -> OpSpec:
    """Add ``spec`` to :data:`OPS` and return it. A name can be registered once."""
    if not isinstance(spec, OpSpec):
        raise TypeError(f"register() expects an OpSpec, got {type(spec).__name__}.")
    if spec.name in OPS and OPS[spec.name] is not spec:
        raise ValueError(f"An op named {spec.name!r} is already registered.")
    OPS[spec.name] = spec
    return spec


# --------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------

ADD = register(
    OpSpec(
        name="+",
        arity=2,
        forward=operator.add,
        local_grads=lambda a, b, out: (1.0, 1.0),
        formula="y = a + b;  dy/da = 1,  dy/db = 1",
        method="__add__",
        torch="a + b",
    )
)

SUB = register(
    OpSpec(
        name="-",
        arity=2,
        forward=operator.sub,
        local_grads=lambda a, b, out: (1.0, -1.0),
        formula="y = a - b;  dy/da = 1,  dy/db = -1  (a primitive: one node instead of a + (-b))",
        method="__sub__",
        operands=("a", "b"),
        torch="a - b",
    )
)

MUL = register(
    OpSpec(
        name="*",
        arity=2,
        forward=operator.mul,
        local_grads=lambda a, b, out: (b, a),
        formula="y = a * b;  dy/da = b,  dy/db = a",
        method="__mul__",
        torch="a * b",
    )
)

DIV = register(
    OpSpec(
        name="/",
        arity=2,
        forward=operator.truediv,
        local_grads=lambda a, b, out: (divide(1.0, b), -divide(out, b)),
        formula="y = a / b;  dy/da = 1/b,  dy/db = -a/b^2 = -y/b  (a primitive: exact IEEE division)",
        domain=(_DEFAULT_DOMAIN, Interval(-5.0, 5.0, avoid=(0.0,), margin=0.2)),
        method="__truediv__",
        operands=("a", "b"),
        torch="a / b",
    )
)

NEG = register(
    OpSpec(
        name="neg",
        arity=1,
        forward=operator.neg,
        local_grads=lambda x, out: (-1.0,),
        symbol="-",
        formula="y = -x;  dy/dx = -1",
        method="__neg__",
        torch="-x",
    )
)


_POW_DOMAIN = "**: a negative base needs an integer exponent for a real result, got ({values})"


def _checked_pow(x: Any, y: Any) -> Any:
    """x ** y: on numbers with Python's errors (``0.0 ** -1``: ZeroDivisionError, a
    negative base and a non-integer exponent: ValueError, overflow: OverflowError),
    elsewhere :func:`power` (arrays: IEEE results)."""
    if (type(x) is float or isinstance(x, _Real)) and (type(y) is float or isinstance(y, _Real)):
        if x == 0.0 and y < 0.0:
            raise ZeroDivisionError("0.0 cannot be raised to a negative power")
        return math.pow(x, y)
    return power(x, y)


def _pow_base_grad(x: Any, y: Any) -> Any:
    """d(x^y)/dx = y x^(y-1), IEEE at the poles (x = 0, y < 1: ±inf, as PyTorch), and
    PyTorch's 0 where y = 0 and x = 0 (a Value exponent keeps its graph elsewhere:
    d/dy (y x^(y-1)) = x^-1 at y = 0)."""
    return where(eq(y, 0.0) & eq(x, 0.0), 0.0, y * power(x, y - 1.0))


def _pow_exponent_grad(x: Any, out: Any) -> Any:
    """d(x^y)/dy = x^y ln x; PyTorch's 0 at x = 0 and NaN for x < 0 (a NaN that depends
    on x, so it stays NaN at the next order)."""
    positive = x > 0.0
    return where(positive, out * log(where(positive, x, 1.0)), where(eq(x, 0.0), 0.0, x * _NAN))


POW = register(
    OpSpec(
        name="**",
        arity=2,
        forward=_checked_pow,
        local_grads=lambda x, y, out: (_pow_base_grad(x, y), _pow_exponent_grad(x, out)),
        formula="y = a^b;  dy/da = b a^(b-1),  dy/db = a^b ln a",
        domain=(Interval(0.1, 4.0), Interval(-3.0, 3.0)),
        method="__pow__",
        operands=("a", "b"),
        domain_message=_POW_DOMAIN,
        torch="torch.pow(a, b)",
    )
)


def _pow_const_domain(c: float) -> Interval:
    """Where x ** c is real and smooth: x > 0 unless c is an integer; x != 0 if c < 0."""
    if not float(c).is_integer():  # NaN and ±inf included
        return Interval(0.1, 4.0)
    return Interval(-5.0, 5.0, avoid=(0.0,), margin=0.2) if c < 0 else _DEFAULT_DOMAIN


@lru_cache(maxsize=256)
def pow_const(exponent: float) -> OpSpec:
    """x ** c for a constant exponent c: no log(x) is needed, so x may be negative.

    ``x ** 0.5`` is computed as ``sqrt`` (as PyTorch does), so the two agree at -0.0.
    """
    c = exponent
    if c == 0.5:
        forward, local_grads = sqrt, _sqrt_grads
    elif c == 0.0:  # d(x^0)/dx = 0 everywhere (PyTorch), also at x = 0 and x = NaN
        forward, local_grads = (lambda x: _checked_pow(x, 0.0)), (lambda x, out: (0.0,))
    else:
        forward = lambda x: _checked_pow(x, c)
        local_grads = lambda x, out: (c * power(x, c - 1.0),)
    return OpSpec(
        name="**",
        arity=1,
        forward=forward,
        local_grads=local_grads,
        symbol=f"**{exponent:g}",
        formula="y = x^c;  dy/dx = c x^(c-1)",
        domain=(_pow_const_domain(exponent),),
        method="__pow__",
        params=(("exponent", exponent),),
        domain_message=_POW_DOMAIN,
        torch="torch.pow(x, exponent)",
    )


# --------------------------------------------------------------------------------------
# Elementary functions
# --------------------------------------------------------------------------------------

EXP = register(
    OpSpec(
        name="exp",
        arity=1,
        forward=exp,
        local_grads=lambda x, out: (out,),
        formula="y = e^x;  dy/dx = e^x = y",
        domain=(Interval(-10.0, 10.0),),
        method="exp",
        torch="torch.exp(x)",
    )
)

LOG = register(
    OpSpec(
        name="log",
        arity=1,
        forward=log,
        local_grads=lambda x, out: (1.0 / x,),
        formula="y = ln x  (x > 0);  dy/dx = 1/x",
        domain=(Interval(0.05, 20.0),),
        method="log",
        domain_message="log is defined for x > 0, got x={values}",
        torch="torch.log(x)",
    )
)


def _sqrt_grads(x: Any, out: Any) -> tuple[Any]:
    # NOTE: at 0 the slope is infinite; sqrt(-0.0) = -0.0 gives -inf, as in PyTorch. On
    # Values the infinite slope is a node of the graph: the next order is -inf, not 0.
    return (divide(0.5, out),)


SQRT = register(
    OpSpec(
        name="sqrt",
        arity=1,
        forward=sqrt,
        local_grads=_sqrt_grads,
        formula="y = sqrt(x)  (x >= 0);  dy/dx = 1 / (2 sqrt(x)) = 1/(2y)",
        domain=(Interval(0.05, 20.0),),
        method="sqrt",
        domain_message="sqrt is defined for x >= 0, got x={values}",
        torch="torch.sqrt(x)",
    )
)

ABS = register(
    OpSpec(
        name="abs",
        arity=1,
        forward=absolute,
        local_grads=lambda x, out: (sign(x),),
        symbol="|x|",
        formula="y = |x|;  dy/dx = sign(x), 0 at x = 0",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="abs",
        torch="torch.abs(x)",
    )
)

SIN = register(
    OpSpec(
        name="sin",
        arity=1,
        forward=sin,
        local_grads=lambda x, out: (cos(x),),
        formula="y = sin x;  dy/dx = cos x",
        method="sin",
        torch="torch.sin(x)",
    )
)

COS = register(
    OpSpec(
        name="cos",
        arity=1,
        forward=cos,
        local_grads=lambda x, out: (-sin(x),),
        formula="y = cos x;  dy/dx = -sin x",
        method="cos",
        torch="torch.cos(x)",
    )
)

ERF = register(
    OpSpec(
        name="erf",
        arity=1,
        forward=erf,
        local_grads=lambda x, out: (_TWO_OVER_SQRT_PI * exp(-(x * x)),),
        formula="y = erf x;  dy/dx = 2/sqrt(pi) e^(-x^2)",
        method="erf",
        torch="torch.erf(x)",
    )
)

ERFC = register(
    OpSpec(
        name="erfc",
        arity=1,
        forward=erfc,
        local_grads=lambda x, out: (-_TWO_OVER_SQRT_PI * exp(-(x * x)),),
        formula="y = erfc x = 1 - erf x  (accurate in the tail);  dy/dx = -2/sqrt(pi) e^(-x^2)",
        method="erfc",
        torch="torch.erfc(x)",
    )
)


# --------------------------------------------------------------------------------------
# Activations (numerically stable: no finite input overflows or raises)
# --------------------------------------------------------------------------------------


def _relu(x: Any) -> Any:
    return where(x <= 0.0, 0.0, x)  # NaN stays NaN, as in PyTorch


def _relu_float(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # _relu on a float, one call less (the hot path)


_EAGER[_relu] = _relu_float


RELU = register(
    OpSpec(
        name="relu",
        arity=1,
        forward=_relu,
        # NOTE: (x > 0) * 1.0 is where(x > 0, 1.0, 0.0) on every backend (a bool, a bool
        # array) without a call: relu is a third of the nodes of a relu network.
        local_grads=lambda x, out: ((x > 0.0) * 1.0,),
        formula="y = max(x, 0);  dy/dx = 1 if x > 0 else 0  (0 at the kink, as PyTorch)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="relu",
        torch="F.relu(x)",
    )
)


@lru_cache(maxsize=64)
def leaky_relu_op(negative_slope: float = 0.01) -> OpSpec:
    """leaky_relu with a fixed ``negative_slope``."""
    s = negative_slope
    return OpSpec(
        name="leaky_relu",
        arity=1,
        forward=lambda x: where(x > 0.0, x, x * s),
        local_grads=lambda x, out: (where(x > 0.0, 1.0, s),),
        formula="y = x if x > 0 else s x;  dy/dx = 1 if x > 0 else s  (s at the kink)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="leaky_relu",
        params=(("negative_slope", s),),
        torch="F.leaky_relu(x, negative_slope)",
    )


@lru_cache(maxsize=64)
def elu_op(alpha: float = 1.0) -> OpSpec:
    """elu with a fixed ``alpha``."""
    a = alpha
    return OpSpec(
        name="elu",
        arity=1,
        forward=lambda x: where(x > 0.0, x, a * expm1(minimum(x, 0.0))),
        local_grads=lambda x, out: (where(x > 0.0, 1.0, a * exp(minimum(x, 0.0))),),
        formula="y = x if x > 0 else a (e^x - 1);  dy/dx = 1 if x > 0 else a e^x",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="elu",
        params=(("alpha", a),),
        torch="F.elu(x, alpha)",
    )


@lru_cache(maxsize=64)
def celu_op(alpha: float = 1.0) -> OpSpec:
    """celu with a fixed, non-zero ``alpha``."""
    a = alpha
    if a == 0.0:
        raise ValueError("celu: alpha must be non-zero (it divides x), got alpha=0.")
    return OpSpec(
        name="celu",
        arity=1,
        forward=lambda x: where(x > 0.0, x, a * expm1(minimum(x, 0.0) / a)),
        local_grads=lambda x, out: (where(x > 0.0, 1.0, exp(minimum(x, 0.0) / a)),),
        formula="y = max(0, x) + min(0, a (e^(x/a) - 1));  dy/dx = 1 if x > 0 else e^(x/a)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="celu",
        params=(("alpha", a),),
        torch="F.celu(x, alpha)",
    )


def _gelu_tanh_parts(x: Any) -> tuple[Any, Any]:
    """u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u)."""
    u = _SQRT_2_OVER_PI * (x + _GELU_KAPPA * (x * x * x))  # x*x*x: inf, never OverflowError
    return u, tanh(u)


def _gelu_tanh_forward(x: Any) -> Any:
    _, t = _gelu_tanh_parts(x)
    return 0.5 * x * (1.0 + t)


def _gelu_tanh_grad(x: Any, out: Any) -> Any:
    _, t = _gelu_tanh_parts(x)
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_KAPPA * (x * x))
    # NOTE: far from 0, 1 - t^2 underflows to 0 while x*du overflows; their product is 0.
    return 0.5 * (1.0 + t) + _safe_mul(1.0 - t * t, 0.5 * x * du)


def _gelu_grad(x: Any, out: Any) -> Any:
    # NOTE: x * phi(x) via exp(-x^2/2): for huge |x| the exponential is exactly 0.
    return normal_cdf(x) + _safe_mul(x, _INV_SQRT_2PI * exp(-0.5 * (x * x)))


GELU = register(
    OpSpec(
        name="gelu",
        arity=1,
        forward=lambda x: x * normal_cdf(x),
        local_grads=lambda x, out: (_gelu_grad(x, out),),
        formula="y = x Phi(x);  dy/dx = Phi(x) + x phi(x)",
        method="gelu",
        params=(("approximate", "none"),),
        torch="F.gelu(x, approximate=approximate)",
    )
)

GELU_TANH = OpSpec(
    name="gelu",
    arity=1,
    forward=_gelu_tanh_forward,
    local_grads=lambda x, out: (_gelu_tanh_grad(x, out),),
    formula=(
        "y = x/2 (1 + tanh u),  u = sqrt(2/pi)(x + 0.044715 x^3);  "
        "dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) du/dx"
    ),
    method="gelu",
    params=(("approximate", "tanh"),),
    torch="F.gelu(x, approximate=approximate)",
)


@lru_cache(maxsize=64)
def swish_op(beta: float = 1.0) -> OpSpec:
    """swish x sigma(beta x) with a fixed ``beta``."""
    b = beta

    def grad(x: Any, out: Any) -> Any:
        s = sigmoid(b * x)
        return s + _safe_mul(b * x, s * (1.0 - s))

    return OpSpec(
        name="swish",
        arity=1,
        forward=lambda x: x * sigmoid(b * x),
        local_grads=lambda x, out: (grad(x, out),),
        formula="y = x s,  s = sigma(b x);  dy/dx = s + b x s (1 - s)",
        method="swish",
        params=(("beta", b),),
        torch="x * torch.sigmoid(beta * x)",
    )


def _silu_grad(x: Any, out: Any) -> Any:
    s = sigmoid(x)
    return s + _safe_mul(x, s * (1.0 - s))


SILU = register(
    OpSpec(
        name="silu",
        arity=1,
        forward=lambda x: x * sigmoid(x),
        local_grads=lambda x, out: (_silu_grad(x, out),),
        formula="y = x sigma(x);  dy/dx = sigma(x) (1 + x (1 - sigma(x)))",
        method="silu",
        torch="F.silu(x)",
    )
)

SIGMOID = register(
    OpSpec(
        name="sigmoid",
        arity=1,
        forward=sigmoid,
        local_grads=lambda x, out: (out * (1.0 - out),),
        symbol="σ",
        formula="y = 1 / (1 + e^-x);  dy/dx = y (1 - y)",
        domain=(Interval(-10.0, 10.0),),
        method="sigmoid",
        torch="torch.sigmoid(x)",
    )
)

TANH = register(
    OpSpec(
        name="tanh",
        arity=1,
        forward=tanh,
        local_grads=lambda x, out: (1.0 - out * out,),
        formula="y = tanh x;  dy/dx = 1 - y^2",
        method="tanh",
        torch="torch.tanh(x)",
    )
)

_SOFTPLUS_THRESHOLD = 20.0  # as torch.nn.functional.softplus: linear above it


def _softplus(x: Any) -> Any:
    return where(x > _SOFTPLUS_THRESHOLD, x, log1p(exp(minimum(x, _SOFTPLUS_THRESHOLD))))


SOFTPLUS = register(
    OpSpec(
        name="softplus",
        arity=1,
        forward=_softplus,
        local_grads=lambda x, out: (where(x > _SOFTPLUS_THRESHOLD, 1.0, sigmoid(x)),),
        formula="y = ln(1 + e^x)  (y = x for x > 20, as PyTorch);  dy/dx = sigma(x)",
        domain=(Interval(-10.0, 10.0),),
        method="softplus",
        torch="F.softplus(x)",  # beta=1, threshold=20
    )
)

PRELU = register(
    OpSpec(
        name="prelu",
        arity=2,
        forward=lambda x, w: where(x > 0.0, x, w * x),
        local_grads=lambda x, w, out: (where(x > 0.0, 1.0, w), where(x > 0.0, 0.0, x)),
        formula="y = x if x > 0 else w x;  dy/dx = 1 if x > 0 else w,  dy/dw = 0 if x > 0 else x",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)), Interval(-1.0, 1.0)),
        method="prelu",
        operands=("x", "w"),
        torch="F.prelu(x.reshape(1), w.reshape(1)).reshape(())",
    )
)

PARAMETRIZED: dict[str, Callable[..., OpSpec]] = {
    "**": pow_const,
    "leaky_relu": leaky_relu_op,
    "elu": elu_op,
    "celu": celu_op,
    "swish": swish_op,
}
"""Op families with a fixed parameter: ``factory(param) -> OpSpec`` (cached)."""

# NOTE: called with the same positional argument as the Value methods use, so that
# lru_cache hands out ONE object: Value.leaky_relu() is OPS["leaky_relu"].
register(leaky_relu_op(0.01))
register(elu_op(1.0))
register(celu_op(1.0))
register(swish_op(1.0))


# --------------------------------------------------------------------------------------
# Activations: what nn, viz, plots, testing, the CLI and the torch bridge know about each
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    r"""One activation name a ``Neuron``/``Layer``/``MLP`` accepts, and its facts.

    Adding an activation is one :class:`OpSpec`, one ``Value`` method that applies it
    and one :func:`register_activation` call; ``nn``, ``viz``, ``plots``, ``testing``,
    the CLI and the torch bridge read everything else from here.

    Attributes:
        name: the name users pass (``activation="leaky_relu"``), also the ``Value``
            method that applies it (``"linear"``, the identity, has none).
        params: default keyword parameters of that method, e.g.
            ``(("negative_slope", 0.01),)``. For a ``learnable`` activation the first
            one is the learnable parameter and its default is the initial value.
        init: the default weight initialisation family, ``"kaiming"`` or ``"xavier"``.
        gain_slope: the negative slope a in He et al.'s gain 2 / (1 + a^2) (0.01 for
            leaky_relu, 0.25 for prelu, 0 otherwise).
        learnable: one learnable parameter per neuron (prelu's slope).
        torch: the ``torch.nn`` module class name (``"ReLU"``, ``"Identity"``...), or
            ``""`` when torch has none (a bridge then builds its own module).
        torch_kwargs: (our param name, torch keyword) pairs for that module.
    """

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    init: str = "kaiming"
    gain_slope: float = 0.0
    learnable: bool = False
    torch: str = ""
    torch_kwargs: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Activation needs a name that is an identifier, got {self.name!r}.")
        if self.init not in ("kaiming", "xavier"):
            raise ValueError(
                f"Activation {self.name!r}: init must be 'kaiming' or 'xavier', got {self.init!r}."
            )
        if self.learnable and not self.params:
            raise ValueError(
                f"Activation {self.name!r}: a learnable activation needs its parameter in params."
            )

    @property
    def method(self) -> str:
        """The ``Value`` method that applies it (``""`` for linear)."""
        return "" if self.name == "linear" else self.name

    def __call__(self, z: Any, **params: Any) -> Any:
        """φ(z) for a ``Value`` z, with ``params`` over the defaults (identity for linear)."""
        if not self.method:
            return z
        kwargs = dict(self.params)
        kwargs.update(params)
        return getattr(z, self.method)(**kwargs)

    def bind(self, **params: Any) -> Callable[..., Any]:
        """A fast callable ``f(z)`` = ``self(z, **params)`` (for a model's forward pass).

        For a ``learnable`` activation it is ``f(z, p)``, p the learnable parameter.
        """
        if not self.method:
            return _identity
        method = getattr(_Value, self.method)
        kwargs = dict(self.params[1:] if self.learnable else self.params)
        kwargs.update(params)
        return functools.partial(method, **kwargs) if kwargs else method

    def spec(self, **params: Any) -> OpSpec | None:
        """The op-table entry it records (``None`` for linear), e.g. for its kinks."""
        if not self.method:
            return None
        return self(_Value(0.5), **params).spec


def _identity(z: Any) -> Any:
    return z


ACTIVATIONS: dict[str, Activation] = {}
"""Every activation name ``nn`` accepts, in order, by name."""


def register_activation(act: Activation) -> Activation:
    """Add ``act`` to :data:`ACTIVATIONS` and return it. A name can be registered once.

    The ``Value`` method ``act.name`` must exist (add it first). To take a throwaway
    activation back out: ``del ops.ACTIVATIONS[name]``.
    """
    if not isinstance(act, Activation):
        raise TypeError(f"register_activation() expects an Activation, got {type(act).__name__}.")
    if act.name in ACTIVATIONS and ACTIVATIONS[act.name] != act:
        raise ValueError(f"An activation named {act.name!r} is already registered.")
    if act.method and _Value is not _NoValue and not callable(getattr(_Value, act.method, None)):
        raise ValueError(f"Activation {act.name!r} needs a Value method {act.method!r}: add it first.")
    ACTIVATIONS[act.name] = act
    return act


PRELU_INIT = 0.25  # torch.nn.PReLU's initial slope

for _act in (
    Activation("linear", init="xavier", torch="Identity"),
    Activation("relu", torch="ReLU"),
    Activation(
        "leaky_relu",
        params=(("negative_slope", 0.01),),
        gain_slope=0.01,
        torch="LeakyReLU",
        torch_kwargs=(("negative_slope", "negative_slope"),),
    ),
    Activation("elu", params=(("alpha", 1.0),), torch="ELU", torch_kwargs=(("alpha", "alpha"),)),
    Activation("celu", params=(("alpha", 1.0),), torch="CELU", torch_kwargs=(("alpha", "alpha"),)),
    Activation(
        "gelu",
        params=(("approximate", "none"),),
        torch="GELU",
        torch_kwargs=(("approximate", "approximate"),),
    ),
    Activation("silu", torch="SiLU"),
    Activation("swish", params=(("beta", 1.0),)),  # torch has no swish module (SiLU is beta = 1)
    Activation("sigmoid", init="xavier", torch="Sigmoid"),
    Activation("tanh", init="xavier", torch="Tanh"),
    Activation("softplus", torch="Softplus"),
    Activation(
        "prelu",
        params=(("weight", PRELU_INIT),),
        gain_slope=PRELU_INIT,
        learnable=True,
        torch="PReLU",
        torch_kwargs=(("weight", "init"),),
    ),
):
    register_activation(_act)
del _act


# --------------------------------------------------------------------------------------
# Fused n-ary ops: one node where a chain of + and * would make 2n (for speed)
# --------------------------------------------------------------------------------------

_FUSED_CACHE = 512  # specs kept per family: a bound, so summing every length 1..n leaks nothing

# NOTE: the fused ops add strictly left to right, ((s + t_1) + t_2) + ..., on every
# backend and Python version. Not with builtin ``sum()``: from Python 3.12 on, ``sum()``
# of floats is compensated (Neumaier), so a float sum would differ in the last bits from
# the same sum over arrays (NumPy's ``+``) or Values, and from a chain of ``+`` nodes
# (PyPI micrograd's neuron). Up to _UNROLL terms the sum is one generated function of
# straight-line ``s = s + w_i * x_i`` (2-4x faster than ``sum(map(...))`` for a neuron's
# few inputs: no slices, no iterator); beyond, ``functools.reduce(operator.add, ...)``,
# the same order (generated code would cost more to compile than it saves).
_UNROLL = 64


def _left_to_right_sum(n: int, products: bool, start: str) -> Callable[..., Any]:
    """``start + t_1 + ... + t_n``, added left to right, as a function of the operands
    ``(w_1..w_n, x_1..x_n[, b])`` (``products``, ``t_i = w_i * x_i``; ``start`` is
    ``"b"`` or ``"0.0"``) or ``(x_1..x_n)`` (``t_i = x_i``, ``start`` ``"0.0"``)."""
    if n > _UNROLL:
        add, mul, twice = operator.add, operator.mul, 2 * n
        if products and start == "b":
            return lambda *v: functools.reduce(add, map(mul, v[:n], v[n:twice]), v[twice])
        if products:
            return lambda *v: functools.reduce(add, map(mul, v[:n], v[n:twice]), 0.0)
        return lambda *v: functools.reduce(add, v, 0.0)
    if products:
        args = [*(f"w{i}" for i in range(n)), *(f"x{i}" for i in range(n))]
        terms = [f"w{i} * x{i}" for i in range(n)]
    else:
        args = [f"x{i}" for i in range(n)]
        terms = list(args)
    if start == "b":
        args.append("b")
    body = "".join(f"    s = s + {t}\n" for t in terms)
    source = f"def fused({', '.join(args)}):\n    s = {start}\n{body}    return s\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # (trusted source: built above from n alone)
    return namespace["fused"]


@lru_cache(maxsize=_FUSED_CACHE)
def dot_op(n: int, bias: bool = True) -> OpSpec:
    """y = w_1 x_1 + ... + w_n x_n (+ b) over operands (w_1..w_n, x_1..x_n[, b]).

    A neuron's pre-activation z = w·x + b as ONE node: dy/dw_i = x_i, dy/dx_i = w_i,
    dy/db = 1 (BP3 and BP4 of the lecture, read off the local derivatives).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"dot needs at least one (w, x) pair, got n={n!r}.")
    twice = 2 * n
    if bias:
        forward = _left_to_right_sum(n, True, "b")
        local_grads = lambda *v: (*v[n:twice], *v[:n], 1.0)
    else:
        forward = _left_to_right_sum(n, True, "0.0")
        local_grads = lambda *v: (*v[n:twice], *v[:n])
    return OpSpec(
        name="dot",
        arity=twice + (1 if bias else 0),
        forward=forward,
        local_grads=local_grads,
        symbol="Σ w·x + b" if bias else "Σ w·x",
        formula="y = sum_i w_i x_i + b;  dy/dw_i = x_i,  dy/dx_i = w_i,  dy/db = 1  (fused for speed)",
        method="",
        params=(("n", n),),
        operands=(*(f"w{i}" for i in range(n)), *(f"x{i}" for i in range(n)), *(("b",) if bias else ())),
        torch="sum(v[i] * v[n + i] for i in range(n)) + (v[2 * n] if len(v) > 2 * n else 0.0)",
    )


@lru_cache(maxsize=_FUSED_CACHE)
def sum_op(n: int) -> OpSpec:
    """y = x_1 + ... + x_n as one node: dy/dx_i = 1."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"sum needs at least one operand, got n={n!r}.")
    ones = (1.0,) * n
    return OpSpec(
        name="sum",
        arity=n,
        forward=_left_to_right_sum(n, False, "0.0"),
        local_grads=lambda *v: ones,
        symbol="Σ",
        formula="y = sum_i x_i;  dy/dx_i = 1  (fused for speed)",
        method="",
        params=(("n", n),),
        torch="sum(v)",
    )
