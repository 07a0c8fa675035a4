"""The one chain-rule loop and the quarantined topological order.

``engine._chain_rule`` serves backward(), grad(create_graph=False|True), detect_anomaly
and viz's step-through; ``topological_order`` is checked against a plain reference.
"""

from __future__ import annotations

import math
import random
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, detect_anomaly, grad, no_grad, ops, viz
from micrograd_plus.engine import dot, sum_values, topological_order
from micrograd_plus.testing import expression_graphs


def reference_order(root: Value) -> list[Value]:
    """Every node reachable from root, each after its parents: the textbook recursive
    DFS (post-order), for graphs shallow enough for recursion."""
    seen: set[Value] = set()
    order: list[Value] = []

    def visit(node: Value) -> None:
        if node in seen:
            return
        seen.add(node)
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def random_graph(rng: random.Random, n_leaves: int, n_ops: int) -> Value:
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(n_leaves)]
    for _ in range(n_ops):
        pick = lambda: (
            nodes[rng.randrange(len(nodes))]
            if rng.random() < 0.5
            else nodes[-1 - rng.randrange(min(3, len(nodes)))]
        )
        kind = rng.randrange(6)
        if kind == 0:
            nodes.append(pick().tanh())
        elif kind == 1:
            nodes.append(pick() * pick())
        elif kind == 2:
            nodes.append(pick() + pick())
        elif kind == 3:
            k = rng.randint(1, 3)
            nodes.append(
                dot(
                    [pick() for _ in range(k)],
                    [pick() for _ in range(k)],
                    pick() if rng.random() < 0.5 else None,
                )
            )
        elif kind == 4:
            nodes.append(sum_values([pick() for _ in range(rng.randint(1, 4))]))
        else:
            nodes.append(pick() - 2.0)
    return sum_values(nodes[n_leaves:]) if n_ops else nodes[0]


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(0, 60))
def test_topological_order_matches_a_plain_reference(seed, n_leaves, n_ops):
    root = random_graph(random.Random(seed), n_leaves, n_ops)
    fast, plain = topological_order(root), reference_order(root)
    assert len(fast) == len(set(fast)) == len(plain)
    assert set(fast) == set(plain)
    position = {node: i for i, node in enumerate(fast)}
    for node in fast:
        for parent in node.parents:
            assert position[parent] < position[node]
    assert fast[-1] is root


def test_topological_order_on_a_deep_chain():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    order = topological_order(y)
    assert len(order) == 200_001 and order[-1] is y and any(n is x for n in order)


@given(expression_graphs(max_ops=20))
def test_one_loop_every_mode_agrees(case):
    f, xs = case
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    by_backward = [v.grad for v in leaves]
    with detect_anomaly():
        checked = [v.grad for v in leaves]
    by_grad = [g.data for g in grad(out, leaves)]
    by_graph = [g.data for g in grad(out, leaves, create_graph=True)]
    steps = list(viz.backward_steps(out))
    by_steps = {}
    for step in steps:
        for parent, c in zip(step.parents, step.contributions):
            by_steps[parent] = by_steps.get(parent, 0.0) + c
    assert checked == by_backward
    assert by_grad == pytest.approx(by_backward, rel=1e-12, abs=1e-15)
    assert by_graph == pytest.approx(by_backward, rel=1e-12, abs=1e-15)
    assert [by_steps.get(v, 0.0) for v in leaves] == pytest.approx(by_backward, rel=1e-12, abs=1e-15)
    assert [v.grad for v in leaves] == by_backward  # grad() and the steps touched nothing


def test_grad_leaves_every_grad_untouched():
    x, y = Value(2.0), Value(3.0)
    z = x * y + x
    x.grad, y.grad, z.grad = 10.0, 20.0, 30.0
    outside = Value(1.0)
    outside.grad = 7.0
    assert [g.data for g in grad(z, [x, y, outside])] == [4.0, 2.0, 0.0]
    assert [g.data for g in grad(z, [x, outside], create_graph=True)] == [4.0, 0.0]
    assert (x.grad, y.grad, z.grad, outside.grad) == (10.0, 20.0, 30.0, 7.0)
    assert grad(z, []) == [] and (x.grad, z.grad) == (10.0, 30.0)


def test_a_none_grad_counts_as_zero():
    w = Value(3.0)
    w.grad = None
    (w * w).backward()
    assert w.grad == 6.0
    a, b = Value(1.0), Value(2.0)
    c = a * b
    a.grad, b.grad = None, 1.0
    c.backward()
    assert (a.grad, b.grad, c.grad) == (2.0, 2.0, 1.0)
    w.grad = None
    assert grad(w * w, [w])[0].data == 6.0 and w.grad is None


def test_retain_graph_is_accepted_and_item():
    x = Value(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward(retain_graph=False)
    assert x.grad == 8.0 and y.item() == 4.0 and type(y.item()) is float


def test_backward_gradient_message():
    with pytest.raises(TypeError, match=r"backward\(gradient=...\).*str"):
        (Value(1.0) * 2).backward("1")
    x = Value(1.0)
    (x * 2).backward(Value(3.0))
    assert x.grad == 6.0


@pytest.mark.parametrize("returned", [(), (1.0, 2.0), 2.0])
@pytest.mark.parametrize("mode", ["backward", "anomaly", "grad", "graph"])
def test_local_grads_of_the_wrong_count_name_the_op(monkeypatch, returned, mode):
    monkeypatch.setattr(ops, "OPS", dict(ops.OPS))
    bad = ops.OpSpec(name="bad_count", arity=1, forward=lambda x: 2 * x, local_grads=lambda x, out: returned)
    x = Value(1.0)
    y = bad(x) * x
    with pytest.raises(ValueError, match=r"bad_count.*local_grads returned"):
        if mode == "backward":
            y.backward()
        elif mode == "anomaly":
            with detect_anomaly():
                y.backward()
        else:
            grad(y, [x], create_graph=mode == "graph")
    assert x.grad == 0.0


def test_wrong_count_in_a_fused_style_op(monkeypatch):
    bad = ops.OpSpec(
        name="bad3", arity=3, forward=lambda a, b, c: a + b + c, local_grads=lambda a, b, c, out: (1.0,)
    )
    with pytest.raises(ValueError, match="bad3"):
        bad(Value(1.0), Value(2.0), Value(3.0)).backward()


# --------------------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------------------


def _shared_trunk():
    w = Value(0.3)
    trunk = (w * 1.7).tanh()
    for _ in range(300):
        trunk = (trunk * 0.9 + w).tanh()
    return w, trunk


def test_concurrent_backward_on_a_shared_trunk_is_some_serial_order():
    w, trunk = _shared_trunk()
    losses = [trunk * float(k + 1) for k in range(8)]
    expected = 0.0
    for loss in losses:
        w.grad = 0.0
        for node in topological_order(loss):
            node.grad = 0.0
        loss.backward()
        expected += w.grad
    for node in topological_order(losses[0]):
        node.grad = 0.0
    for _ in range(3):
        w.grad = 0.0
        for node in topological_order(losses[0]):
            node.grad = 0.0
        barrier = threading.Barrier(len(losses))

        def run(loss, barrier=barrier):
            barrier.wait()
            for _ in range(5):
                loss.backward()

        threads = [threading.Thread(target=run, args=(loss,)) for loss in losses]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert w.grad == pytest.approx(5 * expected, rel=1e-12)


def test_no_grad_is_per_thread():
    inside, done = threading.Event(), threading.Event()

    def evaluator():
        with no_grad():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=evaluator)
    t.start()
    assert inside.wait(5)
    try:
        w = Value(3.0)
        (w * w).backward()
        assert w.grad == 6.0
    finally:
        done.set()
        t.join()


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (Value(1.0) * 2).op == "*"


def test_grad_create_graph_does_not_turn_recording_on_in_another_thread():
    started, finish = threading.Event(), threading.Event()
    seen = []

    def evaluator():
        with no_grad():
            started.set()
            finish.wait(5)
            seen.append((Value(1.0) * 2).op)

    t = threading.Thread(target=evaluator)
    t.start()
    started.wait(5)
    x = Value(0.5)
    (d,) = grad(x.tanh() * x, [x], create_graph=True)
    finish.set()
    t.join()
    assert seen == [""] and d.parents


def test_detect_anomaly_is_per_thread():
    inside, done = threading.Event(), threading.Event()

    def checker():
        with detect_anomaly():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=checker)
    t.start()
    inside.wait(5)
    try:
        assert math.isnan((Value(math.inf) * 0).data)  # no FloatingPointError here
    finally:
        done.set()
        t.join()
