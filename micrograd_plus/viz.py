r"""See the computation: graph pictures of a ``Value`` and the plots that teach.

Graphs (graphviz; the Python package is imported only when a picture is built):

- :func:`to_dot` returns the DOT text of the graph of ``root`` (needs no program);
- :func:`draw_dot` returns a ``graphviz.Digraph`` that renders inline in Jupyter;
- :func:`backward_steps` replays backprop one node at a time, and :func:`draw_step`
  draws the graph as it looks after k of those steps.

Each value is one record ``label | data | grad`` and each op one small node labelled
from the op table, with edges in data-flow order (operand -> op -> result). Backprop
walks these edges backwards, in the order :func:`backward_steps` yields: for a node
y = f(x_1, ..., x_k) reached with upstream gradient dL/dy,

    dL/dx_i += dL/dy * df/dx_i          (the chain rule; BP1-BP4 on a network)

Without the graphviz ``dot`` program, building a graph still works: in Jupyter the DOT
text is shown together with a line saying how to install graphviz, and rendering to a
file raises ``graphviz.ExecutableNotFound`` (a ``RuntimeError``) with the same hint.

Plots (matplotlib, the ``plot`` extra) live in :mod:`micrograd_plus.plots` and are
re-exported here: :func:`plot_decision_boundary`, :func:`plot_history`,
:func:`plot_optimizer_paths` (with :func:`optimizer_path`), :func:`plot_activations`,
:func:`plot_ema` (with :func:`ema`).
"""

from __future__ import annotations

import html
import math
import unicodedata
import warnings
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import ops
from .engine import Value, _chain_rule, topological_order
from .netviz import draw_network, network_to_dot  # noqa: F401 (re-exported: the neuron-level picture)
from .ops import OpSpec
from .plots import (
    ema,
    optimizer_path,
    plot_activations,
    plot_decision_boundary,
    plot_ema,
    plot_history,
    plot_optimizer_paths,
)

__all__ = [
    "INSTALL_HINT",
    "ROLE_COLORS",
    "BackwardStep",
    "backward_steps",
    "draw_dot",
    "draw_step",
    "ema",
    "optimizer_path",
    "plot_activations",
    "plot_decision_boundary",
    "plot_ema",
    "plot_history",
    "plot_optimizer_paths",
    "to_dot",
]

INSTALL_HINT = (
    "The graphviz 'dot' program is needed to render graphs: install it with "
    "'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
    "'conda install -c conda-forge graphviz' or from https://graphviz.org/download/"
)
"""One line saying how to install the graphviz ``dot`` program."""

ROLE_COLORS: dict[str, str] = {
    "input": "#cfe2f3",  # blue: a labelled leaf, the data x
    "parameter": "#fff2cc",  # yellow: a weight or bias, part of θ
    "constant": "#eeeeee",  # grey: an unlabelled leaf (a number in the expression)
    "intermediate": "#ffffff",  # white: computed inside the graph (z^ℓ, a^ℓ...)
    "output": "#f4cccc",  # red: the root (the output, usually the loss L)
}
"""Fill colour of a value's record by its role (``color_by="role"``)."""

PNG_SIZE = "10,14"
"""Largest PNG in a notebook, in inches (width,height): a bigger graph is scaled down."""
PNG_DPI = 96
"""Resolution of that PNG: 10 inches are 960 pixels, a notebook page's width."""

_JUPYTER_MIMETYPES = ("image/svg+xml", "image/png")
_RANKDIRS = ("LR", "TB", "RL", "BT")
_COLOR_BY = ("role", "grad", None)
_OP_FILL = "#f3f3f3"
_DONE_BORDER = "#2e7d32"  # green: a node backprop has already visited
_CURRENT_BORDER = "#c62828"  # red: the node being visited at this step
_BIG_GRAPH = 2000  # values; beyond this, suggest max_nodes
_FAN_IN = 8  # with max_nodes, operands kept per node; the rest joins a summary
_WHOLE = "~"  # cluster key of parameters named without a prefix (a bare Neuron)


# --------------------------------------------------------------------------------------
# Backprop, one node at a time
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackwardStep:
    r"""What backprop does at one node y = f(x_1, ..., x_k) of the graph.

    Attributes:
        index: position in the backward order, 1 for the root.
        node: the node y visited at this step.
        upstream: dL/dy, complete at this point (every consumer of y was visited).
        parents: the operands x_1, ..., x_k (empty for a leaf: nothing to pass on).
        local: the local derivatives df/dx_i from the op table.
        contributions: upstream * df/dx_i, the amount added to dL/dx_i.
    """

    index: int
    node: Value
    upstream: float
    parents: tuple[Value, ...]
    local: tuple[float, ...]
    contributions: tuple[float, ...]
    names: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """How :meth:`describe` calls the node and its parents: the label, else ``#k``."""

    def __str__(self) -> str:
        return f"step {self.index}: {self.describe()}"

    def describe(self) -> str:
        """One line: the node, dL/dnode and what it adds to each operand's gradient."""
        names = self.names or (_node_name(self.node), *(_node_name(p) for p in self.parents))
        name = names[0]
        if not self.parents:
            return f"{name} is a leaf; dL/d{name} = {_num(self.upstream)} is final"
        spec = self.node.spec
        what = f"{name} = {_expression(spec, names[1:])}" if spec is not None else name
        parts = [
            f"dL/d{n} += {_num(self.upstream)} × {_num(d)} = {_num(c)}"
            for n, d, c in zip(names[1:], self.local, self.contributions)
        ]
        return f"{what}, dL/d{name} = {_num(self.upstream)}; " + "; ".join(parts)


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[BackwardStep]:
    r"""Replay ``root.backward(gradient)`` one node at a time, changing no ``.grad``.

    Nodes come in the engine's backward order, ``reversed(topological_order(root))``,
    leaves included (at a leaf, dL/dleaf is final and nothing is passed on). At a node
    y = f(x_1, ..., x_k) the step applies the chain rule with the op table's local
    derivatives:

        dL/dx_i += dL/dy * df/dx_i

    Summing ``contributions`` over the steps gives exactly the gradients ``backward()``
    adds to ``.grad``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}.")
    if isinstance(gradient, bool) or not isinstance(gradient, (int, float)):
        raise TypeError(f"backward_steps: gradient must be a number, got {type(gradient).__name__}.")
    return _steps(root, float(gradient))


def _steps(root: Value, seed: float) -> Iterator[BackwardStep]:
    # The engine's own chain-rule loop, with a hook at each node (it puts every .grad
    # back afterwards): the steps are exactly what backward() computes.
    order = topological_order(root)
    position = {node: i for i, node in enumerate(reversed(order), start=1)}

    def name(node: Value) -> str:
        return node.label or f"#{position[node]}"

    steps: list[BackwardStep] = []

    def record(node: Value, upstream: Any, local: tuple[Any, ...], contributions: tuple[Any, ...]) -> None:
        parents = node.parents
        steps.append(
            BackwardStep(
                len(steps) + 1,
                node,
                upstream,
                parents,
                tuple(float(d) for d in local),
                tuple(contributions),
                names=(name(node), *map(name, parents)),
            )
        )

    _chain_rule(root, seed, accumulate=False, hook=record)
    return iter(steps)


# --------------------------------------------------------------------------------------
# DOT text
# --------------------------------------------------------------------------------------


def to_dot(
    root: Value | Sequence[Value],
    show_grad: bool = True,
    rankdir: str = "LR",
    *,
    params: Iterable[Value] | None = None,
    module: Any = None,
    color_by: str | None = "role",
    show_order: bool = False,
    max_nodes: int | None = None,
    compact: bool = False,
    upto_step: int | None = None,
    title: str | None = None,
) -> str:
    r"""The DOT source of the graph of ``root`` (no graphviz program needed).

    Each value is a record ``label | data | grad``; each op is a small node labelled
    from the op table (``spec.symbol``, with its parameters), with edges
    operand -> op -> result. ``root`` may also be a list of Values (several outputs).
    The i-th value of ``topological_order(root)`` is the DOT node ``v{i}`` and its op
    node ``v{i}_op``, so the text is stable and easy to post-process.

    Args:
        show_grad: show ``.grad`` (dL/dnode) in each record.
        rankdir: ``"LR"`` (left to right), ``"TB"`` (top to bottom), ``"RL"`` or ``"BT"``.
        params: Values to mark as parameters θ (e.g. ``model.parameters()``); other
            labelled leaves are inputs, unlabelled leaves constants, the root the output.
        module: an ``nn`` Module; its parameters are named after ``named_parameters()``
            and each neuron's parameters, pre-activation z and activation a are drawn
            in one box, inside one box per layer.
        color_by: ``"role"`` (input, parameter, constant, intermediate, output),
            ``"grad"`` (darker = larger |dL/dnode|) or ``None``.
        show_order: number each value by its position in the backward order
            (root = 1), the order of :func:`backward_steps`.
        max_nodes: draw at most this many values, those closest to the root (and at
            most 8 operands of each node: a wide w·x keeps its first pairs); the rest is
            collapsed into summary nodes ("… 812 more values").
        compact: no op nodes; each record shows the op that made it.
        upto_step: draw the graph after this many :func:`backward_steps` (0 = only the
            seed dL/dL = 1): visited nodes are framed green, the current one red, with
            its contributions on its edges, and grads are the partial sums so far.
        title: a caption above the graph.
    """
    return (
        "digraph {\n"
        + "".join(
            _body(
                root,
                show_grad,
                rankdir,
                params=params,
                module=module,
                color_by=color_by,
                show_order=show_order,
                max_nodes=max_nodes,
                compact=compact,
                upto_step=upto_step,
                title=title,
            )
        )
        + "}\n"
    )


def draw_dot(
    root: Value | Sequence[Value],
    show_grad: bool = True,
    rankdir: str = "LR",
    *,
    format: str = "svg",
    **options: Any,
) -> Any:
    r"""The graph of ``root`` as a ``graphviz.Digraph``: shows inline in Jupyter.

    Takes the options of :func:`to_dot` (``params``, ``module``, ``color_by``,
    ``show_order``, ``max_nodes``, ``compact``, ``upto_step``, ``title``) and the output
    ``format`` for ``.render()``/``.pipe()``. Building it needs no graphviz program;
    without one, Jupyter shows the DOT text and how to install graphviz, and
    ``render()``/``pipe()`` raise ``graphviz.ExecutableNotFound`` saying the same.
    """
    unknown = set(options) - _OPTIONS
    if unknown:
        raise TypeError(
            f"draw_dot got unexpected option(s) {sorted(unknown)}; the options are {sorted(_OPTIONS)}."
        )
    body = _body(root, show_grad, rankdir, **options)
    return _graph_class()(body=body, format=format)


_OPTIONS = frozenset(
    {"params", "module", "color_by", "show_order", "max_nodes", "compact", "upto_step", "title"}
)


def draw_step(root: Value, step: int, **options: Any) -> Any:
    """``draw_dot(root, upto_step=step, show_order=True, ...)``: the graph after ``step`` steps.

    ``for k in range(len(topological_order(root)) + 1): display(draw_step(root, k))``
    shows backprop as a sequence of pictures.
    """
    options.setdefault("show_order", True)
    return draw_dot(root, upto_step=step, **options)


# --------------------------------------------------------------------------------------
# Building the DOT lines
# --------------------------------------------------------------------------------------


def _body(
    root: Value | Sequence[Value],
    show_grad: bool = True,
    rankdir: str = "LR",
    *,
    params: Iterable[Value] | None = None,
    module: Any = None,
    color_by: str | None = "role",
    show_order: bool = False,
    max_nodes: int | None = None,
    compact: bool = False,
    upto_step: int | None = None,
    title: str | None = None,
) -> list[str]:
    roots = _roots(root)
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, _RANKDIRS))}, got {rankdir!r}.")
    if color_by not in _COLOR_BY:
        raise ValueError(f"color_by must be 'role', 'grad' or None, got {color_by!r}.")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}.")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}.")
    for flag, value in (("show_grad", show_grad), ("show_order", show_order), ("compact", compact)):
        if not isinstance(value, bool):  # NOTE: show_grad="no" would be truthy
            raise TypeError(f"{flag} must be True or False, got {type(value).__name__} {value!r:.40}.")
    order = _order(roots)
    n_total = len(order)

    names: dict[Value, str] = {}
    param_set: set[Value] = set()
    if module is not None:
        if not callable(getattr(module, "named_parameters", None)):
            raise TypeError(
                f"module must be an nn Module with named_parameters(), got {type(module).__name__}."
            )
        for name, p in module.named_parameters():
            names.setdefault(p, name)
            param_set.add(p)
    if params is not None:
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}.")
            param_set.add(p)

    # Backward order (root = 1) and, for upto_step, the state of backprop after k steps.
    position: dict[Value, int] = {}
    grads: dict[Value, float] | None = None
    current: BackwardStep | None = None
    if show_order or upto_step is not None:
        if len(roots) != 1:
            raise ValueError("show_order and upto_step need a single root Value, got a list.")
        position = {node: i for i, node in enumerate(reversed(order), start=1)}
    if upto_step is not None:
        if isinstance(upto_step, bool) or not isinstance(upto_step, int) or not 0 <= upto_step <= n_total:
            raise ValueError(
                f"upto_step must be an int from 0 to {n_total} (the number of nodes), got {upto_step!r}."
            )
        grads, current = _state_after(roots[0], upto_step)

    if max_nodes is None and n_total > _BIG_GRAPH:
        warnings.warn(
            f"the graph has {n_total} values; pass max_nodes=... (e.g. 200) to draw a summary.",
            stacklevel=3,
        )
    kept = _keep(roots, order, max_nodes)
    clusters = _clusters(order, names) if module is not None else {}
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    root_set = set(roots)

    def role(node: Value) -> str:
        if node in root_set:
            return "output"
        if node.parents:
            return "intermediate"
        if node in param_set:
            return "parameter"
        return "input" if node.label or node in names else "constant"

    grad_of = (lambda n: grads.get(n)) if grads is not None else (lambda n: n.grad)
    scale = max((abs(g) for n in kept if (g := grad_of(n)) is not None and math.isfinite(g)), default=0.0)

    lines = [
        f'\tgraph [rankdir={rankdir} fontname="Helvetica,Arial,sans-serif" fontsize=12 '
        "nodesep=0.25 ranksep=0.3 labelloc=t]\n",
        '\tnode [fontname="Helvetica,Arial,sans-serif" fontsize=11]\n',
        '\tedge [fontname="Helvetica,Arial,sans-serif" fontsize=9 arrowsize=0.7]\n',
    ]
    caption = title
    if caption is None and current is not None:
        caption = f"backward step {current.index} of {n_total}: {current.describe()}"
    elif caption is None and upto_step == 0:
        caption = f"backward step 0 of {n_total}: seed dL/d{roots[0].label or '#1'} = 1"
    if caption:
        lines.append(f"\tlabel=<{_escape(caption)}>\n")

    # Nodes, grouped by cluster (a node belongs to the subgraph where it is declared).
    members: dict[str | None, list[str]] = {}
    edges: list[str] = []
    for node in _display_order(roots):
        if node not in kept:
            continue
        nid = ids[node]
        cluster = clusters.get(node)
        fill = _fill(role(node), grad_of(node), scale, color_by)
        border, penwidth = "#555555", 0
        if current is not None and position[node] <= current.index:
            border, penwidth = (_CURRENT_BORDER, 3) if node is current.node else (_DONE_BORDER, 2)
        grad_text = None
        if show_grad:
            g = grad_of(node)
            if g is None:
                grad_text = "grad ?"  # no contribution has reached it yet
            elif grads is not None and (current is None or position[node] > current.index):
                grad_text = f"grad {_num(g)} (so far)"  # not visited: a partial sum
            else:
                grad_text = f"grad {_num(g)}"
        label = _short_name(names[node], cluster or "") if node in names else node.label
        cells = [  # (text, cell attributes); None = no such cell
            (f'<font point-size="9">#{position[node]}</font>', ' bgcolor="#ffffff"')
            if show_order and position
            else None,
            (_escape(_op_text(node.spec)), f' bgcolor="{_OP_FILL}"') if compact and node.spec else None,
            (f"<b>{_escape(label)}</b>", "") if label else None,
            (f"data {_num(node.data)}", ""),
            (_escape(grad_text), "") if grad_text is not None else None,
        ]
        table = (
            f'<table border="{penwidth}" cellborder="1" cellspacing="0" cellpadding="3" '
            f'color="{border}" bgcolor="{fill}"><tr>'
            + "".join(f"<td{attrs}>{text}</td>" for text, attrs in filter(None, cells))
            + "</tr></table>"
        )
        members.setdefault(cluster, []).append(f"{nid} [label=<{table}> shape=none margin=0]")
        if node.spec is not None and not compact:
            members[cluster].append(
                f"{nid}_op [label=<{_escape(_op_text(node.spec))}> shape=ellipse style=filled "
                f'fillcolor="{_OP_FILL}" height=0.3 margin="0.04,0.02"]'
            )
            edges.append(f"{nid}_op -> {nid}")
        target = nid if compact else f"{nid}_op"
        operand_names = _operand_labels(node.spec) if node.spec is not None else ()
        for i, parent in enumerate(node.parents):
            if parent not in kept:
                continue  # drawn through a summary node
            attrs = []
            if i < len(operand_names):
                attrs.append(f"label=<{_escape(operand_names[i])}>")
            if current is not None and node is current.node:
                attrs = [
                    f"label=<{_escape(_num(current.contributions[i]))}>",
                    f'color="{_CURRENT_BORDER}" fontcolor="{_CURRENT_BORDER}" penwidth=2',
                ]
            edges.append(f"{ids[parent]} -> {target}" + (f" [{' '.join(attrs)}]" if attrs else ""))
    for i, (count, n_ops, consumers) in enumerate(_summaries(order, kept)):
        sid = f"s{i}"
        text = f"… {count} more values ({n_ops} computed)" if n_ops else f"… {count} more values"
        members.setdefault(None, []).append(
            f'{sid} [label=<{_escape(text)}> shape=box style="rounded,dashed" color="#888888"]'
        )
        edges.extend(
            f"{sid} -> {ids[c]}{'' if compact or not c.parents else '_op'} [style=dashed]" for c in consumers
        )

    lines.extend(_cluster_lines(members, module))
    lines.extend(f"\t{e}\n" for e in edges)
    return lines


def _state_after(root: Value, k: int) -> tuple[dict[Value, float], BackwardStep | None]:
    """The partial sums dL/dnode after ``k`` backward steps, and the k-th step."""
    grads = {root: 1.0}
    current = None
    for step in _steps(root, 1.0):
        if step.index > k:
            break
        current = step
        for parent, c in zip(step.parents, step.contributions):
            grads[parent] = grads.get(parent, 0.0) + c
    return grads, current


def _roots(root: Any) -> list[Value]:
    if isinstance(root, Value):
        return [root]
    if isinstance(root, (list, tuple)) and root:
        for i, r in enumerate(root):
            if not isinstance(r, Value):
                raise TypeError(f"root[{i}] must be a Value, got {type(r).__name__}.")
        return list(dict.fromkeys(root))
    raise TypeError(f"root must be a Value (or a non-empty list of Values), got {type(root).__name__}.")


def _order(roots: list[Value]) -> list[Value]:
    """Topological order (inputs first) of everything reachable from the roots."""
    if len(roots) == 1:
        return topological_order(roots[0])
    seen: dict[Value, None] = {}
    for r in roots:
        for node in topological_order(r):
            seen.setdefault(node, None)
    return list(seen)


def _display_order(roots: list[Value]) -> list[Value]:
    """Inputs first, operands left to right (first operand first): a tidy layout."""
    out: list[Value] = []
    done: set[Value] = set()
    for root in roots:
        stack: list[tuple[Value, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                out.append(node)
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in done)
    return out


def _keep(roots: list[Value], order: list[Value], max_nodes: int | None) -> set[Value]:
    """The values to draw: all, or the ``max_nodes`` closest to the roots (breadth first)."""
    if max_nodes is None or len(order) <= max_nodes:
        return set(order)
    kept: set[Value] = set()
    queue = deque(roots)
    while queue and len(kept) < max_nodes:
        node = queue.popleft()
        if node in kept:
            continue
        kept.add(node)
        queue.extend(p for p in _first_parents(node) if p not in kept)
    return kept


def _first_parents(node: Value) -> tuple[Value, ...]:
    """The operands a summary keeps: all, or the first few of a wide fan-in (w_i, x_i pairs)."""
    parents = node.parents
    if len(parents) <= _FAN_IN:
        return parents
    spec = node.spec
    if spec is not None and spec.name == "dot":
        n = len(parents) // 2
        pairs = _FAN_IN // 2 - 1
        firsts = [p for i in range(pairs) for p in (parents[i], parents[n + i])]
        return (*firsts, parents[-1]) if len(parents) % 2 else tuple(firsts)
    return parents[:_FAN_IN]


def _summaries(order: list[Value], kept: set[Value]) -> list[tuple[int, int, list[Value]]]:
    """Group the values not drawn into summary nodes: (values, computed values, consumers).

    Two hidden values share a summary when one feeds the other, or when both feed the
    same drawn value (so a neuron's fan-in of 64 inputs becomes one node, not 64).
    """
    hidden = [n for n in order if n not in kept]
    if not hidden:
        return []
    parent_of = {n: n for n in hidden}

    def find(n: Value) -> Value:
        while parent_of[n] is not n:
            parent_of[n] = parent_of[parent_of[n]]
            n = parent_of[n]
        return n

    def union(a: Value, b: Value) -> None:
        ra, rb = find(a), find(b)
        if ra is not rb:
            parent_of[ra] = rb

    consumers: dict[Value, list[Value]] = {}
    for node in order:
        hidden_parents = [p for p in node.parents if p not in kept]
        if node in kept:
            for p in hidden_parents[1:]:
                union(hidden_parents[0], p)
            for p in hidden_parents:
                consumers.setdefault(p, []).append(node)
        else:
            for p in hidden_parents:
                union(p, node)
    groups: dict[Value, list[Value]] = {}
    for n in hidden:
        groups.setdefault(find(n), []).append(n)
    result = []
    for group in groups.values():
        fed = dict.fromkeys(c for n in group for c in consumers.get(n, ()))
        result.append((len(group), sum(1 for n in group if n.parents), list(fed)))
    return result


def _clusters(order: list[Value], names: dict[Value, str]) -> dict[Value, str]:
    """The neuron (a ``named_parameters()`` prefix) each node is drawn in, if any.

    A parameter belongs to its neuron; a node with a parameter operand (z = w·x + b, or
    the w_i x_i of an unfused neuron) belongs to that neuron, and so do a sum of such
    nodes and the activation a = φ(z) applied to one.
    """
    cluster: dict[Value, str] = {p: _neuron_path(name) or _WHOLE for p, name in names.items()}
    direct = set(cluster)  # members through a parameter: their activation joins them
    for node in order:
        if node in cluster or not node.parents:
            continue
        owners = [cluster[p] for p in node.parents if p in names]
        if owners:
            cluster[node] = Counter(owners).most_common(1)[0][0]
            direct.add(node)
            continue
        spec = node.spec
        parent = node.parents[0]
        # a unary op that is a neuron's activation φ (ops.ACTIVATIONS) joins its neuron
        if spec is not None and spec.name in ops.ACTIVATIONS and len(node.parents) == 1 and parent in direct:
            cluster[node] = cluster[parent]
        elif spec is not None and spec.name in ("+", "sum"):
            # w_0 x_0 + w_1 x_1: a sum of two or more terms of one neuron (not 1 + s)
            inner = [p for p in node.parents if p.parents or p in names or p.label]
            homes = {cluster.get(p) for p in inner}
            if len(inner) >= 2 and all(p in direct for p in inner) and len(homes) == 1:
                cluster[node] = cluster[inner[0]]
                direct.add(node)
    return cluster


def _neuron_path(name: str) -> str:
    """``layers.0.neurons.3.w.1`` -> ``layers.0.neurons.3`` (drop the index, then the name)."""
    parts = name.split(".")
    if parts and parts[-1].isdigit():
        parts.pop()
    if parts:
        parts.pop()
    return ".".join(parts)


def _path_parts(path: str) -> list[str]:
    """``layers.0.neurons.3`` -> ``['layers.0', 'layers.0.neurons.3']`` (nested boxes)."""
    parts = path.split(".") if path else []
    out: list[str] = []
    i = 0
    while i < len(parts):
        step = 2 if i + 1 < len(parts) and parts[i + 1].isdigit() else 1
        prefix = ".".join(parts[: i + step])
        out.append(prefix)
        i += step
    return out


def _cluster_title(path: str, module: Any) -> str:
    if path == _WHOLE:
        return type(module).__name__
    last = path.rsplit(".", 2)
    if len(last) >= 2 and last[-1].isdigit():
        word = last[-2][:-1] if last[-2].endswith("s") else last[-2]
        return f"{word} {last[-1]}"
    return path.rsplit(".", 1)[-1]


def _cluster_lines(members: dict[str | None, list[str]], module: Any) -> list[str]:
    """Node lines, nested in ``subgraph cluster_N`` blocks following the neuron paths."""
    lines = [f"\t{line}\n" for line in members.get(None, [])]
    children: dict[str | None, list[str]] = {}
    for key in members:
        if key is None:
            continue
        parent: str | None = None
        for path in [key] if key == _WHOLE else _path_parts(key):
            siblings = children.setdefault(parent, [])
            if path not in siblings:
                siblings.append(path)
            parent = path
    count = 0

    def emit(path: str, depth: int) -> list[str]:
        nonlocal count
        pad = "\t" * depth
        out = [
            f"{pad}subgraph cluster_{count} {{\n",
            f'{pad}\tlabel=<{_escape(_cluster_title(path, module))}> style="rounded,dashed" '
            'color="#7f7f7f" fontsize=10\n',
        ]
        count += 1
        out.extend(f"{pad}\t{line}\n" for line in members.get(path, []))
        for child in children.get(path, []):
            out.extend(emit(child, depth + 1))
        out.append(f"{pad}}}\n")
        return out

    for path in children.get(None, []):
        lines.extend(emit(path, 1))
    return lines


# --------------------------------------------------------------------------------------
# Text and colours
# --------------------------------------------------------------------------------------


MAX_LABEL_CHARS = 1000
"""Labels and captions longer than this are cut (with "…") before escaping: graphviz
refuses an HTML label past 16,384 characters, and an escaped character takes up to 11."""


def _escape(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` as the content of a graphviz HTML-like label: any string is safe.

    ``& < > " ]`` become entities (graphviz's HTML parser fails on a label that is only
    ``]``), a backslash is doubled (graphviz would expand ``\\N`` and ``\\G``, even
    written ``&#92;N``) and a newline is a line break. Control and format characters
    (bidi overrides), lone surrogates and non-characters are shown as Python escapes
    (``\\x00``, ``\\u202e``): XML forbids some, the others would hide or reorder
    text. Text longer than ``limit`` characters is cut to its start, "…" and how many
    characters were left out, so that any label stays below graphviz's size limit.
    """
    if len(text) > limit:
        text = f"{text[: limit - 40]}… ({len(text) - (limit - 40)} more characters)"
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<br/>")
        elif ch == "\t":
            out.append(" ")
        elif ch == "\\":
            out.append("\\\\")  # NOTE: graphviz expands \N, \G, \L... even in HTML labels
        elif ch == "]":
            out.append("&#93;")  # NOTE: graphviz 2.43 rejects a label that is only "]"
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            # NOTE: invisible or bidi-reordering characters are shown, not obeyed
            out.append(ch.encode("unicode_escape").decode("ascii").replace("\\", "\\\\"))
        else:
            out.append(html.escape(ch, quote=True))
    return "".join(out)


def _num(x: float) -> str:
    """4 decimals like micrograd (``2.0000``), scientific notation when tiny or huge."""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def _op_text(spec: OpSpec) -> str:
    """The op node's label: its symbol, with its parameters unless the symbol has them."""
    return spec.symbol if spec.symbol != spec.name else spec.label


def _operand_labels(spec: OpSpec) -> tuple[str, ...]:
    """Edge labels naming the operands where their order matters (a - b, a / b, w·x + b):
    the op table's ``spec.operands``."""
    return spec.operands if spec.arity >= 2 else ()


def _expression(spec: OpSpec, operands: Sequence[str]) -> str:
    """``#4 * w1``, ``tanh(z)``, ``Σ(x0, x1, ...)``: an op applied to named operands."""
    if spec.arity == 2 and spec.name in ("+", "-", "*", "/", "**"):
        return f"{operands[0]} {spec.symbol} {operands[1]}"
    shown = ", ".join(operands[:6]) + (", …" if len(operands) > 6 else "")
    return f"{_op_text(spec)}({shown})"


def _node_name(node: Value) -> str:
    return node.label or (node.op and f"({node.op})") or _num(node.data)


def _short_name(name: str, cluster: str) -> str:
    """A parameter's name inside its neuron's box: ``w.1`` rather than the full path."""
    if cluster and name.startswith(cluster + "."):
        return name[len(cluster) + 1 :]
    return name


def _fill(role: str, g: float | None, scale: float, color_by: str | None) -> str:
    if color_by == "role":
        return ROLE_COLORS[role]
    if color_by == "grad":
        if g is None:
            return "#ffffff"
        if not math.isfinite(g):
            return "#e377c2"  # NaN or inf: stands out
        r = math.sqrt(abs(g) / scale) if scale > 0 else 0.0
        # white -> orange as |grad| grows
        red, green, blue = (round(255 + (c - 255) * r) for c in (0xF2, 0x8E, 0x2B))
        return f"#{red:02x}{green:02x}{blue:02x}"
    return "#ffffff"


# --------------------------------------------------------------------------------------
# A Digraph that degrades gracefully without the dot program
# --------------------------------------------------------------------------------------


@cache
def _graph_class() -> type:
    try:
        import graphviz
    except ImportError as err:  # pragma: no cover - graphviz is a dependency
        raise ImportError(
            "draw_dot needs the graphviz Python package: pip install graphviz (to_dot() works without it)."
        ) from err

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` whose Jupyter display falls back to the DOT text.

        In Jupyter it shows as SVG and PNG (the PNG at most ``PNG_SIZE`` inches at
        ``PNG_DPI``), so a viewer that does not trust the SVG still shows a picture.
        Without the ``dot`` program, ``render()``, ``pipe()`` and ``view()`` raise
        ``graphviz.ExecutableNotFound`` with a line saying how to install graphviz.
        """

        def __repr__(self) -> str:  # stable, unlike the default (no address)
            nodes = [line for line in self.body if "[label=" in line and "->" not in line]
            names = [line.split(maxsplit=1)[0] for line in nodes]
            n_ops = sum(1 for n in names if n.endswith("_op"))
            n_values = sum(1 for n in names if n.startswith("v")) - n_ops
            return f"<micrograd_plus.viz.Graph: {n_values} values, {n_ops} ops>"

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                _add_hint(err)
                raise

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                _add_hint(err)
                raise

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
            # SVG and PNG: a viewer that does not trust a notebook's SVG (JupyterLab on a
            # fresh clone, GitHub) still shows the PNG.
            include = _JUPYTER_MIMETYPES if include is None else include
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}
            except graphviz.CalledProcessError as err:  # a bad DOT source: still show it
                return {"text/plain": f"graphviz failed to render this graph ({err}).\n\n{self.source}"}

        def _repr_image_png(self) -> bytes:
            # at most PNG_SIZE inches wide and tall (scaled down, never up) at PNG_DPI
            fitted = self.copy()
            fitted.graph_attr.update(size=PNG_SIZE, dpi=str(PNG_DPI))
            return fitted.pipe(format="png")

    Graph.__module__ = __name__
    Graph.__qualname__ = "Graph"
    return Graph


def _add_hint(err: BaseException) -> None:
    if INSTALL_HINT not in str(err):
        err.args = (f"{err.args[0] if err.args else err}. {INSTALL_HINT}",)
