"""The engine: Value, topological order, backward, grad, no_grad, detect_anomaly, user ops."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, detect_anomaly, grad, no_grad, numerical_grad, ops
from micrograd_plus.engine import dot, sum_values, topological_order
from micrograd_plus.testing import assert_grad_close, expression_graphs, finite_floats

# --------------------------------------------------------------------------------------
# Value: construction, attributes, repr
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (3, 3.0),
        (-2.5, -2.5),
        (True, 1.0),
        (False, 0.0),
        (Fraction(1, 4), 0.25),
        (10**20, 1e20),
    ],
)
def test_value_accepts_real_numbers(data, expected):
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert v.grad == 0.0 and type(v.grad) is float
    assert (v.label, v.op, v.parents) == ("", "", ())


@pytest.mark.parametrize(
    "data, type_name",
    [
        ("3.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        ((1.0,), "tuple"),
        ({"a": 1}, "dict"),
        (b"1", "bytes"),
        (object(), "object"),
    ],
)
def test_value_rejects_non_numbers(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_value_of_a_value_is_rejected_with_a_hint():
    with pytest.raises(TypeError, match=r"Value.*\.data"):
        Value(Value(1.0))


def test_value_with_numpy():
    np = pytest.importorskip("numpy")
    scalars = (
        np.float64(2.5),
        np.float32(2.5),
        np.int64(3),
        np.array(2.5),
        np.array([2.5]),
        np.array([[2.5]]),
    )
    for data in scalars:
        v = Value(data)
        assert type(v.data) is float and v.data == float(np.asarray(data).item())
    for data in (np.array([1.0, 2.0]), np.zeros((2, 2)), np.array([])):
        with pytest.raises(TypeError, match="ndarray"):
            Value(data)
    with pytest.raises(TypeError, match="ndarray"):
        Value(np.array(["a"]))


@pytest.mark.parametrize("data", [math.nan, math.inf, -math.inf])
def test_value_stores_nan_and_inf(data):
    v = Value(data)
    assert v.data == data or (math.isnan(data) and math.isnan(v.data))


def test_label_must_be_a_string():
    assert Value(1.0, label="w1").label == "w1"
    assert Value(1.0, "b").label == "b"
    with pytest.raises(TypeError, match=r"label.*int"):
        Value(1.0, label=3)


def test_repr_shows_data_and_grad():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    v = Value(-1.5, label="x")
    (v * 2).backward()
    assert "data=-1.5" in repr(v) and "grad=2.0" in repr(v) and "'x'" in repr(v)


def test_op_parents_label():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b + a
    c.label = "c"
    assert c.op == "+" and c.parents[1] is a and c.parents[0].op == "*"
    assert c.parents[0].parents == (a, b)
    assert isinstance(c.parents, tuple) and c.label == "c"
    assert a.tanh().op == "tanh" and (-a).op == "neg" and a.relu().op == "relu"
    assert (a**2).op == "**" and (a**b).op == "**" and (2**a).op == "**"
    assert a.data == 2.0 and c.data == 8.0


def test_data_is_mutable():
    w = Value(1.0)
    w.data -= 0.5
    assert w.data == 0.5 and (w * 4).data == 2.0


# --------------------------------------------------------------------------------------
# Operators: a Value or a number on either side
# --------------------------------------------------------------------------------------


@given(finite_floats(-10, 10), finite_floats(0.5, 10))
def test_operators_with_numbers_on_both_sides(x, y):
    v = Value(x)
    assert (v + y).data == x + y and (y + v).data == y + x
    assert (v - y).data == x - y and (y - v).data == y - x
    assert (v * y).data == x * y and (y * v).data == y * x
    assert (v / y).data == x / y
    if x != 0:
        assert (y / v).data == y / x
    assert (-v).data == -x and (+v) is v
    assert (abs(v)).data == abs(x)
    w = Value(y)
    assert (v + w).data == x + y and (v * w).data == x * y and (w - v).data == y - x
    assert (w**v).data == pytest.approx(y**x, rel=1e-12)


def test_reflected_operators_backprop():
    x = Value(3.0)
    cases = [(2 + x, 1.0), (2 - x, -1.0), (2 * x, 2.0), (2 / x, -2 / 9), (2**x, 8 * math.log(2))]
    for out, expected in cases:
        x.grad = 0.0
        out.backward()
        assert x.grad == pytest.approx(expected, rel=1e-14), out


def test_value_pow_value():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.data == 8.0
    assert a.grad == pytest.approx(12.0) and b.grad == pytest.approx(8 * math.log(2.0))


def test_two_to_the_x():
    x = Value(0.5)
    y = 2**x
    y.backward()
    assert y.data == pytest.approx(math.sqrt(2.0))
    assert x.grad == pytest.approx(math.sqrt(2.0) * math.log(2.0))
    assert (2.0**x).data == (2**x).data


def test_operators_reject_non_numbers():
    v = Value(1.0)
    for other in ("a", None, [1.0], 1j):
        with pytest.raises(TypeError):
            v + other
        with pytest.raises(TypeError):
            other * v
        with pytest.raises(TypeError):
            v**other


def test_numbers_count_as_constants():
    x = Value(2.0)
    y = x * 3 + 1
    y.backward()
    assert x.grad == 3.0
    const = y.parents[1]
    assert const.op == "" and const.data == 1.0 and const.grad == 1.0


# --------------------------------------------------------------------------------------
# Topological order
# --------------------------------------------------------------------------------------


@given(expression_graphs())
def test_topological_order_properties(case):
    f, xs = case
    leaves = [Value(x) for x in xs]
    root = f(*leaves)
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert order[-1] is root
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]
    # every reachable node is in the order
    reachable, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in reachable:
            reachable.add(node)
            stack.extend(node.parents)
    assert reachable == set(order)


def test_topological_order_of_a_diamond():
    a = Value(1.0)
    b, c = a * 2, a + 3
    d = b * c
    order = topological_order(d)
    assert len(order) == 6  # a, 2, b, 3, c, d
    assert order.index(a) < order.index(b) < order.index(d)
    assert order.index(a) < order.index(c) < order.index(d)
    assert topological_order(a) == [a]


def test_topological_order_rejects_non_values():
    with pytest.raises(TypeError, match="float"):
        topological_order(1.0)


# --------------------------------------------------------------------------------------
# backward: chain rule, reuse, accumulation
# --------------------------------------------------------------------------------------


def test_node_reuse_sums_paths():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0 and c.grad == 1.0


def test_node_reuse_in_products():
    x = Value(3.0)
    y = x * x * x  # 3x^2 = 27
    y.backward()
    assert x.grad == 27.0
    z = Value(2.0)
    w = (z * z) * (z * z)  # reuse of a reused node: 4 z^3 = 32
    w.backward()
    assert z.grad == 32.0


def test_backward_twice_doubles_every_node():
    a, b = Value(0.7), Value(-1.3)
    c = a * b
    d = c.tanh() + a
    e = d * d
    nodes = topological_order(e)
    e.backward()
    first = [n.grad for n in nodes]
    e.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]
    assert e.grad == 2.0 and a.grad != 0.0


def test_backward_does_not_reset_existing_gradients():
    x = Value(2.0)
    x.grad = 10.0
    (x * x).backward()
    assert x.grad == 14.0


def test_existing_gradients_of_intermediates_do_not_leak_upstream():
    """A stale .grad on an intermediate must not be passed on as dL/dnode."""
    x = Value(2.0)
    h = x * 3
    y = h * h
    h.grad = 100.0  # e.g. left over from an earlier backward through h
    y.backward()
    assert x.grad == 2 * 6 * 3  # dy/dx = 2 h * 3
    assert h.grad == 100.0 + 12.0


@given(expression_graphs(max_ops=15), finite_floats(-5, 5))
def test_backward_with_a_custom_gradient(case, g):
    f, xs = case
    leaves = [Value(x) for x in xs]
    f(*leaves).backward()
    ones = [leaf.grad for leaf in leaves]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward(gradient=g)
    assert out.grad == g
    for leaf, one in zip(leaves, ones):
        # rounding: g * (a + b) and g * a + g * b differ in the last bits
        assert leaf.grad == pytest.approx(g * one, rel=1e-9, abs=1e-13)


def test_backward_gradient_types():
    x = Value(2.0)
    (x * x).backward(3)
    assert x.grad == 12.0
    with pytest.raises(TypeError, match="str"):
        (x * x).backward("1.0")
    with pytest.raises(TypeError):
        (x * x).backward(None)
    assert x.grad == 12.0  # a failed call changes nothing


def test_backward_on_a_leaf():
    x = Value(5.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0


@given(expression_graphs())
def test_random_graphs_match_finite_differences(case):
    f, xs = case
    assert_grad_close(f, xs)


@pytest.mark.slow  # ~3 s on an idle 2-core machine
def test_a_million_op_chain():
    """No recursion anywhere: depth is limited only by memory."""
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert y.data == 1_000_000.5 and x.grad == 1.0 and y.grad == 1.0


def test_deep_chain_with_grad_and_create_graph():
    x = Value(0.3)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    (g,) = grad(y, [x])
    assert g.data == 1.0
    (g,) = grad(y.tanh(), [x], create_graph=True)
    (h,) = grad(g, [x])
    t = math.tanh(0.3)
    assert h.data == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)


# --------------------------------------------------------------------------------------
# grad(): first and higher derivatives, without touching .grad
# --------------------------------------------------------------------------------------


@given(expression_graphs(max_ops=20))
def test_grad_equals_backward_and_leaves_grad_untouched(case):
    f, xs = case
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    nodes = topological_order(out)
    results = grad(out, leaves)
    assert all(n.grad == 0.0 for n in nodes)
    graphed = grad(out, leaves, create_graph=True)
    assert all(n.grad == 0.0 for n in nodes)
    out.backward()
    for leaf, r, gv in zip(leaves, results, graphed):
        assert isinstance(r, Value) and isinstance(gv, Value)
        assert r.data == pytest.approx(leaf.grad, rel=1e-12, abs=1e-14)
        assert gv.data == pytest.approx(leaf.grad, rel=1e-12, abs=1e-14)


def test_grad_of_unrelated_input_is_zero():
    x, y = Value(1.0), Value(2.0)
    gx, gy = grad(x * 3, [x, y])
    assert (gx.data, gy.data) == (3.0, 0.0)
    gx, gy = grad(x * 3, [x, y], create_graph=True)
    assert (gx.data, gy.data) == (3.0, 0.0)


def test_grad_accepts_a_single_input_and_the_output_itself():
    x = Value(4.0)
    assert [g.data for g in grad(x.sqrt(), x)] == [0.25]
    assert [g.data for g in grad(x, [x])] == [1.0]


def test_grad_without_create_graph_returns_leaves():
    x = Value(1.0)
    (g,) = grad(x * x, [x])
    assert g.op == "" and g.parents == ()


def test_grad_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="output"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match=r"inputs\[1\].*float"):
        grad(x * 2, [x, 2.0])


def test_second_derivative():
    x = Value(0.8)
    (dx,) = grad(x.sin() * x, [x], create_graph=True)  # sin x + x cos x
    assert dx.data == pytest.approx(math.sin(0.8) + 0.8 * math.cos(0.8))
    (dxx,) = grad(dx, [x])  # 2 cos x - x sin x
    assert dxx.data == pytest.approx(2 * math.cos(0.8) - 0.8 * math.sin(0.8), rel=1e-12)


def test_third_derivative():
    x = Value(1.5)
    (d1,) = grad(x**4 + x.exp(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    (d4,) = grad(d3, [x])
    e = math.exp(1.5)
    assert d1.data == pytest.approx(4 * 1.5**3 + e, rel=1e-12)
    assert d2.data == pytest.approx(12 * 1.5**2 + e, rel=1e-12)
    assert d3.data == pytest.approx(24 * 1.5 + e, rel=1e-12)
    assert d4.data == pytest.approx(24 + e, rel=1e-12)


def _f2(x: Value, y: Value) -> Value:
    return (x * y).tanh() + x * x * y.exp() + (x - y).sigmoid()


@given(finite_floats(-2, 2), finite_floats(-2, 2))
def test_full_hessian_matches_finite_differences(x, y):
    a, b = Value(x), Value(y)
    first = grad(_f2(a, b), [a, b], create_graph=True)
    hessian = [[h.data for h in grad(g, [a, b])] for g in first]

    def gradient_at(p: float, q: float) -> list[float]:
        u, v = Value(p), Value(q)
        _f2(u, v).backward()
        return [u.grad, v.grad]

    eps = 1e-6
    for j in range(2):
        plus, minus = [x, y], [x, y]
        plus[j] += eps
        minus[j] -= eps
        gp, gm = gradient_at(*plus), gradient_at(*minus)
        for i in range(2):
            numeric = (gp[i] - gm[i]) / (2 * eps)
            assert hessian[i][j] == pytest.approx(numeric, rel=1e-4, abs=1e-5), (i, j)
    assert hessian[0][1] == pytest.approx(hessian[1][0], rel=1e-10, abs=1e-12)


@given(expression_graphs(max_ops=12))
def test_second_derivatives_of_random_graphs(case):
    """d/dx_j of grad(f)_i, through create_graph, vs finite differences of backward."""
    f, xs = case

    def first_derivative(i: int):
        def d(*leaves: Value) -> Value:
            return grad(f(*leaves), [leaves[i]], create_graph=True)[0]

        return d

    for i in range(len(xs)):
        assert_grad_close(first_derivative(i), xs, atol=1e-4, rtol=1e-3)


def test_newton_step_uses_second_derivative():
    x = Value(3.0)
    for _ in range(6):  # minimise (x - 1)^4 + x^2 ... by Newton's method
        (g,) = grad((x - 1) ** 2 + 0.5, [x], create_graph=True)
        (h,) = grad(g, [x])
        x = Value(x.data - g.data / h.data)
    assert x.data == pytest.approx(1.0)


def test_create_graph_works_inside_no_grad():
    x = Value(2.0)
    with no_grad():
        (g,) = grad(x * x * x, [x], create_graph=True)
    # the forward was not recorded inside no_grad, so the output is a leaf: derivative 0
    assert g.data == 0.0
    y = x * x * x
    with no_grad():
        (g,) = grad(y, [x], create_graph=True)
        (h,) = grad(g, [x])
    assert (g.data, h.data) == (12.0, 12.0)


# --------------------------------------------------------------------------------------
# no_grad
# --------------------------------------------------------------------------------------


def test_no_grad_makes_leaves():
    x = Value(2.0)
    with no_grad():
        y = (x * 3).tanh() + x
    assert y.op == "" and y.parents == ()
    assert y.data == pytest.approx(math.tanh(6.0) + 2.0)
    y.backward()
    assert x.grad == 0.0
    z = x * 3  # recording again
    assert z.parents[0] is x


def test_no_grad_as_decorator():
    @no_grad()
    def f(v: Value) -> Value:
        return v * v

    x = Value(3.0)
    assert f(x).parents == () and f(x).data == 9.0
    assert (x * x).parents == (x, x)


def test_no_grad_nested_and_restored():
    x = Value(1.0)
    with no_grad():
        with no_grad():
            assert (x + 1).parents == ()
        assert (x + 1).parents == ()
    assert (x + 1).parents != ()


def test_no_grad_restores_on_exception():
    x = Value(-1.0)
    with pytest.raises(ValueError):
        with no_grad():
            x.log()
    y = x + 1
    assert y.op == "+" and y.parents[0] is x
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert (x * 2).op == "*" and (x * 2).parents[0] is x


# --------------------------------------------------------------------------------------
# detect_anomaly
# --------------------------------------------------------------------------------------


def test_anomaly_in_forward_nan():
    a, b = Value(math.inf, label="a"), Value(math.inf, label="b")
    with detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            a - b
    message = str(info.value)
    assert "'-'" in message and "a=inf" in message and "b=inf" in message and "forward" in message


def test_anomaly_in_forward_inf():
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"'\*'.*1e\+308"):
        Value(1e308) * Value(10.0)


def test_anomaly_in_backward_inf_names_op_operands_and_label():
    x = Value(0.0, label="x")
    y = x.sqrt()
    y.label = "root"
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        y.backward()
    message = str(info.value)
    assert "sqrt" in message and "x=0" in message and "'root'" in message and "backward" in message
    assert x.grad == 0.0 and y.grad == 0.0  # nothing was accumulated


def test_anomaly_in_backward_nan():
    a, b = Value(-2.0, label="a"), Value(2.0, label="b")
    c = a**b
    c.label = "c"
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"'\*\*'.*a=-2.*b=2.*'c'.*nan"):
        c.backward()


def test_anomaly_in_grad():
    x = Value(0.0, label="x")
    with detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt"):
        grad(x.sqrt(), [x])


def test_without_anomaly_nan_propagates():
    x = Value(math.nan)
    y = (x * 2).tanh()
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)
    a, b = Value(-2.0), Value(2.0)
    (a**b).backward()
    assert math.isnan(b.grad)


def test_anomaly_mode_is_restored_and_decorates():
    with pytest.raises(FloatingPointError):
        with detect_anomaly():
            Value(math.nan) + 1
    assert math.isnan((Value(math.nan) + 1).data)

    @detect_anomaly()
    def f() -> Value:
        return Value(math.inf) * 0

    with pytest.raises(FloatingPointError):
        f()
    assert math.isnan((Value(math.inf) * 0).data)


def test_anomaly_mode_gives_the_same_gradients():
    @given(expression_graphs(max_ops=15))
    def check(case):
        f, xs = case
        plain = [Value(x) for x in xs]
        f(*plain).backward(0.5)
        checked = [Value(x) for x in xs]
        with detect_anomaly():
            f(*checked).backward(0.5)
        assert [v.grad for v in plain] == pytest.approx([v.grad for v in checked], rel=1e-12, abs=1e-14)

    check()


# --------------------------------------------------------------------------------------
# User-declared ops
# --------------------------------------------------------------------------------------


@pytest.fixture
def own_table(monkeypatch):
    """Register into a copy of the table, so user ops do not leak into other tests."""
    monkeypatch.setattr(ops, "OPS", dict(ops.OPS))
    return ops.OPS


def test_user_op_backpropagates_to_second_order(own_table):
    cube = ops.register(
        ops.OpSpec(
            name="cube",
            arity=1,
            forward=lambda x: x * x * x,
            local_grads=lambda x, out: (3 * x * x,),
            formula="y = x^3;  dy/dx = 3 x^2",
        )
    )
    assert own_table["cube"] is cube
    x = Value(2.0, label="x")
    y = cube(x)
    assert (y.data, y.op, y.parents, y.spec) == (8.0, "cube", (x,), cube)
    y.backward()
    assert x.grad == 12.0
    (d1,) = grad(cube(x), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3.data) == (12.0, 12.0, 6.0)
    assert cube(3).data == 27.0  # numbers are lifted
    assert_grad_close(lambda v: cube(v.tanh()) * v, [0.4])


def test_user_binary_op_with_helpers(own_table):
    # y = sqrt(a^2 + b^2); dy/da = a / y, dy/db = b / y: written with the operands'
    # arithmetic, so the same rule serves backward() and grad(create_graph=True).
    hypot = ops.register(
        ops.OpSpec(
            name="hypot",
            arity=2,
            forward=math.hypot,
            local_grads=lambda a, b, out: (a / out, b / out),
            domain=(ops.Interval(0.5, 3.0), ops.Interval(0.5, 3.0)),
        )
    )

    @given(finite_floats(0.5, 3.0), finite_floats(0.5, 3.0))
    def check(a, b):
        assert_grad_close(lambda u, v: hypot(u, v * v), [a, b])
        d = lambda u, v: grad(hypot(u, v), [u], create_graph=True)[0]
        assert_grad_close(d, [a, b])

    check()


def test_user_op_domain_error_names_the_op(own_table):
    def forward(x: float) -> float:
        if x < 0:
            raise ValueError("math domain error")
        return x

    spec = ops.register(
        ops.OpSpec(name="only_positive", arity=1, forward=forward, local_grads=lambda x, out: (1.0,))
    )
    with pytest.raises(ValueError, match=r"only_positive.*-1"):
        spec(Value(-1.0))


def test_register_errors(own_table):
    with pytest.raises(TypeError, match="OpSpec"):
        ops.register(lambda x: x)
    with pytest.raises(ValueError, match="already registered"):
        ops.register(ops.OpSpec(name="tanh", arity=1, forward=math.tanh, local_grads=lambda x, out: (1.0,)))
    assert ops.register(ops.TANH) is ops.TANH  # registering the same spec again is harmless


def test_opspec_validation():
    ok = dict(forward=math.tanh, local_grads=lambda x, out: (1.0,))
    with pytest.raises(ValueError, match="name"):
        ops.OpSpec(name="", arity=1, **ok)
    with pytest.raises(ValueError, match="arity"):
        ops.OpSpec(name="x", arity=0, **ok)
    with pytest.raises(TypeError, match="callable"):
        ops.OpSpec(name="x", arity=1, forward=1.0, local_grads=lambda x, out: (1.0,))
    with pytest.raises(ValueError, match="domain"):
        ops.OpSpec(name="x", arity=2, domain=(ops.Interval(0, 1),), **ok)


def test_applying_with_the_wrong_number_of_operands():
    with pytest.raises(TypeError, match=r"tanh.*1.*2"):
        ops.TANH(Value(1.0), Value(2.0))


# --------------------------------------------------------------------------------------
# Fused ops: engine.dot and engine.sum_values
# --------------------------------------------------------------------------------------


@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(finite_floats(-3, 3), min_size=n, max_size=n),
            st.lists(finite_floats(-3, 3), min_size=n, max_size=n),
            finite_floats(-3, 3),
        )
    )
)
def test_dot_matches_the_unfused_graph(case):
    ws, xs, b = case
    wv, xv, bv = [Value(w) for w in ws], [Value(x) for x in xs], Value(b)
    out = dot(wv, xv, bv)
    assert out.op == "dot" and len(out.parents) == 2 * len(ws) + 1
    assert out.data == pytest.approx(math.fsum(w * x for w, x in zip(ws, xs)) + b, abs=1e-12)
    out.backward(2.0)
    assert [w.grad for w in wv] == [2.0 * x for x in xs]
    assert [x.grad for x in xv] == [2.0 * w for w in ws]
    assert bv.grad == 2.0
    no_bias = dot(ws, xv)
    assert len(no_bias.parents) == 2 * len(ws)
    assert no_bias.data == pytest.approx(math.fsum(w * x for w, x in zip(ws, xs)), abs=1e-12)


def test_dot_with_shared_operands_and_second_order():
    x = Value(1.5)
    y = dot([x, x], [x, 2.0], 1.0)  # x^2 + 2x + 1
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert (y.data, d1.data, d2.data) == (6.25, 5.0, 2.0)


def test_sum_values():
    xs = [Value(float(i)) for i in range(5)]
    out = sum_values([*xs, 10, xs[0]])
    assert out.op == "sum" and out.data == 20.0
    out.backward(3.0)
    assert [x.grad for x in xs] == [6.0, 3.0, 3.0, 3.0, 3.0]
    assert sum_values(iter([Value(2.0)])).data == 2.0


def test_fused_op_errors():
    with pytest.raises(ValueError, match=r"2 weights.*3 inputs"):
        dot([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least one"):
        dot([], [])
    with pytest.raises(TypeError, match="str"):
        dot(["a"], [1.0])
    with pytest.raises(ValueError, match="at least one"):
        sum_values([])
    with pytest.raises(TypeError, match="NoneType"):
        sum_values([Value(1.0), None])


def test_numerical_grad_agrees_on_fused_ops():
    f = lambda a, b, c: dot([a, b], [b, c], a) * sum_values([a, b, c]).tanh()
    assert_grad_close(f, [0.3, -0.7, 1.1])
    assert numerical_grad(lambda a: sum_values([a, a, a]), [1.0]) == pytest.approx([3.0])


def test_failed_backward_leaves_every_grad_unchanged(own_table):
    def fails(x: float, out: float) -> tuple[float]:
        raise RuntimeError("local derivative failed")

    boom = ops.register(ops.OpSpec(name="boom", arity=1, forward=lambda x: x, local_grads=fails))
    x = Value(1.0)
    y = x * 2
    z = boom(y) + x * y
    nodes = topological_order(z)
    x.grad, y.grad = 5.0, -1.0
    before = [n.grad for n in nodes]
    for mode in (no_grad, detect_anomaly):  # the fast path, then the checked path
        with pytest.raises(RuntimeError, match="local derivative failed"):
            with mode():
                z.backward()
        assert [n.grad for n in nodes] == before


def test_no_grad_and_detect_anomaly_work_as_bare_decorators():
    @no_grad
    def double(v):
        return v * 2

    @detect_anomaly
    def blow_up(v):
        return v * math.inf

    x = Value(1.5)
    y = double(x)
    assert y.op == "" and y.parents == () and y.data == 3.0
    assert (x * 2).op == "*"  # recording is back on after the call
    with pytest.raises(FloatingPointError):
        blow_up(x)
    assert math.isinf((x * math.inf).data)  # and anomaly mode is off again


# ---- copying and pickling (issue 10) -------------------------------------------------


def test_deepcopy_of_a_deep_graph_copies_every_node_without_recursion():
    import copy

    x = Value(0.5, label="x")
    y = x
    for _ in range(5000):  # far deeper than the interpreter's recursion limit allows
        y = y * 1.0001 + 0.1
    twin = copy.deepcopy(y)
    assert twin is not y and twin.data == y.data
    leaf = twin
    while leaf.parents:
        leaf = leaf.parents[0]
    assert leaf is not x and leaf.label == "x"
    twin.backward()
    y.backward()
    assert leaf.grad == x.grad != 0.0


def test_deepcopy_keeps_shared_nodes_shared():
    import copy

    a = Value(2.0)
    b = a * a
    c = b + b
    twin = copy.deepcopy(c)
    p, q = twin.parents
    assert p is q and p is not b
    assert p.parents[0] is p.parents[1]


def test_pickle_of_an_op_node_says_what_to_use_instead():
    import pickle

    with pytest.raises(TypeError, match=r"state_dict\(\) or model.save"):
        pickle.dumps(Value(2.0) * Value(3.0))
    leaf = pickle.loads(pickle.dumps(Value(2.0, label="w")))
    assert (leaf.data, leaf.grad, leaf.label, leaf.op) == (2.0, 0.0, "w", "")


@pytest.mark.parametrize(
    "call",
    [
        lambda v: v.leaky_relu(math.nan),
        lambda v: v.elu(math.inf),
        lambda v: v.celu(-math.inf),
        lambda v: v.swish(math.nan),
        lambda v: v.prelu(math.nan),
    ],
)
def test_activation_parameters_must_be_finite(call):
    with pytest.raises(ValueError, match="must be a finite number"):
        call(Value(-1.0))
