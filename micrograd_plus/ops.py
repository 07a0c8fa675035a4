r"""The table of primitive operations: the one place where each op's math lives.

Every differentiable primitive is one :class:`OpSpec`.  It holds the forward
function y = f(x_1, ..., x_k), the *local* derivatives df/dx_i, the symbol used in
graph pictures, the formula used in the docs, and the domain where property tests
sample it.  The engine reads nothing else: :meth:`Value.backward` applies the chain
rule

    x_i.grad += y.grad * df/dx_i          (summed over every use of x_i)

with the local derivatives returned by ``spec.local_grads(*inputs, out)``.

One rule serves both orders of differentiation.  ``local_grads`` is written with the
operands' own arithmetic and with the helpers below (:func:`exp`, :func:`sigmoid`,
...), which call :mod:`math` on floats and the matching method on ``Value``s.  A normal
``backward()`` calls it with floats; ``grad(..., create_graph=True)`` calls it with the
``Value`` nodes themselves, so the derivative is recorded as a graph and can be
differentiated again.

Extending: declare an ``OpSpec`` and call it on ``Value``s (or numbers)::

    from micrograd_plus import ops
    cube = ops.register(ops.OpSpec(
        name="cube", arity=1,
        forward=lambda x: x * x * x,
        local_grads=lambda x, out: (3 * x * x,),
    ))
    y = cube(Value(2.0))        # Value(data=8.0, ...); y.backward() gives 12.0

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

__all__ = [
    "OPS",
    "Interval",
    "OpSpec",
    "cos",
    "erf",
    "exp",
    "log",
    "normal_cdf",
    "register",
    "sigmoid",
    "sin",
    "tanh",
    "value_of",
]

_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_GELU_KAPPA = 0.044715


# --------------------------------------------------------------------------------------
# Math that works on floats and on Values (so one derivative rule serves both orders)
# --------------------------------------------------------------------------------------


def _is_number(x: Any) -> bool:
    return type(x) is float or type(x) is int


def value_of(x: Any) -> float:
    """The float inside ``x``: ``x.data`` for a ``Value``, ``x`` itself for a number."""
    return x if _is_number(x) else x.data


def exp(x: Any) -> Any:
    """e^x for a float (``math.exp``) or a ``Value`` (``x.exp()``)."""
    return math.exp(x) if _is_number(x) else x.exp()


def log(x: Any) -> Any:
    """ln x for a float or a ``Value``."""
    return math.log(x) if _is_number(x) else x.log()


def sin(x: Any) -> Any:
    """sin x for a float or a ``Value``."""
    return math.sin(x) if _is_number(x) else x.sin()


def cos(x: Any) -> Any:
    """cos x for a float or a ``Value``."""
    return math.cos(x) if _is_number(x) else x.cos()


def tanh(x: Any) -> Any:
    """tanh x for a float or a ``Value``."""
    return math.tanh(x) if _is_number(x) else x.tanh()


def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^-x) for a float or a ``Value``."""
    return _sigmoid(x) if _is_number(x) else x.sigmoid()


def erf(x: Any) -> Any:
    """The error function for a float or a ``Value``."""
    return math.erf(x) if _is_number(x) else x.erf()


def normal_cdf(x: Any) -> Any:
    """Φ(x), the standard normal CDF, for a float or a ``Value``."""
    if _is_number(x):
        # NOTE: erfc keeps full relative precision in the far left tail, where 1+erf cancels.
        return 0.5 * math.erfc(-x / _SQRT2)
    return 0.5 * (1.0 + (x / _SQRT2).erf())


def _sigmoid(x: float) -> float:
    # NOTE: only ever exponentiate -|x|, so no input can overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _safe_mul(a: Any, b: Any) -> Any:
    """a*b, but 0 when one factor is exactly 0 and the other ±inf (not NaN).

    A zero times a finite number is still multiplied: on ``Value``s the product keeps
    its graph, so its derivative (e.g. d/dx of x phi(x) at x = 0) is not lost.
    """
    av, bv = value_of(a), value_of(b)
    if (av == 0.0 and math.isinf(bv)) or (bv == 0.0 and math.isinf(av)):
        return 0.0
    return a * b


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
        forward: f on floats, ``forward(x_1, ..., x_k) -> float``. It may raise
            ``ValueError``/``ZeroDivisionError``/``OverflowError`` like :mod:`math`.
        local_grads: ``local_grads(x_1, ..., x_k, out) -> (df/dx_1, ..., df/dx_k)``.
            Called with floats by ``backward()`` and with ``Value``s by
            ``grad(create_graph=True)``; write it with arithmetic and this module's
            helpers so both work.
        symbol: label of the op node in graph pictures (defaults to ``name``).
        formula: the math, as plain text, for docs.
        domain: one :class:`Interval` per operand, where property tests sample.
        kinks: points of the first operand where f is not differentiable; the value
            of ``local_grads`` there is the subgradient PyTorch uses.
        method: how users reach the op on a ``Value`` (``"__add__"``, ``"tanh"``...).
        params: the op's fixed parameters (``negative_slope``...), for labels and docs.
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
        from .engine import apply

        return apply(self, *operands)

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
    )
)

DIV = register(
    OpSpec(
        name="/",
        arity=2,
        forward=operator.truediv,
        local_grads=lambda a, b, out: (1.0 / b, -out / b),
        formula="y = a / b;  dy/da = 1/b,  dy/db = -a/b^2 = -y/b  (a primitive: exact IEEE division)",
        domain=(_DEFAULT_DOMAIN, Interval(-5.0, 5.0, avoid=(0.0,), margin=0.2)),
        method="__truediv__",
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
    )
)


def _pow(x: float, y: float) -> float:
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError("0.0 cannot be raised to a negative power")
    return math.pow(x, y)


def _pow_base_grad(x: Any, y: Any) -> Any:
    """d(x^y)/dx = y * x^(y-1), with PyTorch's values where x^(y-1) is singular."""
    yv = value_of(y)
    if yv == 0.0 and (_is_number(y) or value_of(x) == 0.0):
        return 0.0  # NOTE: a Value exponent keeps its graph: d/dy (y x^(y-1)) = x^-1 at y = 0
    if value_of(x) == 0.0 and yv < 1.0:
        return math.copysign(math.inf, yv)
    if _is_number(x) and _is_number(y):
        try:
            return y * x ** (y - 1.0)
        except OverflowError:  # float ** raises where PyTorch gives ±inf: so do we
            odd = x < 0.0 and float(y - 1.0).is_integer() and (y - 1.0) % 2.0 == 1.0
            return y * (-math.inf if odd else math.inf)
    return y * x ** (y - 1.0)


def _pow_exponent_grad(x: Any, out: Any) -> Any:
    """d(x^y)/dy = x^y * ln x; PyTorch's 0 at x = 0 and NaN for x < 0."""
    xv = value_of(x)
    if xv > 0.0:
        return out * log(x)
    return 0.0 if xv == 0.0 else math.nan


POW = register(
    OpSpec(
        name="**",
        arity=2,
        forward=_pow,
        local_grads=lambda x, y, out: (_pow_base_grad(x, y), _pow_exponent_grad(x, out)),
        formula="y = a^b;  dy/da = b a^(b-1),  dy/db = a^b ln a",
        domain=(Interval(0.1, 4.0), Interval(-3.0, 3.0)),
        method="__pow__",
    )
)


def _pow_const_domain(c: float) -> Interval:
    """Where x ** c is real and smooth: x > 0 unless c is an integer; x != 0 if c < 0."""
    if not float(c).is_integer():  # NaN and ±inf included
        return Interval(0.1, 4.0)
    return Interval(-5.0, 5.0, avoid=(0.0,), margin=0.2) if c < 0 else _DEFAULT_DOMAIN


@lru_cache(maxsize=256)
def pow_const(exponent: float) -> OpSpec:
    """x ** c for a constant exponent c: no log(x) is needed, so x may be negative."""
    return OpSpec(
        name="**",
        arity=1,
        forward=lambda x: _pow(x, exponent),
        local_grads=lambda x, out: (_pow_base_grad(x, exponent),),
        symbol=f"**{exponent:g}",
        formula="y = x^c;  dy/dx = c x^(c-1)",
        domain=(_pow_const_domain(exponent),),
        method="__pow__",
        params=(("exponent", exponent),),
    )


# --------------------------------------------------------------------------------------
# Elementary functions
# --------------------------------------------------------------------------------------

EXP = register(
    OpSpec(
        name="exp",
        arity=1,
        forward=math.exp,
        local_grads=lambda x, out: (out,),
        formula="y = e^x;  dy/dx = e^x = y",
        domain=(Interval(-10.0, 10.0),),
        method="exp",
    )
)

LOG = register(
    OpSpec(
        name="log",
        arity=1,
        forward=math.log,
        local_grads=lambda x, out: (1.0 / x,),
        formula="y = ln x  (x > 0);  dy/dx = 1/x",
        domain=(Interval(0.05, 20.0),),
        method="log",
    )
)


def _sqrt_grad(x: Any, out: Any) -> Any:
    # NOTE: at 0 the slope is infinite; sqrt(-0.0) = -0.0 gives -inf, as in PyTorch.
    return 0.5 / out if value_of(out) != 0.0 else math.copysign(math.inf, value_of(out))


SQRT = register(
    OpSpec(
        name="sqrt",
        arity=1,
        forward=math.sqrt,
        local_grads=lambda x, out: (_sqrt_grad(x, out),),
        formula="y = sqrt(x)  (x >= 0);  dy/dx = 1 / (2 sqrt(x)) = 1/(2y)",
        domain=(Interval(0.05, 20.0),),
        method="sqrt",
    )
)

ABS = register(
    OpSpec(
        name="abs",
        arity=1,
        forward=abs,
        local_grads=lambda x, out: (1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0),),
        symbol="|x|",
        formula="y = |x|;  dy/dx = sign(x), 0 at x = 0",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="abs",
    )
)

SIN = register(
    OpSpec(
        name="sin",
        arity=1,
        forward=math.sin,
        local_grads=lambda x, out: (cos(x),),
        formula="y = sin x;  dy/dx = cos x",
        method="sin",
    )
)

COS = register(
    OpSpec(
        name="cos",
        arity=1,
        forward=math.cos,
        local_grads=lambda x, out: (-sin(x),),
        formula="y = cos x;  dy/dx = -sin x",
        method="cos",
    )
)

ERF = register(
    OpSpec(
        name="erf",
        arity=1,
        forward=math.erf,
        local_grads=lambda x, out: (_TWO_OVER_SQRT_PI * exp(-(x * x)),),
        formula="y = erf x;  dy/dx = 2/sqrt(pi) e^(-x^2)",
        method="erf",
    )
)


# --------------------------------------------------------------------------------------
# Activations (numerically stable: no finite input overflows or raises)
# --------------------------------------------------------------------------------------


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # NaN stays NaN, as in PyTorch


RELU = register(
    OpSpec(
        name="relu",
        arity=1,
        forward=_relu,
        local_grads=lambda x, out: (1.0 if x > 0.0 else 0.0,),
        formula="y = max(x, 0);  dy/dx = 1 if x > 0 else 0  (0 at the kink, as PyTorch)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="relu",
    )
)


@lru_cache(maxsize=64)
def leaky_relu_op(negative_slope: float = 0.01) -> OpSpec:
    """leaky_relu with a fixed ``negative_slope``."""
    s = negative_slope
    return OpSpec(
        name="leaky_relu",
        arity=1,
        forward=lambda x: x if x > 0.0 else x * s,
        local_grads=lambda x, out: (1.0 if x > 0.0 else s,),
        formula="y = x if x > 0 else s x;  dy/dx = 1 if x > 0 else s  (s at the kink)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="leaky_relu",
        params=(("negative_slope", s),),
    )


@lru_cache(maxsize=64)
def elu_op(alpha: float = 1.0) -> OpSpec:
    """elu with a fixed ``alpha``."""
    a = alpha
    return OpSpec(
        name="elu",
        arity=1,
        forward=lambda x: x if x > 0.0 else a * math.expm1(x),
        local_grads=lambda x, out: (1.0 if x > 0.0 else a * exp(x),),
        formula="y = x if x > 0 else a (e^x - 1);  dy/dx = 1 if x > 0 else a e^x",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="elu",
        params=(("alpha", a),),
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
        forward=lambda x: x if x > 0.0 else a * math.expm1(x / a),
        local_grads=lambda x, out: (1.0 if x > 0.0 else exp(x / a),),
        formula="y = max(0, x) + min(0, a (e^(x/a) - 1));  dy/dx = 1 if x > 0 else e^(x/a)",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)),),
        method="celu",
        params=(("alpha", a),),
    )


def _gelu_tanh_parts(x: Any) -> tuple[Any, Any]:
    """u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u)."""
    u = _SQRT_2_OVER_PI * (x + _GELU_KAPPA * (x * x * x))  # x*x*x: inf, never OverflowError
    return u, tanh(u)


def _gelu_tanh_forward(x: float) -> float:
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
        forward=lambda x: x * _sigmoid(b * x),
        local_grads=lambda x, out: (grad(x, out),),
        formula="y = x s,  s = sigma(b x);  dy/dx = s + b x s (1 - s)",
        method="swish",
        params=(("beta", b),),
    )


def _silu_grad(x: Any, out: Any) -> Any:
    s = sigmoid(x)
    return s + _safe_mul(x, s * (1.0 - s))


SILU = register(
    OpSpec(
        name="silu",
        arity=1,
        forward=lambda x: x * _sigmoid(x),
        local_grads=lambda x, out: (_silu_grad(x, out),),
        formula="y = x sigma(x);  dy/dx = sigma(x) (1 + x (1 - sigma(x)))",
        method="silu",
    )
)

SIGMOID = register(
    OpSpec(
        name="sigmoid",
        arity=1,
        forward=_sigmoid,
        local_grads=lambda x, out: (out * (1.0 - out),),
        symbol="σ",
        formula="y = 1 / (1 + e^-x);  dy/dx = y (1 - y)",
        domain=(Interval(-10.0, 10.0),),
        method="sigmoid",
    )
)

TANH = register(
    OpSpec(
        name="tanh",
        arity=1,
        forward=math.tanh,
        local_grads=lambda x, out: (1.0 - out * out,),
        formula="y = tanh x;  dy/dx = 1 - y^2",
        method="tanh",
    )
)

_SOFTPLUS_THRESHOLD = 20.0  # as torch.nn.functional.softplus: linear above it


def _softplus(x: float) -> float:
    if x > _SOFTPLUS_THRESHOLD:
        return x
    return math.log1p(math.exp(x))


SOFTPLUS = register(
    OpSpec(
        name="softplus",
        arity=1,
        forward=_softplus,
        local_grads=lambda x, out: (1.0 if x > _SOFTPLUS_THRESHOLD else sigmoid(x),),
        formula="y = ln(1 + e^x)  (y = x for x > 20, as PyTorch);  dy/dx = sigma(x)",
        domain=(Interval(-10.0, 10.0),),
        method="softplus",
    )
)

PRELU = register(
    OpSpec(
        name="prelu",
        arity=2,
        forward=lambda x, w: x if x > 0.0 else w * x,
        local_grads=lambda x, w, out: (1.0 if x > 0.0 else w, 0.0 if x > 0.0 else x),
        formula="y = x if x > 0 else w x;  dy/dx = 1 if x > 0 else w,  dy/dw = 0 if x > 0 else x",
        kinks=(0.0,),
        domain=(Interval(-5.0, 5.0, avoid=(0.0,)), Interval(-1.0, 1.0)),
        method="prelu",
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
# Fused n-ary ops: one node where a chain of + and * would make 2n (for speed)
# --------------------------------------------------------------------------------------


@cache
def dot_op(n: int, bias: bool = True) -> OpSpec:
    """y = w_1 x_1 + ... + w_n x_n (+ b) over operands (w_1..w_n, x_1..x_n[, b]).

    A neuron's pre-activation z = w·x + b as ONE node: dy/dw_i = x_i, dy/dx_i = w_i,
    dy/db = 1 (BP3 and BP4 of the lecture, read off the local derivatives).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"dot needs at least one (w, x) pair, got n={n!r}.")
    twice = 2 * n
    if bias:
        forward = lambda *v: sum(map(operator.mul, v[:n], v[n:twice]), v[twice])
        local_grads = lambda *v: (*v[n:twice], *v[:n], 1.0)
    else:
        forward = lambda *v: sum(map(operator.mul, v[:n], v[n:twice]), 0.0)
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
    )


@cache
def sum_op(n: int) -> OpSpec:
    """y = x_1 + ... + x_n as one node: dy/dx_i = 1."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"sum needs at least one operand, got n={n!r}.")
    ones = (1.0,) * n
    return OpSpec(
        name="sum",
        arity=n,
        forward=lambda *v: sum(v, 0.0),
        local_grads=lambda *v: ones,
        symbol="Σ",
        formula="y = sum_i x_i;  dy/dx_i = 1  (fused for speed)",
        method="",
        params=(("n", n),),
    )
