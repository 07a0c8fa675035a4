"""Every op's rules on NumPy arrays equal the float rules, entry by entry.

The compiled batch path vectorizes an op by calling ``spec.forward`` and
``spec.local_grads`` on float64 arrays (one entry per sample). This checks, for every
op found through the table (:data:`ops.OPS`, the parametrized families of
:data:`ops.PARAMETRIZED` at several parameters, ``gelu(approximate="tanh")``, the fused
``dot``/``sum``), that the array results equal the float results at every point:
inside the domain, at kinks (±0.0), in the tails and at huge |x|.
"""

from __future__ import annotations

import math
import random

import pytest

from micrograd_plus import Value, grad, ops
from micrograd_plus.testing import all_op_specs

np = pytest.importorskip("numpy")

_FAMILY_PARAMS = {
    "**": (0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -2.0, 1.5, -0.5, 2.5),
    "leaky_relu": (0.01, 0.2, -0.5, 0.0),
    "elu": (1.0, 0.5, 2.0),
    "celu": (1.0, 0.5, 2.0),
    "swish": (1.0, 0.5, 2.0, -1.0),
}


def table_specs() -> list[ops.OpSpec]:
    """Every op of the table and of each parametrized family (not a hand list of ops)."""
    specs = list(all_op_specs())
    for name, factory in ops.PARAMETRIZED.items():
        specs.extend(factory(p) for p in _FAMILY_PARAMS.get(name, ()))
    unique: list[ops.OpSpec] = []
    for spec in specs:
        if not any(spec is seen for seen in unique):
            unique.append(spec)
    return unique


SPECS = table_specs()

_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-300, -1e-300, 19.9, 20.0, 20.5, -20.0]
_SPECIAL += [40.0, -40.0, 1000.0, -1000.0, 1e154, -1e154, 1e300, -1e300, 710.0, -745.0]


def operand_points(spec: ops.OpSpec, i: int, rng: random.Random) -> list[float]:
    interval = spec.domain[i]
    inside = [rng.uniform(interval.lo, interval.hi) for _ in range(40)]
    kinks = [k for k in spec.kinks] + [-k for k in spec.kinks] if i == 0 else []
    return _SPECIAL + kinks + inside


def points(spec: ops.OpSpec) -> list[tuple[float, ...]]:
    rng = random.Random(hash(spec.label) % 1000 + spec.arity)
    columns = [operand_points(spec, i, rng) for i in range(spec.arity)]
    if spec.arity == 1:
        return [(x,) for x in columns[0]]
    rows = []
    n = max(len(c) for c in columns) * 3
    for k in range(n):
        rows.append(tuple(c[k % len(c)] if k < len(c) else rng.choice(c) for c in columns))
    return rows


def same(a: float, b: float, ulps: int) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b) or not ulps:
        return False
    # a few ulps of the value, or of 1 (1 - tanh^2 turns tanh's last bit into 1e-16)
    return abs(a - b) <= ulps * math.ulp(max(abs(a), abs(b), 1.0))


# NumPy's tanh (SIMD) may differ from libm's in the last bit; every other function agrees
# exactly. Ops whose rules go through tanh get 64 ulps of max(|y|, 1) (gelu(tanh)'s slope
# multiplies tanh's error by ~10 in its tail); all others must be identical.
_TANH_OPS = {"tanh", "gelu(tanh)"}


def check_entries(spec, what, rows, on_floats, on_array, ulps):
    arr = np.broadcast_to(np.asarray(on_array, dtype=np.float64), (len(rows),))
    for k, (xs, expected) in enumerate(zip(rows, on_floats)):
        if expected is None:  # the float rule raised a math error there
            continue
        got = float(arr[k])
        assert same(got, float(expected), ulps), (
            f"{spec!r} {what} at {xs}: array {got!r} vs float {expected!r}"
        )


def float_results(spec, rows):
    outs, grads = [], []
    for xs in rows:
        try:
            out = spec.forward(*xs)
            local = spec.local_grads(*xs, out)
        except (ValueError, ZeroDivisionError, OverflowError):
            outs.append(None)
            grads.append([None] * spec.arity)
            continue
        assert len(local) == spec.arity
        outs.append(out)
        grads.append(list(local))
    return outs, grads


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.label}/{s.arity}")
def test_rules_on_arrays_equal_rules_on_floats(spec):
    rows = points(spec)
    outs, grads = float_results(spec, rows)
    assert any(o is not None for o in outs)
    ulps = 64 if spec.label in _TANH_OPS else 0
    columns = [np.array([r[i] for r in rows], dtype=np.float64) for i in range(spec.arity)]
    # local_grads gets the float outputs, so it is checked on its own (not on forward's
    # last-bit differences)
    float_out = np.array([math.nan if o is None else o for o in outs], dtype=np.float64)
    with np.errstate(all="ignore"):
        out = spec.forward(*columns)
        local = spec.local_grads(*columns, float_out)
    assert len(local) == spec.arity
    check_entries(spec, "forward", rows, outs, out, ulps)
    for i in range(spec.arity):
        check_entries(spec, f"d/dx{i}", rows, [g[i] for g in grads], local[i], ulps)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.arity >= 2], ids=lambda s: f"{s.label}/{s.arity}")
def test_rules_on_arrays_mixed_with_floats(spec):
    """One operand an array, the others plain floats (e.g. a constant prelu weight)."""
    rows = points(spec)
    rest = tuple(0.37 + 0.1 * i for i in range(1, spec.arity))
    rows = [(r[0], *rest) for r in rows]
    outs, grads = float_results(spec, rows)
    ulps = 64 if spec.label in _TANH_OPS else 0
    first = np.array([r[0] for r in rows], dtype=np.float64)
    float_out = np.array([math.nan if o is None else o for o in outs], dtype=np.float64)
    with np.errstate(all="ignore"):
        out = spec.forward(first, *rest)
        local = spec.local_grads(first, *rest, float_out)
    check_entries(spec, "forward", rows, outs, out, ulps)
    for i in range(spec.arity):
        check_entries(spec, f"d/dx{i}", rows, [g[i] for g in grads], local[i], ulps)


def test_numpy_scalars_are_numbers():
    """A numpy.float64 in .data (weights copied from an array) is a number to the math."""
    for name in ("sin", "cos", "silu", "gelu", "swish", "softplus", "tanh", "exp", "sigmoid", "relu"):
        x = Value(0.3)
        x.data = np.float64(0.3)
        y = getattr(x, name)()
        y.backward()
        ref = Value(0.3)
        getattr(ref, name)().backward()
        assert type(y.data) is float, name
        assert (y.data, x.grad) == (getattr(Value(0.3), name)().data, ref.grad), name
    assert ops.exp(np.float64(1.0)) == math.e and type(ops.exp(np.float64(1.0))) is float
    assert ops.where(np.float64(1.0) > 0, 1.0, 2.0) == 1.0


def test_namespace_dispatch():
    a = np.array([-1.0, 0.0, 2.0])
    assert isinstance(ops.exp(a), np.ndarray) and ops.exp(0.0) == 1.0 and type(ops.exp(0)) is float
    assert ops.where(a > 0, a, 0.0).tolist() == [0.0, 0.0, 2.0]
    assert ops.minimum(a, 0.0).tolist() == [-1.0, 0.0, 0.0]
    assert math.isnan(ops.minimum(math.nan, 0.0)) and math.isnan(ops.maximum(0.0, math.nan))
    assert ops.sign(a).tolist() == [-1.0, 0.0, 1.0] and ops.sign(math.nan) == 0.0
    assert ops.power(0.0, -1.0) == math.inf and ops.power(-0.0, -1.0) == -math.inf
    assert ops.power(1e-200, -2.0) == math.inf and math.isnan(ops.power(-2.0, 0.5))
    assert ops.divide(1.0, 0.0) == math.inf and ops.divide(1.0, -0.0) == -math.inf
    assert math.isnan(ops.divide(0.0, 0.0))
    x = Value(2.0)
    assert ops.exp(x).op == "exp" and ops.erfc(x).op == "erfc" and ops.power(x, 3.0).data == 8.0
    assert ops.where(x > 1.0, x, 0.0) is x and ops.minimum(x, 0.0) == 0.0
    assert ops.eq(Value(0.0), 0.0) and not ops.eq(x, 0.0)
    with pytest.raises(TypeError, match=r"ops\.exp"):
        ops.exp("1")


def test_a_user_op_in_the_namespace_style_runs_on_every_backend():
    softsign = ops.OpSpec(
        name="softsign_test",
        arity=1,
        forward=lambda x: x / (1 + ops.abs(x)),
        local_grads=lambda x, out: (1 / ((1 + ops.abs(x)) * (1 + ops.abs(x))),),
    )
    x = Value(-3.0)
    y = softsign(x)
    y.backward()
    assert (y.data, x.grad) == (-0.75, 1 / 16)
    (d1,) = grad(softsign(x), [x], create_graph=True)
    assert d1.data == 1 / 16 and grad(d1, [x])[0].data == pytest.approx(2 / 64)
    a = np.array([-3.0, 0.0, 1.0])
    assert softsign.forward(a).tolist() == [-0.75, 0.0, 0.5]
    assert softsign.local_grads(a, None)[0].tolist() == [1 / 16, 1.0, 0.25]
