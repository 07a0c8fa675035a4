"""Every op of the table: value, gradient, second derivative, kinks, stability, domain.

The tests loop over :func:`micrograd_plus.testing.all_op_specs`, which reads the table,
so a new entry in ``ops.py`` is covered here without touching this file, except for
its reference formula below (written independently of ``ops.py``, from the math).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, grad, numerical_grad, ops
from micrograd_plus.testing import all_op_specs, finite_floats, inputs_for

SPECS = all_op_specs()


def spec_id(spec: ops.OpSpec) -> str:
    return f"{spec.label}/{spec.arity}"


# --------------------------------------------------------------------------------------
# Reference formulas (independent of ops.py: only math, and the definitions PyTorch uses)
# --------------------------------------------------------------------------------------


def _softplus_ref(x: float) -> float:
    return x if x > 20.0 else math.log(1.0 + math.exp(x))


def _gelu_ref(x: float, approximate: str = "none") -> float:
    if approximate == "tanh":
        return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _pow_ref(*v: float, exponent: float | None = None) -> float:
    if exponent is None:
        return v[0] ** v[1]
    return v[0] ** exponent


def _dot_ref(*v: float, n: int) -> float:
    total = math.fsum(v[i] * v[n + i] for i in range(n))
    return total + (v[2 * n] if len(v) > 2 * n else 0.0)


REFERENCE = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda x: -x,
    "**": _pow_ref,
    "exp": lambda x: math.e**x,
    "log": lambda x: math.log(x),
    "sqrt": lambda x: x**0.5,
    "abs": lambda x: x if x >= 0 else -x,
    "sin": math.sin,
    "cos": math.cos,
    "erf": math.erf,
    "erfc": lambda x: 1.0 - math.erf(x) if abs(x) < 0.5 else math.erfc(x),
    "relu": lambda x: max(x, 0.0),
    "leaky_relu": lambda x, negative_slope: x if x >= 0 else negative_slope * x,
    "elu": lambda x, alpha: x if x > 0 else alpha * (math.exp(x) - 1.0),
    "celu": lambda x, alpha: max(0.0, x) + min(0.0, alpha * (math.exp(x / alpha) - 1.0)),
    "gelu": _gelu_ref,
    "silu": lambda x: x / (1.0 + math.exp(-x)),
    "swish": lambda x, beta: x / (1.0 + math.exp(-beta * x)),
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "tanh": lambda x: (math.exp(2 * x) - 1.0) / (math.exp(2 * x) + 1.0),
    "softplus": _softplus_ref,
    "prelu": lambda x, w: x if x >= 0 else w * x,
    "dot": _dot_ref,
    "sum": lambda *v, n: math.fsum(v),
}


def reference(spec: ops.OpSpec, xs: tuple[float, ...]) -> float:
    if spec.name not in REFERENCE:
        pytest.fail(f"op {spec.name!r} has no reference formula: add one to REFERENCE in tests/test_ops.py")
    return REFERENCE[spec.name](*xs, **dict(spec.params))


def apply_at(spec: ops.OpSpec, xs: tuple[float, ...]) -> tuple[list[Value], Value]:
    leaves = [Value(x) for x in xs]
    return leaves, spec(*leaves)


# --------------------------------------------------------------------------------------
# The table itself
# --------------------------------------------------------------------------------------


def test_table_covers_the_contract():
    names = set(ops.OPS)
    for name in (
        "+",
        "-",
        "*",
        "/",
        "**",
        "neg",
        "exp",
        "log",
        "sqrt",
        "abs",
        "sin",
        "cos",
        "relu",
        "leaky_relu",
        "elu",
        "celu",
        "gelu",
        "silu",
        "swish",
        "sigmoid",
        "tanh",
        "softplus",
        "prelu",
    ):
        assert name in names, f"{name!r} missing from ops.OPS"


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_spec_is_complete(spec):
    assert spec.formula.strip(), f"{spec!r} needs a formula for the docs"
    assert spec.symbol
    assert len(spec.domain) == spec.arity
    for interval in spec.domain:
        assert interval.lo < interval.hi
    for kink in spec.kinks:
        assert kink in spec.domain[0]


def _call_method(spec: ops.OpSpec, xs: tuple[float, ...]) -> Value:
    """Reach ``spec`` the way a user does: through its Value method or operator."""
    first, *rest = [Value(x) for x in xs]
    method = getattr(first, spec.method)
    params = dict(spec.params)
    if spec.method.startswith("__") and spec.arity == 1 and params:  # x ** c
        return method(*params.values())
    return method(*rest, **params)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.method], ids=spec_id)
def test_method_reaches_spec(spec):
    xs = tuple(0.5 * (d.lo + d.hi) + 0.37 for d in spec.domain)
    out = _call_method(spec, xs)
    assert out.spec is spec
    assert out.op == spec.name
    assert len(out.parents) == spec.arity


def test_every_op_is_reachable():
    """Each registered op has the Value method/operator named by ``spec.method``."""
    missing = [name for name, spec in ops.OPS.items() if not spec.method or not hasattr(Value, spec.method)]
    assert not missing, f"registered ops without a Value method: {missing} (add one to engine.Value)"
    for spec in ops.OPS.values():
        xs = tuple(0.5 * (d.lo + d.hi) + 0.37 for d in spec.domain)
        assert _call_method(spec, xs).spec is spec, spec


def test_reflected_operators_reach_the_same_ops():
    x = Value(3.0)
    assert (2 + x).spec is ops.ADD and (2 - x).spec is ops.SUB
    assert (2 * x).spec is ops.MUL and (2 / x).spec is ops.DIV and (2**x).spec is ops.POW
    assert (2 - x).parents[1] is x and (2 - x).data == -1.0
    assert (2 / x).data == 2 / 3 and (2**x).data == 8.0


# --------------------------------------------------------------------------------------
# First derivatives: value vs reference, gradient vs finite differences, random upstream
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_value_matches_reference(spec):
    @given(inputs_for(spec))
    def check(xs):
        _, out = apply_at(spec, xs)
        expected = reference(spec, xs)
        assert isinstance(out.data, float)
        assert math.isclose(out.data, expected, rel_tol=1e-9, abs_tol=1e-12), (xs, out.data, expected)

    check()


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_gradient_matches_finite_differences(spec):
    @given(inputs_for(spec), finite_floats(-3.0, 3.0))
    def check(xs, upstream):
        leaves, out = apply_at(spec, xs)
        out.backward(upstream)
        numeric = numerical_grad(lambda *v: spec(*v), list(xs))
        for i, (leaf, d) in enumerate(zip(leaves, numeric)):
            expected = upstream * d
            assert math.isclose(leaf.grad, expected, rel_tol=1e-4, abs_tol=1e-5 * (1 + abs(upstream))), (
                f"input {i} at {xs}: analytic {leaf.grad}, numeric {expected} (upstream {upstream})"
            )
        assert out.grad == upstream

    check()


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_local_grads_same_on_floats_and_values(spec):
    """One rule serves both orders: the float and the Value call give the same numbers."""

    @given(inputs_for(spec))
    def check(xs):
        leaves, out = apply_at(spec, xs)
        on_floats = spec.local_grads(*xs, out.data)
        on_values = spec.local_grads(*leaves, out)
        assert len(on_floats) == len(on_values) == spec.arity
        for a, b in zip(on_floats, on_values):
            assert math.isclose(ops.value_of(a), ops.value_of(b), rel_tol=1e-12, abs_tol=1e-15)

    check()


# --------------------------------------------------------------------------------------
# Second derivatives: grad(create_graph=True) vs finite differences of first derivatives
# --------------------------------------------------------------------------------------


def _first_derivatives(spec: ops.OpSpec, xs: list[float]) -> list[float]:
    leaves, out = apply_at(spec, tuple(xs))
    out.backward()
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_second_derivatives_match_finite_differences(spec):
    h = 1e-6

    @given(inputs_for(spec))
    def check(xs):
        leaves, out = apply_at(spec, xs)
        firsts = grad(out, leaves, create_graph=True)
        by_backward = _first_derivatives(spec, list(xs))
        for i, first in enumerate(firsts):
            assert math.isclose(first.data, by_backward[i], rel_tol=1e-12, abs_tol=1e-15)
            seconds = grad(first, leaves)
            for j, second in enumerate(seconds):
                plus, minus = list(xs), list(xs)
                plus[j] += h
                minus[j] -= h
                numeric = (_first_derivatives(spec, plus)[i] - _first_derivatives(spec, minus)[i]) / (2 * h)
                assert math.isclose(second.data, numeric, rel_tol=1e-3, abs_tol=1e-4), (
                    f"d2/dx{i}dx{j} at {xs}: analytic {second.data}, numeric {numeric}"
                )

    check()


# --------------------------------------------------------------------------------------
# Kinks: PyTorch's subgradient, pinned
# --------------------------------------------------------------------------------------


def _grad_at(method: str, x: float, *args, **kwargs) -> tuple[float, float]:
    v = Value(x)
    out = getattr(v, method)(*args, **kwargs)
    out.backward()
    return out.data, v.grad


def test_relu_kink():
    assert _grad_at("relu", 0.0) == (0.0, 0.0)
    assert _grad_at("relu", -0.0) == (0.0, 0.0)


def test_abs_kink():
    assert _grad_at("abs", 0.0) == (0.0, 0.0)
    assert _grad_at("abs", -0.0)[1] == 0.0


@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5])
def test_leaky_relu_kink(slope):
    assert _grad_at("leaky_relu", 0.0, slope) == (0.0, slope)
    assert _grad_at("leaky_relu", 0.0) == (0.0, 0.01)


def test_prelu_kink():
    x, w = Value(0.0), Value(0.3)
    out = x.prelu(w)
    out.backward()
    assert (out.data, x.grad, w.grad) == (0.0, 0.3, 0.0)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_kink(alpha):
    assert _grad_at("elu", 0.0, alpha) == (0.0, alpha)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_celu_kink(alpha):
    assert _grad_at("celu", 0.0, alpha) == (0.0, 1.0)


def test_sqrt_at_zero_has_infinite_slope():
    assert _grad_at("sqrt", 0.0) == (0.0, math.inf)


def test_pow_edge_cases():
    # PyTorch's values: d(x^0)/dx = 0 everywhere; d(x^c)/dx at 0 for 0 < c < 1 is inf.
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    x = Value(0.0)
    out = x**0.5
    out.backward()
    assert (out.data, x.grad) == (0.0, math.inf)
    x = Value(0.0)
    (x**2).backward()
    assert x.grad == 0.0
    x = Value(-2.0)
    out = x**3
    out.backward()
    assert (out.data, x.grad) == (-8.0, 12.0)
    # Value ** Value: the exponent's gradient is 0 at base 0, NaN for a negative base.
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    a, b = Value(-2.0), Value(2.0)
    out = a**b
    out.backward()
    assert out.data == 4.0 and a.grad == -4.0 and math.isnan(b.grad)


# --------------------------------------------------------------------------------------
# Stability: the activations on any finite input
# --------------------------------------------------------------------------------------

# every activation of the registry (with its default parameters), and gelu's tanh form
STABLE = [name for name, act in ops.ACTIVATIONS.items() if act.method] + ["gelu_tanh"]


def _activation(name: str, x: Value) -> Value:
    if name == "gelu_tanh":
        return x.gelu(approximate="tanh")
    return ops.ACTIVATIONS[name](x)


@pytest.mark.parametrize("name", STABLE)
@pytest.mark.parametrize("x", [-1000.0, 1000.0, -1e308, 1e308, -1e154, 1e154, -40.0, 40.0, 0.0])
def test_activation_finite_at_extremes(name, x):
    v = Value(x)
    out = _activation(name, v)
    out.backward()
    assert math.isfinite(out.data) and math.isfinite(v.grad), (name, x, out.data, v.grad)


@pytest.mark.parametrize("name", STABLE)
def test_activation_finite_on_any_float(name):
    @given(finite_floats())
    def check(x):
        v = Value(x)
        out = _activation(name, v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad), (name, x, out.data, v.grad)
        first = grad(_activation(name, v), [v], create_graph=True)[0]
        assert math.isfinite(first.data)

    check()


def test_stable_values_at_1000():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert _grad_at("sigmoid", -1000.0) == (0.0, 0.0)
    assert _grad_at("sigmoid", 1000.0) == (1.0, 0.0)
    assert _grad_at("softplus", 1000.0) == (1000.0, 1.0)
    assert _grad_at("softplus", -1000.0) == (0.0, 0.0)
    assert _grad_at("tanh", 1000.0) == (1.0, 0.0)
    assert _grad_at("tanh", -1000.0) == (-1.0, 0.0)
    assert _grad_at("gelu", 1000.0) == (1000.0, 1.0)
    assert _grad_at("gelu", -1000.0) == (0.0, 0.0)
    assert _grad_at("silu", 1000.0) == (1000.0, 1.0)
    assert _grad_at("silu", -1000.0) == (0.0, 0.0)
    assert _grad_at("elu", -1000.0) == (-1.0, 0.0)
    assert _grad_at("celu", -1000.0, 2.0) == (-2.0, math.exp(-500.0))
    assert _grad_at("celu", -1000.0) == (-1.0, 0.0)


def test_softplus_threshold_is_pytorchs():
    # above 20 softplus is the identity, exactly, with gradient 1
    assert _grad_at("softplus", 20.5) == (20.5, 1.0)
    data, slope = _grad_at("softplus", 20.0)
    assert data == math.log1p(math.exp(20.0)) and slope == 1.0 / (1.0 + math.exp(-20.0))


# --------------------------------------------------------------------------------------
# Domain errors: as Python's math module, naming the op and the value
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -0.5, -3.0])
def test_log_of_non_positive(x):
    with pytest.raises(ValueError, match=rf"log.*x={x:g}"):
        Value(x).log()


@given(finite_floats(max_value=0.0))
def test_log_of_non_positive_any(x):
    with pytest.raises(ValueError, match="log"):
        Value(x).log()


def test_sqrt_of_negative():
    with pytest.raises(ValueError, match=r"sqrt.*-2"):
        Value(-2.0).sqrt()


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match="/"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        1.0 / Value(0.0)


def test_exp_overflow():
    with pytest.raises(OverflowError, match=r"exp.*1000"):
        Value(1000.0).exp()
    assert Value(709.0).exp().data == math.exp(709.0)


def test_zero_to_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"\*\*"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** Value(-1.5)
    with pytest.raises(ZeroDivisionError):
        0.0 ** Value(-2.0)


def test_negative_base_non_integer_exponent():
    with pytest.raises(ValueError, match=r"\*\*.*-2"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError):
        Value(-2.0) ** Value(1.5)
    with pytest.raises(ValueError):
        (-8.0) ** Value(1.0 / 3.0)


def test_pow_overflow():
    with pytest.raises(OverflowError):
        Value(10.0) ** 400


def test_failed_op_leaves_operands_untouched():
    x = Value(-1.0, label="x")
    with pytest.raises(ValueError):
        x.log()
    assert (x.data, x.grad, x.label, x.parents, x.op) == (-1.0, 0.0, "x", (), "")


@pytest.mark.parametrize(
    "method, kwargs",
    [
        ("leaky_relu", {"negative_slope": "0.1"}),
        ("elu", {"alpha": None}),
        ("swish", {"beta": [1.0]}),
        ("celu", {"alpha": True}),
    ],
)
def test_bad_parameters_raise_type_error(method, kwargs):
    with pytest.raises(TypeError, match=next(iter(kwargs))):
        getattr(Value(1.0), method)(**kwargs)


def test_bad_gelu_mode():
    with pytest.raises(ValueError, match="approximate"):
        Value(1.0).gelu(approximate="fast")


def test_celu_alpha_zero():
    with pytest.raises(ValueError, match="alpha"):
        Value(1.0).celu(0.0)


def test_prelu_weight_types():
    with pytest.raises(TypeError, match="weight"):
        Value(1.0).prelu("0.25")
    assert Value(-2.0).prelu(0.25).data == -0.5


@given(st.sampled_from([s for s in SPECS if s.arity == 1]), finite_floats())
def test_unary_ops_raise_only_math_errors(spec, x):
    """On any finite input an op returns a float or raises one of math's errors."""
    try:
        out = spec(Value(x))
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        assert spec.label in str(err) or spec.name in str(err)
    else:
        assert isinstance(out.data, float)


def test_pow_backward_overflow_gives_signed_inf():
    """Python's float ** raises OverflowError where PyTorch gives ±inf; backward must not raise."""
    for x, c, expected in [
        (1e-200, -1.0, -math.inf),
        (-1e-200, -1.0, -math.inf),
        (-1e-118, -2.0, math.inf),
        (1e-118, -2.0, -math.inf),
    ]:
        v = Value(x)
        out = v**c
        out.backward()
        assert math.isfinite(out.data) and v.grad == expected, (x, c, v.grad)


# --------------------------------------------------------------------------------------
# The generated documentation follows the table
# --------------------------------------------------------------------------------------


def test_docs_ops_md_is_up_to_date():
    from micrograd_plus import _docs

    assert _docs.DOCS_PATH.exists(), "docs/ops.md is missing: run python -m micrograd_plus._docs"
    assert _docs.DOCS_PATH.read_text(encoding="utf-8") == _docs.render(), (
        "docs/ops.md is out of date: run python -m micrograd_plus._docs"
    )


def test_docs_list_every_registered_op():
    from micrograd_plus import _docs

    text = _docs.render()
    for spec in [*ops.OPS.values(), ops.GELU_TANH]:
        assert f"| `{spec.name}` |" in text
        assert spec.formula.replace("|", "\\|") in text


def test_docs_check_mode(tmp_path):
    from micrograd_plus import _docs

    target = tmp_path / "ops.md"
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{_docs.README_START}\nstale\n{_docs.README_END}\n\nrest\n")
    paths = ["--path", str(target), "--readme", str(readme)]
    assert _docs.main(["--check", *paths]) == 1
    assert _docs.main(paths) == 0
    assert _docs.main(["--check", *paths]) == 0
    text = readme.read_text()
    assert "stale" not in text and text.endswith("\n\nrest\n")
    assert "| `x.tanh()` | `tanh` | y = tanh x;  dy/dx = 1 - y^2 |" in text


def test_readme_ops_table_is_up_to_date():
    from micrograd_plus import _docs

    text = _docs.README_PATH.read_text(encoding="utf-8")
    assert text == _docs.sync_readme(text), "README's ops table is stale: run python -m micrograd_plus._docs"
