r"""Compiled batch execution: record a scalar graph once, replay it over a batch with NumPy.

``trace(f, example)`` calls ``f`` once on fresh leaf ``Value``s and records the graph it
built as a :class:`Tape`: a flat, index-based program. Every scalar of the graph is a
*slot*; the slots are, in this order, the inputs, the parameters (every other leaf that
``f`` reached and that lives on after ``f`` returns, e.g. a model's weights), the
constants (numbers and leaves created inside ``f``) and one slot per op node, the op
nodes listed in topological order.

Replaying the program over a batch of B samples runs each op on arrays of B numbers by
calling the op's own rules, ``spec.forward(*arrays)`` and ``spec.local_grads(*arrays,
out)`` (the table in :mod:`micrograd_plus.ops` stays the one source of every
derivative), and applies the chain rule on arrays:

    grad[x_i] += grad[y] * df/dx_i          (elementwise over the batch)

with a parameter's gradient summed over the rows. Before it runs, the program is
*fused*: ops of one kind that sit at the same depth of the graph and read the same
kind of operands become ONE array op over a ``(B, k)`` block (k neurons at once), and the
neurons of a layer, whose fused ``dot`` nodes read the same input slots with weights
that are parameters, become one matrix product ``Z = Y W^T + b`` (the lecture's
``z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ``, recovered from the scalar neurons). That matrix form of
``dot`` (dZ/dY = W, dZ/dW = Y, dZ/db = 1), its row-by-row form (a ``dot`` whose w's and
x's both vary per row, e.g. the Σ d² of ``mse``) and the row sum of the fused ``sum``
are the only derivatives written here; they are the fused ops' own rules, read as
matrices. Every other op runs through its table entry.

What a tape cannot represent raises :class:`TraceError` at ``trace`` time: a branch on
a Value's data (a comparison, ``bool()`` or ``float()`` of a ``Value`` inside ``f``), or
an op whose rules do not work on NumPy arrays. One thing cannot be detected: ``f``
reading ``.data`` (say ``if x.data > 0``) bakes the branch the example took into the
tape.

NumPy is optional (``pip install 'micrograd-plus[fast]'``); it is imported only when a
tape is built.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import engine
from .engine import TraceError, Value
from .ops import OpSpec

__all__ = ["Tape", "TraceError", "trace"]

FAST_EXTRA = "pip install 'micrograd-plus[fast]'"

_np: Any = None


def _numpy() -> Any:
    """The numpy module, imported on first use, or an ImportError naming the extra."""
    global _np
    if _np is None:
        try:
            import numpy
        except ImportError:
            raise ImportError(
                f"compiled batch execution (trace, fit(compile=True)) needs NumPy: {FAST_EXTRA}"
            ) from None
        _np = numpy
    return _np


# --------------------------------------------------------------------------------------
# Recording: call f on fresh leaves, walk the graph, number the slots
# --------------------------------------------------------------------------------------


def _post_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node reachable from ``outputs``, each after its operands, operands visited
    left to right (so a model's ops come in the order its forward pass made them)."""
    order: list[Value] = []
    seen: set[int] = set()
    for root in outputs:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, iter(parent.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def _refcounts(nodes: list[Value]) -> list[int]:
    return [sys.getrefcount(v) for v in nodes]


def _graph_uses(order: list[Value], outputs: Sequence[Value], held: Any) -> dict[int, int]:
    """How many references to each node the graph, ``outputs`` and f's result hold."""
    uses: dict[int, int] = {}
    for node in order:
        for p in node.parents:
            uses[id(p)] = uses.get(id(p), 0) + 1
    for v in outputs:
        uses[id(v)] = uses.get(id(v), 0) + 1
    for v in held if isinstance(held, (list, tuple)) else [held]:  # f's own result (we hold it)
        if isinstance(v, Value):
            uses[id(v)] = uses.get(id(v), 0) + 1
    return uses


def _created_inside(order: list[Value], outputs: Sequence[Value], held: Any) -> set[int]:
    """ids of the leaves of ``order`` that nothing outside the graph refers to.

    Such a leaf was made while ``f`` ran (a number lifted to a constant) and is dropped
    with the graph; a leaf that lives on (a model's weight) is referred to from outside.
    We count: references from the graph's nodes and from our own lists, compared with a
    fresh leaf held the same way (calibration, so the count works on any CPython).
    """
    uses = _graph_uses(order, outputs, held)  # (in a function: no loop variable outlives it)
    (base,) = _refcounts([Value(0.0)])
    counts = _refcounts(order)
    return {id(v) for v, c in zip(order, counts) if v.spec is None and c - base - uses.get(id(v), 0) <= 0}


def _check_example(example: Any) -> list[float]:
    if isinstance(example, (str, bytes)) or not hasattr(example, "__iter__"):
        raise TypeError(
            f"trace: example must be a list of numbers (one sample's inputs), got {type(example).__name__}."
        )
    xs = list(example)
    for i, x in enumerate(xs):
        if isinstance(x, bool) or (not isinstance(x, (int, float)) and not hasattr(x, "__float__")):
            raise TypeError(f"trace: example[{i}] must be a number, got {type(x).__name__} {x!r:.40}.")
        if isinstance(x, Value):
            raise TypeError(f"trace: example[{i}] is a Value; pass numbers (its .data).")
    return [float(x) for x in xs]


def trace(f: Callable[..., Any], example: Sequence[float]) -> Tape:
    """Record ``f`` applied to one sample as a :class:`Tape` (see the module docstring).

    ``example`` is a list of numbers; ``f`` takes ``len(example)`` ``Value``s and returns
    a ``Value`` or a list of ``Value``s. Raises :class:`TraceError` for what a tape
    cannot replay, ``ImportError`` without NumPy.
    """
    _numpy()
    if not callable(f):
        raise TypeError(f"trace: f must be callable, got {type(f).__name__}.")
    xs = _check_example(example)
    inputs = [Value(x) for x in xs]
    state = engine._trace_state
    had = "active" in state.__dict__
    was_active = getattr(state, "active", False)
    state.active = True
    try:
        with engine._recording_on():  # (a graph is recorded even inside no_grad)
            result = f(*inputs)
    finally:
        if had:
            state.active = was_active
        else:
            del state.active
    if isinstance(result, Value):
        outputs = [result]
    elif isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        outputs = list(result)
    else:
        raise TypeError(
            f"trace: f must return a Value or a non-empty list of Values, got {type(result).__name__} "
            f"{result!r:.60}."
        )
    order = _post_order(outputs)
    inside = _created_inside(order, outputs, result)
    returns_value = isinstance(result, Value)
    del result
    return Tape._record(inputs, order, outputs, inside, returns_value)


# --------------------------------------------------------------------------------------
# Fused array ops (the instructions of a compiled tape)
# --------------------------------------------------------------------------------------

# An operand source is (block, index, kind): which block it reads and which columns.
# kind: "all" (the whole block), "slice"/"uniq" (distinct columns), "dup" (a column
# repeats: gradients need np.add.at), "one" (one column broadcast to every member).


def _source(np: Any, block: int, cols: list[int], width: int) -> tuple[int, Any, str]:
    k = len(cols)
    if all(c == cols[0] for c in cols):
        if k > 1:
            return block, slice(cols[0], cols[0] + 1), "one"
        if width == 1:
            return block, None, "all"
    lo = cols[0]
    if cols == list(range(lo, lo + k)):
        if lo == 0 and k == width:
            return block, None, "all"
        return block, slice(lo, lo + k), "slice"
    idx = np.asarray(cols, dtype=np.intp)
    return block, idx, "uniq" if len(set(cols)) == k else "dup"


def _same_source(a: tuple[int, Any, str], b: tuple[int, Any, str]) -> bool:
    (ab, ai, ak), (bb, bi, bk) = a, b
    if ab != bb or ak != bk:
        return False
    if ai is None or bi is None or isinstance(ai, slice) or isinstance(bi, slice):
        return ai == bi
    return bool(_np.array_equal(ai, bi))


def _fetch(V: list[Any], src: tuple[int, Any, str]) -> Any:
    b, idx, _ = src
    v = V[b]
    return v if idx is None else v[..., idx]


class _Program:
    """Shapes and gradients of the blocks of one call, shared by the instructions."""

    __slots__ = ("A", "B", "G", "V", "batched", "width")

    def __init__(self, V: list[Any], batched: list[bool], width: list[int], B: int) -> None:
        self.V, self.batched, self.width, self.B = V, batched, width, B
        self.G: list[Any] = [None] * len(V)
        self.A: list[Any] = [None] * len(V)  # an op's operands, fetched by forward, for backward

    def shape(self, b: int) -> tuple[int, ...]:
        return (self.B, self.width[b]) if self.batched[b] else (self.width[b],)

    def add(self, src: tuple[int, Any, str], c: Any) -> None:
        """grad[src] += c, where c has the shape of the reading op's output."""
        np = _np
        b, idx, kind = src
        batched = self.batched[b]
        if not batched and c.ndim == 2:
            c = _np.add.reduce(c, axis=0)
        if kind == "one" and c.shape[-1] != 1:
            c = c.sum(axis=-1, keepdims=True)
        g = self.G[b]
        if g is None:
            if kind == "all" and c.shape == self.shape(b):
                self.G[b] = c
                return
            g = self.G[b] = np.zeros(self.shape(b))
        if kind == "all":
            g += c
        elif kind == "dup":
            np.add.at(g, (slice(None), idx) if batched else idx, c)
        else:
            g[..., idx] += c


class _Elementwise:
    """k scalar ops of one spec as one array op: the spec's own rules on (B, k) blocks."""

    def __init__(
        self,
        spec: OpSpec,
        srcs: list[tuple[int, Any, str]],
        out: int,
        members: list[int],
        scalars: list[int | None] | None = None,
    ) -> None:
        self.spec, self.srcs, self.out, self.members = spec, srcs, out, members
        self._forward, self._local_grads = spec.forward, spec.local_grads
        # an operand that is one number for the whole batch (a constant, a parameter) is
        # handed to the rules as a Python float: cheaper than a 1-element array
        scalars = scalars or [None] * len(srcs)
        self._fetch = [(b, idx, c) for (b, idx, _), c in zip(srcs, scalars)]
        # the common unary case (relu, tanh, ... of a whole block): the output has the
        # operand's shape, and the operand is handed over as it is
        unary = len(srcs) == 1 and srcs[0][2] == "all" and scalars[0] is None
        self._unary: int | None = srcs[0][0] if unary else None

    @property
    def label(self) -> str:
        return self.spec.label

    def forward(self, P: _Program) -> None:
        V = P.V
        if self._unary is not None:
            x = V[self._unary]
            y = self._forward(x)
            if getattr(y, "shape", None) != x.shape:
                y = _np.broadcast_to(_np.asarray(y, dtype=float), x.shape)
            V[self.out] = y
            return
        args = [
            (V[b] if idx is None else V[b][..., idx]) if c is None else float(V[b][c])
            for b, idx, c in self._fetch
        ]
        y = self._forward(*args)
        out = self.out
        shape = (P.B, P.width[out]) if P.batched[out] else (P.width[out],)
        if getattr(y, "shape", None) != shape:
            y = _np.broadcast_to(_np.asarray(y, dtype=float), shape)
        V[out] = y
        P.A[out] = args

    def backward(self, P: _Program, need: list[bool]) -> None:
        g = P.G[self.out]
        if g is None:
            return
        V = P.V
        b = self._unary
        if b is not None:
            (d,) = self._local_grads(V[b], V[self.out])  # (also when not needed: _probe checks it)
            if need[b]:
                c = g if type(d) is float and d == 1.0 else g * d
                if P.G[b] is None and c.shape == V[b].shape:
                    P.G[b] = c  # (what P.add does for a first gradient of a whole block)
                else:
                    P.add(self.srcs[0], c)
            return
        args = P.A[self.out]
        if args is None:
            args = [_fetch(V, s) for s in self.srcs]
        local = self._local_grads(*args, V[self.out])
        last = None
        for src, d in zip(self.srcs, local):
            if need[src[0]]:
                if last is None and type(d) is float and d == 1.0:
                    last = src  # (an add: g itself is handed on, once, after every other use)
                else:
                    P.add(src, g * d)
        if last is not None:
            P.add(last, g)


class _Sum:
    """k fused ``sum`` nodes whose operands lie in one block: a row sum, dy/dx_i = 1."""

    def __init__(self, block: int, cols: list[list[int]], out: int, width: int, members: list[int]) -> None:
        np = _np
        self.out, self.members, self.block = out, members, block
        self.n = len(cols[0])
        flat = [c for row in cols for c in row]
        self.src = _source(np, block, flat, width)
        self.k = len(cols)
        self.label = "Σ (row sum)"

    def forward(self, P: _Program) -> None:
        x = _fetch(P.V, self.src)
        if self.src[2] == "one":  # the same single column n times
            y = x * float(self.n)
            y = _np.broadcast_to(y, P.shape(self.out)) if self.k > 1 else y
        else:
            y = x.reshape(*x.shape[:-1], self.k, self.n).sum(axis=-1)
        P.V[self.out] = y

    def backward(self, P: _Program, need: list[bool]) -> None:
        g = P.G[self.out]
        if g is None or not need[self.block]:
            return
        np = _np
        if self.src[2] == "one":
            P.add(self.src, g * float(self.n))
            return
        c = np.repeat(g, self.n, axis=-1)  # d/dx of each operand is 1
        P.add(self.src, c)


class _RowDot:
    """k fused ``dot`` nodes whose w's lie in one block and x's in another (not a matmul:
    each reads its own columns): y = Σ_i w_i x_i (+ b) along rows; dy/dw = x, dy/dx = w."""

    def __init__(
        self,
        wsrc: tuple[int, Any, str],
        xsrc: tuple[int, Any, str],
        bsrc: tuple[int, Any, str] | None,
        k: int,
        n: int,
        out: int,
        members: list[int],
    ) -> None:
        self.wsrc, self.xsrc, self.bsrc, self.k, self.n, self.out, self.members = (
            wsrc,
            xsrc,
            bsrc,
            k,
            n,
            out,
            members,
        )
        self.label = f"rowdot {k}x{n}" + (" + b" if bsrc is not None else "")
        self.same = _same_source(wsrc, xsrc)  # dot(v, v): the w's and the x's are one source

    def _operands(self, P: _Program) -> tuple[Any, Any]:
        k, n = self.k, self.n
        w = _fetch(P.V, self.wsrc)
        x = _fetch(P.V, self.xsrc)
        # (one column read by all k*n operands: broadcast it)
        if self.wsrc[2] == "one":
            w = _np.broadcast_to(w[..., None], (*w.shape[:-1], k, n))
        else:
            w = w.reshape(*w.shape[:-1], k, n)
        if self.xsrc[2] == "one":
            x = _np.broadcast_to(x[..., None], (*x.shape[:-1], k, n))
        else:
            x = x.reshape(*x.shape[:-1], k, n)
        return w, x

    def _flat(self) -> bool:
        """One member reading distinct columns: (B, n) blocks, no reshape needed."""
        return self.k == 1 and self.wsrc[2] != "one" and self.xsrc[2] != "one"

    def forward(self, P: _Program) -> None:
        if self._flat():
            w, x = _fetch(P.V, self.wsrc), _fetch(P.V, self.xsrc)
            y = _np.add.reduce(w * x, axis=-1, keepdims=True)
        else:
            w, x = self._operands(P)
            y = _np.add.reduce(w * x, axis=-1)
        if self.bsrc is not None:
            y = y + _fetch(P.V, self.bsrc)
        shape = P.shape(self.out)
        P.V[self.out] = y if y.shape == shape else _np.broadcast_to(y, shape)

    def backward(self, P: _Program, need: list[bool]) -> None:
        g = P.G[self.out]
        if g is None:
            return
        if self._flat():  # g is (B, 1) (or (1,)): it broadcasts against the (B, n) operands
            w, x = _fetch(P.V, self.wsrc), _fetch(P.V, self.xsrc)
            if self.same and need[self.wsrc[0]]:
                P.add(self.wsrc, g * (x + w))
            else:
                for src, other in ((self.wsrc, x), (self.xsrc, w)):
                    if need[src[0]]:
                        P.add(src, g * other)
            if self.bsrc is not None and need[self.bsrc[0]]:
                P.add(self.bsrc, g * 1.0)
            return
        w, x = self._operands(P)
        g3 = g[..., None]
        kn = self.k * self.n
        if self.same and need[self.wsrc[0]]:  # Σ x_i²: both uses at once
            c = g3 * (x + w)
            P.add(self.wsrc, c.reshape(*c.shape[:-2], kn))
        else:
            self._both(P, need, g3, w, x, kn)
        if self.bsrc is not None and need[self.bsrc[0]]:
            P.add(self.bsrc, g * 1.0)

    def _both(self, P: _Program, need: list[bool], g3: Any, w: Any, x: Any, kn: int) -> None:
        for src, other in ((self.wsrc, x), (self.xsrc, w)):
            if need[src[0]]:
                c = g3 * other
                P.add(src, c.reshape(*c.shape[:-2], kn))


def _strided(np: Any, idx: Any) -> tuple[int, int] | None:
    """(base, stride) if idx[j, i] == base + j*stride + i (a view of a 1-D block), else None."""
    k, n = idx.shape
    base = int(idx[0, 0])
    if not (idx[0] == base + np.arange(n)).all():
        return None
    stride = int(idx[1, 0] - base) if k > 1 else n
    if stride < n:
        return None
    if not (idx == base + stride * np.arange(k)[:, None] + np.arange(n)[None, :]).all():
        return None
    return base, stride


class _MatMul:
    """k neurons z_j = Σ_i w_ji y_i + b_j reading the same inputs: Z = Y W^T + b.

    The fused ``dot``'s rules (dz/dw = y, dz/dy = w, dz/db = 1) as matrices:
    dW = G^T Y, dY = G W, db = Σ_rows G.
    """

    def __init__(
        self,
        wblock: int,
        widx: Any,
        xsrc: tuple[int, Any, str],
        bblock: int | None,
        bidx: Any,
        out: int,
        members: list[int],
    ) -> None:
        np = _np
        self.wblock, self.xsrc, self.bblock, self.out, self.members = wblock, xsrc, bblock, out, members
        self.k, self.n = widx.shape
        self.wview = _strided(np, widx)
        self.widx = widx
        self.wuniq = len(set(widx.ravel().tolist())) == widx.size
        self.bidx = bidx
        self.bview = None
        if bidx is not None:
            s = _strided(np, bidx.reshape(-1, 1))
            self.bview = s
            self.buniq = len(set(bidx.tolist())) == bidx.size
        self.label = f"matmul {self.k}x{self.n}" + (" + b" if bblock is not None else "")
        self.exclusive = False  # set by the tape: no other op reads these W and b
        self._wcache: tuple[Any, ...] = (None, None, None, None)
        self._wtcache: tuple[Any, Any] = (None, None)
        self._ycache: tuple[Any, Any] = (None, None)
        self._bcache: tuple[Any, Any] = (None, None)

    def _w(self, v: Any) -> Any:
        """W as a (k, n) view of the 1-D block ``v`` (a copy only for a scattered layout)."""
        if self.wview is None:
            return v[self.widx]
        # fit keeps its parameter and gradient arrays across steps: remember both views
        c = self._wcache
        if c[0] is v:
            return c[1]
        if c[2] is v:
            return c[3]
        w = self._wview(v, self.wview)
        self._wcache = (v, w, c[0], c[1])
        return w

    def _wview(self, v: Any, view: tuple[int, int]) -> Any:
        base, stride = view
        k, n = self.k, self.n
        end = base + k * stride
        if end <= v.shape[0]:  # reshape of a slice: the cheapest view there is
            w = v[base:end].reshape(k, stride)
            return w if stride == n else w[:, :n]
        return _np.lib.stride_tricks.as_strided(
            v[base:], shape=(k, n), strides=(stride * v.itemsize, v.itemsize)
        )

    def _b(self, v: Any) -> Any:
        if self.bview is not None:
            c = self._bcache
            if c[0] is v:
                return c[1]
            base, stride = self.bview
            b = v[base : base + stride * (self.k - 1) + 1 : stride]
            self._bcache = (v, b)
            return b
        return v[self.bidx]

    def _wt(self, v: Any) -> Any:
        """W transposed (cached with W's view)."""
        c = self._wtcache
        if c[0] is v:
            return c[1]
        wt = self._w(v).T
        if self.wview is not None:
            self._wtcache = (v, wt)
        return wt

    def _y(self, V: list[Any]) -> Any:
        """The inputs Y (a view of their block, cached: fit's full batch is one array)."""
        b, idx, _ = self.xsrc
        v = V[b]
        if idx is None:
            return v
        c = self._ycache
        if c[0] is v:
            return c[1]
        y = v[..., idx]
        if isinstance(idx, slice):
            self._ycache = (v, y)
        return y

    def forward(self, P: _Program) -> None:
        V = P.V
        y = self._y(V)
        z = y @ self._wt(V[self.wblock])
        if self.bblock is not None:
            z += self._b(V[self.bblock])
        P.V[self.out] = z

    def backward(self, P: _Program, need: list[bool]) -> None:
        np = _np
        g = P.G[self.out]
        if g is None:
            return
        V = P.V
        if need[self.xsrc[0]]:
            P.add(self.xsrc, g @ self._w(V[self.wblock]))
        if need[self.wblock]:
            G = P.G[self.wblock]
            if G is None:
                G = P.G[self.wblock] = np.zeros(P.shape(self.wblock))
            if self.exclusive and self.wview is not None and self.wview[1] == self.n:
                # no other op reads these weights: their gradient is still 0, write it in place
                np.matmul(g.T, self._y(V), out=self._w(G))
                if self.bblock is not None and need[self.bblock] and self.bview is not None:
                    base, stride = self.bview
                    np.add.reduce(g, axis=0, out=G[base : base + stride * (self.k - 1) + 1 : stride])
                    return
            else:
                self._add_dw(np, G, g.T @ self._y(V))
        if self.bblock is not None and need[self.bblock]:
            self._add_db(np, P, self.bblock, np.add.reduce(g, axis=0))

    def _add_dw(self, np: Any, G: Any, dw: Any) -> None:
        if self.wview is not None:
            self._w(G)[...] += dw
        elif self.wuniq:
            G[self.widx] += dw
        else:
            np.add.at(G, self.widx, dw)

    def _add_db(self, np: Any, P: _Program, block: int, db: Any) -> None:
        G = P.G[block]
        if G is None:
            G = P.G[block] = np.zeros(P.shape(block))
        if self.bview is not None:
            base, stride = self.bview
            G[base : base + stride * (self.k - 1) + 1 : stride] += db
        elif self.buniq:
            G[self.bidx] += db
        else:
            np.add.at(G, self.bidx, db)


# --------------------------------------------------------------------------------------
# The tape
# --------------------------------------------------------------------------------------

_INPUTS, _PARAMS, _CONSTS = 0, 1, 2  # the first three blocks


class Tape:
    """A recorded scalar graph, replayed over batches with NumPy (made by :func:`trace`).

    Public: ``parameters`` (first-use order), ``n_inputs``, ``n_outputs``,
    ``tape(X)``, ``tape.backward(X, reduction)``; ``n_ops`` (scalar ops recorded) and
    ``n_fused_ops`` (array ops after fusion) for the curious.

    The scalar program (what a converter such as ``to_torch`` reads): ``ops`` is a list
    of ``(spec, operand_slots, out_slot)`` in topological order; slots ``0..n_inputs-1``
    are the inputs, the next ``len(parameters)`` the parameters, then
    ``len(constants)`` constants (``constants`` holds their floats), then one slot per
    op; ``output_slots`` lists the outputs' slots.
    """

    parameters: list[Value]
    n_inputs: int
    n_outputs: int
    # the scalar program (filled by _record)
    constants: list[float]
    ops: list[tuple[OpSpec, tuple[int, ...], int]]
    output_slots: list[int]
    _returns_value: bool
    _example_values: list[float]
    _layout: list[int]  # param block column -> parameter index
    # the fused program (filled by _compile)
    _loc: dict[int, tuple[int, int]]
    _batched: list[bool]
    _width: list[int]
    _instrs: list[Any]
    _const_array: Any
    _out_srcs: list[tuple[int, int]]
    _out_block: dict[int, int]
    _need: list[bool]

    def __init__(self) -> None:  # use trace()
        raise TypeError("Tape objects are made by micrograd_plus.trace(f, example).")

    # ---- recording ---------------------------------------------------------------------

    @classmethod
    def _record(
        cls,
        inputs: list[Value],
        order: list[Value],
        outputs: list[Value],
        inside: set[int],
        returns_value: bool = True,
    ) -> Tape:
        self = object.__new__(cls)
        slot: dict[int, int] = {id(v): i for i, v in enumerate(inputs)}
        params: list[Value] = []
        consts: list[Value] = []
        op_nodes: list[Value] = []
        op_specs: list[OpSpec] = []
        for node in order:
            if id(node) in slot:
                continue
            if node.spec is None:
                (consts if id(node) in inside else params).append(node)
            else:
                op_nodes.append(node)
                op_specs.append(node.spec)
        # parameters in first-use order: as the ops (in order) read them
        first: dict[int, int] = {}
        for node in op_nodes:
            for p in node.parents:
                if p.spec is None and id(p) not in slot and id(p) not in inside:
                    first.setdefault(id(p), len(first))
        for v in outputs:
            if v.spec is None and id(v) not in slot and id(v) not in inside:
                first.setdefault(id(v), len(first))
        params.sort(key=lambda p: first[id(p)])
        n_in = len(inputs)
        for i, p in enumerate(params):
            slot[id(p)] = n_in + i
        for i, c in enumerate(consts):
            slot[id(c)] = n_in + len(params) + i
        base = n_in + len(params) + len(consts)
        for i, node in enumerate(op_nodes):
            slot[id(node)] = base + i
        self.n_inputs = n_in
        self.n_outputs = len(outputs)
        self.parameters = params
        self.constants = [c.data for c in consts]
        self.ops = [
            (spec, tuple(slot[id(p)] for p in node.parents), slot[id(node)])
            for node, spec in zip(op_nodes, op_specs)
        ]
        self.output_slots = [slot[id(v)] for v in outputs]
        self._returns_value = returns_value
        self._example_values = [v.data for v in (*inputs, *params, *consts, *op_nodes)]
        self._layout = list(range(len(params)))  # param block column -> parameter index
        self._compile()
        self._probe()
        return self

    # ---- fusion ------------------------------------------------------------------------

    def _compile(self) -> None:
        """Group the scalar ops into array ops over blocks (see the module docstring)."""
        np = _numpy()
        n_in, n_p, n_c = self.n_inputs, len(self.parameters), len(self.constants)
        loc: dict[int, tuple[int, int]] = {}
        for i in range(n_in):
            loc[i] = (_INPUTS, i)
        for col, pi in enumerate(self._layout):
            loc[n_in + pi] = (_PARAMS, col)
        for i in range(n_c):
            loc[n_in + n_p + i] = (_CONSTS, i)
        batched = [True, False, False]
        width = [n_in, n_p, n_c]
        # depth of every slot: leaves 0, an op 1 + the deepest operand
        depth: dict[int, int] = {s: 0 for s in loc}
        levels: dict[int, list[int]] = {}
        for k, (_, args, out) in enumerate(self.ops):
            d = 1 + max(depth[a] for a in args)
            depth[out] = d
            levels.setdefault(d, []).append(k)
        instrs: list[Any] = []
        for d in sorted(levels):
            groups: dict[Any, list[int]] = {}
            for k in levels[d]:
                groups.setdefault(self._key(k, loc, batched), []).append(k)
            for key, members in groups.items():
                out = len(batched)
                is_batched = any(batched[loc[a][0]] for k in members for a in self.ops[k][1])
                batched.append(is_batched)
                width.append(len(members))
                instrs.append(self._instruction(np, key, members, loc, width, out, batched))
                for j, k in enumerate(members):
                    loc[self.ops[k][2]] = (out, j)
        reads: dict[int, int] = {}  # parameter column -> how many array ops read it
        for ins in instrs:
            for c in self._param_cols(ins):
                reads[c] = reads.get(c, 0) + 1
        for ins in instrs:
            if isinstance(ins, _MatMul) and ins.wblock == _PARAMS and ins.bblock in (None, _PARAMS):
                ins.exclusive = all(reads[c] == 1 for c in self._param_cols(ins)) and ins.wuniq
        self._loc, self._batched, self._width, self._instrs = loc, batched, width, instrs
        self._const_array = np.asarray(self.constants, dtype=float)
        self._out_srcs = [(loc[s][0], loc[s][1]) for s in self.output_slots]
        self._out_block: dict[int, int] = {}
        for first in range(len(self._out_srcs)):
            srcs = self._out_srcs[first:]
            b0 = srcs[0][0]
            if (
                len(srcs) > 1
                and batched[b0]
                and all(b == b0 for b, _ in srcs)
                and [c for _, c in srcs] == list(range(width[b0]))
            ):
                self._out_block[first] = b0
        self._set_need()

    def _set_need(self, inputs: bool = False) -> None:
        """Mark the blocks that lead to a parameter (and to the inputs if ``inputs``)."""
        need = [False] * len(self._batched)
        need[_PARAMS] = len(self.parameters) > 0
        need[_INPUTS] = inputs
        for ins in self._instrs:
            if any(need[b] for b in self._reads(ins)):
                need[ins.out] = True
        self._need = need

    def _matmul_order(self) -> list[Value]:
        """The parameters in an order that makes every matmul's W a contiguous row-major
        block followed by its b (the layout ``fit`` keeps its parameter array in)."""
        cols: list[int] = []
        seen: set[int] = set()
        for ins in self._instrs:
            if isinstance(ins, _MatMul) and ins.wblock == _PARAMS:
                more = ins.widx.ravel().tolist()
                if ins.bblock == _PARAMS:
                    more += ins.bidx.tolist()
                if len(set(more)) == len(more) and not seen.intersection(more):
                    cols += more
                    seen.update(more)
        cols += [c for c in range(len(self._layout)) if c not in seen]
        return [self.parameters[self._layout[c]] for c in cols]

    def _relayout(self, order: Sequence[Value]) -> None:
        """Lay the parameter block out in the order of ``order`` (all of self.parameters)."""
        index = {id(p): i for i, p in enumerate(self.parameters)}
        self._layout = [index[id(p)] for p in order]
        self._compile()

    def _param_cols(self, ins: Any) -> list[int]:
        """The parameter-block columns ``ins`` reads (with repeats)."""
        cols: list[int] = []
        if isinstance(ins, _MatMul):
            if ins.wblock == _PARAMS:
                cols += ins.widx.ravel().tolist()
            if ins.bblock == _PARAMS:
                cols += ins.bidx.tolist()
            srcs = [ins.xsrc]
        elif isinstance(ins, _Sum):
            srcs = [ins.src]
        elif isinstance(ins, _RowDot):
            srcs = [ins.wsrc, ins.xsrc] + ([ins.bsrc] if ins.bsrc is not None else [])
        else:
            srcs = ins.srcs
        n = len(self.parameters)
        for b, idx, _ in srcs:
            if b == _PARAMS:
                cols += (
                    list(range(n))
                    if idx is None
                    else list(range(n))[idx]
                    if isinstance(idx, slice)
                    else idx.tolist()
                )
        return cols

    @staticmethod
    def _reads(ins: Any) -> list[int]:
        if isinstance(ins, _MatMul):
            return [ins.xsrc[0], ins.wblock] + ([ins.bblock] if ins.bblock is not None else [])
        if isinstance(ins, _Sum):
            return [ins.block]
        if isinstance(ins, _RowDot):
            return [ins.wsrc[0], ins.xsrc[0]] + ([ins.bsrc[0]] if ins.bsrc is not None else [])
        return [s[0] for s in ins.srcs]

    def _key(self, k: int, loc: dict[int, tuple[int, int]], batched: list[bool]) -> Any:
        spec, args, _ = self.ops[k]
        blocks = tuple(loc[a][0] for a in args)
        if spec.name == "dot" and spec.params and spec.params[0][0] == "n":
            n = spec.params[0][1]
            bias = spec.arity == 2 * n + 1
            wb, xb = blocks[:n], blocks[n : 2 * n]
            bb = blocks[2 * n :] if bias else ()
            for w_blocks, x_blocks, swap in ((wb, xb, False), (xb, wb, True)):
                if (
                    len(set(w_blocks)) == 1
                    and not batched[w_blocks[0]]
                    and len(set(x_blocks)) == 1
                    and batched[x_blocks[0]]
                    and all(not batched[b] for b in bb)
                ):
                    xs = args[n : 2 * n] if not swap else args[:n]
                    xcols = tuple(loc[a][1] for a in xs)
                    if len(set(xcols)) == n:  # (an input used twice: the row-dot form)
                        return ("mm", n, bias, swap, w_blocks[0], x_blocks[0], xcols, bb)
            if len(set(wb)) == 1 and len(set(xb)) == 1 and len(set(bb)) <= 1:
                return ("rowdot", n, bias, wb[0], xb[0], bb)
        if spec.name == "sum" and len(set(blocks)) == 1:
            return ("sum", spec.arity, blocks[0])
        return ("op", id(spec), spec, blocks)

    def _instruction(
        self,
        np: Any,
        key: Any,
        members: list[int],
        loc: dict[int, tuple[int, int]],
        width: list[int],
        out: int,
        batched: list[bool],
    ) -> Any:
        ops = self.ops
        if key[0] == "mm":
            _, n, bias, swap, wblock, xblock, xcols, _ = key
            w_at = (lambda args: args[n : 2 * n]) if swap else (lambda args: args[:n])
            widx = np.asarray([[loc[a][1] for a in w_at(ops[k][1])] for k in members], dtype=np.intp)
            xsrc = _source(np, xblock, list(xcols), width[xblock])
            bblock = bidx = None
            if bias:
                bslots = [ops[k][1][2 * n] for k in members]
                bblocks = {loc[s][0] for s in bslots}
                if len(bblocks) == 1:
                    bblock = bblocks.pop()
                    bidx = np.asarray([loc[s][1] for s in bslots], dtype=np.intp)
                else:  # biases from two blocks: not worth a special case
                    return self._generic(np, members, loc, width, out, batched)
            return _MatMul(wblock, widx, xsrc, bblock, bidx, out, members)
        if key[0] == "rowdot":
            _, n, bias, wblock, xblock, bb = key
            wcols = [loc[a][1] for k in members for a in ops[k][1][:n]]
            xcols = [loc[a][1] for k in members for a in ops[k][1][n : 2 * n]]
            wsrc = _source(np, wblock, wcols, width[wblock])
            xsrc = _source(np, xblock, xcols, width[xblock])
            bsrc = None
            if bias:
                bcols = [loc[ops[k][1][2 * n]][1] for k in members]
                bsrc = _source(np, bb[0], bcols, width[bb[0]])
            return _RowDot(wsrc, xsrc, bsrc, len(members), n, out, members)
        if key[0] == "sum":
            _, _, block = key
            cols = [[loc[a][1] for a in ops[k][1]] for k in members]
            return _Sum(block, cols, out, width[block], members)
        return self._generic(np, members, loc, width, out, batched)

    def _generic(
        self,
        np: Any,
        members: list[int],
        loc: dict[int, tuple[int, int]],
        width: list[int],
        out: int,
        batched: list[bool],
    ) -> _Elementwise:
        spec = self.ops[members[0]][0]
        srcs = []
        scalars: list[int | None] = []
        for i in range(spec.arity):
            cols = [loc[self.ops[k][1][i]] for k in members]
            (block,) = {b for b, _ in cols}
            src = _source(np, block, [c for _, c in cols], width[block])
            srcs.append(src)
            one = len({c for _, c in cols}) == 1
            scalars.append(cols[0][1] if one and not batched[block] and batched[out] else None)
        return _Elementwise(spec, srcs, out, members, scalars)

    # ---- checking the program once, on the example ------------------------------------

    def _probe(self) -> None:
        """Run the program on a batch of two copies of the example and compare with the
        recorded graph; an op whose rules fail or disagree on arrays -> TraceError."""
        np = _np
        X = np.asarray([self._example_values[: self.n_inputs]] * 2, dtype=float).reshape(2, self.n_inputs)
        P = self._program(X, self._param_vector())
        with np.errstate(all="ignore"):
            for ins in self._instrs:
                try:
                    ins.forward(P)
                except Exception as err:
                    raise self._no_array_form(ins, "forward", err) from None
                self._compare(ins, P)
            self._seed(P, 1.0)
            for ins in reversed(self._instrs):
                try:
                    ins.backward(P, self._need)
                except Exception as err:
                    raise self._no_array_form(ins, "local_grads", err) from None
                self._compare_grads(ins, P)

    def _no_array_form(self, ins: Any, rule: str, err: Exception) -> TraceError:
        return TraceError(
            f"op {ins.label!r} has no vectorized form: its {rule} rule failed on NumPy arrays "
            f"({type(err).__name__}: {err}). Write the op's rules with the math helpers of "
            "micrograd_plus.ops (ops.exp, ops.log, ops.where, ...) instead of math.* and Python "
            "if/else, or run f eagerly."
        )

    def _compare(self, ins: Any, P: _Program) -> None:
        np = _np
        y = np.broadcast_to(P.V[ins.out], P.shape(ins.out))
        y0 = y[0] if P.batched[ins.out] else y
        expected = np.asarray([self._example_values[self.ops[k][2]] for k in ins.members])
        if not np.allclose(y0, expected, rtol=1e-7, atol=1e-9, equal_nan=True):
            bad = int(np.argmax(~np.isclose(y0, expected, rtol=1e-7, atol=1e-9, equal_nan=True)))
            raise TraceError(
                f"op {ins.label!r} has no vectorized form: on NumPy arrays its forward rule gives "
                f"{float(y0[bad])!r} where the traced graph has {float(expected[bad])!r}. Write its "
                "rules with ops.exp / ops.where (not math.* and Python if/else), or run f eagerly."
            )

    def _compare_grads(self, ins: Any, P: _Program) -> None:
        if not isinstance(ins, _Elementwise) or P.G[ins.out] is None:
            return
        np = _np
        args = [np.broadcast_to(_fetch(P.V, s), P.shape(ins.out)) for s in ins.srcs]
        out = np.broadcast_to(P.V[ins.out], P.shape(ins.out))
        local = ins.spec.local_grads(*args, out)
        ex = self._example_values
        for j, k in enumerate(ins.members):
            _, a, o = self.ops[k]
            scalar = ins.spec.local_grads(*[ex[s] for s in a], ex[o])
            for i, (d, d0) in enumerate(zip(local, scalar)):
                d = np.broadcast_to(np.asarray(d, dtype=float), out.shape)
                v = float(d[0, j] if d.ndim == 2 else d[j])
                if not math.isclose(v, float(d0), rel_tol=1e-7, abs_tol=1e-9) and not (
                    math.isnan(v) and math.isnan(float(d0))
                ):
                    raise TraceError(
                        f"op {ins.label!r} has no vectorized form: on NumPy arrays its local_grads "
                        f"rule gives d/dx_{i} = {v!r} where floats give {float(d0)!r}. Write its rules "
                        "with ops.exp / ops.where (not math.* and Python if/else), or run f eagerly."
                    )

    # ---- running -----------------------------------------------------------------------

    def _param_vector(self) -> Any:
        params = self.parameters
        return _np.fromiter((params[i].data for i in self._layout), dtype=float, count=len(params))

    def _program(self, X: Any, theta: Any) -> _Program:
        V: list[Any] = [None] * len(self._batched)
        V[_INPUTS] = X
        V[_PARAMS] = theta
        V[_CONSTS] = self._const_array
        return _Program(V, self._batched, self._width, X.shape[0])

    def _check_X(self, X: Any) -> Any:
        np = _numpy()
        try:
            arr = np.asarray(X)
            if arr.dtype.kind not in "biuf":  # strings, None, objects: not numbers
                raise ValueError(f"got elements of type {arr.dtype}")
            arr = arr.astype(float, copy=False)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"X must be an array-like of numbers with shape (batch, {self.n_inputs}): {err}"
            ) from None
        if arr.ndim != 2 or arr.shape[1] != self.n_inputs or arr.shape[0] == 0:
            raise ValueError(
                f"X must have shape (batch, {self.n_inputs}) with batch >= 1 (one row of "
                f"{self.n_inputs} inputs per sample), got shape {arr.shape}."
            )
        return arr

    def _forward(self, X: Any, theta: Any) -> _Program:
        P = self._program(X, theta)
        for ins in self._instrs:
            ins.forward(P)
        return P

    def _outputs(self, P: _Program, first: int = 0) -> Any:
        """The outputs ``first:`` as a (B,) array (one output) or (B, n) (a view when they
        are one block, in order)."""
        np = _np
        block = self._out_block.get(first)
        if block is not None:  # the outputs are one block, in order
            return P.V[block]
        srcs = self._out_srcs[first:]
        cols = []
        for b, c in srcs:
            v = P.V[b]
            col = v[:, c] if P.batched[b] else np.full(P.B, v[c])
            cols.append(col)
        if len(srcs) == 1:
            return np.array(cols[0], dtype=float)
        return np.stack(cols, axis=1)

    def _check_domain(self, P: _Program, y: Any) -> None:
        """Outputs not finite: find an op that raises on floats at that row, as eager would."""
        np = _np
        if np.isfinite(y).all():
            return
        for ins in self._instrs:
            if not isinstance(ins, _Elementwise):
                continue
            out = np.broadcast_to(P.V[ins.out], P.shape(ins.out))
            bad = ~np.isfinite(out)
            if not bad.any():
                continue
            args = [np.broadcast_to(_fetch(P.V, s), out.shape) for s in ins.srcs]
            for pos in zip(*np.nonzero(bad)):
                operands = [float(a[pos]) for a in args]
                if not all(math.isfinite(x) for x in operands):
                    continue
                try:
                    ins.spec.forward(*operands)
                except engine._DOMAIN_ERRORS as err:
                    row = f" (row {pos[0]} of X)" if P.batched[ins.out] else ""
                    e = engine._domain_error(ins.spec, [Value(x) for x in operands], err)
                    raise type(e)(f"{e}{row}") from None

    def __call__(self, X: Any) -> Any:
        """f's output(s) for every row of ``X``: shape (B,) for one output, else (B, n_outputs)."""
        np = _numpy()
        X = self._check_X(X)
        with np.errstate(all="ignore"):
            P = self._forward(X, self._param_vector())
            y = self._outputs(P)
            self._check_domain(P, y)
        return y

    def _seed(self, P: _Program, scale: Any, first: bool = False) -> None:
        """dL/d(output) = scale for every row (a float, or an array with one column per
        output); ``first``: only the first output is seeded (the others are read only)."""
        np = _np
        srcs = self._out_srcs[:1] if first else self._out_srcs
        if type(scale) is float and len(srcs) == 1:
            b, c = srcs[0]
            G = P.G[b]
            if G is None and P.batched[b] and P.width[b] == 1:  # the usual loss output
                P.G[b] = np.full((P.B, 1), scale)
                return
            if G is None:
                G = P.G[b] = np.zeros(P.shape(b))
            if P.batched[b]:
                G[:, c] += scale
            else:
                G[c] += scale * P.B
            return
        if np.ndim(scale) == 2 and len(srcs) == scale.shape[1]:
            blocks = {b for b, _ in srcs}
            b = srcs[0][0]
            if len(blocks) == 1 and P.batched[b] and [c for _, c in srcs] == list(range(P.width[b])):
                P.G[b] = scale  # the common case: the outputs are one block, in order
                return
        for j, (b, c) in enumerate(srcs):
            s = scale if np.ndim(scale) < 2 else scale[:, j]
            if P.G[b] is None:
                P.G[b] = np.zeros(P.shape(b))
            if P.batched[b]:
                P.G[b][:, c] += s
            else:
                P.G[b][c] += s * P.B if np.ndim(s) == 0 else np.sum(s)

    def _backward(self, P: _Program, scale: Any, first: bool = False, out: Any = None) -> Any:
        """Back-propagate dL/d(outputs) = scale; the parameters' gradients (block order),
        in ``out`` if given (an array of the right size, overwritten)."""
        np = _np
        if out is None:
            out = np.zeros(len(self.parameters))
        else:
            out.fill(0.0)
        P.G[_PARAMS] = out
        self._seed(P, scale, first)
        need = self._need
        for ins in reversed(self._instrs):
            ins.backward(P, need)
        return P.G[_PARAMS]

    def backward(self, X: Any, reduction: str = "mean") -> float:
        """Forward and backward over the batch ``X``; add the mean (``"sum"``: the sum) over
        rows of d f / d p into each parameter's ``.grad``; return the mean (sum) of f.

        Only for a single-output tape. A failed call leaves every ``.grad`` as it was.
        """
        np = _numpy()
        if reduction not in ("mean", "sum"):
            raise ValueError(f"backward: reduction must be 'mean' or 'sum', got {reduction!r}.")
        if self.n_outputs != 1:
            raise ValueError(
                f"backward needs a tape with one output, this one has {self.n_outputs}; trace a "
                "function that returns one Value (e.g. the loss of one sample)."
            )
        X = self._check_X(X)
        with np.errstate(all="ignore"):
            P = self._forward(X, self._param_vector())
            y = self._outputs(P)
            self._check_domain(P, y)
            scale = 1.0 / P.B if reduction == "mean" else 1.0
            g = self._backward(P, scale)
            total = float(y.sum())
        grads = g.tolist()
        params = self.parameters
        for col, pi in enumerate(self._layout):  # floats only from here: cannot fail
            params[pi].grad += grads[col]
        return total / P.B if reduction == "mean" else total

    def to_torch(self, dtype: Any = None) -> Any:
        """This graph as a ``torch.nn.Module`` on batched tensors (needs the ``torch`` extra).

        See :class:`micrograd_plus.torch_bridge.TapeModule`: any device, differentiable by
        torch's autograd, the parameters as a ``torch.nn.Parameter`` (float64 by default).
        """
        from . import torch_bridge  # (the one module that imports torch)

        return torch_bridge.tape_to_torch(self) if dtype is None else torch_bridge.tape_to_torch(self, dtype)

    # ---- introspection -----------------------------------------------------------------

    @property
    def n_ops(self) -> int:
        """Scalar op nodes recorded (before fusion)."""
        return len(self.ops)

    @property
    def n_fused_ops(self) -> int:
        """Array ops the tape runs (after fusion)."""
        return len(self._instrs)

    def program(self) -> str:
        """The fused program, one array op per line (for reading and debugging)."""
        lines = []
        for ins in self._instrs:
            w = self._width[ins.out]
            shape = f"(B, {w})" if self._batched[ins.out] else f"({w},)"
            lines.append(f"{ins.label:<24} -> block {ins.out} {shape}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Tape({self.n_inputs} inputs, {len(self.parameters)} parameters, {self.n_outputs} "
            f"output{'s' if self.n_outputs != 1 else ''}; {self.n_ops} ops fused into {self.n_fused_ops})"
        )
