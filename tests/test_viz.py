"""Graph pictures: DOT structure, escaping, clusters, summaries, step-through, no-`dot` path."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value, nn, viz
from micrograd_plus.engine import dot, sum_values, topological_order
from micrograd_plus.testing import expression_graphs

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the graphviz dot program is not installed")

NODE = re.compile(r"^\s*(v\d+|v\d+_op|s\d+) \[label=<(.*)> (.*)\]$")
EDGE = re.compile(r"^\s*(\S+) -> (\S+)(?: \[(.*)\])?$")


def parse(src: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """{node id: label} and [(tail, head, attrs)] of a DOT text made by to_dot."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in src.splitlines():
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = m.group(2)
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
    return nodes, edges


def text_of(label: str) -> str:
    """The visible text of an HTML-like label."""
    return html.unescape(re.sub(r"<[^>]*>", " ", label))


def neuron_graph() -> tuple[Value, dict[str, Value]]:
    x1, x2 = Value(1.5, "x1"), Value(-0.5, "x2")
    w1, w2 = Value(0.8, "w1"), Value(-1.2, "w2")
    b = Value(-1.3, "b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return a, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "z": z, "a": a}


def ids_of(root: Value) -> dict[Value, str]:
    return {node: f"v{i}" for i, node in enumerate(topological_order(root))}


def svg_texts(src: str) -> list[str]:
    done = subprocess.run(["dot", "-Tsvg"], input=src.encode("utf-8"), capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", done.stdout.decode())]


# --------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------


def test_one_record_per_value_one_node_per_op_and_data_flow_edges():
    root, v = neuron_graph()
    root.backward()
    order = topological_order(root)
    ids = ids_of(root)
    nodes, edges = parse(viz.to_dot(root))

    records = {k for k in nodes if re.fullmatch(r"v\d+", k)}
    op_nodes = {k for k in nodes if k.endswith("_op")}
    assert records == set(ids.values())
    assert op_nodes == {ids[n] + "_op" for n in order if n.parents}

    expected = []
    for node in order:
        if node.parents:
            expected.append((ids[node] + "_op", ids[node]))
            expected.extend((ids[p], ids[node] + "_op") for p in node.parents)
    assert sorted((t, h) for t, h, _ in edges) == sorted(expected)

    for node in order:
        text = text_of(nodes[ids[node]])
        assert f"data {node.data:.4f}" in text
        assert f"grad {node.grad:.4f}" in text
        if node.label:
            assert node.label in text
        if node.parents:
            assert text_of(nodes[ids[node] + "_op"]).strip() == node.spec.label
    assert text_of(nodes[ids[v["a"]] + "_op"]).strip() == "tanh"


def test_draw_dot_is_a_digraph_with_the_same_source():
    graphviz = pytest.importorskip("graphviz")
    root, _ = neuron_graph()
    g = viz.draw_dot(root, rankdir="TB", show_order=True)
    assert isinstance(g, graphviz.Digraph)
    assert g.source == viz.to_dot(root, rankdir="TB", show_order=True)
    assert "rankdir=TB" in g.source


def test_graph_repr_is_stable_and_counts_what_is_drawn():
    root, _ = neuron_graph()
    assert repr(viz.draw_dot(root)) == "<micrograd_plus.viz.Graph: 10 values, 5 ops>"
    assert repr(viz.draw_dot(root, compact=True).copy()) == "<micrograd_plus.viz.Graph: 10 values, 0 ops>"


def test_rankdir_and_options_are_validated():
    root, _ = neuron_graph()
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(root, rankdir="XY")
    with pytest.raises(ValueError, match="color_by"):
        viz.to_dot(root, color_by="rainbow")
    with pytest.raises(TypeError, match="root must be a Value"):
        viz.to_dot(3.0)
    with pytest.raises(TypeError, match="params\\[1\\]"):
        viz.to_dot(root, params=[Value(1.0), 2.0])
    with pytest.raises(TypeError, match="named_parameters"):
        viz.to_dot(root, module=object())
    with pytest.raises(TypeError, match="unexpected option"):
        viz.draw_dot(root, colour="red")
    assert "rankdir=LR" in viz.to_dot(root)


def test_show_grad_false_hides_gradients():
    root, _ = neuron_graph()
    assert "grad" not in viz.to_dot(root, show_grad=False)
    assert "grad" in viz.to_dot(root)


def test_an_operand_used_twice_gets_two_edges_and_operand_order_is_labelled():
    x = Value(3.0, "x")
    y = x * x - Value(1.0, "c")
    ids = ids_of(y)
    _, edges = parse(viz.to_dot(y))
    square = y.parents[0]
    assert [(t, h) for t, h, _ in edges].count((ids[x], ids[square] + "_op")) == 2
    minus = {t: attrs for t, h, attrs in edges if h == ids[y] + "_op"}
    assert "label=<a>" in minus[ids[square]] and "label=<b>" in minus[ids[y.parents[1]]]


def test_a_leaf_root_and_non_finite_numbers():
    leaf = Value(float("nan"), "x")
    nodes, edges = parse(viz.to_dot(leaf, color_by="grad", upto_step=1))
    assert list(nodes) == ["v0"] and edges == []
    assert "data nan" in text_of(nodes["v0"])
    big = Value(1e300, "big") * Value(1e300, "huge")  # inf
    big.backward()
    text = text_of(parse(viz.to_dot(big, color_by="grad"))[0]["v2"])
    assert "data inf" in text


def test_list_of_roots_draws_their_union():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    outs = [a + b, a * b]
    nodes, _ = parse(viz.to_dot(outs))
    assert sum(1 for k in nodes if re.fullmatch(r"v\d+", k)) == 4
    with pytest.raises(ValueError, match="single root"):
        viz.to_dot(outs, show_order=True)


# --------------------------------------------------------------------------------------
# Roles, gradient colours, backward order
# --------------------------------------------------------------------------------------


def test_colour_by_role():
    w, x, c = Value(0.5, "w"), Value(2.0, "x"), Value(3.0)
    h = w * x
    loss = h + c
    ids = ids_of(loss)
    nodes, _ = parse(viz.to_dot(loss, params=[w]))

    def fill(node: Value) -> str:
        return re.search(r'bgcolor="(#[0-9a-f]{6})"><tr>', nodes[ids[node]]).group(1)

    colors = viz.ROLE_COLORS
    assert fill(w) == colors["parameter"]
    assert fill(x) == colors["input"]
    assert fill(c) == colors["constant"]
    assert fill(h) == colors["intermediate"]
    assert fill(loss) == colors["output"]
    assert len(set(colors.values())) == len(colors)
    # without params=, a labelled leaf is an input
    nodes, _ = parse(viz.to_dot(loss))
    assert fill(w) == colors["input"]


def test_colour_by_grad_magnitude():
    a, b = Value(1.0, "a"), Value(10.0, "b")
    out = a * b  # grads: a -> 10, b -> 1, out -> 1
    unused_scale = Value(0.0, "z")
    out2 = out + unused_scale * 0.0  # z gets grad 0
    out2.backward()
    ids = ids_of(out2)
    nodes, _ = parse(viz.to_dot(out2, color_by="grad"))

    def shade(node: Value) -> int:
        color = re.search(r'bgcolor="#([0-9a-f]{6})"><tr>', nodes[ids[node]]).group(1)
        return sum(int(color[i : i + 2], 16) for i in (0, 2, 4))  # lower = darker

    assert shade(a) < shade(b) < shade(unused_scale)
    assert shade(unused_scale) == 3 * 255


def test_show_order_numbers_nodes_in_backward_order():
    root, _ = neuron_graph()
    ids = ids_of(root)
    nodes, _ = parse(viz.to_dot(root, show_order=True))
    for k, node in enumerate(reversed(topological_order(root)), start=1):
        assert f"#{k}<" in nodes[ids[node]]
    assert "#1<" in nodes[ids[root]]


# --------------------------------------------------------------------------------------
# Step-through of backward
# --------------------------------------------------------------------------------------


@given(expression_graphs())
def test_backward_steps_follow_the_engine_and_add_up_to_backward(case):
    f, xs = case
    leaves = [Value(x) for x in xs]
    root = f(*leaves)
    seed = 0.75
    steps = list(viz.backward_steps(root, seed))
    order = list(reversed(topological_order(root)))
    assert [s.node for s in steps] == order
    assert [s.index for s in steps] == list(range(1, len(order) + 1))
    assert all(n.grad == 0.0 for n in order), "backward_steps must not touch .grad"

    totals: dict[Value, float] = {root: seed}
    for s in steps:
        assert s.upstream == totals.get(s.node, 0.0)  # complete when visited
        assert s.parents == s.node.parents
        assert len(s.local) == len(s.parents) == len(s.contributions)
        for p, d, c in zip(s.parents, s.local, s.contributions):
            assert c == s.upstream * d
            totals[p] = totals.get(p, 0.0) + c
    root.backward(seed)
    for node in order:
        assert totals.get(node, 0.0) == node.grad


def test_backward_step_values_for_a_neuron():
    root, v = neuron_graph()
    steps = list(viz.backward_steps(root))
    first = steps[0]
    assert first.node is root and first.upstream == 1.0
    assert first.local[0] == pytest.approx(1.0 - root.data**2)
    assert "tanh" in str(first) and str(first).startswith("step 1:")
    leaf = next(s for s in steps if s.node is v["x1"])
    assert leaf.parents == () and "leaf" in str(leaf)
    with pytest.raises(TypeError, match="root must be a Value"):
        viz.backward_steps(1.0)


def test_graph_after_k_steps_shows_partial_then_final_grads():
    root, v = neuron_graph()
    n = len(topological_order(root))
    ids = ids_of(root)

    nodes, _ = parse(viz.to_dot(root, upto_step=0))
    assert "grad 1.0000" in text_of(nodes[ids[root]])
    assert "grad ?" in text_of(nodes[ids[v["x1"]]])

    src = viz.to_dot(root, upto_step=1)
    nodes, edges = parse(src)
    assert "#c62828" in nodes[ids[root]]  # the current node is framed red
    contribution = 1.0 - root.data**2
    assert f"grad {contribution:.4f} (so far)" in text_of(nodes[ids[v["z"]]])  # reached, not visited
    current_edges = [attrs for t, h, attrs in edges if h == ids[root] + "_op"]
    assert current_edges and all("#c62828" in a for a in current_edges)
    assert "backward step 1 of" in src

    final, _ = parse(viz.to_dot(root, upto_step=n))
    root.backward()
    for node in topological_order(root):
        assert f"grad {node.grad:.4f}" in text_of(final[ids[node]])
        assert "so far" not in text_of(final[ids[node]])
    for bad in (-1, n + 1, 1.5, True):
        with pytest.raises(ValueError, match="upto_step"):
            viz.to_dot(root, upto_step=bad)


def test_draw_step_is_draw_dot_after_k_steps():
    root, _ = neuron_graph()
    g = viz.draw_step(root, 2)
    assert g.source == viz.to_dot(root, upto_step=2, show_order=True)


# --------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------

HOSTILE = [
    'say "hi"',
    "{a|b}",
    "<b>bold</b>",
    "line1\nline2",
    "back\\slash\\",
    "\\N \\G \\L \\E",
    "é ∂L/∂θ σ Σ 🎉",
    "&amp; & ;",
    "]]> <!-- -->",
    "\x00\x01\x7f\r",
    "\ud800",
    "\ufffe",
    "tab\there",
    "<<>>",
    '"',
    "\\",
    "%s {0}",
    "\u202e rtl",
    "-> [label=x]",
    "} subgraph {",
    "]",
    "]]",
    "[",
    "a]",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_stay_inside_their_label(label):
    x = Value(1.0, label=label)
    y = x.tanh()
    y.label = label
    src = viz.to_dot(y, title=label)
    nodes, edges = parse(src)
    assert len([k for k in nodes if re.fullmatch(r"v\d+", k)]) == 2
    assert len(edges) == 2
    src.encode("utf-8")  # no lone surrogate left
    assert viz._escape(label) in src
    if HAS_DOT:
        texts = svg_texts(src)
        visible = label.replace("\t", " ")
        if all(c.isprintable() or c == " " for c in visible):
            assert visible in texts


@needs_dot
@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=25))
def test_any_label_renders_through_dot(label):
    svg_texts(viz.to_dot(Value(1.0, label=label) * 2.0, title=label))


@needs_dot
@pytest.mark.parametrize("text", ["]", "]]", "] ", "[]", "x]"])
def test_a_bracket_only_label_or_title_renders(text):
    x = Value(1.0, label=text)
    svg_texts(viz.to_dot(x * 2.0, title=text))  # dot failed with a syntax error on "]"
    svg_texts(viz.to_dot(x * 2.0, title=text, compact=True))


@pytest.mark.parametrize(
    "label",
    ["x" * 5000, "\x00" * 5000, "\U000e0080" * 3000, "&" * 20000, "]" * 6000, "\n" * 4000],
    ids=["letters", "control", "noncharacter", "ampersands", "brackets", "newlines"],
)
def test_very_long_labels_and_captions_are_cut_below_graphviz_limit(label):
    x = Value(0.5, label=label)
    y = (x * x).tanh()
    y.label = label
    for src in (viz.to_dot(y, title=label), *(viz.to_dot(y, upto_step=k) for k in range(4))):
        for html_label in re.findall(r"label=<(.*?)>(?: shape| style|\n|$)", src, flags=re.M):
            assert len(html_label) < 16_384
        assert "more characters)" in src
        if HAS_DOT:
            svg_texts(src)


@pytest.mark.parametrize("flag", ["show_grad", "show_order", "compact"])
def test_truthy_strings_for_flags_are_refused(flag):
    with pytest.raises(TypeError, match=f"{flag} must be True or False, got str 'no'"):
        viz.to_dot(Value(1.0) * 2.0, **{flag: "no"})


def test_a_short_label_is_not_cut():
    text = "y" * viz.MAX_LABEL_CHARS
    assert viz._escape(text) == text
    assert viz._escape(text + "y").endswith("(41 more characters)")


@needs_dot
@settings(max_examples=30, deadline=None)
@given(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=20,
    )
)
def test_printable_labels_render_verbatim(label):
    texts = svg_texts(viz.to_dot(Value(1.0, label=label)))
    assert " ".join(label.split()) in [" ".join(t.split()) for t in texts]


# --------------------------------------------------------------------------------------
# Without the dot program
# --------------------------------------------------------------------------------------


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def test_without_dot_jupyter_shows_the_dot_text_and_the_install_hint(no_dot):
    root, _ = neuron_graph()
    g = viz.draw_dot(root)
    bundle = g._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    text = bundle["text/plain"]
    assert text.startswith(viz.INSTALL_HINT)
    assert "apt-get install graphviz" in text and "brew install graphviz" in text
    assert g.source in text


def test_without_dot_an_ipython_display_raises_nothing(no_dot, capsys):
    formatters = pytest.importorskip("IPython.core.formatters")
    root, _ = neuron_graph()
    data, _ = formatters.DisplayFormatter().format(viz.draw_dot(root))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "apt-get install graphviz" in data["text/plain"]


def test_without_dot_rendering_raises_with_the_install_hint(no_dot, tmp_path):
    graphviz = pytest.importorskip("graphviz")
    root, _ = neuron_graph()
    g = viz.draw_dot(root)
    with pytest.raises(graphviz.ExecutableNotFound, match="apt-get install graphviz") as info:
        g.render(tmp_path / "graph", format="png")
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        g.pipe(format="svg")
    assert viz.to_dot(root).startswith("digraph {")  # the text needs no program


@needs_dot
def test_with_dot_it_renders_svg_and_png(tmp_path):
    root, _ = neuron_graph()
    root.backward()
    g = viz.draw_dot(root, show_order=True)
    assert "<svg" in g._repr_mimebundle_()["image/svg+xml"]
    out = g.render(tmp_path / "neuron", format="png")
    data = open(out, "rb").read()
    assert data.startswith(b"\x89PNG") and len(data) > 1000


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, from its IHDR chunk."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@needs_dot
def test_jupyter_gets_a_png_beside_the_svg():
    """A viewer that does not trust the notebook's SVG (JupyterLab, GitHub) shows the PNG."""
    root, _ = neuron_graph()
    bundle = viz.draw_dot(root)._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "image/png"}
    width, height = png_size(bundle["image/png"])
    assert 100 < width <= 960 and 20 < height <= 14 * 96
    assert set(viz.draw_dot(root)._repr_mimebundle_(include=["image/png"])) == {"image/png"}
    assert set(viz.draw_dot(root)._repr_mimebundle_(exclude=["image/png"])) == {"image/svg+xml"}


@needs_dot
def test_a_wide_graph_png_is_scaled_down_to_a_page_width():
    xs = [Value(float(i), f"x{i}") for i in range(40)]
    wide = sum_values([x * x for x in xs])  # 40 branches side by side
    g = viz.draw_dot(wide, rankdir="TB")
    width, _ = png_size(g._repr_mimebundle_()["image/png"])
    assert width <= 960, f"the PNG is {width} px wide"
    assert not re.search(r"\bsize=", g.source), "only the PNG is scaled; the graph itself is unchanged"


# --------------------------------------------------------------------------------------
# Modules, big graphs, compact mode
# --------------------------------------------------------------------------------------


def cluster_tree(src: str) -> dict[str, list[str]]:
    """{node id: [labels of the clusters around it, outermost first]}."""
    stack: list[str] = []
    where: dict[str, list[str]] = {}
    pending = False
    for line in src.splitlines():
        if line.strip().startswith("subgraph cluster_"):
            stack.append("?")
            pending = True
        elif pending and line.strip().startswith("label="):
            stack[-1] = text_of(re.match(r"\s*label=<(.*?)> ", line).group(1)).strip()
            pending = False
        elif line.strip() == "}" and stack:
            stack.pop()
        elif m := NODE.match(line):
            where[m.group(1)] = list(stack)
    return where


def test_mlp_neurons_are_clustered_inside_their_layers():
    model = nn.MLP(2, [3, 2, 1], activation="tanh", rng=0)
    xs = [Value(0.5, "x1"), Value(-1.0, "x2")]
    loss = (model(xs) - 1.0) ** 2
    ids = ids_of(loss)
    src = viz.to_dot(loss, module=model)
    where = cluster_tree(src)
    order = topological_order(loss)
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            box = [f"layer {li}", f"neuron {ni}"]
            for p in neuron.parameters():
                assert where[ids[p]] == box
            z = next(n for n in order if neuron.w[0] in n.parents)
            assert where[ids[z]] == box and where[ids[z] + "_op"] == box
            act = [n for n in order if n.parents == (z,)]
            if neuron.activation == "tanh":
                assert len(act) == 1 and where[ids[act[0]]] == box
    for x in xs:
        assert where[ids[x]] == []
    assert where[ids[loss]] == []  # the loss is not part of any neuron
    nodes, _ = parse(src)
    assert "w.0" in text_of(nodes[ids[model.layers[0].neurons[0].w[0]]])
    assert text_of(nodes[ids[model.layers[0].neurons[0].w[0]]]).count("layers.") == 0
    colors = viz.ROLE_COLORS
    assert colors["parameter"] in nodes[ids[model.layers[0].neurons[0].b]]


def test_a_single_neuron_is_one_cluster():
    neuron = nn.Neuron(3, activation="relu", rng=1)
    out = neuron([1.0, 2.0, 3.0])
    where = cluster_tree(viz.to_dot(out, module=neuron))
    ids = ids_of(out)
    assert where[ids[out]] == ["Neuron"]
    assert all(where[ids[p]] == ["Neuron"] for p in neuron.parameters())


def test_max_nodes_summarizes_a_big_graph():
    model = nn.MLP(4, [16, 16, 1], rng=0)
    out = model([0.1, -0.2, 0.3, 0.4])
    total = len(topological_order(out))
    assert total > 300
    src = viz.to_dot(out, max_nodes=25)
    nodes, edges = parse(src)
    records = [k for k in nodes if re.fullmatch(r"v\d+", k)]
    summaries = [k for k in nodes if k.startswith("s")]
    assert len(records) == 25
    assert ids_of(out)[out] in records
    assert 1 <= len(summaries) <= 3
    counts = [int(re.search(r"… (\d+) more values", text_of(nodes[s])).group(1)) for s in summaries]
    assert sum(counts) + len(records) == total
    heads = {h for t, h, _ in edges if t in summaries}
    assert heads and heads <= set(nodes)
    for t, h, _ in edges:
        assert t in nodes and h in nodes
    nodes, edges = parse(viz.to_dot(out, max_nodes=25, compact=True, module=model))
    assert edges and all(t in nodes and h in nodes for t, h, _ in edges)
    assert any(t.startswith("s") for t, _, _ in edges)
    for bad in (0, -3, 2.5, "10", True):
        with pytest.raises(ValueError, match="max_nodes"):
            viz.to_dot(out, max_nodes=bad)
    assert viz.to_dot(out, max_nodes=total) == viz.to_dot(out)


def test_max_nodes_collapses_a_wide_fan_in_into_one_summary():
    ws = [Value(0.1 * i, f"w{i}") for i in range(64)]
    xs = [Value(1.0, f"x{i}") for i in range(64)]
    z = dot(ws, xs, Value(0.0, "b")).relu()
    nodes, _ = parse(viz.to_dot(z, max_nodes=5))
    summaries = [k for k in nodes if k.startswith("s")]
    assert len(summaries) == 1
    assert "… 126 more values" in text_of(nodes[summaries[0]])
    # a generous budget still keeps only the first (w_i, x_i) pairs and b of a wide w·x
    nodes, _ = parse(viz.to_dot(z, max_nodes=100))
    shown = {text_of(label).split()[0] for k, label in nodes.items() if re.fullmatch(r"v\d+", k)}
    assert {"w0", "x0", "w2", "x2", "b"} <= shown and "w3" not in shown
    assert "… 122 more values" in " ".join(text_of(nodes[k]) for k in nodes if k.startswith("s"))


def test_compact_mode_has_no_op_nodes():
    root, _ = neuron_graph()
    ids = ids_of(root)
    nodes, edges = parse(viz.to_dot(root, compact=True))
    assert not [k for k in nodes if k.endswith("_op")]
    assert "tanh" in text_of(nodes[ids[root]])
    expected = sorted((ids[p], ids[n]) for n in topological_order(root) for p in n.parents)
    assert sorted((t, h) for t, h, _ in edges) == expected


def test_a_huge_graph_without_max_nodes_warns():
    x = Value(1.0, "x")
    y = x
    for _ in range(2100):
        y = y + 1.0
    with pytest.warns(UserWarning, match="max_nodes"):
        viz.to_dot(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.to_dot(y, max_nodes=50)


def test_the_fused_ops_are_labelled_from_the_op_table():
    xs = [Value(1.0, "x0"), Value(2.0, "x1")]
    s = sum_values(xs)
    z = dot([Value(0.5, "w0"), Value(-1.0, "w1")], xs, Value(0.1, "b"))
    ids = ids_of(s)
    nodes, _ = parse(viz.to_dot(s))
    assert text_of(nodes[ids[s] + "_op"]).strip() == "Σ"
    ids = ids_of(z)
    nodes, edges = parse(viz.to_dot(z))
    assert text_of(nodes[ids[z] + "_op"]).strip() == "Σ w·x + b"
    labels = {text_of(re.search(r"label=<(.*?)>", a).group(1)) for _, h, a in edges if h == ids[z] + "_op"}
    assert labels == {"w0", "w1", "x0", "x1", "b"}


@pytest.mark.slow
def test_a_notebook_without_dot_shows_text_not_an_error(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import os
    import sys

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    # keep the interpreter's own folder (the kernel is started from it), drop every other
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}{os.path.dirname(sys.executable)}")
    if shutil.which("dot") is not None:
        pytest.skip("dot lives next to the Python interpreter; cannot hide it")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from micrograd_plus import Value, viz\n"
            "x = Value(2.0, label='x')\n"
            "y = (x * x).tanh()\n"
            "y.backward()\n"
            "viz.draw_dot(y)"
        ),
        nbformat.v4.new_code_cell("viz.draw_step(y, 1)"),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    for cell in nb.cells:
        assert all(out["output_type"] != "error" for out in cell.outputs), cell.outputs
        streams = "".join(out.get("text", "") for out in cell.outputs if out["output_type"] == "stream")
        assert "Traceback" not in streams and "ExecutableNotFound" not in streams, streams
        (result,) = [out for out in cell.outputs if out["output_type"] == "execute_result"]
        text = result["data"]["text/plain"]
        assert "apt-get install graphviz" in text and "digraph {" in text
