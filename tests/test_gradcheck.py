"""numerical_grad and gradcheck: known answers, correct functions pass, wrong ones are caught."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given

from micrograd_plus import GradcheckError, Value, grad, gradcheck, numerical_grad, ops
from micrograd_plus.testing import assert_grad_close, finite_floats

# --------------------------------------------------------------------------------------
# numerical_grad on functions whose derivatives we know in closed form
# --------------------------------------------------------------------------------------


def test_numerical_grad_of_polynomial():
    # f = x^2 y + 3y; df/dx = 2xy, df/dy = x^2 + 3
    g = numerical_grad(lambda x, y: x * x * y + 3 * y, [1.5, -2.0])
    assert g == pytest.approx([2 * 1.5 * -2.0, 1.5**2 + 3], rel=1e-8)


def test_numerical_grad_is_the_central_difference():
    # for a quadratic the central difference is exact up to rounding, for any eps
    g = numerical_grad(lambda x: x * x, [3.0], eps=0.5)
    assert g == pytest.approx([6.0], rel=1e-12)
    # and it is (f(x+h) - f(x-h)) / 2h, not a one-sided difference
    g = numerical_grad(lambda x: x * x * x, [1.0], eps=0.1)
    assert g == pytest.approx([((1.1**3) - (0.9**3)) / 0.2], rel=1e-12)


@given(finite_floats(-3, 3), finite_floats(-3, 3))
def test_numerical_grad_of_elementary_functions(x, y):
    g = numerical_grad(lambda a, b: a.sin() * b.exp() + a.tanh(), [x, y])
    expected = [math.cos(x) * math.exp(y) + 1 - math.tanh(x) ** 2, math.sin(x) * math.exp(y)]
    assert g == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_numerical_grad_accepts_numbers_and_plain_returns():
    assert numerical_grad(lambda x: x * 2, [1]) == pytest.approx([2.0])
    assert numerical_grad(lambda x: 7.0, [1.0]) == [0.0]  # a constant function


def test_numerical_grad_of_a_derivative():
    """f may itself call grad(create_graph=True): its graph must be recorded."""
    d = lambda x: grad(x**3, [x], create_graph=True)[0]
    assert numerical_grad(d, [2.0]) == pytest.approx([12.0], rel=1e-6)
    assert gradcheck(d, [2.0])


# --------------------------------------------------------------------------------------
# gradcheck on correct functions
# --------------------------------------------------------------------------------------


def test_gradcheck_returns_true():
    assert gradcheck(lambda x, y: (x * y + x.exp()).tanh() / (1 + y * y), [0.3, -1.2]) is True


@given(finite_floats(-2, 2), finite_floats(-2, 2), finite_floats(0.1, 3))
def test_gradcheck_on_composites(x, y, z):
    f = lambda a, b, c: (a * b).sigmoid() * c.log() + (a - b).softplus() + c.sqrt() * a.gelu()
    assert gradcheck(f, [x, y, z])
    assert_grad_close(f, [x, y, z])


def test_gradcheck_with_reused_inputs():
    assert gradcheck(lambda x: x * x * x + x, [1.3])


def test_gradcheck_on_a_second_derivative():
    # d/dx of d/dx (x^2 y) = 2y, checked through the graph of the first derivative
    d = lambda x, y: grad(x * x * y, [x], create_graph=True)[0]
    assert gradcheck(d, [0.7, -1.1])


def test_gradcheck_does_not_leak_state():
    x = Value(1.0)
    gradcheck(lambda a: a * a, [x.data])
    assert x.grad == 0.0


# --------------------------------------------------------------------------------------
# gradcheck catches wrong gradients, and says where
# --------------------------------------------------------------------------------------


def breaks_graph(x: Value, y: Value) -> Value:
    """x * y, but y only as a constant: backprop cannot see its influence."""
    return x * y.data


def test_catches_a_broken_graph():
    with pytest.raises(GradcheckError) as info:
        gradcheck(breaks_graph, [2.0, 3.0])
    message = str(info.value)
    assert "input 1" in message and "input 0" not in message
    assert re.search(r"analytic\s+0\b", message)
    assert re.search(r"numeric\s+2\b", message)
    assert "|diff| 2.00e+00" in message
    assert "x=(2, 3)" in message


def test_report_lists_every_mismatching_input():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y, z: x.data * y.data + z, [1.0, 2.0, 5.0])
    message = str(info.value)
    assert "input 0" in message and "input 1" in message and "input 2" not in message
    assert message.count("analytic") == 2 and message.count("numeric") == 4  # 2 lines + 2 mentions


WRONG_CUBE = ops.OpSpec(
    name="wrong_cube",
    arity=1,
    forward=lambda x: x * x * x,
    local_grads=lambda x, out: (2 * x * x,),  # should be 3 x^2
    formula="y = x^3;  dy/dx = 2 x^2  (deliberately wrong)",
)


def test_catches_a_wrong_local_derivative():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: WRONG_CUBE(x), [2.0])
    message = str(info.value)
    assert "input 0" in message
    assert re.search(r"analytic\s+8\b", message) and re.search(r"numeric\s+12\b", message)
    assert "|diff| 4.00e+00" in message


def test_assert_grad_close_raises_assertion_error_with_the_report():
    with pytest.raises(AssertionError, match=r"d\(out\)/d\(input 0\) mismatch") as info:
        assert_grad_close(lambda x: WRONG_CUBE(x), [1.0])
    assert "analytic" in str(info.value) and "numeric" in str(info.value)
    assert not isinstance(info.value, GradcheckError)


def test_tolerances_are_respected():
    f = lambda x: WRONG_CUBE(x)  # at x = 1: analytic 2, numeric 3
    assert gradcheck(f, [1.0], atol=1.01)
    assert gradcheck(f, [1.0], atol=0.0, rtol=0.34)
    with pytest.raises(GradcheckError):
        gradcheck(f, [1.0], atol=0.99, rtol=0.0)


def test_nan_gradient_is_a_mismatch():
    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda x: x * math.nan, [1.0])


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


# --------------------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", [gradcheck, numerical_grad, assert_grad_close])
def test_bad_arguments(check):
    with pytest.raises(TypeError, match="callable"):
        check(3.0, [1.0])
    with pytest.raises(TypeError, match="list of numbers"):
        check(lambda x: x, 1.0)
    with pytest.raises(TypeError, match="list of numbers"):
        check(lambda x: x, "1.0")
    with pytest.raises(TypeError, match="str"):
        check(lambda x: x, ["1.0"])
    with pytest.raises(ValueError, match="empty"):
        check(lambda x: x, [])
    for eps in (0.0, -1e-6, math.inf, math.nan):
        with pytest.raises(ValueError, match="eps"):
            check(lambda x: x, [1.0], eps=eps)


@pytest.mark.parametrize("check", [gradcheck, assert_grad_close])
def test_bad_tolerances(check):
    for name in ("atol", "rtol"):
        for bad in (-1.0, math.nan, math.inf):
            with pytest.raises(ValueError, match=name):
                check(lambda x: x, [1.0], **{name: bad})


@pytest.mark.parametrize("check", [gradcheck, numerical_grad])
def test_f_must_return_a_value(check):
    with pytest.raises(TypeError, match="must return a Value"):
        check(lambda x: [x], [1.0])


def test_f_with_the_wrong_arity_fails_loudly():
    with pytest.raises(TypeError):
        gradcheck(lambda x, y: x * y, [1.0])
