r"""The training step of ``fit(compile=True)``: one batch through tapes instead of graphs.

How the objective of a batch B is computed (same numbers as eager ``fit``):

1. **The model is traced once** (``trace(model, X[0])``): its tape maps a batch of rows
   to a ``(|B|, n_outputs)`` array of outputs.
2. **The loss is applied per sample, to the outputs.** For the named losses whose
   graph does not branch on data, the loss of ONE sample is traced too, with the
   sample's target as extra inputs (a "loss head" tape): ``hinge`` as
   ``relu(1 - y s)``, ``mse``, ``bce_with_logits`` (the library's own functions, with the
   target a ``Value``), and ``cross_entropy`` as ``log Σ_j e^{z_j - m} - Σ_j t_j (z_j - m)``
   with t the one-hot target and m = max_j z_j (the constant shift eager
   ``cross_entropy`` subtracts) fed in as an input. The batch loss is the mean over
   rows, as the eager losses are; its gradient dL/dz is the head tape's input gradient.
   Any other loss (a callable, ``binary_cross_entropy``, whose graph depends on the
   values) is called eagerly on the outputs as leaf ``Value``s, once per batch, and
   dL/dz read from their ``.grad``: still one tape pass for the model.
3. **Parameter-only terms are added once per step:** the L2 penalty λ Σ θ² (value and
   gradient 2λθ on the parameter array), not traced per sample.
4. dL/dz is back-propagated through the model tape in one pass.

Parameters: with an optimizer of :mod:`micrograd_plus.optim` (and outside
``detect_anomaly``) the parameters are held in one array while an epoch runs and the
optimizer's rule is applied to that array (:mod:`._optim_arrays`, the same numbers as
its per-``Value`` step). ``.data``, ``.grad`` and the optimizer's state are written back
at the end of every epoch, before the schedule and the callback run, and read again
after them. Any other optimizer is stepped through ``.grad`` / ``step()`` as usual.
"""

from __future__ import annotations

import math
from typing import Any

from . import _optim_arrays
from . import losses as _losses
from .compile import _INPUTS, Tape, _numpy, trace
from .engine import Value, dot, is_anomaly_enabled, no_grad, sum_values


def _cross_entropy_sample(k: int) -> Any:
    def loss(*v: Value) -> Value:
        z, m, onehot = v[:k], v[k], v[k + 1 :]
        shifted = [zj - m for zj in z]
        log_total = sum_values([u.exp() for u in shifted]).log()
        return log_total - dot(list(onehot), shifted)  # = log_total - shifted[target]

    return loss


class CompiledSteps:
    """``step(batch) -> (objective, n_correct)``, ``sync()``, ``resume()`` for ``_train``."""

    def __init__(self, model: Any, rows: list[list[float]], task: Any, optimizer: Any, l2: float) -> None:
        from . import train

        np = self.np = _numpy()
        self.X = np.asarray(rows, dtype=float)
        self.n = len(rows)
        self.task, self.optimizer, self.l2 = task, optimizer, l2
        fn = task.loss
        n_in = len(rows[0])
        with no_grad():
            out = model(rows[0])
        returns_value = isinstance(out, Value)
        k = self.k = 1 if returns_value else len(out)
        self.mode = "combined"  # one tape: [loss of the sample, model outputs...]
        self.head: Tape | None = None
        sample_loss: Any = None
        targets: Any = None
        if fn is _losses.hinge and returns_value:
            sample_loss = lambda z, t: (1.0 - t[0] * z[0]).relu()
        elif fn is _losses.mse and returns_value:
            sample_loss = lambda z, t: _losses.mse(z, t)
        elif fn is train._flat_mse and not returns_value:
            sample_loss = lambda z, t: _losses.mse(z, t)
        elif fn is _losses.bce_with_logits and returns_value:
            sample_loss = lambda z, t: _losses.bce_with_logits(z, t)
        if sample_loss is not None:
            targets = np.asarray(task.targets, dtype=float).reshape(self.n, -1)

            def combined(*v: Value) -> list[Value]:
                out = model(list(v[:n_in]))
                z = [out] if isinstance(out, Value) else list(out)
                return [sample_loss(z, list(v[n_in:])), *z]

            self.tape = trace(combined, [*rows[0], *targets[0]])
            self.X = np.concatenate([self.X, targets], axis=1)  # rows: inputs, then targets
        else:
            self.tape = trace(lambda *xs: model(list(xs)), rows[0])
            self.mode = "eager-loss"
            if fn is _losses.cross_entropy and not returns_value:
                self.mode = "head"
                self.head = trace(_cross_entropy_sample(k), [0.0] * k + [0.0] + [1.0] + [0.0] * (k - 1))
                self.head._set_need(inputs=True)
                self.extra = np.eye(k)[np.asarray(task.targets, dtype=np.intp)]
        self.returns_value = returns_value
        self.truth = np.asarray(task.truth) if task.rule else None
        # The parameter vector: the tape's parameters (each layer's W contiguous, then b),
        # the optimizer's others, then (for the L2 term) the model's others.
        opt_params = list(getattr(optimizer, "params", ()))
        params = self.tape._matmul_order()
        seen = {id(p) for p in params}
        for p in opt_params + (model.parameters() if l2 else []):
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        self.params = params
        position = {id(p): i for i, p in enumerate(params)}
        self.n_tape = len(self.tape.parameters)
        self.tape._relayout(params[: self.n_tape])
        self.l2_idx: Any = None
        if l2:
            idx = [position[id(p)] for p in model.parameters()]
            self.l2_idx = (
                slice(0, len(idx)) if sorted(idx) == list(range(len(idx))) else np.asarray(idx, dtype=np.intp)
            )
        self.anomaly = is_anomaly_enabled()
        self.packed = _optim_arrays.supports(optimizer) and not self.anomaly
        self.opt_params = opt_params
        self.opt_idx = np.asarray([position[id(p)] for p in opt_params], dtype=np.intp)
        # every entry is the optimizer's: its state is kept in our order (permuted once)
        self.opt_all = len(opt_params) == len(params)
        mine = set(self.opt_idx.tolist())
        self.others = [i for i in range(len(params)) if i not in mine]
        self.grad = np.zeros(len(params))
        self.resume()

    # ---- the parameter array and user-visible state -------------------------------------

    def resume(self) -> None:
        """Read the parameters (and the optimizer's state) that user code may have changed."""
        np = self.np
        self.theta = np.fromiter((p.data for p in self.params), dtype=float, count=len(self.params))
        self.tp = self.theta if self.n_tape == len(self.params) else self.theta[: self.n_tape]
        self.gbuf = np.zeros(self.n_tape)
        self.state: dict[str, Any] = {}  # the optimizer's state (packed mode)
        if self.packed:
            state = _optim_arrays.load_state(np, self.optimizer)
            if self.opt_all:  # permute into our order
                for name, v in state.items():
                    if isinstance(v, np.ndarray):
                        w = np.empty_like(v)
                        w[self.opt_idx] = v
                        state[name] = w
            self.state = state
        self.dirty = False

    def sync(self) -> None:
        """Write .data, .grad and the optimizer's state back (packed mode)."""
        if not (self.packed and self.dirty):
            return
        self.dirty = False
        idx = self.opt_idx
        for p, x, g in zip(self.opt_params, self.theta[idx].tolist(), self.grad[idx].tolist()):
            p.data = x
            p.grad = g
        state = dict(self.state)
        if self.opt_all:
            for name, v in state.items():
                if isinstance(v, self.np.ndarray):
                    state[name] = v[idx]
        _optim_arrays.store_state(self.optimizer, state)

    # ---- one step ------------------------------------------------------------------------

    def step(self, batch: list[int]) -> tuple[float, int]:
        np = self.np
        with np.errstate(all="ignore"):
            return self._step(np, batch)

    def _step(self, np: Any, batch: list[int]) -> tuple[float, int]:
        full = len(batch) == self.n and batch[0] == 0 and batch[-1] == self.n - 1
        rows = slice(None) if full else np.asarray(batch, dtype=np.intp)
        X = self.X if full else self.X[rows]
        B = X.shape[0]
        tape, theta = self.tape, self.theta
        if not self.packed:
            theta = self.theta = np.fromiter(
                (p.data for p in self.params), dtype=float, count=len(self.params)
            )
        tp = self.tp if self.packed else theta[: self.n_tape]
        P = tape._forward(X, tp)
        if self.mode == "combined":
            b, c = tape._out_srcs[0]
            v = P.V[b]
            loss = float((v if v.shape[1] == 1 else v[:, c]).sum()) / B
            Z = tape._outputs(P, first=1).reshape(B, self.k)
            gp = tape._backward(P, 1.0 / B, first=True, out=self.gbuf)
        else:
            Z = tape._outputs(P).reshape(B, self.k)
            loss, dZ = self._head(np, Z, batch, rows)
            gp = tape._backward(P, dZ, out=self.gbuf)
        if self.n_tape == len(self.params):
            g = gp
        else:
            g = np.zeros(len(self.params))
            g[: self.n_tape] = gp
        if self.l2:
            w = theta[self.l2_idx]
            loss += float(w @ w) * self.l2 if self.l2 != 1.0 else float(w @ w)
            g[self.l2_idx] += (2.0 * self.l2) * w
        if not math.isfinite(loss):
            tape._check_domain(P, Z)
        if self.anomaly and not (math.isfinite(loss) and np.isfinite(g).all()):
            raise FloatingPointError(
                f"detect_anomaly: a compiled training step produced a non-finite "
                f"{'loss' if not math.isfinite(loss) else 'gradient'} ({loss}); no parameter was "
                "changed. Run fit without compile=True under detect_anomaly to see which op made it."
            )
        correct = self._correct(Z, self.truth[rows]) if self.truth is not None else 0
        opt = self.optimizer
        if self.packed:
            if self.opt_all:  # (in place: the tape's views of theta stay valid)
                _optim_arrays.step_into(np, opt, self.theta, g, self.state)
            else:
                idx = self.opt_idx
                self.theta[idx] = _optim_arrays.step(np, opt, theta[idx], g[idx], self.state)
            self.grad = g
            self.dirty = True
            for i in self.others:  # not the optimizer's: their .grad accumulates, as eagerly
                self.params[i].grad += float(g[i])
        else:
            opt.zero_grad()
            for p, gi in zip(self.params, g.tolist()):
                p.grad += gi
            opt.step()
        return loss, correct

    def _head(self, np: Any, Z: Any, batch: list[int], rows: Any) -> tuple[float, Any]:
        """The batch's mean loss and dL/dZ."""
        B = Z.shape[0]
        head = self.head
        if head is not None:
            H = np.concatenate([Z, Z.max(axis=1, keepdims=True), self.extra[rows]], axis=1)
            Ph = head._forward(H, np.zeros(0))
            y = head._outputs(Ph)
            if not np.isfinite(y).all():
                head._check_domain(Ph, y)
            head._backward(Ph, 1.0 / B)
            G = Ph.G[_INPUTS]
            return float(y.sum()) / B, (np.zeros_like(Z) if G is None else G[:, : self.k])
        # eager: the loss function on the outputs as leaves
        if self.returns_value:
            leaves = [Value(z) for z in Z[:, 0].tolist()]
            preds: list[Any] = leaves
        else:
            rows = [[Value(z) for z in row] for row in Z.tolist()]
            preds = rows
            leaves = [v for row in rows for v in row]
        targets = self.task.targets
        objective = self.task.loss(preds, [targets[i] for i in batch])
        objective.backward()
        dZ = np.fromiter((v.grad for v in leaves), dtype=float, count=len(leaves)).reshape(B, self.k)
        return objective.data, dZ

    def _correct(self, Z: Any, truth: Any) -> int:
        """How many rows of ``Z`` the task's rule counts as right, given their truth."""
        if self.task.rule == "threshold":
            return int(((Z[:, 0] > self.task.threshold) == truth).sum())
        return int((Z.argmax(axis=1) == truth).sum())
