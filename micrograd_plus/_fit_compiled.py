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

from typing import Any

from . import _optim_arrays
from . import losses as _losses
from .compile import _INPUTS, Tape, _numpy, trace
from .engine import Value, dot, is_anomaly_enabled, sum_values


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
        self.tape = trace(lambda *xs: model(list(xs)), rows[0])
        k = self.k = self.tape.n_outputs
        self.head: Tape | None = None
        self.extra: Any = None  # per-sample head inputs besides the outputs
        fn = task.loss
        returns_value = self.tape._returns_value
        if fn is _losses.hinge and returns_value:
            self.head = trace(lambda s, y: (1.0 - y * s).relu(), [0.5, 1.0])
            self.extra = np.asarray(task.targets, dtype=float)[:, None]
        elif fn is _losses.mse and returns_value:
            self.head = trace(lambda z, t: _losses.mse([z], [t]), [0.5, 0.0])
            self.extra = np.asarray(task.targets, dtype=float)[:, None]
        elif fn is train._flat_mse and not returns_value:
            self.head = trace(lambda *zt: _losses.mse(list(zt[:k]), list(zt[k:])), [0.5] * k + [0.0] * k)
            self.extra = np.asarray(task.targets, dtype=float).reshape(self.n, k)
        elif fn is _losses.bce_with_logits and returns_value:
            self.head = trace(lambda x, y: _losses.bce_with_logits([x], [y]), [0.5, 1.0])
            self.extra = np.asarray(task.targets, dtype=float)[:, None]
        elif fn is _losses.cross_entropy and not returns_value:
            self.head = trace(_cross_entropy_sample(k), [0.0] * k + [0.0] + [1.0] + [0.0] * (k - 1))
            self.extra = np.eye(k)[np.asarray(task.targets, dtype=np.intp)]
        if self.head is not None:
            self.head._set_need(inputs=True)
        self.truth = np.asarray(task.truth) if task.rule else None
        # the parameter vector: the optimizer's parameters, then the tape's others, then
        # (for the L2 term) the model's others
        opt_params = list(getattr(optimizer, "params", ()))
        params = list(opt_params)
        seen = {id(p) for p in params}
        for p in self.tape.parameters + (model.parameters() if l2 else []):
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        self.params = params
        position = {id(p): i for i, p in enumerate(params)}
        tape_params = sorted(self.tape.parameters, key=lambda p: position[id(p)])
        self.tape._relayout(tape_params)
        sel = [position[id(p)] for p in tape_params]
        self.sel = None if sel == list(range(len(sel))) else np.asarray(sel, dtype=np.intp)
        self.n_tape = len(sel)
        self.l2_idx = np.asarray([position[id(p)] for p in model.parameters()], dtype=np.intp) if l2 else None
        self.packed = _optim_arrays.supports(optimizer) and not is_anomaly_enabled()
        self.n_opt = len(opt_params)
        self.grad = np.zeros(len(params))
        self.resume()

    # ---- the parameter array and user-visible state -------------------------------------

    def resume(self) -> None:
        """Read the parameters (and the optimizer's state) that user code may have changed."""
        np = self.np
        self.theta = np.fromiter((p.data for p in self.params), dtype=float, count=len(self.params))
        self.state = _optim_arrays.load_state(np, self.optimizer) if self.packed else None
        self.dirty = False

    def sync(self) -> None:
        """Write .data, .grad and the optimizer's state back (packed mode)."""
        if not (self.packed and self.dirty):
            return
        self.dirty = False
        for p, x, g in zip(self.params[: self.n_opt], self.theta.tolist(), self.grad.tolist()):
            p.data = x
            p.grad = g
        _optim_arrays.store_state(self.optimizer, self.state)

    # ---- one step ------------------------------------------------------------------------

    def step(self, batch: list[int]) -> tuple[float, int]:
        np = self.np
        with np.errstate(all="ignore"):
            return self._step(np, batch)

    def _step(self, np: Any, batch: list[int]) -> tuple[float, int]:
        full = len(batch) == self.n and batch[0] == 0 and batch[-1] == self.n - 1
        X = self.X if full else self.X[batch]
        B = X.shape[0]
        tape, theta = self.tape, self.theta
        if not self.packed:
            theta = self.theta = np.fromiter(
                (p.data for p in self.params), dtype=float, count=len(self.params)
            )
        tp = theta[: self.n_tape] if self.sel is None else theta[self.sel]
        P = tape._forward(X, tp)
        Z = tape._outputs(P).reshape(B, self.k)
        loss, dZ = self._head(np, Z, batch)
        gp = tape._backward(P, dZ)
        g = np.zeros(len(self.params))
        if self.sel is None:
            g[: self.n_tape] = gp
        else:
            np.add.at(g, self.sel, gp)
        if self.l2:
            w = theta[self.l2_idx]
            loss += float(w @ w) * self.l2 if self.l2 != 1.0 else float(w @ w)
            g[self.l2_idx] += (2.0 * self.l2) * w
        if not np.isfinite(loss):
            tape._check_domain(P, Z)
        correct = self._correct(np, Z, batch) if self.truth is not None else 0
        opt = self.optimizer
        if self.packed:
            n = self.n_opt
            self.theta[:n] = _optim_arrays.step(np, opt, theta[:n], g[:n], self.state)
            self.grad = g
            self.dirty = True
            for p, gi in zip(self.params[n:], g[n:].tolist()):  # not the optimizer's: .grad accumulates
                p.grad += gi
        else:
            opt.zero_grad()
            for p, gi in zip(self.params, g.tolist()):
                p.grad += gi
            opt.step()
        return loss, correct

    def _head(self, np: Any, Z: Any, batch: list[int]) -> tuple[float, Any]:
        """The batch's mean loss and dL/dZ."""
        B = Z.shape[0]
        head = self.head
        if head is not None:
            extra = self.extra[batch]
            if self.task.loss is _losses.cross_entropy:
                H = np.concatenate([Z, Z.max(axis=1, keepdims=True), extra], axis=1)
            else:
                H = np.concatenate([Z, extra], axis=1)
            Ph = head._forward(H, np.zeros(0))
            y = head._outputs(Ph)
            if not np.isfinite(y).all():
                head._check_domain(Ph, y)
            head._backward(Ph, 1.0 / B)
            G = Ph.G[_INPUTS]
            return float(y.sum()) / B, (np.zeros_like(Z) if G is None else G[:, : self.k])
        # eager: the loss function on the outputs as leaves
        if self.tape._returns_value:
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

    def _correct(self, np: Any, Z: Any, batch: list[int]) -> int:
        truth = self.truth[batch]
        if self.task.rule == "threshold":
            return int(((Z[:, 0] > self.task.threshold) == truth).sum())
        return int((Z.argmax(axis=1) == truth).sum())
