"""micrograd_plus.testing: the strategies draw what they promise; the helpers check."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value, grad, ops, testing
from micrograd_plus.engine import topological_order
from micrograd_plus.testing import (
    ExpressionGraph,
    all_op_specs,
    assert_grad_close,
    expression_graphs,
    finite_floats,
    inputs_for,
    mlp_configs,
    small_mlps,
    values_in,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"

# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------


@given(finite_floats())
def test_finite_floats_are_finite(x):
    assert isinstance(x, float) and math.isfinite(x)


@given(finite_floats(-1.5, 2.0))
def test_finite_floats_respect_bounds(x):
    assert -1.5 <= x <= 2.0


INTERVAL = ops.Interval(-2.0, 3.0, avoid=(0.0, 1.0), margin=0.1)


@given(values_in(INTERVAL))
def test_values_in_stays_inside_and_away(x):
    assert x in INTERVAL
    assert abs(x) >= 0.1 and abs(x - 1.0) >= 0.1


@given(values_in(ops.Interval(-1.0, 1.0), avoid=(0.5,), margin=0.3))
def test_values_in_extra_avoid_and_margin(x):
    assert -1.0 <= x <= 1.0 and abs(x - 0.5) >= 0.3


@pytest.mark.parametrize("spec", all_op_specs(), ids=lambda s: f"{s.label}/{s.arity}")
def test_inputs_for_every_spec(spec):
    @settings(max_examples=20)
    @given(inputs_for(spec))
    def check(xs):
        assert len(xs) == spec.arity
        for x, interval in zip(xs, spec.domain):
            assert x in interval
            assert all(abs(x - p) >= interval.margin for p in interval.avoid)
        assert all(abs(xs[0] - k) >= spec.domain[0].margin for k in spec.kinks)
        spec(*[Value(x) for x in xs])  # the op is defined there

    check()


# --------------------------------------------------------------------------------------
# all_op_specs
# --------------------------------------------------------------------------------------


def test_all_op_specs_covers_the_table_and_the_variants():
    specs = all_op_specs()
    assert all(isinstance(s, ops.OpSpec) for s in specs)
    assert len({id(s) for s in specs}) == len(specs)
    for spec in ops.OPS.values():
        assert any(s is spec for s in specs)
    assert any(s is ops.GELU_TANH for s in specs)
    exponents = {dict(s.params)["exponent"] for s in specs if s.name == "**" and s.arity == 1}
    assert {2.0, 0.5, -1.0, 0.0} <= exponents
    for name in ("leaky_relu", "elu", "celu", "swish"):
        family = [s for s in specs if s.name == name]
        assert len(family) >= 2, name  # the default and a non-default parameter
    assert {s.arity for s in specs if s.name == "dot"} >= {2, 3, 4}
    assert {s.arity for s in specs if s.name == "sum"} >= {1, 2, 3}


def test_all_op_specs_reads_the_table_at_call_time(monkeypatch):
    monkeypatch.setattr(ops, "OPS", dict(ops.OPS))
    new = ops.register(
        ops.OpSpec(name="twice", arity=1, forward=lambda x: 2 * x, local_grads=lambda x, out: (2.0,))
    )
    assert any(s is new for s in all_op_specs())


# --------------------------------------------------------------------------------------
# expression_graphs
# --------------------------------------------------------------------------------------


@given(expression_graphs(min_leaves=2, max_leaves=3, min_ops=5, max_ops=12))
def test_expression_graphs_shape(case):
    f, xs = case
    assert isinstance(f, ExpressionGraph) and isinstance(xs, list)
    assert 2 <= len(xs) == f.n_leaves <= 3
    assert all(isinstance(x, float) and -2.0 <= x <= 2.0 for x in xs)
    # at least min_ops steps (a squash may add one after a step)
    assert 5 <= f.n_ops <= 24
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    assert isinstance(out, Value) and math.isfinite(out.data)
    order = set(topological_order(out))
    used = {i for _, args in f.steps for i in args if i < f.n_leaves}
    assert all(leaves[i] in order for i in used)
    # every step's node feeds the output (the output sums the unused nodes)
    assert len(order) >= f.n_ops


@given(expression_graphs())
def test_expression_graphs_are_deterministic_and_moderate(case):
    f, xs = case
    a, b = f(*[Value(x) for x in xs]), f(*[Value(x) for x in xs])
    assert a.data == b.data
    assert abs(a.data) < 1e4
    assert f(*xs).data == a.data  # numbers are wrapped


@given(expression_graphs())
def test_expression_graphs_use_big_nodes_only_through_their_squash(case):
    # a node above the bound feeds nothing but its tanh squash, so values (and with them
    # gradients) stay moderate and finite differences stay accurate
    f, xs = case
    nodes = [Value(x) for x in xs]
    for kind, args in f.steps:
        if kind != "squash":
            assert all(abs(nodes[i].data) <= 8.0 for i in args), (kind, args)
        nodes.append(testing._run(kind, [nodes[i] for i in args]))


def test_expression_graphs_reuse_nodes():
    counts = []

    @settings(max_examples=50)
    @given(expression_graphs())
    def collect(case):
        counts.append(len(case[0].shared()))

    collect()
    assert sum(c > 0 for c in counts) >= 0.8 * len(counts)


def test_expression_graph_repr_and_arity():
    f = ExpressionGraph(2, (("*", (0, 1)), ("tanh", (2,)), ("+", (3, 0))))
    assert repr(f) == "ExpressionGraph(2 leaves: v0 = *(x0, x1); v1 = tanh(v0); v2 = +(v1, x0))"
    out = f(Value(0.5), Value(2.0))
    assert out.data == pytest.approx(math.tanh(1.0) + 0.5)
    assert f.shared() == [0]
    with pytest.raises(ValueError, match="2 leaves, got 1"):
        f(Value(1.0))


def test_expression_graph_output_sums_the_sinks():
    f = ExpressionGraph(2, (("sin", (0,)), ("cos", (1,))))
    out = f(Value(0.3), Value(0.4))
    assert out.op == "sum" and out.data == pytest.approx(math.sin(0.3) + math.cos(0.4))


# --------------------------------------------------------------------------------------
# assert_grad_close
# --------------------------------------------------------------------------------------


def test_assert_grad_close_passes_and_fails():
    assert assert_grad_close(lambda x, y: (x * y).tanh(), [0.3, 0.2]) is None
    with pytest.raises(AssertionError) as info:
        assert_grad_close(lambda x, y: x * y.data, [0.3, 0.2])
    message = str(info.value)
    assert "input 1" in message and "analytic" in message and "numeric" in message
    assert "input 0" not in message


def test_assert_grad_close_uses_the_given_tolerances():
    f = lambda x: x * Value(x.data)  # analytic x, numeric 2x
    with pytest.raises(AssertionError):
        assert_grad_close(f, [1.0])
    assert_grad_close(f, [1.0], atol=1.5)


# --------------------------------------------------------------------------------------
# MLPs
# --------------------------------------------------------------------------------------


@given(mlp_configs())
def test_mlp_configs(config):
    assert set(config) == {"nin", "nouts", "activation", "output_activation", "rng"}
    assert 1 <= config["nin"] <= 3 and config["nouts"][-1] == 1 and len(config["nouts"]) <= 2
    assert config["activation"] in testing.ACTIVATIONS


@settings(max_examples=25)
@given(small_mlps())
def test_small_mlps_backprop_matches_finite_differences(case):
    model, x = case
    out = model(x)
    assert isinstance(out, Value) and math.isfinite(out.data)
    # gradient with respect to the inputs; kinked activations are checked away from
    # their kinks only, which finite differences cannot straddle at this eps
    pre = [abs(v.data) for v in topological_order(out) if v.op in ("dot",)]
    if all(p > 1e-4 for p in pre):
        assert_grad_close(lambda *v: model(list(v)), x, atol=1e-4)


@settings(max_examples=10)
@given(small_mlps(max_inputs=2, activations=("tanh",)))
def test_small_mlps_parameters_get_gradients(case):
    model, x = case
    params = model.parameters()
    assert params and all(isinstance(p, Value) for p in params)
    model(x).backward()
    assert any(p.grad != 0.0 for p in params)


# --------------------------------------------------------------------------------------
# Documentation examples run
# --------------------------------------------------------------------------------------


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_module_docstring_example_runs():
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", testing.__doc__)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        code = "\n".join(line[4:] for line in block.splitlines())
        exec(compile(code, "testing.__doc__", "exec"), namespace)
    namespace["test_smooth_hinge_gradient"]()
    namespace["test_backprop_on_random_graphs"]()


def test_adding_an_op_page_runs(monkeypatch):
    monkeypatch.setattr(ops, "OPS", dict(ops.OPS))
    blocks = _python_blocks((DOCS / "adding_an_op.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "adding_an_op.md", "exec"), namespace)
    assert "softsign" in ops.OPS
    x = Value(-2.0)
    (d1,) = grad(namespace["SOFTSIGN"](x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert d2.data == pytest.approx(2.0 / 27.0)


@given(st.data())
def test_strategies_compose(data):
    spec = data.draw(st.sampled_from(all_op_specs()))
    xs = data.draw(inputs_for(spec))
    assert len(xs) == spec.arity


def test_clear_import_error_without_hypothesis():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import micrograd_plus.testing\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "needs hypothesis" in out and "pip install" in out
