"""The neuron-level picture of a network: nodes, weighted edges, values, no-`dot` path."""

from __future__ import annotations

import re
import shutil

import pytest

from micrograd_plus import Value, netviz, nn, viz

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the graphviz dot program is not installed")

NODE = re.compile(r"^\s*(x\d+|n\d+_\d+) \[label=<(.*)> (.*)\]$")
EDGE = re.compile(r"^\s*(\S+) -> (\S+) \[(.*)\]$")


def parse(src: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """{node id: label} and {(tail, head): attrs} of a network_to_dot text."""
    nodes: dict[str, str] = {}
    edges: dict[tuple[str, str], str] = {}
    for line in src.splitlines():
        if m := EDGE.match(line):
            assert (m.group(1), m.group(2)) not in edges, f"edge {m.group(1)} -> {m.group(2)} twice"
            edges[m.group(1), m.group(2)] = m.group(3)
        elif m := NODE.match(line):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def edge_label(attrs: str) -> str:
    return re.search(r"label=<([^>]*)>", attrs).group(1)


def test_one_node_per_input_and_neuron_one_edge_per_weight():
    model = nn.MLP(2, [3, 2, 1], activation="tanh", rng=0)
    nodes, edges = parse(viz.network_to_dot(model))
    assert set(nodes) == {"x1", "x2", "n1_1", "n1_2", "n1_3", "n2_1", "n2_2", "n3_1"}
    n_weights = sum(1 for name, _ in model.named_parameters() if ".w." in name)
    assert len(edges) == n_weights == 2 * 3 + 3 * 2 + 2 * 1
    # the edge a_k^{ℓ-1} -> a_j^ℓ carries w_{j,k}^ℓ = layers.{ℓ-1}.neurons.{j-1}.w.{k-1}
    params = dict(model.named_parameters())
    for (tail, head), attrs in edges.items():
        ell, j = map(int, head[1:].split("_"))
        k = int(tail[1:]) if tail.startswith("x") else int(tail.split("_")[1])
        w = params[f"layers.{ell - 1}.neurons.{j - 1}.w.{k - 1}"].data
        assert edge_label(attrs) == f"{w:.2f}"
        assert ("#1f77b4" if w >= 0 else "#d62728") in attrs
        if tail.startswith("n"):
            assert int(tail[1:].split("_")[0]) == ell - 1


def test_biases_and_activations_are_in_the_nodes_and_layer_boxes():
    model = nn.MLP(2, [2, 1], activation="relu", rng=3)
    model.layers[0].neurons[1].b.data = 0.5
    src = netviz.network_to_dot(model, digits=3)
    nodes, _ = parse(src)
    assert "b 0.500" in nodes["n1_2"] and "b 0.000" in nodes["n1_1"]
    assert "layer 1 (φ = relu)" in src and "layer 2 (φ = identity)" in src
    assert "b 0" not in parse(netviz.network_to_dot(model, show_bias=False))[0]["n1_2"]


def test_with_an_input_each_node_shows_its_activation():
    model = nn.MLP(2, [3, 1], activation="tanh", rng=1)
    x = [0.5, -1.0]
    nodes, _ = parse(netviz.network_to_dot(model, x, digits=4))
    hidden = model.layers[0]([Value(v) for v in x])
    for j, a in enumerate(hidden, start=1):
        assert f"<b>{a.data:.4f}</b>" in nodes[f"n1_{j}"]
    assert f"<b>{model(x).data:.4f}</b>" in nodes["n2_1"]
    assert "0.5000" in nodes["x1"] and "-1.0000" in nodes["x2"]
    assert all(p.grad == 0.0 for p in model.parameters())  # drawing runs no backward


def test_weights_on_edges_only_for_small_networks_unless_asked():
    small = nn.MLP(2, [3, 1], rng=0)
    big = nn.MLP(4, [8, 8, 1], rng=0)
    assert all("label=" in a for a in parse(netviz.network_to_dot(small))[1].values())
    assert not any("label=" in a for a in parse(netviz.network_to_dot(big))[1].values())
    assert all("label=" in a for a in parse(netviz.network_to_dot(big, show_weights=True))[1].values())
    assert not any("label=" in a for a in parse(netviz.network_to_dot(small, show_weights=False))[1].values())


def test_a_layer_and_a_neuron_are_drawn_too():
    nodes, edges = parse(netviz.network_to_dot(nn.Layer(3, 2, rng=0)))
    assert set(nodes) == {"x1", "x2", "x3", "n1_1", "n1_2"} and len(edges) == 6
    nodes, edges = parse(netviz.network_to_dot(nn.Neuron(2, activation="sigmoid", rng=0)))
    assert set(nodes) == {"x1", "x2", "n1_1"} and len(edges) == 2


def test_bad_arguments_say_what_is_wrong():
    model = nn.MLP(2, [2, 1], rng=0)
    with pytest.raises(TypeError, match=r"nn\.MLP, nn\.Layer or nn\.Neuron"):
        netviz.network_to_dot(Value(1.0))
    with pytest.raises(ValueError, match="list of 2 numbers"):
        netviz.network_to_dot(model, [1.0])
    with pytest.raises(ValueError, match="rankdir"):
        netviz.network_to_dot(model, rankdir="XY")
    with pytest.raises(ValueError, match="digits"):
        netviz.network_to_dot(model, digits=-1)


def test_the_title_is_escaped():
    src = netviz.network_to_dot(nn.Neuron(1, rng=0), title="<b>&</b>")
    assert "label=<&lt;b&gt;&amp;&lt;/b&gt;>" in src


def test_draw_network_is_a_graph_with_the_same_source_and_a_short_repr():
    model = nn.MLP(2, [3, 2, 1], rng=0)
    g = viz.draw_network(model, rankdir="TB")
    assert g.source == netviz.network_to_dot(model, rankdir="TB")
    assert repr(g) == "<micrograd_plus.netviz.NetworkGraph: 2 inputs → 3 → 2 → 1 neurons>"


@needs_dot
def test_it_renders_as_svg_and_png():
    g = viz.draw_network(nn.MLP(2, [3, 1], rng=0), [1.0, 2.0])
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert bundle["image/png"].startswith(b"\x89PNG")


def test_without_dot_jupyter_shows_the_dot_text(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    g = viz.draw_network(nn.MLP(2, [3, 1], rng=0))
    bundle = g._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert bundle["text/plain"].startswith(viz.INSTALL_HINT) and g.source in bundle["text/plain"]
