r"""Property-testing tools: hypothesis strategies and ``assert_grad_close``.

The project's own tests are written with these, and so can yours. Backprop is checked
against the central finite difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h

on inputs that hypothesis draws for you: numbers inside an op's domain (a little away
from its kinks and poles), whole random expression graphs with shared sub-expressions
(the bugs live where a node is reused), and small MLPs.

This module needs ``hypothesis`` (``pip install 'micrograd-plus[dev]'``); the rest of
the package does not.

Example: property-test your own function ::

    from hypothesis import given
    from micrograd_plus.testing import assert_grad_close, finite_floats

    def smooth_hinge(w, x):
        return (1 - w * x).softplus() + 0.1 * w * w

    @given(finite_floats(-3, 3), finite_floats(-3, 3))
    def test_smooth_hinge_gradient(w, x):
        assert_grad_close(smooth_hinge, [w, x])

and a random graph of the project's ops, with every leaf gradient checked ::

    from micrograd_plus.testing import expression_graphs

    @given(expression_graphs())
    def test_backprop_on_random_graphs(case):
        f, xs = case
        assert_grad_close(f, xs)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as err:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "micrograd_plus.testing needs hypothesis: pip install 'micrograd-plus[testing]' "
        "(or pip install hypothesis)."
    ) from err

from . import ops
from .engine import Value, dot, sum_values
from .gradcheck import grad_mismatches
from .ops import Interval, OpSpec

__all__ = [
    "ExpressionGraph",
    "all_op_specs",
    "assert_grad_close",
    "expression_graphs",
    "finite_floats",
    "inputs_for",
    "mlp_configs",
    "small_mlps",
    "values_in",
]


# --------------------------------------------------------------------------------------
# Checking gradients
# --------------------------------------------------------------------------------------


def assert_grad_close(
    f: Callable[..., Value],
    xs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that backprop agrees with central finite differences for ``f`` at ``xs``.

    Same ``f``/``xs`` and tolerances as :func:`micrograd_plus.gradcheck`: input i passes
    when ``|analytic_i - numeric_i| <= atol + rtol * |numeric_i|``. On a mismatch this
    raises ``AssertionError`` carrying gradcheck's report (input index, analytic and
    numeric gradient, error), so it reads well inside pytest.
    """
    report = grad_mismatches(f, xs, eps, atol, rtol)
    if report:
        raise AssertionError(report)


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------


def finite_floats(min_value: float | None = None, max_value: float | None = None) -> st.SearchStrategy[float]:
    """Finite floats (no NaN, no ±inf) in ``[min_value, max_value]`` (unbounded if None)."""
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False)


def values_in(
    interval: Interval, avoid: Sequence[float] = (), margin: float | None = None
) -> st.SearchStrategy[float]:
    """Floats in ``[interval.lo, interval.hi]``, at least ``margin`` away from every point
    of ``interval.avoid`` and of ``avoid`` (``margin`` defaults to ``interval.margin``).
    """
    points = tuple(interval.avoid) + tuple(avoid)
    gap = interval.margin if margin is None else margin
    base = finite_floats(interval.lo, interval.hi)
    if not points:
        return base
    return base.filter(lambda x: all(abs(x - p) >= gap for p in points))


def inputs_for(spec: OpSpec) -> st.SearchStrategy[tuple[float, ...]]:
    """One float per operand of ``spec``, each inside its ``spec.domain`` interval.

    The first operand also stays ``margin`` away from ``spec.kinks``, where the op has
    no derivative and finite differences would disagree with the chosen subgradient.
    """
    parts = [
        values_in(interval, avoid=spec.kinks if i == 0 else ()) for i, interval in enumerate(spec.domain)
    ]
    return st.tuples(*parts)


# --------------------------------------------------------------------------------------
# Every op the tests must cover
# --------------------------------------------------------------------------------------

POW_EXPONENTS: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5)
"""Constant exponents of ``x ** c`` covered by :func:`all_op_specs`."""


def all_op_specs() -> list[OpSpec]:
    """Every :class:`OpSpec` the property tests cover, read from the table at call time.

    That is every registered op in :data:`micrograd_plus.ops.OPS` (so a new entry is
    covered without further edits), plus the ones reached without registration:
    ``gelu(approximate="tanh")``, ``x ** c`` for the exponents in
    :data:`POW_EXPONENTS`, the parametrized families at a non-default parameter, and the
    fused ``dot``/``sum`` ops for a few small sizes.
    """
    specs: list[OpSpec] = list(ops.OPS.values())
    specs.append(ops.GELU_TANH)
    specs.extend(ops.pow_const(c) for c in POW_EXPONENTS)
    specs.extend(
        [
            ops.leaky_relu_op(0.2),
            ops.leaky_relu_op(-0.5),
            ops.elu_op(0.5),
            ops.elu_op(2.0),
            ops.celu_op(0.5),
            ops.celu_op(2.0),
            ops.swish_op(0.5),
            ops.swish_op(2.0),
        ]
    )
    for n in (1, 2, 3):
        specs.append(ops.dot_op(n, True))
        specs.append(ops.dot_op(n, False))
        specs.append(ops.sum_op(n))
    unique: list[OpSpec] = []
    for spec in specs:
        if not any(spec is seen for seen in unique):
            unique.append(spec)
    return unique


# --------------------------------------------------------------------------------------
# Random expression graphs
# --------------------------------------------------------------------------------------

# Each step is (kind, operand indices, extra). Operand indices point at earlier nodes
# (leaves first). Whether a step may use an op is decided once, at draw time, from the
# operand values at xs: a step divides only by a number at least 0.5 away from 0, takes
# log/sqrt only of numbers >= 0.1, applies a kinked op only 0.05 away from its kink. So
# f is one smooth formula in a neighbourhood of xs and finite differences apply.

_BOUND = 8.0  # a node bigger than this is squashed with tanh, so no value explodes

_UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sin": Value.sin,
    "cos": Value.cos,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
    "silu": Value.silu,
    "gelu": Value.gelu,
    "gelu_tanh": lambda v: v.gelu(approximate="tanh"),
    "swish": lambda v: v.swish(1.5),
    "exp": Value.exp,
    "exp2": lambda v: 2.0**v,
    "neg": Value.__neg__,
    "square": lambda v: v**2,
    "cube": lambda v: v**3,
    "erf": Value.erf,
    # only away from 0 (see _allowed):
    "relu": Value.relu,
    "abs": Value.abs,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "elu": Value.elu,
    "celu": lambda v: v.celu(0.7),
    "prelu": lambda v: v.prelu(0.25),
    "recip": lambda v: 1.0 / v,
    # only for positive arguments:
    "log": Value.log,
    "sqrt": Value.sqrt,
    "pow_half": lambda v: v**1.5,
}

_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "prelu": lambda a, b: a.prelu(b),
    "rsub": lambda a, b: 2.0 - a * b,
}

_NEEDS_NONZERO = {"relu", "abs", "leaky_relu", "elu", "celu", "prelu", "recip"}
_NEEDS_POSITIVE = {"log", "sqrt", "pow_half"}


def _registered_unary() -> dict[str, tuple[Callable[[Value], Value], tuple[float, ...]]]:
    """Each activation of ``ops.ACTIVATIONS`` not in ``_UNARY`` (one registered later),
    with its default parameters, and its kinks: read at draw time."""
    extra = {}
    for name, act in ops.ACTIVATIONS.items():
        if act.method and name not in _UNARY:
            spec = act.spec()
            extra[name] = (act.bind() if not act.learnable else act, spec.kinks if spec is not None else ())
    return extra


def _allowed(kind: str, values: Sequence[float]) -> bool:
    """Whether op ``kind`` is smooth near these operand values."""
    x = values[0]
    registered = _registered_unary()
    if kind in registered:
        return all(abs(x - k) >= 0.05 for k in registered[kind][1])
    if kind in _NEEDS_NONZERO:
        return abs(x) >= 0.05 if kind != "recip" else abs(x) >= 0.5
    if kind in _NEEDS_POSITIVE:
        return x >= 0.1
    if kind == "/":
        return abs(values[1]) >= 0.5
    if kind == "**":
        return x >= 0.1 and abs(values[1]) <= 3.0
    if kind in ("exp", "exp2"):
        return x <= 2.0
    return True


@dataclass(frozen=True)
class ExpressionGraph:
    """A random expression graph as a program; calling it rebuilds the graph.

    ``graph(*leaves)`` replays ``steps`` on the leaves and returns one ``Value``: the sum
    of every node no other step uses (so every node influences the output). Nodes used
    by several steps are shared sub-expressions: their gradient is a sum over paths.
    ``repr`` prints the program, which is what hypothesis shows for a failing example.
    """

    n_leaves: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def __call__(self, *leaves: Value) -> Value:
        if len(leaves) != self.n_leaves:
            raise ValueError(f"this graph takes {self.n_leaves} leaves, got {len(leaves)}.")
        nodes: list[Value] = [v if isinstance(v, Value) else Value(v) for v in leaves]
        for kind, args in self.steps:
            nodes.append(_run(kind, [nodes[i] for i in args]))
        used = {i for _, args in self.steps for i in args}
        sinks = [node for i, node in enumerate(nodes) if i not in used]
        return sinks[0] if len(sinks) == 1 else sum_values(sinks)

    @property
    def n_ops(self) -> int:
        """Number of steps (each makes one node, a ``dot``/``sum`` step included)."""
        return len(self.steps)

    def shared(self) -> list[int]:
        """Indices of nodes used by more than one step (or twice by one step)."""
        counts: dict[int, int] = {}
        for _, args in self.steps:
            for i in args:
                counts[i] = counts.get(i, 0) + 1
        return sorted(i for i, c in counts.items() if c > 1)

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_leaves)]
        lines = []
        for k, (kind, args) in enumerate(self.steps):
            name = f"v{k}"
            lines.append(f"{name} = {kind}({', '.join(names[i] for i in args)})")
            names.append(name)
        return f"ExpressionGraph({self.n_leaves} leaves: " + "; ".join(lines) + ")"


def _run(kind: str, operands: list[Value]) -> Value:
    if kind == "dot":
        half = len(operands) // 2
        return dot(operands[:half], operands[half : 2 * half], operands[-1] if len(operands) % 2 else None)
    if kind == "sum":
        return sum_values(operands)
    if kind == "squash":
        return operands[0].tanh()
    if len(operands) == 1:
        f = _UNARY.get(kind) or _registered_unary()[kind][0]
        return f(operands[0])
    return _BINARY[kind](operands[0], operands[1])


@st.composite
def expression_graphs(
    draw: Any,
    min_leaves: int = 2,
    max_leaves: int = 4,
    min_ops: int = 10,
    max_ops: int = 40,
    leaf_range: float = 2.0,
) -> tuple[ExpressionGraph, list[float]]:
    """Draw ``(f, xs)``: a random graph over several leaves and a point to check it at.

    Steps mix the binary operators, the elementary functions and activations, and the
    fused ``dot``/``sum`` ops; operands favour recent nodes but often reuse older ones,
    and a node sometimes meets itself (``v * v``). Every op is applied only where it is
    smooth near ``xs`` and a node larger than 8 is squashed with ``tanh``, so ``f`` has
    moderate values and gradients, suitable for :func:`assert_grad_close`.
    """
    n_leaves = draw(st.integers(min_leaves, max_leaves))
    xs = [draw(finite_floats(-leaf_range, leaf_range)) for _ in range(n_leaves)]
    n_ops = draw(st.integers(min_ops, max_ops))
    values: list[float] = list(xs)
    steps: list[tuple[str, tuple[int, ...]]] = []
    unary, binary = sorted([*_UNARY, *_registered_unary()]), sorted(_BINARY)
    # The nodes later steps may use: a node bigger than _BOUND only through its squash.
    # (Were the big node itself reused, values and gradients could grow without bound,
    # e.g. 7e6 into sin(): then the 1e-6 step of the finite difference is no longer
    # small and the check fails on a correct gradient.)
    usable: list[int] = list(range(n_leaves))

    def operand() -> int:
        n = len(usable)
        if draw(st.booleans()):  # a recent node: builds depth
            return usable[draw(st.integers(max(0, n - 3), n - 1))]
        return usable[draw(st.integers(0, n - 1))]  # any node: builds sharing

    def push(kind: str, args: tuple[int, ...]) -> None:
        with_values = [Value(values[i]) for i in args]
        value = _run(kind, with_values).data
        steps.append((kind, args))
        values.append(value)
        if not abs(value) <= _BOUND:
            steps.append(("squash", (len(values) - 1,)))
            values.append(math.tanh(value))
        usable.append(len(values) - 1)

    for _ in range(n_ops):
        arity = draw(st.sampled_from((1, 2, 2, "n")))
        if arity == "n":
            size = draw(st.integers(1, 3))
            if draw(st.booleans()):
                args = tuple(operand() for _ in range(2 * size + draw(st.integers(0, 1))))
                push("dot", args)
            else:
                push("sum", tuple(operand() for _ in range(size + 1)))
            continue
        if arity == 1:
            kind = draw(st.sampled_from(unary))
            args = (operand(),)
        else:
            kind = draw(st.sampled_from(binary))
            first = operand()
            args = (first, first if draw(st.integers(0, 4)) == 0 else operand())
        if not _allowed(kind, [values[i] for i in args]):
            kind, args = ("*", args) if len(args) == 2 else ("tanh", args)
        push(kind, args)
    return ExpressionGraph(n_leaves, tuple(steps)), xs


# --------------------------------------------------------------------------------------
# Small MLPs
# --------------------------------------------------------------------------------------


def __getattr__(name: str) -> Any:
    # ACTIVATIONS: the activation names of nn.MLP, read from ops.ACTIVATIONS at each use.
    if name == "ACTIVATIONS":
        return tuple(ops.ACTIVATIONS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@st.composite
def mlp_configs(
    draw: Any,
    max_inputs: int = 3,
    max_layers: int = 2,
    max_width: int = 4,
    activations: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Draw keyword arguments for ``nn.MLP``: ``nin``, ``nouts``, ``activation``,
    ``output_activation`` and an integer ``rng`` seed (no model is built).

    ``activations`` defaults to every name in ``ops.ACTIVATIONS``.
    """
    if activations is None:
        activations = tuple(ops.ACTIVATIONS)
    n_hidden = draw(st.integers(0, max_layers - 1))
    return {
        "nin": draw(st.integers(1, max_inputs)),
        "nouts": [draw(st.integers(1, max_width)) for _ in range(n_hidden)] + [1],
        "activation": draw(st.sampled_from(tuple(activations))),
        "output_activation": draw(st.sampled_from((None, "tanh", "sigmoid"))),
        "rng": draw(st.integers(0, 2**32 - 1)),
    }


@st.composite
def small_mlps(
    draw: Any,
    max_inputs: int = 3,
    max_layers: int = 2,
    max_width: int = 4,
    activations: Sequence[str] | None = None,
) -> tuple[Any, list[float]]:
    """Draw ``(model, x)``: a small seeded ``nn.MLP`` with one output and an input for it.

    The model comes from :func:`mlp_configs`; ``x`` holds ``nin`` floats in [-2, 2].
    A typical check is the gradient of the output with respect to the input ::

        @given(small_mlps())
        def test_mlp_input_gradient(case):
            model, x = case
            assert_grad_close(lambda *v: model(list(v)), x)

    (with a relu-family activation, a pre-activation within ~1e-6 of 0 makes finite
    differences straddle the kink; such draws are rare, filter them if you need to).
    """
    from . import nn  # NOTE: lazy, so this module imports without nn being needed

    config = draw(mlp_configs(max_inputs, max_layers, max_width, activations))
    model = nn.MLP(**config)
    x = [draw(finite_floats(-2.0, 2.0)) for _ in range(config["nin"])]
    return model, x
