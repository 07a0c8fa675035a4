"""micrograd_plus.compat against micrograd 0.1.0 itself, in micrograd's usage patterns.

Every pattern is written as a micrograd user writes it, once, and run on both libraries
(``lib`` is a namespace with ``Value``, ``Neuron``, ``Layer``, ``MLP``); the side-by-side
tests are skipped when micrograd is not installed.
"""

from __future__ import annotations

import math
import random
import types

import pytest

import micrograd_plus.compat as compat
from micrograd_plus import engine, viz
from micrograd_plus.compat import nn as cnn
from micrograd_plus.compat.engine import Value
from micrograd_plus.data import make_moons

OURS = types.SimpleNamespace(Value=Value, Neuron=cnn.Neuron, Layer=cnn.Layer, MLP=cnn.MLP)


@pytest.fixture(scope="module")
def theirs():
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    return types.SimpleNamespace(Value=mg_engine.Value, Neuron=mg_nn.Neuron, Layer=mg_nn.Layer, MLP=mg_nn.MLP)


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --------------------------------------------------------------------------------------
# The usage patterns, written once as micrograd code
# --------------------------------------------------------------------------------------


def expression(V):
    """Every operator micrograd has, on reused sub-expressions."""
    x = V(-3.0)
    y = V(1.5)
    s = x * y + y**3
    s += s * 2 + (y + x).relu()
    s += 3 * s + (y - x).relu()
    t = (x + y) * -1 + 1 - x
    t += 2 - t * 0.5
    u = s - t
    v = u**2 / 4.0 + 7.0 / (u + 100) + (-u) ** -2
    return v, [x, y]


def trace(root):
    """micrograd's graph-tracing notebook walk: all nodes and edges via _prev."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def manual_backward(root):
    """The lecture's backprop by hand: topological sort, then _backward() node by node."""
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    root.grad = 1.0
    for node in reversed(topo):
        node._backward()


def moons(n=24):
    X, y = make_moons(n_samples=n, noise=0.1, seed=3)
    return X, [2 * label - 1 for label in y]  # micrograd's demo uses labels -1/+1


def demo_loss(model, X, y, alpha=1e-4):
    """The loss of micrograd's demo notebook: SVM max-margin loss + L2 regularization."""
    scores = list(map(model, X))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total, sum(accuracy) / len(accuracy)


def train(lib, steps, X, y, sizes=(8, 8, 1)):
    random.seed(1337)
    model = lib.MLP(2, list(sizes))
    history = []
    for k in range(steps):
        total_loss, acc = demo_loss(model, X, y)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return model, history


# --------------------------------------------------------------------------------------
# Value
# --------------------------------------------------------------------------------------


def test_expression_values_and_grads_equal_micrograd(theirs):
    ours, our_inputs = expression(OURS.Value)
    ref, ref_inputs = expression(theirs.Value)
    ours.backward()
    ref.backward()
    assert close(ours.data, ref.data)
    for a, b in zip(our_inputs, ref_inputs):
        assert close(a.grad, b.grad)
    assert ours.grad == ref.grad == 1


def test_graph_has_micrograds_nodes_and_op_names(theirs):
    ours_nodes, ours_edges = trace(expression(OURS.Value)[0])
    ref_nodes, ref_edges = trace(expression(theirs.Value)[0])
    assert len(ours_nodes) == len(ref_nodes) and len(ours_edges) == len(ref_edges)
    assert sorted(n._op for n in ours_nodes) == sorted(n._op for n in ref_nodes)
    assert {"+", "*", "**2", "**3", "**-1", "**-2", "ReLU", ""} == {n._op for n in ours_nodes}
    assert all(isinstance(n, Value) and isinstance(n._prev, set) for n in ours_nodes)


def test_manual_backward_in_reverse_topological_order(theirs):
    ours, our_inputs = expression(OURS.Value)
    ref, ref_inputs = expression(theirs.Value)
    manual_backward(ours)
    manual_backward(ref)
    for a, b in zip(our_inputs, ref_inputs):
        assert close(a.grad, b.grad)
    # ... and the same numbers as backward() on a fresh graph.
    again, again_inputs = expression(OURS.Value)
    again.backward()
    assert [a.grad for a in again_inputs] == pytest.approx([a.grad for a in our_inputs], rel=1e-12)


def test_backward_twice_accumulates_like_micrograd(theirs):
    # Without zero_grad, micrograd passes an inner node's old gradient on again.
    ours, our_inputs = expression(OURS.Value)
    ref, ref_inputs = expression(theirs.Value)
    for _ in range(2):
        ours.backward()
        ref.backward()
    for a, b in zip(our_inputs, ref_inputs):
        assert close(a.grad, b.grad)
    assert ours.grad == 1.0


def test_repr_is_micrographs(theirs):
    for V in (OURS.Value, theirs.Value):
        a = V(-4.0)
        b = a * 2.5
        b.backward()
        assert repr(a) == "Value(data=-4.0, grad=2.5)"
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"  # micrograd: grad=0 (an int)


def test_lecture_nodes_built_by_hand_backpropagate():
    # The lecture builds nodes as Value(data, children, op); a known op gets its rule.
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = Value(a.data * b.data, (a, b), "*")
    d = Value(e.data + c.data, (e, c), "+")
    n = Value(d.data**2, (d,), "**2")
    t = Value(math.tanh(n.data / 100), (Value(n.data / 100, (n, Value(0.01)), "*"),), "tanh")
    t.backward()
    dt_dn = (1 - t.data**2) * 0.01
    assert close(n.grad, dt_dn)
    assert close(a.grad, dt_dn * 2 * d.data * b.data)
    assert close(b.grad, dt_dn * 2 * d.data * a.data)
    assert close(c.grad, dt_dn * 2 * d.data)
    assert (e._op, d._op, n._op, t._op, a._op) == ("*", "+", "**2", "tanh", "")
    assert a.label == "a" and d._prev == {e, c}


def test_a_micrograd_style_op_with_its_own_backward():
    # How micrograd users add an op: build the node, assign a _backward closure.
    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    x = Value(0.7)
    y = tanh(x * 2) * 3 + x
    assert y._prev and y._op == "+"
    y.backward()
    ref_x = Value(0.7)
    ((ref_x * 2).tanh() * 3 + ref_x).backward()
    assert close(x.grad, ref_x.grad)
    out = tanh(Value(0.1))
    assert out._op == "tanh" and out._backward.__name__ == "_backward"  # the assigned function


def test_unknown_op_passes_nothing_until_given_a_backward():
    x = Value(3.0)
    y = Value(x.data * 2, (x,), "double")
    assert y._op == "double"
    (y * 1.0).backward()
    assert x.grad == 0.0  # micrograd's default _backward does nothing
    x.grad = y.grad = 0.0

    def _backward():
        x.grad += 2 * y.grad

    y._backward = _backward
    (y * 5.0).backward()
    assert x.grad == 10.0


def test_numbers_on_either_side(theirs):
    for V in (OURS.Value, theirs.Value):
        x = V(1.25)
        outs = [x + 2, 2 + x, x - 2, 2 - x, x * 3, 3 * x, x / 4, 4 / x, -x, x**2]
        for o in outs:
            o.backward()
        if V is OURS.Value:
            ours = ([o.data for o in outs], x.grad)
        else:
            ref = ([o.data for o in outs], x.grad)
    assert ours[0] == pytest.approx(ref[0], rel=1e-15) and close(ours[1], ref[1])


def test_more_than_micrograd_and_deep_graphs():
    x = Value(0.5)
    y = (2**x).exp().log() + x.tanh() + x.sigmoid()
    assert isinstance(y, Value) and y._op == "+"
    y.backward()
    assert close(x.grad, math.log(2) * 2**0.5 + 1 - math.tanh(0.5) ** 2 + 0.25 - math.tanh(0.25) ** 2 / 4)
    z = Value(1.0)
    for _ in range(100_000):  # micrograd's recursive sort would hit RecursionError
        z = z * 1.0
    z.backward()


def test_numbers_are_checked():
    with pytest.raises(TypeError, match="str"):
        Value("1.0")
    with pytest.raises(TypeError, match="_children"):
        Value(1.0, (1.0,), "+")
    with pytest.raises(TypeError):
        Value(1.0) + "x"


def test_draw_dot_draws_compat_graphs():
    n = cnn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    text = viz.to_dot(y)
    assert "relu" in text and "digraph" in viz.draw_dot(y).source
    # the engine's own tools see the same graph
    assert engine.topological_order(y)[-1] is y


def test_aliasing_as_micrograd():
    import micrograd_plus.compat as micrograd

    assert micrograd.engine.Value is Value and micrograd.nn.MLP is cnn.MLP and compat.Value is Value


# --------------------------------------------------------------------------------------
# nn
# --------------------------------------------------------------------------------------


def test_seed_1337_gives_micrograds_weights_and_outputs(theirs):
    X, y = moons()
    models = []
    for lib in (OURS, theirs):
        random.seed(1337)
        models.append(lib.MLP(2, [16, 16, 1]))
    ours, ref = models
    assert [p.data for p in ours.parameters()] == [p.data for p in ref.parameters()]
    assert repr(ours) == repr(ref)
    for x in X[:5]:
        assert close(ours(x).data, ref(x).data)
    (our_loss, our_acc), (ref_loss, ref_acc) = demo_loss(ours, X, y), demo_loss(ref, X, y)
    assert close(our_loss.data, ref_loss.data) and our_acc == ref_acc


def test_neuron_layer_mlp_shapes_like_micrograd(theirs):
    for lib in (OURS, theirs):
        random.seed(5)
        lin = lib.Neuron(3, nonlin=False)
        relu = lib.Neuron(3)
        one = lib.Layer(3, 1)
        many = lib.Layer(3, 2, nonlin=False)
        x = [0.5, -1.0, 2.0]
        assert repr(lin) == "LinearNeuron(3)" and repr(relu) == "ReLUNeuron(3)"
        assert isinstance(one(x), lib.Value)  # a one-output layer returns the Value
        assert isinstance(many(x), list) and len(many(x)) == 2
        assert len(lib.MLP(3, [4, 1]).parameters()) == 4 * 4 + 5
        assert lin(x).data == pytest.approx(sum(w.data * xi for w, xi in zip(lin.w, x)) + lin.b.data)
    random.seed(5)
    assert cnn.Neuron(3, nonlin=False)([0.5, -1.0, 2.0])._op == "dot"


def test_neuron_zips_like_micrograd(theirs):
    for lib in (OURS, theirs):
        random.seed(2)
        n = lib.Neuron(3, nonlin=False)
        short, long = n([1.0, 2.0]).data, n([1.0, 2.0, 3.0, 4.0]).data
        if lib is OURS:
            ours = (short, long)
        else:
            ref = (short, long)
    assert ours == pytest.approx(ref, rel=1e-15)


def test_training_loop_equals_micrograd(theirs):
    X, y = moons(16)
    ours, our_history = train(OURS, 4, X, y)
    ref, ref_history = train(theirs, 4, X, y)
    for (a, acc_a), (b, acc_b) in zip(our_history, ref_history):
        assert close(a, b, 1e-10) and acc_a == acc_b
    for p, q in zip(ours.parameters(), ref.parameters()):
        assert close(p.data, q.data, 1e-10) and close(p.grad, q.grad, 1e-9)


def test_training_loop_learns():
    X, y = moons(40)
    _, history = train(OURS, 30, X, y, sizes=(16, 16, 1))
    assert history[-1][0] < history[0][0] and history[-1][1] >= 0.85


def test_zero_grad():
    random.seed(0)
    m = cnn.MLP(2, [3, 1])
    m([1.0, 2.0]).backward()
    assert any(p.grad for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())
    assert cnn.Module().parameters() == []
