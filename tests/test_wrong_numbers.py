"""Issue 10, "Wrong numbers" in the engine core: each item pinned by a regression test,
against PyTorch where it is right and against the exact value where it is not."""

from __future__ import annotations

import math

import pytest

from micrograd_plus import Value, detect_anomaly, grad, ops
from micrograd_plus.engine import sum_values


def second(f, x0: float) -> tuple[float, float]:
    x = Value(x0)
    (d1,) = grad(f(x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    return d1.data, d2.data


def test_sqrt_at_zero_keeps_its_dependence_at_second_order():
    # d/dx sqrt = 1/(2 sqrt x) = inf at 0; d2 = -1/(4 x^1.5) = -inf (was 0: a constant inf)
    assert second(Value.sqrt, 0.0) == (math.inf, -math.inf)
    assert second(lambda v: v**0.5, 0.0) == (math.inf, -math.inf)
    assert second(lambda v: v**1.5, 0.0) == (0.0, math.inf)


def test_pow_half_and_sqrt_agree_at_minus_zero():
    for f in (Value.sqrt, lambda v: v**0.5):
        x = Value(-0.0)
        y = f(x)
        y.backward()
        assert (math.copysign(1.0, y.data), x.grad) == (-1.0, -math.inf)
    torch = pytest.importorskip("torch")
    t = torch.tensor(-0.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(t**0.5, [t])
    assert g.item() == -math.inf


def test_a_nan_first_derivative_stays_nan_at_the_next_order():
    a, b = Value(-2.0), Value(2.0)
    (_, db) = grad(a**b, [a, b], create_graph=True)
    assert math.isnan(db.data)
    assert all(math.isnan(g.data) for g in grad(db, [a]))


def test_create_graph_gives_inf_where_backward_does():
    cases = [
        (lambda v: v**-1, 1e-160),
        (lambda v: v**-0.9, 1e-200),
        (lambda v: v ** Value(-1.0), 1e-160),
        (lambda v: Value(1e-160) ** v, -1.0),
    ]
    for f, x0 in cases:
        x = Value(x0)
        f(x).backward()
        y = Value(x0)
        (first,) = grad(f(y), [y], create_graph=True)  # raised OverflowError before
        assert first.data == x.grad, (x0, first.data, x.grad)
    assert grad(Value(1e-160) ** -1, []) == []
    y = Value(1e-160)
    assert grad(y**-1, [y], create_graph=True)[0].data == -math.inf


def test_gelu_create_graph_is_accurate_in_the_tail():
    torch = pytest.importorskip("torch")
    for x0 in (-10.0, -20.0, -5.0, 3.0):
        d1, d2 = second(Value.gelu, x0)
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        (t1,) = torch.autograd.grad(torch.nn.functional.gelu(t), [t], create_graph=True)
        (t2,) = torch.autograd.grad(t1, [t])
        x = Value(x0)
        x.gelu().backward()
        assert d1 == pytest.approx(x.grad, rel=1e-12)  # one formula for both orders
        assert d1 == pytest.approx(t1.item(), rel=1e-9)
        assert d2 == pytest.approx(t2.item(), rel=1e-9)


def test_anomaly_mode_ignores_a_constants_gradient():
    x = Value(0.5)
    with detect_anomaly():
        y = 0.0**x
        y.backward()  # d/dbase at base 0 is inf, but the base is a constant
    assert y.data == 0.0 and x.grad == 0.0
    base = Value(0.0, label="base")  # a leaf the user made: still checked
    with detect_anomaly(), pytest.raises(FloatingPointError, match="backward"):
        (base**x).backward()


def test_fused_op_caches_are_bounded():
    for n in range(1, 2000):
        sum_values([Value(1.0)] * n)
    assert ops.sum_op.cache_info().currsize <= ops.sum_op.cache_info().maxsize < 2000
    assert ops.dot_op.cache_info().maxsize is not None
    assert sum_values([Value(1.0)] * 3).spec is ops.sum_op(3)  # still one object per size


def test_numerical_grad_names_a_non_number():
    from micrograd_plus import numerical_grad

    with pytest.raises(TypeError, match=r"xs\[0\].*str"):
        numerical_grad(lambda a: a * 2, ["a"])


def test_grad_names_a_bad_inputs_argument():
    with pytest.raises(TypeError, match="inputs"):
        grad(Value(1.0) * 2, None)
    with pytest.raises(TypeError, match="create_graph"):
        x = Value(1.0)
        grad(x * 2, [x], create_graph="yes")
