r"""Neural networks: ``Module``, ``Neuron``, ``Layer`` and ``MLP``.

A neuron j of layer ℓ computes, in the lecture's notation,

    z_j^ℓ = Σ_k w_{j,k}^ℓ a_k^{ℓ-1} + b_j^ℓ          (pre-activation)
    a_j^ℓ = σ(z_j^ℓ)                                  (activation)

The pre-activation is ONE graph node (the fused ``dot`` op) instead of 2n nodes of
``*`` and ``+``, so backprop visits a network's graph a neuron at a time: the ``dot``
node hands δ_j^ℓ to the bias (BP3) and a_k^{ℓ-1} δ_j^ℓ to each weight (BP4).

Parameters are registered by assignment, as in PyTorch: every attribute of a
``Module`` that is a ``Value``, a ``Module``, or a list/tuple of them is a parameter
(or holds some), in the order the attributes were assigned. Names are dotted paths,
``layers.0.neurons.3.w.1``; attributes starting with ``_`` are private and skipped.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from . import ops
from .engine import Value, dot

__all__ = [  # noqa: F822 (ACTIVATIONS comes from __getattr__)
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Layer",
    "LoadKeyError",
    "LoadTypeError",
    "Module",
    "Neuron",
    "init_bound",
]

FORMAT = "micrograd_plus.state"
"""The tag written into every saved file (``"format"`` key)."""
FORMAT_VERSION = 1
"""Version of the saved-file layout (``"version"`` key)."""
MAX_FILE_BYTES = 256 * 1024 * 1024
"""The largest file :meth:`Module.load` reads (about 5 million parameters); larger is refused."""
_MAX_INT_DIGITS = 20  # a saved file holds floats and a small version number, never a 401-digit int

INITS: tuple[str, ...] = ("auto", "uniform", "xavier", "kaiming")
"""The weight initialisation schemes (see :class:`Neuron`)."""

PRELU_INIT = ops.PRELU_INIT
"""Initial PReLU slope, as ``torch.nn.PReLU``."""


def __getattr__(name: str) -> Any:
    # ACTIVATIONS is read from the registry at each use, so a registered activation
    # shows up here (and in the CLI's choices) with no edit.
    if name == "ACTIVATIONS":
        return tuple(ops.ACTIVATIONS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


M = TypeVar("M", bound="Module")


# --------------------------------------------------------------------------------------
# Argument checking
# --------------------------------------------------------------------------------------


def _check_size(owner: str, name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an int >= 1, got {type(n).__name__} {n!r}.")
    if n < 1:
        raise ValueError(f"{owner}: {name} must be >= 1, got {n}.")
    return int(n)


def _check_activation(owner: str, activation: Any) -> str:
    if activation is None:
        return "linear"
    if not isinstance(activation, str):
        raise TypeError(
            f"{owner}: activation must be a name (str) or None, got {type(activation).__name__}. "
            f"Valid names: {', '.join(ops.ACTIVATIONS)}."
        )
    if activation not in ops.ACTIVATIONS:
        raise ValueError(
            f"{owner}: unknown activation {activation!r}. Valid names: {', '.join(ops.ACTIVATIONS)} "
            "(or None for linear)."
        )
    return activation


def _check_init(owner: str, init: Any) -> str:
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"{owner}: unknown init {init!r}. Valid schemes: {', '.join(INITS)}.")
    return init


def _make_rng(owner: str, rng: Any) -> random.Random:
    """A ``random.Random`` from a seed, an existing generator, or None (fresh entropy)."""
    if rng is None:
        return random.Random()  # seeded from the OS: never touches the global state
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return random.Random(int(rng))
    raise TypeError(f"{owner}: rng must be an int seed, a random.Random or None, got {type(rng).__name__}.")


def init_bound(init: str, activation: str, fan_in: int, fan_out: int) -> float:
    r"""Half-width r of the uniform distribution U(-r, r) that weights are drawn from.

    - ``"uniform"``: r = 1 (micrograd's choice).
    - ``"xavier"`` (Glorot & Bengio 2010): r = sqrt(6 / (fan_in + fan_out)), keeps the
      variance of a^ℓ and of δ^ℓ roughly constant across tanh/sigmoid/linear layers.
    - ``"kaiming"`` (He et al. 2015): r = sqrt(6 / ((1 + a²) fan_in)), with a the
      negative slope (0.01 for leaky_relu, 0.25 for prelu, 0 otherwise); compensates
      the half of the signal that the relu family zeroes out.
    - ``"auto"``: kaiming for relu/leaky_relu/elu/celu/gelu/silu/swish/prelu/softplus,
      xavier for tanh/sigmoid/linear.
    """
    act = ops.ACTIVATIONS[activation]
    if init == "auto":
        init = act.init
    if init == "uniform":
        return 1.0
    if init == "xavier":
        return math.sqrt(6.0 / (fan_in + fan_out))
    a = act.gain_slope
    return math.sqrt(6.0 / ((1.0 + a * a) * fan_in))


def _count(n: int) -> str:
    return f"{n} parameter" if n == 1 else f"{n} parameters"


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


# --------------------------------------------------------------------------------------
# Module
# --------------------------------------------------------------------------------------


class Module:
    r"""Base class of everything with parameters: registration, state, saving.

    Assign ``Value``s, ``Module``s, or lists/tuples of them as attributes and they are
    found by :meth:`named_parameters`, in assignment order. A subclass defines
    ``__call__`` (micrograd style) or ``forward`` (PyTorch style).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        forward = getattr(self, "forward", None)
        if forward is None:
            raise NotImplementedError(f"{type(self).__name__}: define __call__ or forward(self, x).")
        return forward(*args, **kwargs)

    # ---- parameters --------------------------------------------------------------------

    def _members(self) -> Iterator[tuple[str, Any]]:
        """(name, Value or Module) for each public attribute, lists/tuples expanded."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(attr, (Value, Module)):
                yield name, attr
            elif isinstance(attr, (list, tuple)):
                for i, item in enumerate(attr):
                    if isinstance(item, (Value, Module)):
                        yield f"{name}.{i}", item

    def named_modules(self) -> list[tuple[str, Module]]:
        """Every module, this one first (name ``""``), then its submodules depth-first.

        Names are the dotted prefixes of :meth:`named_parameters` (``"layers.0"``,
        ``"layers.0.neurons.3"``), so a module's own parameters are the ones whose name
        starts with ``name + "."`` (handy to group a graph picture by neuron or layer).
        """
        found: list[tuple[str, Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            prefix, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            found.append((prefix, module))
            children = [
                (f"{prefix}.{name}" if prefix else name, member)
                for name, member in module._members()
                if isinstance(member, Module)
            ]
            stack.extend(reversed(children))
        return found

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` for every parameter, in the same order as :meth:`parameters`.

        A ``Value`` shared by two modules is listed once, under its first name.
        """
        result: list[tuple[str, Value]] = []
        seen: set[Value] = set()
        for prefix, module in self.named_modules():
            for name, member in module._members():
                if isinstance(member, Value) and member not in seen:
                    seen.add(member)
                    result.append((f"{prefix}.{name}" if prefix else name, member))
        return result

    def parameters(self) -> list[Value]:
        """Every trainable ``Value`` θ of the model (what an optimizer updates)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the model has."""
        return len(self.named_parameters())

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set ``.grad = 0.0`` on every parameter (gradients accumulate otherwise).

        ``set_to_none`` is accepted for PyTorch habits, but a ``Value``'s gradient is
        always a float, so both settings leave 0.0 (see the README's "Coming from
        PyTorch"); anything but a bool raises ``TypeError``.
        """
        _check_set_to_none(type(self).__name__, set_to_none)
        for p in self.parameters():
            p.grad = 0.0

    # ---- state -------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """``{name: θ.data}`` for every parameter; keys are the :meth:`named_parameters` names."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy the numbers of ``state`` into the parameters (``θ.data = state[name]``).

        Everything is checked before anything is written, so on any error the model is
        unchanged: missing or unexpected keys raise ``KeyError`` naming them; a value
        that is not a real number raises ``TypeError``, a NaN or ±inf ``ValueError``,
        each naming its key.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict expects a dict of name -> float, got {type(state).__name__}.")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        expected_set = set(expected)
        unexpected = [key for key in state if key not in expected_set]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing keys {_show(missing)}")
            if unexpected:
                parts.append(f"unexpected keys {_show(unexpected)}")
            raise KeyError(
                f"load_state_dict: {' and '.join(parts)} for {self!r}. "
                "Was the state saved from a model of the same architecture?"
            )
        values = []
        for name in expected:
            v = state[name]
            if not _is_number(v):
                raise TypeError(
                    f"load_state_dict: {name!r} must be a real number, got {type(v).__name__} {v!r:.40}."
                )
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"load_state_dict: {name!r} must be finite, got {v}.")
            values.append(v)
        for (_, p), v in zip(named, values):
            p.data = v

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` as JSON (never pickle).

        The file holds ``{"format": "micrograd_plus.state", "version": 1,
        "architecture": repr(model), "config": {...}, "state": {name: float}}``. NaN/inf
        parameters raise ``ValueError`` before anything is written. The write is atomic:
        the text goes to a temporary file in the same folder, which then replaces
        ``path`` (``os.replace``), so ``path`` is either the old file or the complete new
        one, never half written (a full disk or a crash leaves the old file intact).
        """
        state = self.state_dict()
        bad = [name for name, v in state.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"save: parameters {_show(bad)} are not finite; JSON cannot store them.")
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "architecture": repr(self),
            "config": self.config(),
            "state": state,
        }
        text = json.dumps(document, indent=1, allow_nan=False, ensure_ascii=False) + "\n"
        _write_atomically(os.fspath(path), text.encode("utf-8"))

    def load(self: M, path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> M:
        """Load parameters saved by :meth:`save` into this model; returns the model.

        Only JSON is read, so loading can never run code, and only from a regular file
        of at most ``max_bytes`` bytes (a FIFO, a device such as ``/dev/zero`` or a
        folder is refused before it is read). Any malformed file -- not JSON, nested too
        deeply, an absurd integer, no format tag, a wrong ``version`` (which must be the
        int 1), no state, missing, unexpected or non-numeric entries -- raises a
        ``ValueError`` naming the file and what was wrong (for wrong entries it is also
        the ``KeyError``/``TypeError`` that :meth:`load_state_dict` raises). On any error
        the model is unchanged. A missing file raises ``FileNotFoundError``.
        """
        target = os.fspath(path)
        raw = _read_regular_file(target, max_bytes)
        try:
            document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=_parse_int)
        except RecursionError:
            raise ValueError(
                f"load: {target!r} is nested too deeply to be a micrograd_plus model file."
            ) from None
        except ValueError as err:  # also UnicodeDecodeError
            raise ValueError(f"load: {target!r} is not a valid micrograd_plus JSON file: {err}") from None
        if not isinstance(document, dict):
            raise ValueError(
                f"load: {target!r} should hold a JSON object with a 'state', got {type(document).__name__}."
            )
        if document.get("format") != FORMAT:
            raise ValueError(
                f"load: {target!r} is not a micrograd_plus model file "
                f"(format tag {document.get('format')!r:.60}, expected {FORMAT!r})."
            )
        version = document.get("version")
        if type(version) is not int or version != FORMAT_VERSION:
            raise ValueError(
                f"load: {target!r} has format version {version!r:.60}; this micrograd_plus reads "
                f"version {FORMAT_VERSION} (an integer)."
            )
        state = document.get("state")
        if not isinstance(state, dict):
            raise ValueError(f"load: {target!r} has no 'state' object of parameter values.")
        try:
            self.load_state_dict(state)
        except KeyError as err:
            raise LoadKeyError(f"load: {target!r}: {err.args[0] if err.args else err}") from None
        except TypeError as err:
            raise LoadTypeError(f"load: {target!r}: {err}") from None
        except ValueError as err:
            raise ValueError(f"load: {target!r}: {err}") from None
        return self

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (saved with the state)."""
        return {"type": type(self).__name__}


class LoadKeyError(ValueError, KeyError):
    """A saved file whose names do not match the model (a ``ValueError`` and a ``KeyError``)."""

    __str__ = BaseException.__str__  # the message, not KeyError's repr of it


class LoadTypeError(ValueError, TypeError):
    """A saved file with a non-numeric entry (a ``ValueError`` and a ``TypeError``)."""


def _check_set_to_none(owner: str, set_to_none: Any) -> None:
    """``set_to_none`` must be a bool; either way the gradients become 0.0 (never None)."""
    if not isinstance(set_to_none, bool):
        raise TypeError(f"{owner}.zero_grad: set_to_none must be True or False, got {set_to_none!r:.40}.")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:
        raise ValueError(f"an integer with {digits} digits is not a parameter value")
    return int(text)


def _read_regular_file(target: str, max_bytes: int) -> bytes:
    """The bytes of ``target``, if it is a regular file of at most ``max_bytes`` bytes.

    The file is opened non-blocking and checked with ``fstat`` before it is read, so a
    FIFO cannot hang and ``/dev/zero`` cannot fill the memory.
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise TypeError(f"load: max_bytes must be an int >= 0, got {max_bytes!r:.40}.")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):  # before open: a FIFO
        raise ValueError(f"load: {target!r} is not a regular file (a folder, FIFO or device).")
    fd = os.open(target, flags)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"load: {target!r} is not a regular file (a folder, FIFO or device).")
        if info.st_size > max_bytes:
            raise ValueError(
                f"load: {target!r} is {info.st_size} bytes, more than the {max_bytes} a model file "
                "may have (pass max_bytes=... to load a larger one)."
            )
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"load: {target!r} grew past {max_bytes} bytes while it was read.")
    return raw


def _write_atomically(target: str, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder + ``os.replace``.

    The temporary file is created with the usual permissions (0o666 minus the umask), or
    those of the file it replaces, and is removed if anything fails.
    """
    folder = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _show(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f" (and {len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}]{more}"


# --------------------------------------------------------------------------------------
# Neuron, Layer, MLP
# --------------------------------------------------------------------------------------


def _label_parameters(module: Module) -> None:
    """Label each parameter with its name, so graph pictures and reprs say which it is."""
    for name, p in module.named_parameters():
        p.label = name


def _check_inputs(owner: str, nin: int, x: Any) -> None:
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{owner} expects a list of {nin} inputs (numbers or Values), got {type(x).__name__}."
        ) from None
    if n != nin:
        raise ValueError(f"{owner} expects {nin} inputs, got {n}.")


def _as_inputs(owner: str, nin: int, x: Any) -> list[Value]:
    """Check the size of ``x`` and make each number a Value ONCE, shared by all neurons.

    (``dot`` would lift a number by itself, but then every neuron of the layer would
    make its own copy: nout leaves per input instead of one.)
    """
    _check_inputs(owner, nin, x)
    return [v if type(v) is Value else _input_value(owner, i, v) for i, v in enumerate(x)]


def _input_value(owner: str, i: int, v: Any) -> Value:
    if isinstance(v, Value):
        return v
    try:
        return Value(v)
    except TypeError:
        raise TypeError(
            f"{owner}: input {i} must be a number or a Value, got {type(v).__name__} {v!r:.40}."
        ) from None


class Neuron(Module):
    r"""One neuron: a = σ(w·x + b).

    ``Neuron(nin, activation="relu", bias=True, rng=None, *, init="auto")``. Weights
    w_k ~ U(-r, r) with r from ``init`` (see :func:`init_bound`; for a lone neuron
    fan_out = 1): ``"auto"`` is Kaiming/He for the relu family (relu, leaky_relu, elu,
    celu, gelu, silu, swish, prelu, softplus) and Xavier/Glorot for tanh, sigmoid and
    linear; ``"uniform"`` is micrograd's U(-1, 1). The bias b starts at 0, and
    ``"prelu"`` adds one learnable slope (``.slope``, initialised to 0.25 as in
    PyTorch). Parameters, in order: ``w.0 … w.{nin-1}``, ``b``, ``slope``.

    Backprop through a neuron, with δ = dL/dz:  dL/db = δ (BP3), dL/dw_k = x_k δ (BP4),
    dL/dx_k = w_k δ (what flows on to the previous layer, BP2).
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        bias: bool = True,
        rng: int | random.Random | None = None,
        *,
        init: str = "auto",
        _fan_out: int = 1,
    ) -> None:
        self.nin = _check_size("Neuron", "nin", nin)
        self.activation = _check_activation("Neuron", activation)
        if not isinstance(bias, bool):
            raise TypeError(f"Neuron: bias must be True or False, got {type(bias).__name__}.")
        self.init = _check_init("Neuron", init)
        gen = _make_rng("Neuron", rng)
        r = init_bound(self.init, self.activation, self.nin, _fan_out)
        self.w = [Value(gen.uniform(-r, r), label=f"w.{k}") for k in range(self.nin)]
        self.b = Value(0.0, label="b") if bias else None
        act = ops.ACTIVATIONS[self.activation]
        # a learnable activation (prelu): its first parameter is one Value per neuron
        self.slope = Value(float(act.params[0][1]), label="slope") if act.learnable else None
        self._act = act.bind() if act.method else None

    def __call__(self, x: Sequence[Any]) -> Value:
        """a = σ(w·x + b) for a list ``x`` of ``nin`` numbers or Values."""
        return self._forward(_as_inputs("Neuron", self.nin, x))

    def _forward(self, x: Sequence[Any]) -> Value:
        z = dot(self.w, x, self.b)  # z = w·x + b, one node
        act = self._act
        if act is None:
            return z
        if self.slope is not None:
            return act(z, self.slope)
        return act(z)

    def config(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation, "bias": self.b is not None}

    def __repr__(self) -> str:
        return f"Neuron({self.nin} → 1 {self.activation}, {_count(self.num_parameters())})"


class Layer(Module):
    r"""``nout`` neurons on the same inputs: a^ℓ = σ(W^ℓ a^{ℓ-1} + b^ℓ).

    ``Layer(nin, nout, activation="relu", rng=None, *, bias=True, init="auto")``;
    calling it returns a ``list`` of ``nout`` Values (even when ``nout == 1``).
    Parameters are named ``neurons.{j}.w.{k}``, ``neurons.{j}.b`` (and
    ``neurons.{j}.slope`` for prelu). Xavier/Kaiming use fan_in = nin, fan_out = nout.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        rng: int | random.Random | None = None,
        *,
        bias: bool = True,
        init: str = "auto",
    ) -> None:
        self.nin = _check_size("Layer", "nin", nin)
        self.nout = _check_size("Layer", "nout", nout)
        self.activation = _check_activation("Layer", activation)
        if not isinstance(bias, bool):
            raise TypeError(f"Layer: bias must be True or False, got {type(bias).__name__}.")
        self.init = _check_init("Layer", init)
        gen = _make_rng("Layer", rng)
        self.neurons = [
            Neuron(self.nin, self.activation, bias, gen, init=self.init, _fan_out=self.nout)
            for _ in range(self.nout)
        ]
        _label_parameters(self)

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        """[a_1, …, a_nout] for a list ``x`` of ``nin`` numbers or Values."""
        x = _as_inputs("Layer", self.nin, x)
        return [n._forward(x) for n in self.neurons]

    def config(self) -> dict[str, Any]:
        bias = self.neurons[0].b is not None
        return {
            "type": "Layer",
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "bias": bias,
        }

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout} {self.activation}, {_count(self.num_parameters())})"


class MLP(Module):
    r"""A multi-layer perceptron: layers ℓ = 1..L with a^ℓ = σ_ℓ(W^ℓ a^{ℓ-1} + b^ℓ).

    ``MLP(nin, nouts, activation="relu", output_activation=None, rng=None, *,
    bias=True, init="auto")``: ``nouts`` lists the layer sizes, e.g. ``[16, 16, 1]``.
    Hidden layers use ``activation``, the last one ``output_activation`` (``None`` =
    linear). Returns one ``Value`` when the last layer has one output, else a list.
    One ``rng`` draws every weight, layer after layer, so a seed fixes the whole model.
    ``init="auto"`` gives each layer the scheme that suits its own activation (He for
    relu-like hidden layers, Glorot for tanh/sigmoid and for a linear output layer);
    biases start at 0. Parameters are named ``layers.{ℓ}.neurons.{j}.w.{k}`` (ℓ from 0).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        rng: int | random.Random | None = None,
        *,
        bias: bool = True,
        init: str = "auto",
    ) -> None:
        self.nin = _check_size("MLP", "nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes such as [16, 16, 1], got {type(nouts).__name__} "
                f"{nouts!r:.40}."
            )
        if len(nouts) == 0:
            raise ValueError("MLP: nouts is empty; give at least the output size, e.g. [1].")
        self.nouts = [_check_size("MLP", f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        self.activation = _check_activation("MLP", activation)
        self.output_activation = _check_activation("MLP", output_activation)
        if not isinstance(bias, bool):
            raise TypeError(f"MLP: bias must be True or False, got {type(bias).__name__}.")
        self.init = _check_init("MLP", init)
        gen = _make_rng("MLP", rng)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                self.activation if i < last else self.output_activation,
                gen,
                bias=bias,
                init=self.init,
            )
            for i in range(len(self.nouts))
        ]
        _label_parameters(self)

    def __call__(self, x: Sequence[Any]) -> Any:
        """The network's output a^L for a list ``x`` of ``nin`` numbers or Values.

        A ``Value`` when the last layer has one output, else a ``list[Value]``. Typed
        ``Any`` (as ``torch.nn.Module.__call__``): which one it is depends on the sizes
        given at run time, so ``model(x).backward()`` and ``model(x)[0]`` both type-check.
        """
        x = _as_inputs("MLP", self.nin, x)
        for layer in self.layers:
            x = [n._forward(x) for n in layer.neurons]
        return x[0] if len(x) == 1 else x

    def config(self) -> dict[str, Any]:
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": None if self.output_activation == "linear" else self.output_activation,
            "bias": self.layers[0].neurons[0].b is not None,
        }

    def __repr__(self) -> str:
        body = " → ".join(f"{layer.nout} {layer.activation}" for layer in self.layers)
        return f"MLP({self.nin} → {body}, {_count(self.num_parameters())})"
