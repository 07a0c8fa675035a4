"""Every op against PyTorch (float64): values, gradients, kinks, extremes, second derivatives.

Skipped as a whole when torch is not installed; the rest of the suite does not need it.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from micrograd_plus import Value, grad, ops
from micrograd_plus.testing import all_op_specs, finite_floats, inputs_for

torch = pytest.importorskip("torch")
F = torch.nn.functional

from torch_reference import torch_op  # noqa: E402 (needs torch)

pytestmark = pytest.mark.torch

SPECS = all_op_specs()


def spec_id(spec: ops.OpSpec) -> str:
    return f"{spec.label}/{spec.arity}"


def leaves_for(xs):
    return [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare(spec: ops.OpSpec, xs, upstream: float = 1.0, rel: float = 1e-9) -> None:
    """Value and every operand's gradient (for ``upstream``) equal PyTorch's."""
    ours = [Value(x) for x in xs]
    out = spec(*ours)
    out.backward(upstream)
    ts = leaves_for(xs)
    t_out = torch_op(spec, *ts)
    t_grads = torch.autograd.grad(
        t_out, ts, grad_outputs=torch.tensor(upstream, dtype=torch.float64), allow_unused=True
    )
    assert close(out.data, t_out.item(), rel), f"{spec!r} at {xs}: value {out.data} vs torch {t_out.item()}"
    for i, (v, tg) in enumerate(zip(ours, t_grads)):
        expected = 0.0 if tg is None else tg.item()
        assert close(v.grad, expected, rel), (
            f"{spec!r} at {xs}: d/dx{i} {v.grad} vs torch {expected} (upstream {upstream})"
        )


def torch_grad_overflows(spec: ops.OpSpec, x: float) -> bool:
    """Where torch's gradient is NaN but ours is finite, check ours is the limit.

    torch's tanh-gelu backward overflows to NaN past |x| ~ 1e154; ours stays at the
    limit it reaches by |x| = 1000 (the contract: no NaN for any finite input).
    """
    t = leaves_for([x])[0]
    (t_grad,) = torch.autograd.grad(torch_op(spec, t), [t])
    if not (spec is ops.GELU_TANH and math.isnan(t_grad.item()) and abs(x) > 1e150):
        return False
    v, far = Value(x), Value(math.copysign(1000.0, x))
    spec(v).backward()
    spec(far).backward()
    assert v.grad == far.grad
    return True


# --------------------------------------------------------------------------------------
# Every op on its domain, with a random upstream gradient
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_value_and_gradient_match_torch(spec):
    @given(inputs_for(spec), finite_floats(-3.0, 3.0))
    def check(xs, upstream):
        compare(spec, xs, upstream)

    check()


@pytest.mark.parametrize("spec", [s for s in SPECS if s.arity == 1], ids=spec_id)
def test_unary_ops_match_torch_on_any_float(spec):
    """On any finite input: same value and gradient, or the same math error where torch
    returns inf/NaN (we raise as Python's math module does)."""

    @settings(max_examples=60)
    @given(finite_floats())
    def check(x):
        try:
            out = spec(Value(x))
        except (ValueError, ZeroDivisionError, OverflowError):
            t = torch_op(spec, *leaves_for([x]))
            assert not math.isfinite(t.item()), f"{spec!r} raised at {x} but torch gives {t.item()}"
            return
        del out
        if not torch_grad_overflows(spec, x):
            compare(spec, [x])

    check()


# --------------------------------------------------------------------------------------
# Kinks, extremes and edge cases
# --------------------------------------------------------------------------------------

KINKED = [s for s in SPECS if s.kinks]


@pytest.mark.parametrize("spec", KINKED, ids=spec_id)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_subgradient_at_kinks_is_torchs(spec, sign):
    for kink in spec.kinks:
        xs = [sign * kink if kink == 0.0 else kink] + [0.37] * (spec.arity - 1)
        compare(spec, xs, upstream=1.5, rel=0.0)


ACTIVATIONS = [s for s in SPECS if s.arity == 1 and s.name in ops.ACTIVATIONS]


def test_every_op_has_a_torch_equivalent():
    missing = [spec.label for spec in SPECS if not spec.torch]
    assert not missing, f"ops without a torch= expression in their OpSpec: {missing}"


@pytest.mark.parametrize("spec", ACTIVATIONS, ids=spec_id)
@pytest.mark.parametrize("x", [-1000.0, 1000.0, -50.0, 50.0, -1e300, 1e300, 0.0, -0.0, 1e-300])
def test_activations_at_extremes_match_torch(spec, x):
    if not torch_grad_overflows(spec, x):
        compare(spec, [x], upstream=1.0, rel=1e-12)


@pytest.mark.parametrize("x", [19.9, 20.0, 20.000001, 21.0, -20.0])
def test_softplus_threshold(x):
    compare(ops.SOFTPLUS, [x], upstream=0.7, rel=1e-14)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("x", [-6.0, -3.0, -0.5, 0.0, 0.5, 3.0, 6.0, 12.0])
def test_gelu_modes(approximate, x):
    v = Value(x)
    y = v.gelu(approximate=approximate)
    y.backward()
    t = leaves_for([x])[0]
    ty = F.gelu(t, approximate=approximate)
    (tg,) = torch.autograd.grad(ty, [t])
    assert close(y.data, ty.item(), 1e-12) and close(v.grad, tg.item(), 1e-12)


@pytest.mark.parametrize(
    "xs",
    [
        (0.0, 0.5),
        (0.0, 0.0),
        (0.0, 1.0),
        (0.0, 2.0),
        (0.0, 3.0),
        (-2.0, 2.0),
        (-2.0, 3.0),
        (-2.0, 0.0),
        (2.0, 0.0),
        (1.0, -2.0),
        (0.5, -0.5),
        (-1.0, 5.0),
        (4.0, 0.5),
    ],
)
def test_pow_edge_cases(xs):
    compare(ops.POW, xs, upstream=1.0, rel=1e-12)


@pytest.mark.parametrize("c", [0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -2.0, 1.5])
@pytest.mark.parametrize("x", [0.0, -2.0, 2.0, 1e-3])
def test_pow_const_edge_cases(c, x):
    if x == 0.0 and c < 0.0:
        with pytest.raises(ZeroDivisionError):
            Value(x) ** c  # torch: inf; we raise, as Python's math does
        return
    if x < 0.0 and not c.is_integer():
        with pytest.raises(ValueError):
            Value(x) ** c  # torch: NaN
        return
    compare(ops.pow_const(c), [x], upstream=1.0, rel=1e-12)


@pytest.mark.parametrize("x", [0.0, 1e-300, 4.0])
def test_sqrt_at_and_near_zero(x):
    compare(ops.SQRT, [x], upstream=1.0, rel=1e-12)


# --------------------------------------------------------------------------------------
# Second derivatives against torch.autograd.grad(create_graph=True)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_second_derivatives_match_torch(spec):
    @settings(max_examples=15)
    @given(inputs_for(spec))
    def check(xs):
        ours = [Value(x) for x in xs]
        firsts = grad(spec(*ours), ours, create_graph=True)
        ts = leaves_for(xs)
        t_firsts = torch.autograd.grad(torch_op(spec, *ts), ts, create_graph=True, allow_unused=True)
        for i, (first, t_first) in enumerate(zip(firsts, t_firsts)):
            seconds = [s.data for s in grad(first, ours)]
            if t_first is None or not t_first.requires_grad:
                t_seconds = [0.0] * len(ts)
            else:
                t_seconds = [
                    0.0 if g is None else g.item()
                    for g in torch.autograd.grad(t_first, ts, allow_unused=True, retain_graph=True)
                ]
            if spec is ops.POW and xs[1] == 0.0 and i == 0:
                # torch masks d(x^y)/dx to a constant 0 at y == 0 exactly, so its d2/dx dy
                # there is 0; ours is the true x^-1 (checked by finite differences in
                # tests/test_ops.py). Compare the rest.
                t_seconds[1] = 1.0 / xs[0]
            for j, (a, b) in enumerate(zip(seconds, t_seconds)):
                assert close(a, b, 1e-8, 1e-10), f"{spec!r} at {xs}: d2/dx{i}dx{j} {a} vs torch {b}"

    check()


def test_third_derivative_matches_torch():
    x = Value(0.7)
    y = x.tanh() * x.sin() + x.gelu() ** 2
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    t = leaves_for([0.7])[0]
    ty = torch.tanh(t) * torch.sin(t) + F.gelu(t) ** 2
    (t1,) = torch.autograd.grad(ty, [t], create_graph=True)
    (t2,) = torch.autograd.grad(t1, [t], create_graph=True)
    (t3,) = torch.autograd.grad(t2, [t])
    assert [d1.data, d2.data, d3.data] == pytest.approx([t1.item(), t2.item(), t3.item()], rel=1e-10)
