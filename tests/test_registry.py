"""The op table and the activation registry are the only source of op facts.

Adding an activation is one OpSpec, one registry entry and one Value method: this
registers a throwaway one and shows every consumer picks it up with no other edit.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import find, settings

from micrograd_plus import Value, engine, nn, ops, testing, viz
from micrograd_plus.testing import all_op_specs

NAME = "softsign_test"


def _softsign(x):
    return x / (1.0 + ops.abs(x))


@pytest.fixture
def softsign(monkeypatch):
    """Register softsign(x) = x / (1 + |x|) as an activation, for this test only."""
    spec = ops.OpSpec(
        name=NAME,
        arity=1,
        forward=_softsign,
        local_grads=lambda x, out: (1.0 / ((1.0 + ops.abs(x)) * (1.0 + ops.abs(x))),),
        symbol="softsign",
        kinks=(0.0,),  # (its second derivative jumps at 0)
        domain=(ops.Interval(-5.0, 5.0, avoid=(0.0,)),),
        formula="y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)^2",
        method=NAME,
        torch="F.softsign(x)",
    )
    monkeypatch.setattr(ops, "OPS", dict(ops.OPS))
    ops.register(spec)
    monkeypatch.setattr(Value, NAME, lambda self: self._unary(spec), raising=False)
    act = ops.Activation(NAME, init="xavier", torch="Softsign")
    monkeypatch.setitem(ops.ACTIVATIONS, NAME, act)
    return spec


def test_registered_activation_reaches_nn(softsign):
    assert NAME in nn.ACTIVATIONS
    neuron = nn.Neuron(2, NAME, rng=0)
    out = neuron([0.5, -1.0])
    assert out.spec is softsign and out.parents[0].op == "dot"
    z = out.parents[0].data
    assert out.data == pytest.approx(z / (1 + abs(z)))
    out.backward()
    assert neuron.w[0].grad == pytest.approx(0.5 / (1 + abs(z)) ** 2)
    # the registry's init family: xavier's bound for fan_in=2, fan_out=1
    assert nn.init_bound("auto", NAME, 2, 1) == math.sqrt(6.0 / 3)
    model = nn.MLP(2, [3, 1], activation=NAME, rng=1)
    assert model([0.1, 0.2]).spec is not None


def test_registered_activation_reaches_the_cli(softsign):
    from micrograd_plus import cli

    args = cli.build_parser().parse_args(["demo", "--activation", NAME])
    assert args.activation == NAME


def test_registered_activation_reaches_viz(softsign):
    neuron = nn.Neuron(2, NAME, rng=0)
    out = neuron([0.5, -1.0])
    dot = viz.to_dot(out, module=neuron)
    # the activation's op node is drawn inside the neuron's box, with the op's symbol
    cluster = dot[dot.index("subgraph cluster") :]
    assert "softsign" in cluster[: cluster.index("}")]


def test_registered_activation_reaches_the_gallery(softsign):
    pytest.importorskip("matplotlib")
    from micrograd_plus import plots

    assert NAME in plots.ACTIVATIONS
    fig = viz.plot_activations(num=9)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert NAME in titles and len(titles) == len(plots.ACTIVATIONS)


def test_registered_activation_reaches_the_strategies(softsign):
    assert NAME in testing.ACTIVATIONS
    assert any(spec is softsign for spec in all_op_specs())
    config = find(
        testing.mlp_configs(),
        lambda c: c["activation"] == NAME,
        settings=settings(database=None, max_examples=2000),
    )
    assert nn.MLP(**config)([0.0] * config["nin"]) is not None
    graph, xs = find(
        testing.expression_graphs(),
        lambda c: any(k == NAME for k, _ in c[0].steps),
        settings=settings(database=None, max_examples=2000),
    )
    testing.assert_grad_close(graph, xs)


def test_registered_activation_reaches_the_property_tests(softsign):
    np = pytest.importorskip("numpy")
    import test_backends
    import test_ops

    assert any(spec is softsign for spec in test_backends.table_specs())
    test_backends.test_rules_on_arrays_equal_rules_on_floats(softsign)
    assert NAME in [n for n, act in ops.ACTIVATIONS.items() if act.method]
    test_ops.test_spec_is_complete(softsign)
    test_ops.test_gradient_matches_finite_differences(softsign)
    test_ops.test_second_derivatives_match_finite_differences(softsign)
    test_ops.test_local_grads_same_on_floats_and_values(softsign)
    assert softsign.forward(np.array([-3.0, 1.0])).tolist() == [-0.75, 0.5]


def test_registered_activation_reaches_the_torch_references(softsign):
    torch = pytest.importorskip("torch")
    from torch_reference import torch_activation, torch_op

    t = torch.tensor([-3.0, 0.5], dtype=torch.float64)
    assert torch_activation(NAME)(t).tolist() == [-0.75, 0.5 / 1.5]
    assert torch_op(softsign, t).tolist() == [-0.75, 0.5 / 1.5]


def test_the_registry_has_the_contract_names():
    assert (
        list(ops.ACTIVATIONS)
        == list(nn.ACTIVATIONS)
        == [
            "linear",
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
        ]
    )
    for name, act in ops.ACTIVATIONS.items():
        assert act.name == name and act.init in ("kaiming", "xavier")
        assert act.method == ("" if name == "linear" else name)
        assert (act.spec() is None) == (name == "linear")
        z = Value(-0.7)
        assert act(z) is z if name == "linear" else act(z).op == name
    assert ops.ACTIVATIONS["prelu"].learnable and ops.ACTIVATIONS["prelu"].gain_slope == 0.25
    assert ops.ACTIVATIONS["leaky_relu"].params == (("negative_slope", 0.01),)
    assert ops.ACTIVATIONS["gelu"].params == (("approximate", "none"),)
    assert ops.ACTIVATIONS["tanh"].init == "xavier" and ops.ACTIVATIONS["relu"].init == "kaiming"


def test_register_activation_checks():
    with pytest.raises(ValueError, match="already registered"):
        ops.register_activation(ops.Activation("relu", init="xavier"))
    with pytest.raises(ValueError, match="Value method"):
        ops.register_activation(ops.Activation("no_such_method_here"))
    with pytest.raises(TypeError):
        ops.register_activation("relu")
    with pytest.raises(ValueError, match="init"):
        ops.Activation("x", init="he")


def test_domain_messages_come_from_the_spec():
    with pytest.raises(ValueError, match=re.escape("log is defined for x > 0, got x=-1")):
        Value(-1.0).log()
    spec = ops.OpSpec(
        name="needs_positive",
        arity=1,
        forward=lambda x: ops.log(x),
        local_grads=lambda x, out: (1.0 / x,),
        domain_message="needs_positive wants x > 0, got {values}",
    )
    with pytest.raises(ValueError, match="needs_positive wants x > 0, got -2"):
        spec(Value(-2.0))


def test_ops_imports_nothing_from_the_package():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(ops))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("micrograd_plus"), ast.dump(node)
        if isinstance(node, ast.Import):
            assert all(not a.name.startswith("micrograd_plus") and a.name != "numpy" for a in node.names)
    assert engine.ops is ops
