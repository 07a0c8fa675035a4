r"""The neuron-level picture of a network: one node per neuron, one edge per weight.

The lecture draws an ANN as a weighted directed graph: the inputs x_k and the neurons
are the nodes, and the edge from neuron k of layer ℓ-1 to neuron j of layer ℓ carries
the weight w_{j,k}^ℓ. Neuron j of layer ℓ then computes

    a_j^ℓ = φ(Σ_k w_{j,k}^ℓ a_k^{ℓ-1} + b_j^ℓ),        a^0 = x,

so the picture holds all of θ: the weights on the edges, the biases in the nodes.
:func:`network_to_dot` is its DOT text (needs no program); :func:`draw_network` is the
same as a graph that shows inline in Jupyter, like :func:`micrograd_plus.viz.draw_dot`
(which draws the finer *op* graph of one forward pass instead).

Layers are numbered ℓ = 1..L as in the lecture; in ``named_parameters()`` layer ℓ is
``layers.{ℓ-1}`` and w_{j,k}^ℓ is ``layers.{ℓ-1}.neurons.{j-1}.w.{k-1}``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

__all__ = ["draw_network", "network_to_dot"]

_POSITIVE = "#1f77b4"  # blue: w > 0
_NEGATIVE = "#d62728"  # red: w < 0
_LABELLED_EDGES = 40  # show_weights=None labels the edges of networks up to this size
_RANKDIRS = ("LR", "TB", "RL", "BT")


def _layers(model: Any) -> list[tuple[str, list[Any]]]:
    """[(activation, [neurons])] for an ``nn.MLP``, ``nn.Layer`` or ``nn.Neuron``."""
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons"):
        layers = [model]
    elif hasattr(model, "w"):
        return [(getattr(model, "activation", "?"), [model])]
    else:
        raise TypeError(f"draw_network expects an nn.MLP, nn.Layer or nn.Neuron, got {type(model).__name__}.")
    return [(getattr(layer, "activation", "?"), list(layer.neurons)) for layer in layers]


def _activations(layers: list[tuple[str, list[Any]]], x: Sequence[Any]) -> list[list[float]]:
    """[a^0 = x, a^1, ..., a^L] as floats, from the model's own neurons (no graph kept)."""
    from .engine import Value, no_grad

    a = [v.data if isinstance(v, Value) else float(v) for v in x]
    out = [a]
    with no_grad():
        for _, neurons in layers:
            a = [neuron(a).data for neuron in neurons]
            out.append(a)
    return out


def _num(x: float, digits: int) -> str:
    return f"{x:.{digits}f}" if math.isfinite(x) else str(x)


def _sym(letter: str, sup: Any, sub: Any) -> str:
    """``a<sup>ℓ</sup><sub>j</sub>``: a lecture symbol in a graphviz HTML label."""
    sup_text = f"<sup>{sup}</sup>" if sup != "" else ""
    return f"<i>{letter}</i>{sup_text}<sub>{sub}</sub>"


def network_to_dot(
    model: Any,
    x: Sequence[Any] | None = None,
    *,
    rankdir: str = "LR",
    show_weights: bool | None = None,
    show_bias: bool = True,
    digits: int = 2,
    title: str | None = None,
) -> str:
    r"""The DOT text of the neuron-level picture of ``model`` (no graphviz program needed).

    Nodes: the inputs x_k and each neuron a_j^ℓ (with its bias b_j^ℓ); edges: one per
    weight w_{j,k}^ℓ, from a_k^{ℓ-1} to a_j^ℓ, blue for w > 0 and red for w < 0, thicker
    for larger |w|. Each layer is a box titled with its activation φ. Node ids are
    ``x{k}`` and ``n{ℓ}_{j}`` (1-based), so the text is easy to post-process.

    Args:
        model: an ``nn.MLP``, ``nn.Layer`` or ``nn.Neuron``.
        x: an input (a list of numbers); each node then also shows its value a_j^ℓ.
        rankdir: ``"LR"`` (inputs on the left), ``"TB"``, ``"RL"`` or ``"BT"``.
        show_weights: write w on each edge; ``None`` = only when there are at most 40.
        show_bias: write b in each neuron.
        digits: decimals of the numbers shown.
        title: a caption above the picture.
    """
    layers = _layers(model)
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, _RANKDIRS))}, got {rankdir!r}.")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise ValueError(f"digits must be an int from 0 to 12, got {digits!r}.")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}.")
    nin = len(layers[0][1][0].w)
    values = None
    if x is not None:
        if isinstance(x, (str, bytes)) or not isinstance(x, Sequence) or len(x) != nin:
            raise ValueError(f"x must be a list of {nin} numbers (the network's inputs), got {x!r:.60}.")
        values = _activations(layers, x)
    weights = [abs(w.data) for _, neurons in layers for n in neurons for w in n.w]
    scale = max((w for w in weights if math.isfinite(w)), default=0.0)
    if show_weights is None:
        show_weights = len(weights) <= _LABELLED_EDGES

    font = 'fontname="Helvetica,Arial,sans-serif"'
    lines = [
        f"\tgraph [rankdir={rankdir} {font} fontsize=12 nodesep=0.3 ranksep=1.1 labelloc=t]\n",
        f"\tnode [{font} fontsize=11 shape=circle style=filled fillcolor=white margin=0.02]\n",
        f"\tedge [{font} fontsize=9 arrowsize=0.6]\n",
    ]
    if title:
        lines.append(f"\tlabel=<{html.escape(title)}>\n")

    def cluster(index: int, caption: str, nodes: list[str]) -> None:
        lines.append(f"\tsubgraph cluster_{index} {{\n")
        lines.append(f'\t\tlabel=<{caption}> style="rounded,dashed" color="#7f7f7f" fontsize=10\n')
        lines.extend(f"\t\t{node}\n" for node in nodes)
        lines.append("\t}\n")

    inputs = []
    for k in range(1, nin + 1):
        text = _sym("x", "", k)
        if values is not None:
            text += f"<br/>{_num(values[0][k - 1], digits)}"
        inputs.append(f'x{k} [label=<{text}> fillcolor="#cfe2f3"]')
    cluster(0, "input", inputs)

    edges = []
    for ell, (activation, neurons) in enumerate(layers, start=1):
        nodes = []
        for j, neuron in enumerate(neurons, start=1):
            rows = [_sym("a", ell, j)]
            b = getattr(neuron, "b", None)
            if show_bias and b is not None:
                rows.append(f'<font point-size="9">b {_num(b.data, digits)}</font>')
            if values is not None:
                rows.append(f"<b>{_num(values[ell][j - 1], digits)}</b>")
            fill = "#f4cccc" if ell == len(layers) else "#fff2cc"
            nodes.append(f'n{ell}_{j} [label=<{"<br/>".join(rows)}> fillcolor="{fill}"]')
            for k, w in enumerate(neuron.w, start=1):
                tail = f"x{k}" if ell == 1 else f"n{ell - 1}_{k}"
                width = 0.4 + 2.6 * abs(w.data) / scale if scale > 0 and math.isfinite(w.data) else 1.0
                color = _POSITIVE if w.data >= 0 else _NEGATIVE
                attrs = [f'color="{color}"', f"penwidth={width:.2f}"]
                if show_weights:  # decorate: a line ties the label to its edge
                    attrs.append(f'label=<{_num(w.data, digits)}> fontcolor="{color}" decorate=true')
                attrs.append(f'tooltip="w^{ell}_{j},{k} = {w.data!r}"')
                edges.append(f"\t{tail} -> n{ell}_{j} [{' '.join(attrs)}]\n")
        name = "φ = identity" if activation in ("linear", None) else f"φ = {html.escape(str(activation))}"
        cluster(ell, f"layer {ell} ({name})", nodes)
    lines.extend(edges)
    return "digraph {\n" + "".join(lines) + "}\n"


def draw_network(model: Any, x: Sequence[Any] | None = None, *, format: str = "svg", **options: Any) -> Any:
    """The picture of :func:`network_to_dot` as a graph that shows inline in Jupyter.

    Takes the same options (``rankdir``, ``show_weights``, ``show_bias``, ``digits``,
    ``title``). Like :func:`micrograd_plus.viz.draw_dot`, it needs no graphviz program to
    build: without one, Jupyter shows the DOT text and how to install graphviz.
    """
    text = network_to_dot(model, x, **options)
    body = text[len("digraph {\n") : -len("}\n")].splitlines(keepends=True)
    sizes = [len(neurons) for _, neurons in _layers(model)]
    graph = _network_graph_class()(body=body, format=format)
    graph.summary = f"{len(_layers(model)[0][1][0].w)} inputs → {' → '.join(map(str, sizes))} neurons"
    return graph


@cache
def _network_graph_class() -> type:
    from .viz import _graph_class

    class NetworkGraph(_graph_class()):  # type: ignore[misc]
        """viz's Graph (SVG + PNG in Jupyter, DOT text without ``dot``), with its own repr."""

        summary = ""

        def __repr__(self) -> str:
            return f"<micrograd_plus.netviz.NetworkGraph: {self.summary}>"

    NetworkGraph.__module__ = __name__
    return NetworkGraph
